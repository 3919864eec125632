"""盖楼 in a real Chromium: a chain ten comments deep shows as quoted floors, its middle opens without a
reload, and each comment's text carries its own language."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from accessibility import assert_no_serious_axe_violations
from conftest import own_words
from form_filling import with_form_token

pytestmark = pytest.mark.browser

ZH_ARTICLE = "news/2024/09/16/blinken-condemns-russia"
EN_ARTICLE = "en/" + ZH_ARTICLE


def api_post(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/api/v1/comments",
        data=json.dumps(with_form_token(url, payload)).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def chain_of(url: str, article: str, length: int) -> list[dict[str, Any]]:
    chain: list[dict[str, Any]] = []
    for n in range(length):
        payload = {"article": article, "name": f"楼主{n + 1}", "body": own_words(f"盖楼 {n + 1}")}
        if chain:
            payload["parent_id"] = chain[-1]["id"]
        chain.append(api_post(url, payload))
    return chain


def open_widget(page: Any, url: str) -> Any:
    page.goto(url)
    widget = page.locator("#comments")
    page.wait_for_function(
        "() => document.querySelector('#comments').shadowRoot.querySelector('.commentsvc-total')?.textContent"
    )
    return widget


def test_a_ten_deep_chain_shows_as_floors_that_open_without_a_reload(page: Any, start_server: Any) -> None:
    live = start_server({"COMMENTSVC_MAX_DEPTH": "10", "COMMENTSVC_FIRST_PAGE_REPLIES": "20"})
    chain = chain_of(live.url, ZH_ARTICLE, 10)
    english = api_post(
        live.url, {"article": ZH_ARTICLE, "name": "Reader", "body": "Plain English words, nothing else."}
    )
    traditional = api_post(live.url, {"article": ZH_ARTICLE, "name": "讀者", "body": "這是繁體中文的評論，我們說話。"})

    widget = open_widget(page, f"{live.url}/demo/")
    deepest = widget.locator(f"#comment-{chain[9]['id']}")
    floors = deepest.get_by_role("group", name="这条回复之前的楼层")
    quotes = floors.locator("blockquote.commentsvc-floor")
    assert [quotes.nth(n).get_attribute("aria-label") for n in range(quotes.count())] == ["9楼", "8楼", "2楼", "1楼"]
    assert floors.locator("blockquote[aria-label='1楼']").inner_text().startswith("1楼 楼主1")
    # Past the floor depth the chain stops indenting: floors take its place.
    assert widget.locator(f"#comment-{chain[9]['id']}").bounding_box()["x"] == pytest.approx(
        widget.locator(f"#comment-{chain[3]['id']}").bounding_box()["x"]
    )
    assert widget.locator(f"#comment-{chain[2]['id']} .commentsvc-floors").count() == 0

    page.evaluate("() => { window.notReloaded = true; }")
    floors.get_by_role("button", name="展开中间 5 层").click()
    quotes.nth(8).wait_for()
    labels = [quotes.nth(n).get_attribute("aria-label") for n in range(quotes.count())]
    assert labels == [f"{n}楼" for n in range(9, 0, -1)]
    assert page.evaluate("() => window.notReloaded") is True
    assert floors.get_by_role("button").count() == 0

    # The reader's own reply to the deepest one shows its floors at once, the deepest one as 10楼.
    deepest.get_by_role("button", name="回复", exact=True).click()
    form = deepest.locator("form")
    form.get_by_label("昵称", exact=True).fill("十一楼")
    form.get_by_label("评论内容", exact=True).fill(own_words("十一楼的回复"))
    form.get_by_role("button", name="发表评论", exact=True).click()
    own = widget.locator("article.commentsvc-comment", has_text="十一楼的回复")
    own.locator("blockquote[aria-label='10楼']").wait_for()
    assert own.get_by_role("button", name="展开中间 5 层").is_visible()

    assert widget.locator(f"#comment-{english['id']} .commentsvc-body").get_attribute("lang") == "en"
    assert widget.locator(f"#comment-{traditional['id']} .commentsvc-body").get_attribute("lang") == "zh-Hant"
    assert_no_serious_axe_violations(page)

    chain_of(live.url, EN_ARTICLE, 7)
    widget = open_widget(page, f"{live.url}/demo/en/")
    floors = widget.get_by_role("group", name="Earlier floors of this reply chain").last
    assert floors.locator("blockquote").first.get_attribute("aria-label") == "Floor 6"
    floors.get_by_role("button", name="Show 2 more floors").click()
    floors.locator("blockquote[aria-label='Floor 3']").wait_for()
    assert page.console_errors == []
