/* Above the thread: the staff comment pinned to the top and the editors' picks (编辑精选), in the order
   picked. thread.js hands in how a comment's card is drawn. */
import { h } from "./dom.js";

export function renderPicks(t, data, card) {
  const item = (c, badge) => h("li", { class: "commentsvc-item" },
    badge && h("span", { class: "commentsvc-badge commentsvc-pin" }, badge), card(c));
  const picks = data.picks || [];
  return [
    data.pinned && h("ol", { class: "commentsvc-list commentsvc-pinned" }, item(data.pinned, t("pinned"))),
    picks.length > 0 && h("section", { class: "commentsvc-picks", "aria-label": t("picks") },
      h("h3", {}, t("picks")), h("ol", { class: "commentsvc-list" }, ...picks.map((c) => item(c)))),
  ].filter(Boolean);
}
