// The live notice's polling: every interval while visible, backing off while hidden, stopping after an idle.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";

import { poll, unseen } from "../../static/widget/live.js";

const listeners = {};
const flush = () => new Promise((resolve) => setImmediate(resolve));

async function advance(ms, step = 100) {
  for (let t = 0; t < ms; t += step) {
    mock.timers.tick(step);
    await flush();
  }
}

beforeEach(() => {
  mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  globalThis.document = { hidden: false };
  globalThis.addEventListener = (type, listener) => { listeners[type] = listener; };
});
afterEach(() => {
  mock.timers.reset();
  delete globalThis.document;
  delete globalThis.addEventListener;
});

function watched(etags) {
  const seen = { checks: 0, changes: 0 };
  const check = async () => etags[Math.min(seen.checks++, etags.length - 1)];
  poll(check, async () => { seen.changes++; }, 1000, 60_000);
  return seen;
}

describe("poll", () => {
  it("checks every interval while visible, first one interval after the page loaded", async () => {
    const seen = watched(['"a"', '"a"', '"b"', '"b"']);
    await advance(900);
    assert.equal(seen.checks, 0);
    await advance(3200);
    assert.equal(seen.checks, 4);
    // The first check (the page may have moved since it loaded), then only the ETag that moved.
    assert.equal(seen.changes, 2);
  });

  it("doubles the interval while the tab is hidden, and checks at once when it is shown again", async () => {
    globalThis.document.hidden = true;
    const seen = watched(['"a"']);
    await advance(15_500); // checks at 1, 3, 7 and 15 s
    assert.equal(seen.checks, 4);
    globalThis.document.hidden = false;
    listeners.visibilitychange({ type: "visibilitychange" });
    await flush();
    assert.equal(seen.checks, 5);
  });

  it("stops after the idle time without reader activity and resumes on it", async () => {
    const seen = watched(['"a"']);
    await advance(65_000);
    const stopped = seen.checks;
    assert.ok(stopped <= 62, `checked ${stopped} times`);
    await advance(10_000);
    assert.equal(seen.checks, stopped);
    listeners.scroll({ type: "scroll" });
    await advance(2500);
    assert.equal(seen.checks, stopped + 3);
  });
});

describe("unseen", () => {
  it("lists comments not on the page yet, each before its replies", () => {
    const page = [{ id: 3, replies: [{ id: 4, replies: [] }] }, { id: 1, replies: [{ id: 2, replies: [] }, { id: 5 }] }];
    assert.deepEqual(unseen(page, new Map([[1, {}], [2, {}]])).map((c) => c.id), [3, 4, 5]);
  });
});
