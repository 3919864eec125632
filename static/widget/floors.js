/* 盖楼: a deep reply's ancestors as nested, numbered quotes (1楼 innermost); a long chain's middle stays
   folded until the reader asks, then loads from the API. */
import { button, fillBody, h, langOf } from "./dom.js";

// Floors from the top down; each quote holds the ones above it, so the newest floor is outermost.
function nest(t, floors, inner) {
  for (const f of floors) {
    const label = t("floor", { n: f.floor });
    inner = h("blockquote", { class: "commentsvc-floor", "aria-label": label }, inner,
      h("p", { class: "commentsvc-floor-head" }, h("b", {}, label), " ", f.name || ""),
      f.html == null ? h("p", { class: "commentsvc-dim" }, t("deleted")) : fillBody({ body: h("div", { lang: langOf(f.lang) }) }, { html: f.html }));
  }
  return inner;
}

// chain: the comment's "floors" ({ count, hidden, first, last }); load(): every floor (GET comments/{id}/floors).
export function renderFloors(t, chain, load) {
  const box = h("div", { class: "commentsvc-floors", role: "group", "aria-label": t("floors"), tabindex: "-1" });
  let inner = nest(t, chain.first);
  if (chain.hidden > 0) {
    const more = button(t.plural("more_floors", chain.hidden), async () => {
      more.setAttribute("aria-disabled", "true");
      try {
        box.replaceChildren(nest(t, (await load()).floors));
        box.focus();
      } catch {
        more.removeAttribute("aria-disabled");
      }
    }, { class: "commentsvc-more-floors" });
    inner = h("div", {}, inner, more);
  }
  box.append(nest(t, chain.last, inner));
  return box;
}

// The reader's own reply under a floored one: the parent's floors and the parent, until the page reloads.
export function floorsBelow(parent) {
  const f = parent && parent.c.floors;
  const c = parent && parent.c;
  return f ? { ...f, count: f.count + 1, last: [...f.last, { floor: f.count + 1, id: c.id, name: c.name, html: c.html, lang: c.lang }] } : null;
}
