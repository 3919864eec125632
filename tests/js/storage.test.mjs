// Issue 17 item 17: Esc or 取消 on a reply form threw the typed reply away; drafts now outlive the form.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createStore, draftTarget, Drafts, OwnComments } from "../../static/widget/storage.js";

function fakeStorage() {
  const items = new Map();
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => items.set(key, String(value)) };
}

describe("drafts", () => {
  it("keep the text per reply target until it is cleared", () => {
    const store = createStore(fakeStorage());
    const drafts = new Drafts(store, "draft@base");
    const reply = draftTarget("", "news/1", 7);
    drafts.set(reply, "写了一半的回复");
    drafts.set(draftTarget("", "news/1", 8), "another");
    assert.equal(new Drafts(store, "draft@base").get(reply), "写了一半的回复");
    assert.equal(drafts.get(draftTarget("", "news/2", 7)), "");
    drafts.clear(reply);
    assert.equal(drafts.get(reply), "");
    assert.equal(drafts.get(draftTarget("", "news/1", 8)), "another");
  });

  it("forget whitespace-only text and drafts older than a week", () => {
    let now = Date.parse("2024-09-16T10:00:00Z");
    const drafts = new Drafts(createStore(fakeStorage()), "d", () => now);
    drafts.set("t", "   ");
    assert.equal(drafts.get("t"), "");
    drafts.set("t", "old text");
    now += 8 * 24 * 3600 * 1000;
    assert.equal(drafts.get("t"), "");
  });

  it("separate the top-level form from replies, and one site's article from another's", () => {
    assert.notEqual(draftTarget("s", "a", null), draftTarget("s", "a", 1));
    assert.notEqual(draftTarget("s", "a", 1), draftTarget("", "a", 1));
  });
});

describe("storage", () => {
  it("forgets quietly when the browser forbids storage", () => {
    const store = createStore(null);
    store.set("k", 1);
    assert.equal(store.get("k", "fallback"), "fallback");
    const full = createStore({ getItem: () => "{not json", setItem: () => { throw new Error("QuotaExceededError"); } });
    full.set("k", 1);
    assert.equal(full.get("k", 0), 0);
  });

  it("keeps the reader's own comment without its token in the kept copy", () => {
    const own = new OwnComments(createStore(fakeStorage()), "own@base");
    own.remember({ id: 5, status: "pending", edit_token: "tok", editable_until: "2024-09-16T10:15:00Z", count: 3, html: "<p>x</p>" },
      "x", "", "news/1");
    assert.equal(own.get(5).t, "tok");
    assert.deepEqual(own.get(5).c, { id: 5, status: "pending", html: "<p>x</p>" });
    own.forget(5);
    assert.deepEqual(own.get(5), {});
  });
});
