/* commentsvc count.js: fills every [data-commentsvc-count] on a listing page with one counts request. */
(function (d) {
  "use strict";
  var s = d.currentScript, api = new URL("api/v1/counts", s.src).href, site = s.getAttribute("data-site") || "";
  function article(el) {
    var a = (el.getAttribute("data-commentsvc-count") || "").normalize("NFC").trim(), c = d.querySelector('link[rel="canonical"]');
    return a || new URL(c ? c.href : location.href).pathname;
  }
  function run() {
    var bySite = {}, k;
    d.querySelectorAll("[data-commentsvc-count]").forEach(function (el) {
      k = el.getAttribute("data-commentsvc-site") || site;
      (bySite[k] = bySite[k] || []).push(el);
    });
    Object.keys(bySite).forEach(function (key) {
      var els = bySite[key], names = [];
      els.forEach(function (el) { if (names.indexOf(article(el)) < 0) names.push(article(el)); });
      names = names.slice(0, 200);
      var q = (key ? "site=" + encodeURIComponent(key) : "") + names.map(function (n) { return "&article=" + encodeURIComponent(n); }).join("");
      // A short GET can be cached by browsers and CDNs; a long list goes as a POST body instead.
      (q.length < 1800 ? fetch(api + "?" + q, { credentials: "omit" })
        : fetch(api, { method: "POST", headers: { "Content-Type": "application/json" }, credentials: "omit",
          body: JSON.stringify({ site: key || undefined, articles: names }) }))
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          els.forEach(function (el) {
            var n = data.counts[article(el)];
            if (n != null) el.textContent = (el.getAttribute("data-commentsvc-format") || "{count}").split("{count}").join(n);
          });
        }, function () { /* counts are decoration; keep the fallback text */ });
    });
  }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", run); else run();
})(document);
