/* One comment section: the thread in a Shadow DOM, its pages and replies, votes, reports, the reader's own
   comments (edit, delete, pending ones) and permalinks. */
import { query } from "./api.js";
import { normArticle, pageArticle, showCount } from "./counts.js";
import { button, fillBody, h, httpUrl, langOf, nextId } from "./dom.js";
import { floorsBelow, renderFloors } from "./floors.js";
import { CommentForm } from "./form.js";
import { errorText, exactTime, pickLanguage, relativeTime, translator } from "./i18n.js";
import { liveNotice, poll, unseen } from "./live.js";
import { renderPicks } from "./picks.js";
import { draftTarget } from "./storage.js";
import { adoptStyles } from "./styles.js";

const SORTS = ["newest", "oldest", "hot"];

// What the publisher's signed token says of the reader (name, avatar); the server verifies it, the widget only shows it.
function tokenClaims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

function pageUrl(doc) {
  const link = doc.querySelector('link[rel="canonical"]');
  const url = link ? link.href : doc.location.href.split("#")[0];
  return /^https?:\/\//i.test(url) ? url : undefined;
}

// env: { request, store, own (OwnComments), drafts (Drafts), counter (Counter), votesKey, wrote() }
export class Widget {
  constructor(host, env) {
    const data = host.dataset;
    this.env = env;
    // Writes carry the reader's SSO token; reads never do, so they stay cacheable.
    this.request = (method, path, options = {}) => env.request(method, path,
      method === "GET" || !this.sso ? options : { ...options, headers: { "X-Commentsvc-SSO": this.sso } });
    this.sso = data.ssoToken || "";
    this.articleToken = data.articleToken || undefined;
    this.ssoMode = "anonymous";
    this.loginUrl = "";
    this.host = host;
    this.lang = pickLanguage(data.lang || document.documentElement.lang || "zh-CN");
    this.t = translator(this.lang);
    this.site = data.site || "";
    this.article = normArticle(data.article) || pageArticle(document);
    this.title = data.title || document.title || undefined;
    this.url = httpUrl(data.url) ? data.url : pageUrl(document);
    this.theme = ["light", "dark"].includes(data.theme) ? data.theme : "auto";
    this.sort = "newest";
    this.nodes = new Map();
    this.cursor = null;
    this.closed = false;
    this.mounted = false;
    this.shadow = host.attachShadow({ mode: "open" });
    adoptStyles(this.shadow);
    // A server-rendered fragment inside the host stays on show (slotted) until the thread replaces it.
    this.fragment = host.querySelector("[data-commentsvc-fragment]");
    this.placeholder = this.fragment ? h("slot") : h("p", { class: "commentsvc-dim" }, this.t("loading"));
    this.shadow.append(this.placeholder);
  }

  mount() {
    if (this.mounted) return this.ready;
    this.mounted = true;
    const t = this.t;
    const headingId = nextId("h");
    const sortId = nextId("s");
    this.heading = h("h2", { class: "commentsvc-heading", id: headingId, tabindex: "-1" }, t("heading"));
    this.total = h("span", { class: "commentsvc-total" });
    this.status = h("div", { class: "commentsvc-sr", role: "status", "aria-live": "polite" });
    this.notice = h("p", { class: "commentsvc-notice", hidden: true });
    this.writeArea = h("div", { class: "commentsvc-write" });
    this.renderWriteArea();
    this.sortSelect = h("select", { id: sortId, onchange: () => { this.sort = this.sortSelect.value; this.reload(false); } },
      ...SORTS.map((value) => h("option", { value }, t("sort_" + value))));
    this.picks = h("div");
    this.list = h("ol", { class: "commentsvc-list" });
    this.empty = h("p", { class: "commentsvc-dim", hidden: true }, t("empty"));
    this.loadError = h("p", { class: "commentsvc-msg commentsvc-error", hidden: true });
    this.more = button(t("more"), () => this.loadMore(), { class: "commentsvc-more", hidden: true });
    this.root = h("section", { class: `commentsvc-root commentsvc-${this.theme}`, lang: this.lang, "aria-labelledby": headingId },
      h("div", { class: "commentsvc-head" }, this.heading, this.total), this.status, this.notice, this.writeArea,
      h("div", { class: "commentsvc-toolbar" }, h("label", { for: sortId }, t("sort")), this.sortSelect),
      this.loadError, this.picks, this.empty, this.list, this.more);
    this.live = liveNotice(t, () => this.showNew());
    this.root.hidden = !!this.fragment;
    this.shadow.append(this.root, this.live);
    if (!this.fragment) this.placeholder.remove();
    this.ready = this.reload(true).then(() => {
      // The fragment's comment in the middle of the screen, where the reader reads, stays where it is.
      const away = (li) => Math.abs(li.getBoundingClientRect().top - innerHeight / 2);
      const anchor = this.fragment && [...this.fragment.querySelectorAll("li[id]")].sort((a, b) => away(a) - away(b))[0];
      const top = anchor && away(anchor) < innerHeight / 2 && anchor.getBoundingClientRect().top;
      this.placeholder.remove();
      this.fragment?.remove();
      this.root.hidden = false;
      const card = anchor && this.shadow.getElementById(anchor.id);
      if (card && top !== false) scrollBy(0, card.getBoundingClientRect().top - top);
      const data = this.host.dataset;
      if (data.live !== "off") {
        poll(() => this.env.check(this.pageQuery()), () => this.checkNew(),
          (Number(data.liveInterval) || 10) * 1000, (Number(data.liveIdle) || 1800) * 1000);
      }
    });
    return this.ready;
  }

