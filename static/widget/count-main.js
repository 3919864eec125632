/* count.js, the entry for listing pages: fills every [data-commentsvc-count] with the widget's own counting code. */
import { createApi } from "./api.js";
import { Counter } from "./counts.js";

const countScript = document.currentScript;
if (countScript) {
  const counter = new Counter(document, createApi(new URL(".", countScript.src).href), countScript.getAttribute("data-site"));
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => counter.fill());
  else counter.fill();
}
