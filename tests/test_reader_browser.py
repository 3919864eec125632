"""In Chromium: the widget hydrating over the server-rendered fragment, the live new-comment notice, and
the plain thread page posting a comment with JavaScript turned off."""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import urlencode

import pytest
from conftest import LiveServer, own_words
from form_filling import with_form_token

pytestmark = pytest.mark.browser

SHIFTS = (
    "window.shifts=[];new PerformanceObserver((list)=>{for(const e of list.getEntries())if(!e.hadRecentInput)shifts.push(e.value)})"
    '.observe({type:"layout-shift",buffered:true});'
)


def post(server: LiveServer, article: str, body: str, name: str = "另一位读者") -> dict[str, Any]:
    payload = with_form_token(server.url, {"article": article, "name": name, "body": body})
    request = urllib.request.Request(
        f"{server.url}/api/v1/comments",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def fragment(server: LiveServer, article: str) -> str:
    """What a CMS includes at render time."""
    with urllib.request.urlopen(f"{server.url}/embed/thread.html?{urlencode({'article': article})}") as response:
        return str(response.read().decode())


def host_page(server: LiveServer, article: str, inside: str) -> str:
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><script>{SHIFTS}</script></head>
<body style="margin:0;font:16px/1.5 sans-serif"><div style="height:1600px">文章正文</div>
<div id="comments" data-commentsvc data-article="{article}" data-live-interval="1">{inside}</div>
<div style="height:3000px"></div><script src="{server.url}/embed.js" async></script></body></html>"""


def box_top(page: Any, comment_id: int, in_widget: bool) -> float:
    where = "document.querySelector('#comments').shadowRoot" if in_widget else "document"
    top: float = page.evaluate(f"{where}.getElementById('comment-{comment_id}').getBoundingClientRect().top")
    return top


def test_widget_hydrates_over_the_fragment_and_new_comments_wait_behind_a_notice(
    page: Any, live_server: LiveServer
) -> None:
    article = "live/hydrate-and-notice"
    ids = [post(live_server, article, own_words(f"早先的评论 {n}"))["id"] for n in range(4)]
    # The publisher's article page, answered by the test (on the server's origin: Chromium keeps pages
    # that are not on loopback from loading loopback scripts).
    publisher = f"{live_server.url}/publisher/article"
    page.route(
        publisher,
        lambda route: route.fulfill(
            content_type="text/html", body=host_page(live_server, article, fragment(live_server, article))
        ),
    )
    page.goto(publisher)
    # The reader scrolls to the comments and reads the third one while the widget loads over them.
    reading = ids[1]
    page.evaluate(f"document.getElementById('comment-{reading}').scrollIntoView({{block: 'center'}})")
    before = box_top(page, reading, in_widget=False)
    page.wait_for_function(
        "document.querySelector('#comments').shadowRoot?.querySelector('.commentsvc-root:not([hidden]) .commentsvc-comment')"
    )
    assert page.evaluate("document.querySelector('[data-commentsvc-fragment]')") is None
    assert abs(box_top(page, reading, in_widget=True) - before) <= 1
    # What moves at all (the heading and form taking the fragment's place) stays far under the 0.1 of
    # cumulative layout shift that counts as good.
    assert sum(page.evaluate("shifts")) < 0.05

    scrolled, seen = page.evaluate("scrollY"), box_top(page, reading, in_widget=True)
    post(live_server, article, "刚刚发表 " + own_words("新评论"))
    notice = page.locator(".commentsvc-live")
    notice.wait_for(state="visible", timeout=10_000)
    assert notice.text_content() == "有 1 条新评论，点击查看"
    page.wait_for_function(  # and screen readers hear it, from the widget's polite status region
        "document.querySelector('#comments').shadowRoot.querySelector('[role=status]').textContent === '有 1 条新评论，点击查看'"
    )
    assert page.evaluate("scrollY") == scrolled
    assert box_top(page, reading, in_widget=True) == seen
    assert page.get_by_text("刚刚发表").count() == 0

    notice.click()
    page.get_by_text("刚刚发表").wait_for(state="visible")
    assert notice.is_hidden()
    assert page.locator(".commentsvc-total").text_content() == "共 5 条评论 · 1 人参与"  # one reader wrote them all
    assert not page.console_errors


def test_plain_thread_page_posts_a_comment_with_javascript_off(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(f"{live_server.url}/thread?{urlencode({'article': 'nojs/plain-page', 'lang': 'en'})}")
        tab.get_by_label("Name").fill("No-script reader")
        tab.get_by_label("Comment", exact=False).last.fill("Written without JavaScript " + own_words("plain"))
        tab.get_by_role("button", name="Post comment").click()
        tab.get_by_text("Your comment was posted.").wait_for()
        assert tab.get_by_text("Written without JavaScript").is_visible()
        assert tab.get_by_role("heading", name="1 comment").is_visible()
        assert "posted=approved" in tab.url
    finally:
        context.close()
