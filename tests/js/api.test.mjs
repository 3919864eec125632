// The one place that talks to the network: what it sends, and failures as codes rather than prose.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import { ApiError, createApi, query } from "../../static/widget/api.js";

const realFetch = globalThis.fetch;
afterEach(() => { globalThis.fetch = realFetch; });

function answer(status, body, headers = {}) {
  return { ok: status < 400, status, headers: new Headers(headers), json: async () => (body === undefined ? JSON.parse("") : body) };
}

describe("api", () => {
  it("sends JSON with the token, the idempotency key and no cookies", async () => {
    const sent = [];
    globalThis.fetch = async (url, init) => { sent.push([url, init]); return answer(201, { id: 1 }); };
    const request = createApi("https://c.example/", () => true);
    assert.deepEqual(await request("POST", "comments", { body: { body: "hi", lang: "zh-CN" }, token: "t", key: "k" }), { id: 1 });
    const [[url, init]] = sent;
    assert.equal(url, "https://c.example/api/v1/comments");
    assert.equal(init.credentials, "omit");
    assert.equal(init.cache, "no-cache");
    assert.deepEqual(JSON.parse(init.body), { body: "hi", lang: "zh-CN" });
    assert.deepEqual(init.headers, { "Content-Type": "application/json", Authorization: "Bearer t", "Idempotency-Key": "k" });
  });

  it("sends the reader's identity in X-Commentsvc-Identity, and none when there is none", async () => {
    const sent = [];
    globalThis.fetch = async (url, init) => { sent.push(init.headers); return answer(200, { likes: 1 }); };
    const request = createApi("/");
    await request("POST", "comments/1/vote", { body: { value: 1 }, voter: "v.sig" });
    await request("POST", "comments/1/vote", { body: { value: 1 } });
    assert.deepEqual(sent, [{ "Content-Type": "application/json", "X-Commentsvc-Identity": "v.sig" }, { "Content-Type": "application/json" }]);
  });

  it("turns an error body into a code, field codes and the wait after a 429", async () => {
    globalThis.fetch = async () => answer(400, { error: { code: "body_too_long", message: "Too long.",
      fields: { body: "body_too_long", name: "missing_field" } } });
    const err = await createApi("/")("POST", "comments", { body: {} }).catch((e) => e);
    assert.ok(err instanceof ApiError);
    assert.deepEqual([err.status, err.code, err.message, err.network], [400, "body_too_long", "Too long.", false]);
    assert.deepEqual(err.fields, { body: "body_too_long", name: "missing_field" });
    globalThis.fetch = async () => answer(429, { error: { code: "rate_limited", message: "Slow down." } }, { "Retry-After": "17" });
    assert.equal((await createApi("/")("POST", "comments", { body: {} }).catch((e) => e)).retryAfter, 17);
  });

  it("reports a proxy's HTML error page by status, and a lost connection as a network failure", async () => {
    globalThis.fetch = async () => answer(502, undefined);
    const bad = await createApi("/")("GET", "counts").catch((e) => e);
    assert.deepEqual([bad.status, bad.code, bad.message], [502, "", "HTTP 502"]);
    globalThis.fetch = async () => { throw new TypeError("Failed to fetch"); };
    assert.equal((await createApi("/")("GET", "counts").catch((e) => e)).network, true);
  });

  it("leaves empty parameters out of a query string", () => {
    assert.equal(query({ site: "", article: "a/b", cursor: null, sort: "hot" }), "article=a%2Fb&sort=hot");
  });
});
