/* The widget's words: one table per language (labels.json), placeholders, plural choice, codes to labels,
   relative times and durations. Pure functions: nothing here touches the page or the network. */
import LABELS from "./labels.json" with { type: "json" };

// zh-CN is the default: the widget was built for Chinese news sites; only an explicit English choice changes it.
export function pickLanguage(requested) {
  return /^en\b/i.test(requested || "") ? "en" : "zh-CN";
}

export function fill(template, params) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (params && name in params ? String(params[name]) : whole));
}

// t(key, params) for a label; t.plural(key, n) picks key_one or key_other by the language's plural rules;
// t.code(group, code) looks a stable code up in "reasons", "statuses" or "errors" (undefined when unknown).
export function translator(lang, table = LABELS) {
  const strings = table[lang] || table["zh-CN"];
  const rules = new Intl.PluralRules(lang);
  const t = (key, params) => fill(strings[key] ?? key, params);
  t.lang = lang;
  t.plural = (key, n, params) => {
    const exact = key + "_" + rules.select(n);
    return t(exact in strings ? exact : key + "_other", { n, ...params });
  };
  t.code = (group, code) => (code && Object.prototype.hasOwnProperty.call(strings[group], code) ? strings[group][code] : undefined);
  t.codes = (group) => Object.entries(strings[group]);
  return t;
}

// A failed request in the reader's words: the code's label, else the server's own message.
export function errorText(t, err) {
  if (err.network) return t("network");
  if (err.status === 429 || err.code === "rate_limited") return t.plural("too_fast", err.retryAfter || 60);
  return t.code("errors", err.code) ?? t("failed", { message: err.message || "HTTP " + err.status });
}

// One field's complaint: fields carry codes; an unknown code falls back to the server's message.
export function fieldText(t, code, message) {
  return t.code("errors", code) ?? message ?? code;
}

export function relativeTime(t, iso, now = Date.now()) {
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (seconds < 60) return t("just_now");
  for (const [size, key, limit] of [[60, "minutes_ago", 60], [3600, "hours_ago", 24], [86400, "days_ago", 30]]) {
    const n = Math.floor(seconds / size);
    if (n < limit) return t.plural(key, n);
  }
  return new Date(iso).toLocaleDateString(t.lang);
}

export const exactTime = (t, iso) => new Date(iso).toLocaleString(t.lang);
