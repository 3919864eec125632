// Lint for the widget's ES modules and the dashboard's script (browser) and the unit tests (Node):
// ESLint's recommended rules.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["static/widget/**/*.js"],
    languageOptions: { ecmaVersion: 2025, sourceType: "module", globals: globals.browser },
  },
  {
    files: ["static/dashboard.js"],
    languageOptions: { ecmaVersion: 2025, sourceType: "script", globals: globals.browser },
  },
  {
    files: ["tests/js/**/*.mjs"],
    languageOptions: { ecmaVersion: 2025, sourceType: "module", globals: globals.node },
  },
  {
    rules: { "no-unused-vars": ["error", { ignoreRestSiblings: true }] },
  },
];