  pageQuery(cursor) {
    return "comments?" + query({ site: this.site, article: this.article, sort: this.sort, cursor });
  }

  // The live notice counts what a newer first page holds that the reader has not seen; a click inserts it.
  async checkNew() {
    this.fresh = await this.request("GET", this.pageQuery());
    const n = unseen(this.fresh.comments, this.nodes).length;
    // Screen readers hear of new comments as they arrive, politely, and not again for the same ones.
    if (n > this.live.n) this.announce(this.t.plural("live_new", n));
    this.live.count(n);
  }

  showNew() {
    let first;
    for (const c of unseen(this.fresh.comments, this.nodes)) if (!this.nodes.has(c.id)) first ||= this.place(c);
    this.setCount(this.fresh.count);
    this.live.count(0);
    first?.card.focus({ preventScroll: true });
    first?.card.scrollIntoView({ block: "nearest" });
  }

  announce(text) {
    // Cleared first so that the same message twice is announced twice.
    this.status.textContent = "";
    setTimeout(() => { this.status.textContent = text; }, 50);
  }

  setCount(n, people = this.people) {
    if (typeof n !== "number") return;
    this.people = people;
    this.total.textContent = this.t.plural("total", n) + (people ? " · " + this.t.plural("participants", people) : "");
    for (const el of this.env.counter.elements().get(this.site)?.get(this.article) || []) showCount(el, n, people);
  }

  // Logged in: "Commenting as NAME" and no name/email fields; SSO on and logged out: a Log in link, which
  // replaces the form on an sso-required site.
  renderWriteArea() {
    const t = this.t;
    const reader = this.sso && tokenClaims(this.sso);
    this.top = this.postForm(null);
    this.writeArea.replaceChildren(...[
      reader && h("p", { class: "commentsvc-as" },
        httpUrl(reader.avatar) && h("img", { class: "commentsvc-avatar", src: reader.avatar, alt: "", width: "24", height: "24" }),
        t("commenting_as", { name: reader.name || "" })),
      !reader && this.ssoMode !== "anonymous" && httpUrl(this.loginUrl) && h("a", { class: "commentsvc-login", href: this.loginUrl }, t("log_in")),
      this.canWrite() && this.top.form,
    ].filter(Boolean));
    this.writeArea.hidden = this.closed;
  }

  canWrite() {
    return this.ssoMode !== "sso-required" || !!this.sso;
  }

  setSso(token) {
    this.sso = token;
    if (!this.mounted) return;
    this.renderWriteArea();
    this.reload(false);
  }

  // The server refused the token (sso_invalid) or wants one (login_required): say so beside the login link.
  needLogin(err) {
    const text = errorText(this.t, err);
    this.sso = "";
    this.renderWriteArea();
    this.writeArea.prepend(h("p", { class: "commentsvc-msg commentsvc-error" }, text));
    this.announce(text);
  }

  setClosed(closed) {
    this.closed = closed;
    this.writeArea.hidden = closed;
    this.notice.hidden = !closed;
    this.notice.textContent = closed ? this.t("closed") : "";
    if (closed) for (const node of this.nodes.values()) this.closeReply(node, false);
  }

