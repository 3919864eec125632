// The widget's words: labels.json through translator(), plural choice, error codes to labels, relative times.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

import { errorText, fieldText, fill, pickLanguage, relativeTime, translator } from "../../static/widget/i18n.js";

const LABELS = JSON.parse(readFileSync(new URL("../../static/widget/labels.json", import.meta.url), "utf8"));
const en = translator("en");
const zh = translator("zh-CN");

describe("labels", () => {
  it("fills named placeholders and leaves unknown ones alone", () => {
    assert.equal(fill("回复 @{name}", { name: "老李" }), "回复 @老李");
    assert.equal(fill("{n} of {total}", { n: 3 }), "3 of {total}");
  });

  it("chooses the plural form by the language's rules", () => {
    assert.equal(en.plural("total", 1), "1 comment");
    assert.equal(en.plural("total", 0), "0 comments");
    assert.equal(en.plural("total", 2), "2 comments");
    assert.equal(zh.plural("total", 1), "共 1 条评论");
    assert.equal(zh.plural("total", 5), "共 5 条评论");
  });

  it("picks English only when asked for it, Chinese otherwise", () => {
    assert.equal(pickLanguage("en"), "en");
    assert.equal(pickLanguage("en-GB"), "en");
    assert.equal(pickLanguage("zh-CN"), "zh-CN");
    assert.equal(pickLanguage("fr"), "zh-CN");
    assert.equal(pickLanguage(""), "zh-CN");
  });

  it("uses {n} and {name} placeholders, never JavaScript, in every label", () => {
    for (const table of Object.values(LABELS)) {
      for (const [key, value] of Object.entries(table)) {
        if (typeof value !== "string") continue;
        for (const [, name] of value.matchAll(/\{(\w+)\}/g)) assert.ok(["n", "name", "message"].includes(name), key);
      }
    }
  });

  it("has a singular and a plural form for every plural key in both languages", () => {
    for (const table of Object.values(LABELS)) {
      for (const key of Object.keys(table).filter((k) => k.endsWith("_one"))) {
        assert.ok(key.replace(/_one$/, "_other") in table, key);
      }
    }
  });

  it("offers the dashboard's report reasons in its wording", () => {
    assert.deepEqual(zh.codes("reasons"), [["illegal", "违法违规"], ["sexual", "色情低俗"], ["abuse", "谩骂攻击"],
      ["spam", "垃圾广告"], ["misinformation", "不实信息"], ["other", "其他"]]);
    assert.deepEqual(zh.codes("statuses").map(([code]) => code), ["approved", "pending", "rejected", "spam", "deleted"]);
  });
});

describe("error codes", () => {
  it("show a field's code as that field's label", () => {
    assert.equal(fieldText(zh, "email_invalid", "The email is not valid."), "邮箱格式不正确。");
    assert.equal(fieldText(en, "body_too_long", "body must be at most 5000 characters."), "The comment is too long.");
    assert.equal(fieldText(zh, "missing_field", "name is required."), "此项必填。");
  });

  it("fall back to the server's message for a code the widget does not know", () => {
    assert.equal(fieldText(zh, "brand_new_rule", "A rule from a newer server."), "A rule from a newer server.");
    assert.equal(fieldText(zh, "toString", "Not a label."), "Not a label.");
  });

  it("turn a failed request into the reader's words", () => {
    assert.equal(errorText(zh, { status: 403, code: "thread_closed", message: "Comments are closed." }), "评论已关闭");
    assert.equal(errorText(en, { status: 409, code: "duplicate_comment", message: "x" }),
      "You already posted this comment a moment ago.");
    assert.equal(errorText(zh, { status: 400, code: "from_the_future", message: "Something new." }), "操作失败：Something new.");
    assert.equal(errorText(en, { status: 502, code: "", message: "" }), "That did not work: HTTP 502");
  });

  it("say how long to wait after a 429, and that nothing was lost on a network failure", () => {
    assert.equal(errorText(zh, { status: 429, code: "rate_limited", retryAfter: 42 }), "发得太快了，请 42 秒后再试。");
    assert.equal(errorText(en, { status: 429, code: "rate_limited", retryAfter: 1 }), "Too fast: try again in 1 second.");
    assert.equal(errorText(en, { status: 429, code: "rate_limited", retryAfter: 0 }), "Too fast: try again in 60 seconds.");
    assert.match(errorText(zh, { status: 0, network: true }), /网络连接失败/);
  });
});

describe("relative times", () => {
  const at = Date.parse("2024-09-16T10:00:00Z");
  const ago = (seconds) => new Date(at - seconds * 1000).toISOString();

  it("read as just now, minutes, hours and days ago", () => {
    assert.equal(relativeTime(zh, ago(5), at), "刚刚");
    assert.equal(relativeTime(en, ago(59), at), "just now");
    assert.equal(relativeTime(en, ago(60), at), "1 minute ago");
    assert.equal(relativeTime(zh, ago(190), at), "3分钟前");
    assert.equal(relativeTime(en, ago(190), at), "3 minutes ago");
    assert.equal(relativeTime(en, ago(3600), at), "1 hour ago");
    assert.equal(relativeTime(zh, ago(5 * 3600), at), "5小时前");
    assert.equal(relativeTime(en, ago(86400 * 2), at), "2 days ago");
  });

  it("show a date after a month, and never a time in the future", () => {
    assert.equal(relativeTime(en, ago(86400 * 40), at), new Date(ago(86400 * 40)).toLocaleDateString("en"));
    assert.equal(relativeTime(zh, ago(-30), at), "刚刚");
  });
});
