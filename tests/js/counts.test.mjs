// Issue 17 item 10: count.js filled only the first 200 counts on a page; both scripts now share this code.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Counter, MAX_ARTICLES, countRequests, showCount } from "../../static/widget/counts.js";

function fakeElement(attrs) {
  return { textContent: "?", getAttribute: (name) => attrs[name] ?? null };
}

function fakeDocument(elements) {
  return { querySelectorAll: () => elements, querySelector: () => null, location: { href: "https://news.example/a/b?x=1", pathname: "/a/b" } };
}

describe("count requests", () => {
  it("ask for at most 200 articles each", () => {
    const articles = Array.from({ length: 450 }, (_, i) => `news/${i}`);
    const requests = countRequests("", articles);
    assert.deepEqual(requests.map((r) => r.articles.length), [200, 200, 50]);
    assert.deepEqual(requests.flatMap((r) => r.articles), articles);
    assert.equal(MAX_ARTICLES, 200);
  });

  it("use a cacheable GET while the URL is short and a POST body beyond", () => {
    const [short] = countRequests("site-a", ["news/1", "新闻/2"]);
    assert.equal(short.method, "GET");
    assert.equal(short.path, "counts?site=site-a&article=news%2F1&article=%E6%96%B0%E9%97%BB%2F2");
    const [long] = countRequests("", Array.from({ length: 150 }, (_, i) => `news/2024/09/16/a-long-article-name-${i}`));
    assert.equal(long.method, "POST");
    assert.equal(long.path, "counts");
    assert.equal(long.body.articles.length, 150);
    assert.equal(long.body.site, undefined);
  });

  it("leave out an empty site", () => {
    assert.equal(countRequests("", ["a"])[0].path, "counts?article=a");
  });
});

describe("filling counts", () => {
  it("fills every one of 250 elements with two requests of at most 200 articles", async () => {
    const elements = Array.from({ length: 250 }, (_, i) => fakeElement({ "data-commentsvc-count": `news/${i}` }));
    const asked = [];
    const request = async (method, path, { body }) => {
      const articles = body ? body.articles : new URLSearchParams(path.split("?")[1]).getAll("article");
      asked.push(articles.length);
      return { counts: Object.fromEntries(articles.map((a) => [a, Number(a.split("/")[1])])) };
    };
    await new Counter(fakeDocument(elements), request, "").fill();
    assert.deepEqual(asked.sort((a, b) => b - a), [200, 50]);
    assert.deepEqual(elements.map((el) => el.textContent), elements.map((_, i) => String(i)));
  });

  it("asks once per article and site, however many elements show it", async () => {
    const elements = [fakeElement({ "data-commentsvc-count": " a " }), fakeElement({ "data-commentsvc-count": "a" }),
      fakeElement({ "data-commentsvc-count": "a", "data-commentsvc-site": "other" }), fakeElement({ "data-commentsvc-count": "" })];
    const paths = [];
    await new Counter(fakeDocument(elements), async (method, path) => { paths.push(path); return { counts: {} }; }, "main").fill();
    assert.deepEqual(paths.sort(), ["counts?site=main&article=a&article=%2Fa%2Fb", "counts?site=other&article=a"]);
    assert.deepEqual(elements.map((el) => el.textContent), ["0", "0", "0", "0"]);
  });

  it("keeps an element's fallback text when its request fails", async () => {
    const elements = [fakeElement({ "data-commentsvc-count": "a" })];
    await new Counter(fakeDocument(elements), async () => { throw new Error("offline"); }, "").fill();
    assert.equal(elements[0].textContent, "?");
  });

  it("writes the count into the element's format", () => {
    const el = fakeElement({ "data-commentsvc-format": "我要评论({count})" });
    showCount(el, 12);
    assert.equal(el.textContent, "我要评论(12)");
  });
});

describe("the count format", () => {
  it("shows participants beside the count with {participants}", async () => {
    const both = fakeElement({ "data-commentsvc-count": "a", "data-commentsvc-format": "{participants}人参与 · {count}条评论" });
    const plain = fakeElement({ "data-commentsvc-count": "a" });
    const request = async () => ({ counts: { a: 5 }, participants: { a: 3 } });
    await new Counter(fakeDocument([both, plain]), request, "").fill();
    assert.equal(both.textContent, "3人参与 · 5条评论");
    assert.equal(plain.textContent, "5");
    showCount(both, 2);
    assert.equal(both.textContent, "0人参与 · 2条评论");
  });
});