  // Every 30 seconds: relative times move on, and own comments past their edit window lose edit and delete.
  tick() {
    for (const time of this.shadow.querySelectorAll("time[datetime]")) {
      time.textContent = relativeTime(this.t, time.getAttribute("datetime"));
    }
    for (const node of this.nodes.values()) {
      if (node.until && Date.now() >= node.until && !node.editState) {
        for (const el of node.ownControls) el.remove();
        node.until = 0;
      }
    }
  }

  // ---- reading ----------------------------------------------------------------------------------
  async reload(first) {
    this.loadError.hidden = true;
    try {
      const data = await this.request("GET", this.pageQuery());
      this.list.replaceChildren();
      this.nodes.clear();
      this.applyPage(data);
      // The first page carries the pin and the picks; their cards are the thread's own, without its ids.
      this.picks.replaceChildren(...renderPicks(this.t, data, (c) => {
        const card = this.renderCard({ c: { ...c, status: "" }, depth: 0 });
        card.removeAttribute("id");
        return card;
      }));
      this.showOwnPending();
      if (first) this.onHash();
    } catch (err) {
      this.failLoad(err, () => this.reload(first));
    }
  }

  async loadMore() {
    if (!this.cursor) return;
    this.more.setAttribute("aria-disabled", "true");
    try {
      this.applyPage(await this.request("GET", this.pageQuery(this.cursor)));
    } catch (err) {
      this.failLoad(err, () => this.loadMore());
      throw err;
    } finally {
      this.more.removeAttribute("aria-disabled");
    }
  }

  failLoad(err, retry) {
    this.loadError.replaceChildren(this.t("load_failed") + " " + errorText(this.t, err), button(this.t("retry"), () => {
      this.loadError.hidden = true;
      this.heading.focus();
      retry();
    }));
    this.loadError.hidden = false;
  }

  applyPage(data) {
    const sso = data.sso || {};
    if (sso.mode && (sso.mode !== this.ssoMode || (sso.login_url || "") !== this.loginUrl)) {
      this.ssoMode = sso.mode;
      this.loginUrl = sso.login_url || "";
      this.renderWriteArea();
    }
    this.setClosed(!!data.closed);
    this.setCount(data.count, data.participants);
    for (const comment of data.comments) if (!this.nodes.has(comment.id)) this.list.append(this.renderItem(comment, 0));
    this.cursor = data.cursor;
    this.more.hidden = !data.cursor;
    this.empty.hidden = this.list.children.length > 0;
  }

  // Replies at the cap come back flat; each hangs under its parent_id, which is always loaded first.
  async loadReplies(node) {
    const btn = node.moreReplies;
    btn.setAttribute("aria-disabled", "true");
    try {
      const data = await this.request("GET", `comments/${node.c.id}/replies?` + query({ cursor: node.cursor }));
      for (const reply of data.comments) {
        const parent = this.nodes.get(reply.parent_id);
        if (!this.nodes.has(reply.id) && parent) parent.replies.append(this.renderItem(reply, inner(parent)));
      }
      node.cursor = data.cursor;
      node.hidden -= data.comments.length;
      btn.textContent = this.moreRepliesLabel(node);
      btn.hidden = !data.cursor;
    } catch (err) {
      btn.textContent = this.moreRepliesLabel(node) + " — " + errorText(this.t, err);
      throw err;
    } finally {
      btn.removeAttribute("aria-disabled");
    }
  }

  // ---- the reader's own comments ---------------------------------------------------------------
  remember(comment, body) {
    this.env.own.remember(comment, body, this.site, this.article);
    this.env.wrote();
  }

  // The author still sees their pending comments after a reload; the public thread does not list them.
  showOwnPending() {
    for (const [id, entry] of Object.entries(this.env.own.all())) {
      if (!entry.c || entry.s !== this.site || entry.a !== this.article || this.nodes.has(Number(id))) continue;
      if (entry.c.parent_id == null || this.nodes.has(entry.c.parent_id)) this.place(entry.c);
    }
  }

  place(comment) {
    const parent = this.nodes.get(comment.parent_id);
    const item = this.renderItem(comment, parent ? inner(parent) : 0);
    if (parent) parent.replies.append(item);
    else if (this.sort === "oldest") this.list.append(item);
    else this.list.prepend(item);
    this.empty.hidden = true;
    return this.nodes.get(comment.id);
  }

