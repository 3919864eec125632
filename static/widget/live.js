/* The live new-comment notice: while the tab is visible the thread's first page is revalidated every few
   seconds (the browser sends its ETag; an unchanged thread costs a 304), less often while hidden, not at
   all after a long idle; new comments wait behind a fixed notice that moves nothing until it is clicked. */
import { button } from "./dom.js";

// The ETag of a read once the browser has revalidated its copy (a 304 when nothing changed), the body left
// unread. Here rather than in api.js, which count.js carries too and which reads bodies only.
export const etagOf = (base) => async (path) => {
  const response = await fetch(base + "api/v1/" + path, { credentials: "omit", cache: "no-cache" });
  return response.ok ? response.headers.get("ETag") : null;
};

// check() resolves to the page's ETag now; changed() runs when it moved, and after the first check (the page may
// have changed since it loaded; an unchanged one then comes from the browser's cache). Activity resumes a stopped poll.
export function poll(check, changed, interval, idle) {
  let etag, timer, busy, delay = interval, seen = Date.now();
  const run = async () => {
    clearTimeout(timer);
    timer = 0;
    if (busy || Date.now() - seen > idle) return;
    busy = true;
    const now = (await check().catch(() => 0)) || etag;
    if (now !== etag) await changed().catch(() => {});
    etag = now;
    busy = false;
    delay = document.hidden ? Math.min(delay * 2, 32 * interval) : interval;
    timer = setTimeout(run, delay);
  };
  const wake = (event) => {
    seen = Date.now();
    if (!document.hidden && (!timer || event.type === "visibilitychange")) {
      delay = interval;
      run();
    }
  };
  for (const type of ["visibilitychange", "scroll", "pointerdown", "keydown"]) addEventListener(type, wake, { passive: true });
  timer = setTimeout(run, interval);
}

// The comments of a newer page that are not shown yet, each before its replies.
export function unseen(comments, nodes, found = []) {
  for (const c of comments) {
    if (!nodes.has(c.id)) found.push(c);
    unseen(c.replies || [], nodes, found);
  }
  return found;
}

export function liveNotice(t, show) {
  const el = button("", show, { class: "commentsvc-live", hidden: true });
  el.n = 0;
  el.count = (n) => { el.n = n; el.textContent = t.plural("live_new", n); el.hidden = !n; };
  return el;
}
