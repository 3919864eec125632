/* commentsvc embed.js: the reader comment widget, isolated in a Shadow DOM, and every comment count on the page.
   Plain JavaScript with no dependencies. The only global is window.commentsvc. */
(() => {
  "use strict";
  const doc = document;
  // currentScript exists only while this file first runs, so the API base is captured right here.
  const script = doc.currentScript || doc.querySelector('script[src*="/embed.js"]');
  if (!script || window.commentsvc) return;
  const BASE = new URL(".", script.src).href;
  const API = BASE + "api/v1/";
  const OWN_KEY = "own@" + BASE;
  const VOTES_KEY = "votes@" + BASE;
  const WROTE_KEY = "wrote@" + BASE;
  const FRESH_MS = 10 * 60 * 1000;
  const PENDING_KEEP_MS = 7 * 24 * 3600 * 1000;

  const zh = {
    locale: "zh-CN", heading: "网友点评", total: (n) => `共 ${n} 条评论`,
    labels: { name: "昵称", email: "邮箱", website: "网址", body: "评论内容" },
    hints: { name: "选填，默认“网友”", email: "选填，不会公开", website: "https://" },
    post: "发表评论", reply: "回复", like: "顶", dislike: "踩", report: "举报", edit: "编辑", del: "删除",
    save: "保存", cancel: "取消", retry: "重试", sort: "排序", sorts: { newest: "最新", oldest: "最早", hot: "最热" },
    more: "加载更多评论", moreReplies: "查看更多回复", loading: "正在加载评论…", loadFailed: "评论加载失败。",
    empty: "还没有评论，快来抢沙发！", closed: "评论已关闭", pending: "待审核", deleted: "该评论已删除",
    staff: "官方", replyTo: "回复 @", edited: "已编辑", replying: (n) => `回复 @${n}`,
    posted: "评论已发表。", postedPending: "评论已提交，审核通过后对其他读者显示。", saved: "修改已保存。",
    removed: "评论已删除。", confirmDelete: "确定删除这条评论？", reported: "已举报，感谢反馈。",
    reason: "举报原因", note: "补充说明（选填）", sendReport: "提交举报",
    reasons: { illegal: "违法违规", sexual: "色情低俗", abuse: "辱骂攻击", spam: "垃圾广告", misinformation: "虚假信息", other: "其他" },
    tooFast: (n) => `发得太快了，请 ${n} 秒后再试。`, network: "网络连接失败，内容已保留，请重试。",
    fix: "请按提示修改后再提交。", failed: "操作失败：", notFound: "找不到这条评论。",
    now: "刚刚", m: (n) => `${n}分钟前`, h: (n) => `${n}小时前`, d: (n) => `${n}天前`,
    errors: {
      required: "此项必填。", bodyEmpty: "请填写评论内容。", long: "内容太长了。", email: "邮箱格式不正确。",
      website: "网址须以 http:// 或 https:// 开头。", name: "昵称含有不允许的字符。", body: "评论内容含有不允许的字符。",
    },
    codes: {
      duplicate_comment: "你刚刚已经发表过相同的评论。", thread_closed: "评论已关闭", edit_window_closed: "已超过可修改的时间。",
      parent_not_available: "要回复的评论已不存在。", comment_deleted: "这条评论已删除。", comment_not_found: "这条评论已不存在。",
    },
  };
  const plural = (n, one) => `${n} ${one}${n === 1 ? "" : "s"} ago`;
  const en = {
    locale: "en", heading: "Comments", total: (n) => `${n} comment${n === 1 ? "" : "s"}`,
    labels: { name: "Name", email: "Email", website: "Website", body: "Comment" },
    hints: { name: "Optional", email: "Optional, never shown", website: "https://" },
    post: "Post comment", reply: "Reply", like: "Like", dislike: "Dislike", report: "Report", edit: "Edit", del: "Delete",
    save: "Save", cancel: "Cancel", retry: "Retry", sort: "Sort by", sorts: { newest: "Newest", oldest: "Oldest", hot: "Top" },
    more: "Load more comments", moreReplies: "Show more replies", loading: "Loading comments…",
    loadFailed: "Comments could not be loaded.", empty: "No comments yet. Be the first!", closed: "Comments are closed.",
    pending: "Awaiting review", deleted: "This comment was deleted.", staff: "Staff", replyTo: "Reply to @",
    edited: "edited", replying: (n) => `Replying to @${n}`,
    posted: "Your comment was posted.", postedPending: "Your comment was received and awaits review before others see it.",
    saved: "Your changes were saved.", removed: "Your comment was deleted.", confirmDelete: "Delete this comment?",
    reported: "Reported. Thank you.", reason: "Reason", note: "Details (optional)", sendReport: "Send report",
    reasons: { illegal: "Illegal", sexual: "Sexual content", abuse: "Abuse", spam: "Spam", misinformation: "Misinformation", other: "Other" },
    tooFast: (n) => `Too fast: try again in ${n} second${n === 1 ? "" : "s"}.`,
    network: "Network error. Nothing you typed was lost; please retry.", fix: "Please correct the marked fields.",
    failed: "That did not work: ", notFound: "That comment could not be found.",
    now: "just now", m: (n) => plural(n, "minute"), h: (n) => plural(n, "hour"), d: (n) => plural(n, "day"),
    errors: {
      required: "Required.", bodyEmpty: "Please write a comment.", long: "This is too long.", email: "This is not a valid email address.",
      website: "The website must start with http:// or https://.", name: "The name contains characters that are not allowed.",
      body: "The comment contains characters that are not allowed.",
    },
    codes: {
      duplicate_comment: "You already posted this comment a moment ago.", thread_closed: "Comments are closed.",
      edit_window_closed: "The time to change this comment has passed.", parent_not_available: "That comment is no longer available.",
      comment_deleted: "This comment was deleted.", comment_not_found: "This comment no longer exists.",
    },
  };

  const DARK = "--cs-accent:#ff7b72;--cs-on-accent:#1a1a1a;--cs-field:#1e1f22;--cs-line:rgba(210,210,210,.25);" +
    "--cs-soft:rgba(255,255,255,.07);--cs-error:#ff8a80;--cs-warn:#ffb74d;--cs-mark:rgba(255,196,0,.16);color-scheme:dark;";
  const CSS = `
:host{display:block!important;visibility:visible!important;opacity:1!important}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
.commentsvc-root{--cs-accent:#c4161c;--cs-on-accent:#fff;--cs-field:#fff;--cs-line:rgba(120,120,120,.3);--cs-soft:rgba(120,120,120,.08);
--cs-error:#b00020;--cs-warn:#9a5b00;--cs-mark:rgba(255,196,0,.22);color-scheme:light;
container-type:inline-size;font:inherit;color:inherit;line-height:1.6;text-align:start;text-transform:none;text-indent:0;
letter-spacing:normal;word-spacing:normal;white-space:normal;visibility:visible;pointer-events:auto;cursor:auto}
.commentsvc-dark{${DARK}}
@media (prefers-color-scheme:dark){.commentsvc-auto{${DARK}}}
.commentsvc-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:.3em 1em;border-bottom:2px solid var(--cs-accent);padding-bottom:.3em;margin:0 0 1em}
.commentsvc-heading{font-size:1.25em;font-weight:700;margin:0;outline:0}
.commentsvc-total,.commentsvc-meta time,.commentsvc-edited,.commentsvc-dim{opacity:.72;font-size:.875em}
.commentsvc-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.commentsvc-form{display:grid;gap:.6em;margin:0 0 1.2em}
.commentsvc-who{display:grid;grid-template-columns:repeat(auto-fit,minmax(10em,1fr));gap:.6em}
.commentsvc-field{display:flex;flex-direction:column;gap:.2em;min-width:0}
label{font-size:.875em;font-weight:600}
input,textarea,select,button{font:inherit;color:inherit;margin:0}
input,textarea,select{width:100%;padding:.45em .6em;border:1px solid var(--cs-line);border-radius:4px;background:var(--cs-field)}
select{width:auto;padding:.2em .4em}
textarea{min-height:6.5em;resize:vertical}
:focus-visible{outline:2px solid var(--cs-accent);outline-offset:2px}
[aria-invalid=true]{border-color:var(--cs-error)}
.commentsvc-error{color:var(--cs-error);font-size:.875em;margin:0}
.commentsvc-msg:empty{display:none}
.commentsvc-msg{margin:0;display:flex;flex-wrap:wrap;gap:.5em;align-items:center}
.commentsvc-buttons{display:flex;flex-wrap:wrap;gap:.5em;align-items:center}
button{cursor:pointer;border:1px solid var(--cs-line);background:transparent;border-radius:4px;padding:.3em .8em;line-height:1.4}
button:hover{background:var(--cs-soft)}
.commentsvc-primary,.commentsvc-primary:hover{background:var(--cs-accent);border-color:var(--cs-accent);color:var(--cs-on-accent);font-weight:600;padding:.45em 1.2em}
[aria-disabled=true]{opacity:.6;cursor:default}
.commentsvc-toolbar{display:flex;justify-content:flex-end;align-items:center;gap:.5em;margin:.4em 0}
.commentsvc-list,.commentsvc-replies{list-style:none;margin:0;padding:0}
.commentsvc-replies{margin-left:3.25em;border-left:2px solid var(--cs-line);padding-left:.75em}
.commentsvc-replies:empty{display:none}
.commentsvc-comment{display:flex;gap:.75em;padding:.75em .3em;border-top:1px solid var(--cs-line);border-radius:4px;scroll-margin:5em;outline:0}
.commentsvc-replies .commentsvc-comment{border-top:0;padding-top:.5em}
.commentsvc-comment:focus-visible{outline:2px solid var(--cs-accent)}
.commentsvc-avatar{width:40px;height:40px;border-radius:50%;flex:none;background:var(--cs-soft)}
.commentsvc-main{flex:1;min-width:0}
.commentsvc-meta{display:flex;flex-wrap:wrap;align-items:baseline;gap:.2em .6em}
.commentsvc-name{font-weight:700;color:inherit}
.commentsvc-meta a{color:inherit;text-decoration:none}
.commentsvc-meta a:hover{text-decoration:underline}
.commentsvc-badge{font-size:.75em;border-radius:3px;padding:0 .4em;border:1px solid currentColor;white-space:nowrap}
.commentsvc-staff{background:var(--cs-accent);color:var(--cs-on-accent);border-color:var(--cs-accent)}
.commentsvc-pending{color:var(--cs-warn)}
.commentsvc-replyto{font-size:.875em;opacity:.85}
.commentsvc-body{overflow-wrap:anywhere;margin:.25em 0 .4em}
.commentsvc-body>:first-child{margin-top:0}.commentsvc-body>:last-child{margin-bottom:0}
.commentsvc-body p{margin:.4em 0}
.commentsvc-body a{color:var(--cs-accent)}
.commentsvc-body pre{overflow:auto;background:var(--cs-soft);padding:.5em}
.commentsvc-body blockquote{margin:.4em 0;padding-left:.8em;border-left:3px solid var(--cs-line)}
.commentsvc-actions{display:flex;flex-wrap:wrap;gap:.4em}
.commentsvc-actions button{font-size:.85em;padding:.1em .65em}
.commentsvc-actions [aria-pressed=true]{background:var(--cs-accent);border-color:var(--cs-accent);color:var(--cs-on-accent)}
.commentsvc-slot:not(:empty){margin-top:.6em}
.commentsvc-deleted{font-style:italic;opacity:.7}
.commentsvc-highlight{background:var(--cs-mark);box-shadow:0 0 0 2px var(--cs-accent)}
.commentsvc-more{display:block;width:100%;margin:1em 0;padding:.6em}
.commentsvc-more-replies{margin:.3em 0 .3em 4em;font-size:.85em}
.commentsvc-notice{padding:.6em .8em;background:var(--cs-soft);border-radius:4px;margin:0 0 1em}
.commentsvc-report{display:grid;gap:.5em;max-width:28em}
@container (max-width:480px){
.commentsvc-replies{margin-left:.4em;padding-left:.5em}
.commentsvc-avatar{width:30px;height:30px}
.commentsvc-comment{gap:.5em;padding-left:0;padding-right:0}
.commentsvc-more-replies{margin-left:1em}
.commentsvc-primary{width:100%}}`;

  // ---- storage: private browsing may forbid it, and then the widget simply forgets --------------
  const store = {
    get(key, fallback) {
      try { const raw = localStorage.getItem("commentsvc:" + key); return raw ? JSON.parse(raw) : fallback; } catch (e) { return fallback; }
    },
    set(key, value) {
      try { localStorage.setItem("commentsvc:" + key, JSON.stringify(value)); } catch (e) { /* quota or privacy mode */ }
    },
  };
  // After the reader's own write, reads revalidate so a cached (max-age) page cannot hide it.
  const fresh = () => Date.now() - store.get(WROTE_KEY, 0) < FRESH_MS;
  const wrote = () => store.set(WROTE_KEY, Date.now());

  // ---- network: the one place that talks to the API --------------------------------------------
  class ApiError extends Error {
    constructor(status, error, retryAfter) {
      super(error.message || `HTTP ${status}`);
      Object.assign(this, { status, code: error.code || "", fields: error.fields || {}, retryAfter });
    }
  }

  async function api(method, path, { body, token, key } = {}) {
    const headers = {};
    const init = { method, headers, credentials: "omit", cache: fresh() ? "no-cache" : "default" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    if (token) headers.Authorization = "Bearer " + token;
    if (key) headers["Idempotency-Key"] = key;
    let response;
    try {
      response = await fetch(API + path, init);
    } catch (e) {
      throw Object.assign(new ApiError(0, {}, 0), { network: true });
    }
    let data = null;
    try { data = await response.json(); } catch (e) { /* an empty body or a proxy's HTML error page */ }
    if (!response.ok) {
      throw new ApiError(response.status, (data && data.error) || {}, parseInt(response.headers.get("Retry-After"), 10) || 0);
    }
    return data;
  }

  const query = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v != null && v !== "")).toString();
  const randomKey = () => (crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2));

  // ---- counts -----------------------------------------------------------------------------------
  const norm = (text) => (text || "").normalize("NFC").trim();
  const canonical = () => doc.querySelector('link[rel="canonical"]');
  function pageArticle() {
    try { return new URL(canonical() ? canonical().href : location.href).pathname; } catch (e) { return location.pathname; }
  }
  function pageUrl() {
    const url = canonical() ? canonical().href : location.href.split("#")[0];
    return /^https?:\/\//i.test(url) ? url : undefined;
  }
  let defaultSite = "";
  const countElements = () => doc.querySelectorAll("[data-commentsvc-count]");
  const countArticle = (el) => norm(el.getAttribute("data-commentsvc-count")) || pageArticle();
  const countSite = (el) => el.getAttribute("data-commentsvc-site") || defaultSite;
  function showCount(el, n) {
    el.textContent = (el.getAttribute("data-commentsvc-format") || "{count}").split("{count}").join(String(n));
  }
  function setCounts(site, article, n) {
    for (const el of countElements()) if (countSite(el) === site && countArticle(el) === article) showCount(el, n);
  }

  async function fillCounts() {
    const bySite = new Map();
    for (const el of countElements()) {
      if (!bySite.has(countSite(el))) bySite.set(countSite(el), new Set());
      bySite.get(countSite(el)).add(countArticle(el));
    }
    for (const [site, set] of bySite) {
      const articles = [...set];
      // One request however many elements; the API takes at most 200 articles per call.
      for (let i = 0; i < articles.length; i += 200) {
        const chunk = articles.slice(i, i + 200);
        const path = "counts?" + query({ site }) + "&" + chunk.map((a) => "article=" + encodeURIComponent(a)).join("&");
        try {
          const data = path.length < 1800 ? await api("GET", path)
            : await api("POST", "counts", { body: { site: site || undefined, articles: chunk } });
          for (const article of chunk) setCounts(site, article, data.counts[article] || 0);
        } catch (e) { /* counts are decoration: the page keeps its fallback text */ }
      }
    }
  }

  // ---- DOM helpers ------------------------------------------------------------------------------
  function h(tag, props, ...children) {
    const el = doc.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value == null || value === false) continue;
      if (key === "class") el.className = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child != null && child !== false) el.append(child);
    return el;
  }
  const button = (label, onclick, props) => h("button", { type: "button", onclick, ...props }, label);
  const httpUrl = (url) => typeof url === "string" && /^https?:\/\//i.test(url);

  function relative(iso, T) {
    const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (seconds < 60) return T.now;
    for (const [size, unit, limit] of [[60, "m", 60], [3600, "h", 24], [86400, "d", 30]]) {
      const n = Math.floor(seconds / size);
      if (n < limit) return T[unit](n);
    }
    return new Date(iso).toLocaleDateString(T.locale);
  }
  const exact = (iso, T) => new Date(iso).toLocaleString(T.locale);

  let uid = 0;
  let sheet = null;
  function adoptStyles(root) {
    // Constructed sheets live only in this shadow root and are not blocked by the host page's CSP.
    if (root.adoptedStyleSheets && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
      if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(h("style", {}, CSS));
    }
  }

  // ---- the widget -------------------------------------------------------------------------------
  class Widget {
    constructor(host) {
      const data = host.dataset;
      const lang = data.lang || doc.documentElement.lang || "zh-CN";
      this.host = host;
      this.lang = /^en\b/i.test(lang) ? "en" : "zh-CN";
      this.T = this.lang === "en" ? en : zh;
      this.site = data.site || "";
      this.article = norm(data.article) || pageArticle();
      this.title = data.title || doc.title || undefined;
      this.url = httpUrl(data.url) ? data.url : pageUrl();
      this.theme = ["light", "dark"].includes(data.theme) ? data.theme : "auto";
      this.sort = "newest";
      this.nodes = new Map();
      this.cursor = null;
      this.closed = false;
      this.mounted = false;
      this.shadow = host.attachShadow({ mode: "open" });
      adoptStyles(this.shadow);
      this.shadow.append(h("p", { class: "commentsvc-dim" }, this.T.loading));
    }

    mount() {
      if (this.mounted) return this.ready;
      this.mounted = true;
      const T = this.T;
      const headingId = "commentsvc-h" + (++uid);
      this.heading = h("h2", { class: "commentsvc-heading", id: headingId, tabindex: "-1" }, T.heading);
      this.total = h("span", { class: "commentsvc-total" });
      this.status = h("div", { class: "commentsvc-sr", role: "status", "aria-live": "polite" });
      this.notice = h("p", { class: "commentsvc-notice", hidden: true });
      this.top = this.buildForm(null);
      const sortId = "commentsvc-s" + uid;
      this.sortSelect = h("select", { id: sortId, onchange: () => { this.sort = this.sortSelect.value; this.reload(false); } },
        ...Object.entries(T.sorts).map(([value, label]) => h("option", { value }, label)));
      this.list = h("ol", { class: "commentsvc-list" });
      this.empty = h("p", { class: "commentsvc-dim", hidden: true }, T.empty);
      this.loadError = h("p", { class: "commentsvc-msg commentsvc-error", hidden: true });
      this.more = button(T.more, () => this.loadMore(), { class: "commentsvc-more", hidden: true });
      this.root = h("section", { class: `commentsvc-root commentsvc-${this.theme}`, lang: this.lang, "aria-labelledby": headingId },
        h("div", { class: "commentsvc-head" }, this.heading, this.total), this.status, this.notice, this.top.form,
        h("div", { class: "commentsvc-toolbar" }, h("label", { for: sortId }, T.sort), this.sortSelect),
        this.loadError, this.empty, this.list, this.more);
      this.shadow.replaceChildren(this.root);
      this.ready = this.reload(true);
      return this.ready;
    }

    announce(text) {
      // Cleared first so that the same message twice is announced twice.
      this.status.textContent = "";
      setTimeout(() => { this.status.textContent = text; }, 50);
    }

    errorText(err) {
      const T = this.T;
      if (err.network) return T.network;
      if (err.status === 429) return T.tooFast(err.retryAfter || 60);
      return T.codes[err.code] || T.failed + err.message;
    }

    setCount(n) {
      if (typeof n !== "number") return;
      this.total.textContent = this.T.total(n);
      setCounts(this.site, this.article, n);
    }

    setClosed(closed) {
      this.closed = closed;
      this.top.form.hidden = closed;
      this.notice.hidden = !closed;
      this.notice.textContent = closed ? this.T.closed : "";
      if (closed) for (const node of this.nodes.values()) if (node.replyState) this.closeReply(node, false);
    }

    async reload(first) {
      this.loadError.hidden = true;
      try {
        const data = await api("GET", "comments?" + query({ site: this.site, article: this.article, sort: this.sort }));
        this.list.replaceChildren();
        this.nodes.clear();
        this.applyPage(data);
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
        this.applyPage(await api("GET", "comments?" + query({ site: this.site, article: this.article, sort: this.sort, cursor: this.cursor })));
      } catch (err) {
        this.failLoad(err, () => this.loadMore());
        throw err;
      } finally {
        this.more.removeAttribute("aria-disabled");
      }
    }

    failLoad(err, retry) {
      this.loadError.replaceChildren(this.T.loadFailed + " " + this.errorText(err), button(this.T.retry, () => {
        this.loadError.hidden = true;
        this.heading.focus();
        retry();
      }));
      this.loadError.hidden = false;
    }

    applyPage(data) {
      this.setClosed(!!data.closed);
      this.setCount(data.count);
      for (const comment of data.comments) if (!this.nodes.has(comment.id)) this.list.append(this.renderItem(comment));
      this.cursor = data.cursor;
      this.more.hidden = !data.cursor;
      this.empty.hidden = this.list.children.length > 0;
    }

    // Replies at the cap come back flat; each hangs under its parent_id, which is always loaded first.
    async loadReplies(node) {
      const btn = node.moreReplies;
      btn.setAttribute("aria-disabled", "true");
      try {
        const data = await api("GET", `comments/${node.c.id}/replies?` + query({ cursor: node.cursor }));
        for (const reply of data.comments) {
          const parent = this.nodes.get(reply.parent_id);
          if (!this.nodes.has(reply.id) && parent) parent.replies.append(this.renderItem(reply));
        }
        node.cursor = data.cursor;
        btn.hidden = !data.cursor;
      } catch (err) {
        btn.textContent = this.T.moreReplies + " — " + this.errorText(err);
        throw err;
      } finally {
        btn.removeAttribute("aria-disabled");
      }
    }

    own() { return store.get(OWN_KEY, {}); }

    remember(comment, body) {
      const own = this.own();
      const now = Date.now();
      for (const [id, entry] of Object.entries(own)) if (now - entry.at > PENDING_KEEP_MS) delete own[id];
      const { edit_token: token, editable_until: until, count, ...shown } = comment;
      own[comment.id] = { t: token, u: until, b: body, s: this.site, a: this.article, at: now,
        c: comment.status === "pending" ? shown : null };
      store.set(OWN_KEY, own);
      wrote();
    }

    forget(id) {
      const own = this.own();
      delete own[id];
      store.set(OWN_KEY, own);
    }

    // The author still sees their pending comments after a reload; the public thread does not list them.
    showOwnPending() {
      for (const [id, entry] of Object.entries(this.own())) {
        if (!entry.c || entry.s !== this.site || entry.a !== this.article || this.nodes.has(Number(id))) continue;
        if (entry.c.parent_id == null || this.nodes.has(entry.c.parent_id)) this.place(entry.c);
      }
    }

    place(comment) {
      const item = this.renderItem(comment);
      const parent = this.nodes.get(comment.parent_id);
      if (parent) parent.replies.append(item);
      else if (this.sort === "oldest") this.list.append(item);
      else this.list.prepend(item);
      this.empty.hidden = true;
      return this.nodes.get(comment.id);
    }

    renderItem(comment) {
      const node = { c: comment, li: h("li", { class: "commentsvc-item" }), replies: h("ol", { class: "commentsvc-replies" }) };
      this.nodes.set(comment.id, node);
      node.card = this.renderCard(node);
      node.li.append(node.card, node.replies);
      for (const reply of comment.replies || []) if (!this.nodes.has(reply.id)) node.replies.append(this.renderItem(reply));
      if (comment.replies_cursor) {
        node.cursor = comment.replies_cursor;
        node.moreReplies = button(this.T.moreReplies, () => this.loadReplies(node).catch(() => {}), { class: "commentsvc-more-replies" });
        node.li.append(node.moreReplies);
      }
      return node.li;
    }

    renderCard(node) {
      const T = this.T;
      const c = node.c;
      const card = h("article", { class: "commentsvc-comment", id: "comment-" + c.id, tabindex: "-1" });
      node.slot = h("div", { class: "commentsvc-slot" });
      if (c.html == null) {
        card.classList.add("commentsvc-deleted");
        card.append(h("div", { class: "commentsvc-main" }, h("p", { class: "commentsvc-body" }, T.deleted)));
        return card;
      }
      const name = httpUrl(c.website)
        ? h("a", { class: "commentsvc-name", href: c.website, rel: "nofollow ugc noopener noreferrer", target: "_blank" }, c.name)
        : h("span", { class: "commentsvc-name" }, c.name);
      const meta = h("div", { class: "commentsvc-meta" }, name,
        c.staff && h("span", { class: "commentsvc-badge commentsvc-staff" }, T.staff),
        c.reply_to && c.reply_to.name && h("span", { class: "commentsvc-replyto" }, T.replyTo + c.reply_to.name),
        h("a", { class: "commentsvc-time", href: "#comment-" + c.id },
          h("time", { datetime: c.created_at, title: exact(c.created_at, T) }, relative(c.created_at, T))),
        c.edited_at && h("span", { class: "commentsvc-edited", title: exact(c.edited_at, T) }, T.edited),
        c.status === "pending" && h("span", { class: "commentsvc-badge commentsvc-pending" }, T.pending));
      node.body = h("div", { class: "commentsvc-body" });
      node.body.innerHTML = c.html; // the one innerHTML: server-sanitized (markdown-it, then bleach, then nh3)
      const actions = h("div", { class: "commentsvc-actions" });
      if (c.status === "approved") {
        if (!this.closed) {
          const reply = button(T.reply, () => this.openReply(node, reply), { "aria-expanded": "false" });
          actions.append(reply);
        }
        const vote = store.get(VOTES_KEY, {})[c.id] || 0;
        node.likes = h("span", {}, String(c.likes));
        node.dislikes = h("span", {}, String(c.dislikes));
        node.like = button(T.like, () => this.vote(node, 1), { "aria-pressed": String(vote === 1) });
        node.dislike = button(T.dislike, () => this.vote(node, -1), { "aria-pressed": String(vote === -1) });
        node.like.append(" ", node.likes);
        node.dislike.append(" ", node.dislikes);
        const report = button(T.report, () => this.openReport(node, report));
        actions.append(node.like, node.dislike, report);
      }
      const mine = this.own()[c.id];
      if (mine && mine.t && Date.now() < Date.parse(mine.u)) {
        const edit = button(T.edit, () => this.openEdit(node, edit));
        const del = button(T.del, () => this.confirmDelete(node, del));
        actions.append(edit, del);
      }
      card.append(
        httpUrl(c.avatar) && h("img", { class: "commentsvc-avatar", src: c.avatar, alt: "", width: "40", height: "40", loading: "lazy" }),
        h("div", { class: "commentsvc-main" }, meta, node.body, actions, node.slot));
      return card;
    }

    rerender(node) {
      const card = this.renderCard(node);
      node.card.replaceWith(card);
      node.card = card;
    }

    // ---- forms ----------------------------------------------------------------------------------
    field(state, name, tag, attrs) {
      const id = state.id + "-" + name;
      const input = h(tag, { id, name, "aria-describedby": id + "-error", ...attrs });
      const error = h("p", { class: "commentsvc-error", id: id + "-error", hidden: true });
      state.fields[name] = { input, error };
      return h("div", { class: "commentsvc-field commentsvc-field-" + name }, h("label", { for: id }, this.T.labels[name]), input, error);
    }

    formState(parent) {
      return { id: "commentsvc-f" + (++uid), fields: {}, parent, key: null, busy: false };
    }

    buildForm(parent) {
      const T = this.T;
      const state = this.formState(parent);
      const saved = store.get("author", {});
      state.submit = h("button", { type: "submit", class: "commentsvc-primary" }, T.post);
      state.msg = h("div", { class: "commentsvc-msg commentsvc-error" });
      state.form = h("form", { class: "commentsvc-form", novalidate: true, onsubmit: (e) => { e.preventDefault(); this.submit(state); } },
        parent && h("p", { class: "commentsvc-dim" }, T.replying(parent.c.name)),
        h("div", { class: "commentsvc-who" },
          this.field(state, "name", "input", { type: "text", autocomplete: "nickname", maxlength: "64", placeholder: T.hints.name }),
          this.field(state, "email", "input", { type: "email", autocomplete: "email", placeholder: T.hints.email }),
          this.field(state, "website", "input", { type: "url", autocomplete: "url", placeholder: T.hints.website })),
        this.field(state, "body", "textarea", { rows: "4", required: true }),
        h("div", { class: "commentsvc-buttons" }, state.submit,
          parent && button(T.cancel, () => this.closeReply(parent, true))),
        state.msg);
      for (const name of ["name", "email", "website"]) state.fields[name].input.value = saved[name] || "";
      state.fields.body.input.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); this.submit(state); }
      });
      if (parent) state.form.addEventListener("keydown", (e) => { if (e.key === "Escape") this.closeReply(parent, true); });
      return state;
    }

    clearErrors(state) {
      state.msg.replaceChildren();
      for (const { input, error } of Object.values(state.fields)) {
        input.removeAttribute("aria-invalid");
        error.hidden = true;
        error.textContent = "";
      }
    }

    fieldMessage(name, raw) {
      const E = this.T.errors;
      if (/at most|too long|longer/i.test(raw)) return E.long;
      if (/required|empty/i.test(raw)) return name === "body" ? E.bodyEmpty : E.required;
      return E[name] || raw;
    }

    showError(state, err, retry) {
      const known = Object.keys(err.fields || {}).filter((name) => state.fields[name]);
      if (known.length) {
        known.forEach((name, i) => {
          const { input, error } = state.fields[name];
          input.setAttribute("aria-invalid", "true");
          error.textContent = this.fieldMessage(name, err.fields[name]);
          error.hidden = false;
          if (i === 0) input.focus();
        });
        state.msg.textContent = this.T.fix;
        this.announce(this.T.fix);
        return;
      }
      if (err.code === "thread_closed") this.setClosed(true);
      const text = this.errorText(err);
      state.msg.replaceChildren(h("span", {}, text));
      if (err.network) state.msg.append(button(this.T.retry, () => { state.submit.focus(); retry(); }));
      this.announce(text);
    }

    async submit(state) {
      if (state.busy) return;
      const T = this.T;
      const value = (name) => state.fields[name].input.value;
      this.clearErrors(state);
      if (!value("body").trim()) return this.showError(state, { fields: { body: "empty" } });
      // One key per attempt to post this text; a retry after a lost response reuses it, so nothing doubles.
      state.key = state.key || randomKey();
      state.busy = true;
      state.submit.setAttribute("aria-disabled", "true");
      try {
        const comment = await api("POST", "comments", { key: state.key, body: {
          site: this.site || undefined, article: this.article, title: this.title, url: this.url,
          parent_id: state.parent ? state.parent.c.id : undefined,
          name: value("name"), email: value("email"), website: value("website"), body: value("body"),
        } });
        state.key = null;
        store.set("author", { name: value("name"), email: value("email"), website: value("website") });
        this.remember(comment, value("body"));
        state.fields.body.input.value = "";
        if (state.parent) this.closeReply(state.parent, false);
        const existing = this.nodes.get(comment.id);
        const node = existing || this.place({ ...comment, replies: [] });
        this.setCount(comment.count);
        node.card.focus();
        this.announce(comment.status === "pending" ? T.postedPending : T.posted);
      } catch (err) {
        this.showError(state, err, () => this.submit(state));
      } finally {
        state.busy = false;
        state.submit.removeAttribute("aria-disabled");
      }
    }

    openReply(node, btn) {
      if (node.replyState) { node.replyState.fields.body.input.focus(); return; }
      node.replyState = this.buildForm(node);
      node.replyButton = btn;
      btn.setAttribute("aria-expanded", "true");
      node.slot.append(node.replyState.form);
      node.replyState.fields.body.input.focus();
    }

    closeReply(node, restoreFocus) {
      if (!node.replyState) return;
      node.replyState.form.remove();
      node.replyState = null;
      node.replyButton.setAttribute("aria-expanded", "false");
      if (restoreFocus) node.replyButton.focus();
    }

    openEdit(node, btn) {
      const T = this.T;
      if (node.editState) { node.editState.fields.body.input.focus(); return; }
      const state = this.formState(null);
      const mine = this.own()[node.c.id] || {};
      state.submit = h("button", { type: "submit", class: "commentsvc-primary" }, T.save);
      state.msg = h("div", { class: "commentsvc-msg commentsvc-error" });
      const close = () => { state.form.remove(); node.editState = null; node.body.hidden = false; btn.focus(); };
      state.form = h("form", { class: "commentsvc-form", novalidate: true, onsubmit: (e) => { e.preventDefault(); this.saveEdit(node, state); } },
        this.field(state, "body", "textarea", { rows: "4", required: true }),
        h("div", { class: "commentsvc-buttons" }, state.submit, button(T.cancel, close)), state.msg);
      state.form.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
      state.fields.body.input.value = mine.b || node.body.textContent;
      node.editState = state;
      node.body.hidden = true;
      node.body.after(state.form);
      state.fields.body.input.focus();
    }

    async saveEdit(node, state) {
      if (state.busy) return;
      const body = state.fields.body.input.value;
      this.clearErrors(state);
      if (!body.trim()) return this.showError(state, { fields: { body: "empty" } });
      state.busy = true;
      state.submit.setAttribute("aria-disabled", "true");
      try {
        const mine = this.own()[node.c.id] || {};
        const comment = await api("PATCH", "comments/" + node.c.id, { token: mine.t, body: { body } });
        this.remember(comment, body);
        node.c = { ...node.c, ...comment, replies: [] };
        node.editState = null;
        this.rerender(node);
        this.setCount(comment.count);
        node.card.focus();
        this.announce(this.T.saved);
      } catch (err) {
        this.showError(state, err, () => this.saveEdit(node, state));
      } finally {
        state.busy = false;
        state.submit.removeAttribute("aria-disabled");
      }
    }

    confirmDelete(node, btn) {
      const T = this.T;
      const msg = h("span", { class: "commentsvc-error" });
      const cancel = button(T.cancel, () => { bar.remove(); btn.focus(); });
      const yes = button(T.del, async () => {
        try {
          const result = await api("DELETE", "comments/" + node.c.id, { token: (this.own()[node.c.id] || {}).t });
          this.forget(node.c.id);
          wrote();
          if (node.replies.children.length) {
            node.c = { ...node.c, html: null, status: "deleted" };
            this.rerender(node);
          } else {
            node.li.remove();
            this.nodes.delete(node.c.id);
          }
          this.setCount(result.count);
          this.heading.focus();
          this.announce(T.removed);
        } catch (err) {
          msg.textContent = this.errorText(err);
        }
      }, { class: "commentsvc-primary" });
      const bar = h("div", { class: "commentsvc-buttons", role: "group", "aria-label": T.confirmDelete },
        h("span", {}, T.confirmDelete), yes, cancel, msg);
      node.slot.replaceChildren(bar);
      cancel.focus();
    }

    async vote(node, value) {
      const votes = store.get(VOTES_KEY, {});
      const next = votes[node.c.id] === value ? 0 : value;
      try {
        const result = await api("POST", `comments/${node.c.id}/vote`, { body: { value: next } });
        if (next) votes[node.c.id] = next; else delete votes[node.c.id];
        store.set(VOTES_KEY, votes);
        wrote();
        node.likes.textContent = result.likes;
        node.dislikes.textContent = result.dislikes;
        node.like.setAttribute("aria-pressed", String(next === 1));
        node.dislike.setAttribute("aria-pressed", String(next === -1));
      } catch (err) {
        node.slot.replaceChildren(h("p", { class: "commentsvc-error" }, this.errorText(err)));
        this.announce(this.errorText(err));
      }
    }

    openReport(node, btn) {
      const T = this.T;
      const id = "commentsvc-r" + (++uid);
      const reason = h("select", { id: id + "-reason" }, ...Object.entries(T.reasons).map(([value, label]) => h("option", { value }, label)));
      const note = h("input", { id: id + "-note", type: "text", maxlength: "500" });
      const msg = h("p", { class: "commentsvc-error" });
      const close = () => { form.remove(); btn.focus(); };
      const form = h("form", { class: "commentsvc-report", onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api("POST", `comments/${node.c.id}/report`, { body: { reason: reason.value, note: note.value || undefined } });
          btn.setAttribute("aria-disabled", "true");
          btn.textContent = T.reported;
          form.remove();
          btn.focus();
          this.announce(T.reported);
        } catch (err) {
          msg.textContent = this.errorText(err);
        }
      } },
      h("div", { class: "commentsvc-field" }, h("label", { for: reason.id }, T.reason), reason),
      h("div", { class: "commentsvc-field" }, h("label", { for: note.id }, T.note), note),
      h("div", { class: "commentsvc-buttons" }, h("button", { type: "submit", class: "commentsvc-primary" }, T.sendReport), button(T.cancel, close)),
      msg);
      if (btn.getAttribute("aria-disabled") === "true") return;
      node.slot.replaceChildren(form);
      reason.focus();
    }

    // ---- permalinks -----------------------------------------------------------------------------
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
        } catch (e) { break; }
      }
      const node = this.nodes.get(id);
      if (!node) { this.announce(this.T.notFound); return; }
      for (const el of this.shadow.querySelectorAll(".commentsvc-highlight")) el.classList.remove("commentsvc-highlight");
      node.card.classList.add("commentsvc-highlight");
      node.card.scrollIntoView({ block: "center" });
      node.card.focus({ preventScroll: true });
    }
  }

  // ---- start ------------------------------------------------------------------------------------
  const widgets = [];
  function start() {
    const hosts = [...doc.querySelectorAll("[data-commentsvc]")].filter((el) => !el.shadowRoot);
    if (hosts.length) defaultSite = hosts[0].getAttribute("data-site") || "";
    fillCounts();
    for (const host of hosts) {
      const widget = new Widget(host);
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
    setInterval(() => {
      for (const widget of widgets) {
        for (const time of widget.shadow.querySelectorAll("time[datetime]")) time.textContent = relative(time.getAttribute("datetime"), widget.T);
      }
    }, 30000);
  }

  window.commentsvc = { base: BASE, widgets, refreshCounts: fillCounts };
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start);
  else start();
})();