  // ---- rendering --------------------------------------------------------------------------------
  renderItem(comment, depth) {
    const node = { c: comment, depth, li: h("li", { class: comment.floors ? "commentsvc-item commentsvc-floored" : "commentsvc-item" }),
      replies: h("ol", { class: "commentsvc-replies" }) };
    this.nodes.set(comment.id, node);
    node.card = this.renderCard(node);
    node.li.append(node.card, node.replies);
    for (const reply of comment.replies || []) if (!this.nodes.has(reply.id)) node.replies.append(this.renderItem(reply, inner(node)));
    if (comment.replies_cursor) {
      node.cursor = comment.replies_cursor;
      node.hidden = comment.reply_count - approvedIn(comment.replies);
      node.moreReplies = button(this.moreRepliesLabel(node), () => this.loadReplies(node).catch(() => {}), { class: "commentsvc-more-replies" });
      node.li.append(node.moreReplies);
    }
    return node.li;
  }

  // "Show N more replies" while the count is known; reply_count counts approved replies only.
  moreRepliesLabel(node) {
    return node.hidden > 0 ? this.t.plural("more_replies_n", node.hidden) : this.t("more_replies");
  }

  renderCard(node) {
    const t = this.t;
    const c = node.c;
    const card = h("article", { class: "commentsvc-comment", id: "comment-" + c.id, tabindex: "-1" });
    node.slot = h("div", { class: "commentsvc-slot" });
    node.replySlot = h("div", { class: "commentsvc-replyslot" });
    node.replySlot.style.setProperty("--cs-depth", String(node.depth));
    node.until = 0;
    if (c.html == null) {
      card.classList.add("commentsvc-deleted");
      card.append(h("div", { class: "commentsvc-main" }, h("p", { class: "commentsvc-body" }, t("deleted"))));
      return card;
    }
    const name = httpUrl(c.website)
      ? h("a", { class: "commentsvc-name", href: c.website, rel: "nofollow ugc noopener noreferrer", target: "_blank" }, c.name)
      : h("span", { class: "commentsvc-name" }, c.name);
    const meta = h("div", { class: "commentsvc-meta" }, name,
      c.staff && h("span", { class: "commentsvc-badge commentsvc-staff" }, t("staff")),
      c.region && h("span", { class: "commentsvc-region" }, t("region", { name: c.region[t.lang == "en" ? "en" : "zh"] })),
      c.reply_to && c.reply_to.name && h("span", { class: "commentsvc-replyto" }, t("reply_to", { name: c.reply_to.name })),
      h("a", { class: "commentsvc-time", href: "#comment-" + c.id },
        h("time", { datetime: c.created_at, title: exactTime(t, c.created_at) }, relativeTime(t, c.created_at))),
      c.edited_at && h("span", { class: "commentsvc-edited", title: exactTime(t, c.edited_at) }, t("edited")),
      c.status === "pending" && h("span", { class: "commentsvc-badge commentsvc-pending" }, t.code("statuses", "pending")));
    node.body = h("div", { class: "commentsvc-body", lang: langOf(c.lang) });
    fillBody(node, c);
    const actions = h("div", { class: "commentsvc-actions" });
    if (c.status === "approved") {
      if (!this.closed && this.canWrite()) {
        const reply = button(t("reply"), () => this.openReply(node, reply), { "aria-expanded": String(!!node.replyState) });
        node.replyButton = reply;
        actions.append(reply);
      }
      const vote = this.env.store.get(this.env.votesKey, {})[c.id] || 0;
      node.likes = h("span", {}, String(c.likes));
      node.dislikes = h("span", {}, String(c.dislikes));
      node.like = button(t("like"), () => this.vote(node, 1), { "aria-pressed": String(vote === 1) });
      node.dislike = button(t("dislike"), () => this.vote(node, -1), { "aria-pressed": String(vote === -1) });
      node.like.append(" ", node.likes);
      node.dislike.append(" ", node.dislikes);
      const report = button(t("report"), () => this.openReport(node, report));
      actions.append(node.like, node.dislike, report);
    }
    const mine = this.env.own.get(c.id);
    const until = Date.parse(mine.u);
    if (mine.t && Date.now() < until) {
      const edit = button(t("edit"), () => this.openEdit(node, edit));
      const del = button(t("delete"), () => this.confirmDelete(node, del));
      node.ownControls = [edit, del];
      node.until = until;
      actions.append(...node.ownControls);
    }
    if (node.replyState) node.replySlot.append(node.replyState.form);
    card.append(
      httpUrl(c.avatar) && h("img", { class: "commentsvc-avatar", src: c.avatar, alt: "", width: "40", height: "40", loading: "lazy" }),
      h("div", { class: "commentsvc-main" }, meta,
        c.floors && renderFloors(t, c.floors, () => this.request("GET", `comments/${c.id}/floors`)), node.body, actions, node.slot),
      node.replySlot);
    return card;
  }

