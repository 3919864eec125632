// What a post needs besides its text: one form token per article, the next from each answer, a fresh one
// after form_token_expired, and the identity the server hands out kept in the reader's store.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ApiError } from "../../static/widget/api.js";
import { FormGuard } from "../../static/widget/guard.js";

function fakeServer(answers = {}) {
  const calls = [];
  let issued = 0;
  const request = async (method, path, { body }) => {
    calls.push([path, body]);
    if (path === "form-tokens") return { form_token: "ft" + ++issued, identity: issued === 1 ? "id.sig" : null, challenge: null };
    const refusal = answers[calls.filter(([p]) => p === "comments").length];
    if (refusal) throw new ApiError(400, { code: refusal });
    return { id: 1, status: "approved", form_token: "next" + issued };
  };
  const stored = {};
  const store = { get: (k) => stored[k], set: (k, v) => { stored[k] = v; } };
  return { calls, stored, guard: new FormGuard(request, store, "voter@", "/") };
}

const post = (guard) => guard.send("", "a1", { body: "hi" }, (fields) => guard.request("POST", "comments", { body: fields }), () => {});

describe("form guard", () => {
  it("asks for one form token when the reader starts writing and keeps the identity it brings", async () => {
    const { calls, stored, guard } = fakeServer();
    await guard.prepare("", "a1");
    await guard.prepare("", "a1");
    assert.deepEqual(calls, [["form-tokens", { site: undefined, article: "a1" }]]);
    assert.equal(stored["voter@"], "id.sig");
  });

  it("posts with the token, and the second post with the token the first answer carried", async () => {
    const { calls, guard } = fakeServer();
    await post(guard);
    await post(guard);
    assert.deepEqual(calls.filter(([p]) => p === "comments").map(([, body]) => body.form_token), ["ft1", "next1"]);
  });

  it("fetches a fresh token and posts again by itself when the token expired", async () => {
    const { calls, guard } = fakeServer({ 1: "form_token_expired" });
    const comment = await post(guard);
    assert.equal(comment.status, "approved");
    assert.deepEqual(calls.map(([path, body]) => path + ":" + (body.form_token || "")),
      ["form-tokens:", "comments:ft1", "form-tokens:", "comments:ft2"]);
  });

  it("passes any other refusal on to the form", async () => {
    const { guard } = fakeServer({ 1: "body_too_long" });
    await assert.rejects(post(guard), (err) => err.code === "body_too_long");
  });
});
