/* embed.js, the entry: every comment section on the page (each in its own Shadow DOM) and every count.
   The only global is window.commentsvc. */
import { createApi } from "./api.js";
import { Counter } from "./counts.js";
import { FormGuard } from "./guard.js";
import { etagOf } from "./live.js";
import { createStore, Drafts, OwnComments } from "./storage.js";
import { Widget } from "./thread.js";

const FRESH_MS = 10 * 60 * 1000;

function browserStorage() {
  try {
    return window.localStorage;
  } catch {
    return null; // sandboxed frames throw on the mere access
  }
}

function start(script) {
  const base = new URL(".", script.src).href;
  const store = createStore(browserStorage());
  const wroteKey = "wrote@" + base;
  // After the reader's own write, reads revalidate so a cached (max-age) page cannot hide it.
  // The reader's identity is the voter id votes first kept: one stored value.
  const identityKey = "voter@" + base;
  const api = createApi(base, () => Date.now() - store.get(wroteKey, 0) < FRESH_MS);
  // Every write carries the identity.
  const request = (method, path, options) => api(method, path, { voter: method !== "GET" && store.get(identityKey), ...options });
  const counter = new Counter(document, api, script.getAttribute("data-site"));
  const env = {
    request, check: etagOf(base), store, counter, votesKey: "votes@" + base, wrote: () => store.set(wroteKey, Date.now()),
    own: new OwnComments(store, "own@" + base), drafts: new Drafts(store, "draft@" + base),
    guard: new FormGuard(request, store, identityKey, base),
  };
  const widgets = [];
  // The publisher's page signs its reader in or out at run time (single-page apps, late tokens).
  const signIn = (token) => widgets.forEach((widget) => widget.setSso(token || ""));
  window.commentsvc = { base, widgets, refreshCounts: () => counter.fill(), login: signIn, logout: () => signIn("") };

  function run() {
    const hosts = [...document.querySelectorAll("[data-commentsvc]")].filter((el) => !el.shadowRoot);
    if (!counter.defaultSite && hosts.length) counter.defaultSite = hosts[0].getAttribute("data-site") || "";
    counter.fill();
    for (const host of hosts) {
      const widget = new Widget(host, env);
      widgets.push(widget);
      if (/^#comment-\d+$/.test(location.hash) || !window.IntersectionObserver) {
        widget.mount();
        continue;
      }
      // Fetch the thread only when the section comes near the viewport; the page never waits for us.
      const observer = new IntersectionObserver((entries) => {
        if (entries.some((entry) => entry.isIntersecting)) { observer.disconnect(); widget.mount(); }
      }, { rootMargin: "600px 0px" });
      observer.observe(host);
    }
    window.addEventListener("hashchange", () => widgets.forEach((widget) => widget.onHash()));
    setInterval(() => widgets.forEach((widget) => widget.tick()), 30000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
}

// currentScript exists only while this file first runs, so the API base is captured right here.
const embedScript = document.currentScript || document.querySelector('script[src*="/embed.js"]');
if (embedScript && !window.commentsvc) start(embedScript);