  rerender(node) {
    const card = this.renderCard(node);
    node.card.replaceWith(card);
    node.card = card;
  }

  // ---- forms ------------------------------------------------------------------------------------
  postForm(parent) {
    const drafts = this.env.drafts;
    const target = draftTarget(this.site, this.article, parent ? parent.c.id : null);
    const form = new CommentForm({
      t: this.t,
      submitLabel: this.t("post"),
      replyingTo: parent ? parent.c.name : null,
      author: this.sso ? null : this.env.store.get("author", {}),
      idempotent: true,
      draft: { get: () => drafts.get(target), set: (text) => drafts.set(target, text), clear: () => drafts.clear(target) },
      onSubmit: (values, key) => this.post(values, key, parent, () => form.say(this.t("verifying"))),
      onStart: () => this.env.guard.prepare(this.site, this.article).catch(() => {}),
      onCancel: parent && (() => this.closeReply(parent, true)),
      onError: (err) => {
        if (err.code === "thread_closed") this.setClosed(true);
        if (err.code === "sso_invalid" || err.code === "login_required") this.needLogin(err);
      },
      announce: (text) => this.announce(text),
    });
    return form;
  }

  async post(values, key, parent, verifying) {
    const { name, email, website, body, notify, homepage } = values;
    const comment = await this.env.guard.send(this.site, this.article, {
      site: this.site || undefined, article: this.article, title: this.title, url: this.url, lang: this.lang,
      parent_id: parent ? parent.c.id : undefined, name, email, website, body, notify, homepage, article_token: this.articleToken,
    }, (fields) => this.request("POST", "comments", { key, body: fields }), verifying);
    if (!this.sso) this.env.store.set("author", { name, email, website });
    this.remember(comment, body);
    if (parent) this.closeReply(parent, false);
    const node = this.nodes.get(comment.id) || this.place({ ...comment, replies: [], floors: comment.floors || floorsBelow(parent) });
    this.setCount(comment.count);
    node.card.focus();
    this.announce(comment.status === "pending" ? this.t("posted_pending") : this.t("posted"));
  }

  openReply(node, btn) {
    if (node.replyState) { node.replyState.focus(); return; }
    node.replyState = this.postForm(node);
    node.replyButton = btn;
    btn.setAttribute("aria-expanded", "true");
    node.replySlot.append(node.replyState.form);
    node.replyState.focus();
  }

  // A cancelled reply keeps its text as a draft for this comment; reopening the form brings it back.
  closeReply(node, byReader) {
    const state = node.replyState;
    if (!state) return;
    state.form.remove();
    node.replyState = null;
    if (node.replyButton) node.replyButton.setAttribute("aria-expanded", "false");
    if (!byReader) return;
    if (node.replyButton) node.replyButton.focus();
    if (state.values().body.trim()) this.announce(this.t("draft_kept"));
  }

  openEdit(node, btn) {
    if (node.editState) { node.editState.focus(); return; }
    const close = () => { state.form.remove(); node.editState = null; node.body.hidden = false; btn.focus(); };
    const state = new CommentForm({
      t: this.t,
      submitLabel: this.t("save"),
      author: null,
      body: this.env.own.get(node.c.id).b || node.body.textContent,
      onSubmit: (values) => this.saveEdit(node, values.body),
      onCancel: close,
      announce: (text) => this.announce(text),
    });
    node.editState = state;
    node.body.hidden = true;
    node.body.after(state.form);
    state.focus();
  }

  async saveEdit(node, body) {
    const comment = await this.request("PATCH", "comments/" + node.c.id, { token: this.env.own.get(node.c.id).t, body: { body } });
    this.remember(comment, body);
    node.c = { ...node.c, ...comment, replies: [] };
    node.editState = null;
    this.rerender(node);
    this.setCount(comment.count);
    node.card.focus();
    this.announce(this.t("saved"));
  }

