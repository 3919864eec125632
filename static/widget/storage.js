/* What the browser remembers for the reader: author details, own comments' edit tokens, votes, drafts.
   Private browsing may forbid storage; then the widget simply forgets. */

const KEEP_MS = 7 * 24 * 3600 * 1000;

export function createStore(storage, prefix = "commentsvc:") {
  return {
    get(key, fallback) {
      try {
        const raw = storage.getItem(prefix + key);
        return raw ? JSON.parse(raw) : fallback;
      } catch {
        return fallback;
      }
    },
    set(key, value) {
      try {
        storage.setItem(prefix + key, JSON.stringify(value));
      } catch {
        // quota exceeded, or storage forbidden
      }
    },
  };
}

export const draftTarget = (site, article, parentId) => [site, article, parentId ?? ""].join("\n");

// Unsent text per reply target (site, article, parent comment), so that closing a form never throws it away.
// Drafts older than a week are dropped.
export class Drafts {
  constructor(store, key, now = () => Date.now()) {
    Object.assign(this, { store, key, now });
  }

  get(target) {
    const entry = this.store.get(this.key, {})[target];
    return entry && this.now() - entry.at < KEEP_MS ? entry.b : "";
  }

  set(target, text) {
    const now = this.now();
    const all = Object.fromEntries(Object.entries(this.store.get(this.key, {})).filter(([, entry]) => now - entry.at < KEEP_MS));
    if (text.trim()) all[target] = { b: text, at: now };
    else delete all[target];
    this.store.set(this.key, all);
  }

  clear(target) {
    this.set(target, "");
  }
}

// The reader's own comments: edit token, deadline, text, and (while pending) the comment itself, because
// the public thread does not list pending comments. Entries older than a week are dropped.
export class OwnComments {
  constructor(store, key, now = () => Date.now()) {
    Object.assign(this, { store, key, now });
  }

  all() {
    return this.store.get(this.key, {});
  }

  get(id) {
    return this.all()[id] || {};
  }

  remember(comment, body, site, article) {
    const now = this.now();
    const own = Object.fromEntries(Object.entries(this.all()).filter(([, entry]) => now - entry.at < KEEP_MS));
    const { edit_token: token, editable_until: until, count, ...shown } = comment;
    own[comment.id] = { t: token, u: until, b: body, s: site, a: article, at: now, c: comment.status === "pending" ? shown : null };
    this.store.set(this.key, own);
  }

  forget(id) {
    const own = this.all();
    delete own[id];
    this.store.set(this.key, own);
  }
}