  confirmDelete(node, btn) {
    const t = this.t;
    const msg = h("span", { class: "commentsvc-error" });
    const cancel = button(t("cancel"), () => { bar.remove(); btn.focus(); });
    const yes = button(t("delete"), async () => {
      try {
        const result = await this.request("DELETE", "comments/" + node.c.id, { token: this.env.own.get(node.c.id).t });
        this.env.own.forget(node.c.id);
        this.env.wrote();
        if (node.replies.children.length) {
          node.c = { ...node.c, html: null, status: "deleted" };
          this.rerender(node);
        } else {
          node.li.remove();
          this.nodes.delete(node.c.id);
        }
        this.setCount(result.count);
        this.heading.focus();
        this.announce(t("removed"));
      } catch (err) {
        msg.textContent = errorText(t, err);
      }
    }, { class: "commentsvc-primary" });
    const bar = h("div", { class: "commentsvc-buttons", role: "group", "aria-label": t("confirm_delete") },
      h("span", {}, t("confirm_delete")), yes, cancel, msg);
    node.slot.replaceChildren(bar);
    cancel.focus();
  }

  async vote(node, value) {
    const { store, votesKey } = this.env;
    const votes = store.get(votesKey, {});
    const next = votes[node.c.id] === value ? 0 : value;
    // The server's voter id for this browser: readers behind one address vote apart.
    const voterKey = votesKey.replace("votes", "voter");
    try {
      const result = await this.request("POST", `comments/${node.c.id}/vote`, { body: { value: next } });
      if (result.voter) store.set(voterKey, result.voter);
      if (next) votes[node.c.id] = next;
      else delete votes[node.c.id];
      store.set(votesKey, votes);
      this.env.wrote();
      node.likes.textContent = result.likes;
      node.dislikes.textContent = result.dislikes;
      node.like.setAttribute("aria-pressed", String(next === 1));
      node.dislike.setAttribute("aria-pressed", String(next === -1));
    } catch (err) {
      node.slot.replaceChildren(h("p", { class: "commentsvc-error" }, errorText(this.t, err)));
      this.announce(errorText(this.t, err));
    }
  }

  openReport(node, btn) {
    const t = this.t;
    if (btn.getAttribute("aria-disabled") === "true") return;
    const id = nextId("r");
    const reason = h("select", { id: id + "-reason" }, ...t.codes("reasons").map(([value, label]) => h("option", { value }, label)));
    const note = h("input", { id: id + "-note", type: "text", maxlength: "500" });
    const msg = h("p", { class: "commentsvc-error" });
    const close = () => { form.remove(); btn.focus(); };
    const form = h("form", { class: "commentsvc-report", onsubmit: async (e) => {
      e.preventDefault();
      try {
        await this.request("POST", `comments/${node.c.id}/report`, { body: { reason: reason.value, note: note.value || undefined } });
        btn.setAttribute("aria-disabled", "true");
        btn.textContent = t("reported");
        form.remove();
        btn.focus();
        this.announce(t("reported"));
      } catch (err) {
        msg.textContent = errorText(t, err);
      }
    } },
    h("div", { class: "commentsvc-field" }, h("label", { for: reason.id }, t("reason")), reason),
    h("div", { class: "commentsvc-field" }, h("label", { for: note.id }, t("note")), note),
    h("div", { class: "commentsvc-buttons" }, h("button", { type: "submit", class: "commentsvc-primary" }, t("send_report")),
      button(t("cancel"), close)),
    msg);
    node.slot.replaceChildren(form);
    reason.focus();
  }

  // ---- permalinks -------------------------------------------------------------------------------
  async onHash() {
    const match = /^#comment-(\d+)$/.exec(location.hash);
    if (!match) return;
    await this.mount();
    const id = Number(match[1]);
    for (let guard = 0; !this.nodes.has(id) && guard < 50; guard++) {
      const unfinished = [...this.nodes.values()].find((node) => node.cursor && node.moreReplies && !node.moreReplies.hidden);
      try {
        if (this.cursor) await this.loadMore();
        else if (unfinished) await this.loadReplies(unfinished);
        else break;
      } catch {
        break;
      }
    }
    const node = this.nodes.get(id);
    if (!node) { this.announce(this.t("not_found")); return; }
    for (const el of this.shadow.querySelectorAll(".commentsvc-highlight")) el.classList.remove("commentsvc-highlight");
    node.card.classList.add("commentsvc-highlight");
    node.card.scrollIntoView({ block: "center" });
    node.card.focus({ preventScroll: true });
  }
}

// The indent level of a node's replies: below a floored reply, floors take the place of indentation.
const inner = (node) => node.depth + (node.c.floors ? 0 : 1);

function approvedIn(replies) {
  return (replies || []).reduce((n, reply) => n + (reply.status === "approved") + approvedIn(reply.replies), 0);
}
