"""Issue 18 in a real Chromium: the widget asks for a form token only when the reader starts writing,
keeps a hidden honeypot, fetches a fresh token by itself when one expired, solves the proof of work in
its Web Worker, and moderators see why the Spam queue holds a comment and act on it."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from typing import Any

import pytest
from conftest import LiveServer, app_settings
from dashboard_support import PASSWORD, make_moderator
from form_filling import with_form_token

from commentsvc import create_app
from commentsvc.extensions import db

pytestmark = pytest.mark.browser

DEMO_ARTICLE = "news/2024/09/16/blinken-condemns-russia"


def demo_server(start_server: Any, sqlite_url: str, tmp_path: Any, **env: str) -> LiveServer:
    live = start_server(env={"COMMENTSVC_DATABASE_URL": sqlite_url, "COMMENTSVC_CACHE_MAX_AGE": "0", **env})
    app = create_app(app_settings(sqlite_url, tmp_path / "admin-instance"))
    make_moderator(app, "editor", role="admin")
    with app.app_context():
        db.engine.dispose()
    return live


def open_demo(page: Any, server: LiveServer, requests: list[str]) -> Any:
    page.on("request", lambda request: requests.append(f"{request.method} {request.url}"))
    page.goto(f"{server.url}/demo/")
    widget = page.locator("#comments")
    widget.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => document.querySelector('#comments').shadowRoot.querySelector('.commentsvc-total')?.textContent"
    )
    return widget


def write_and_post(widget: Any, body: str) -> None:
    form = widget.locator("form.commentsvc-form").first
    form.get_by_label("评论内容", exact=True).fill(body)
    form.get_by_role("button", name="发表评论", exact=True).click()


def published(widget: Any, body: str) -> Any:
    card = widget.locator("article.commentsvc-comment", has_text=body)
    card.wait_for()
    return card


def asked_for_tokens(requests: list[str]) -> int:
    return sum(1 for line in requests if line.startswith("POST ") and line.endswith("/api/v1/form-tokens"))


def test_the_widget_asks_for_a_form_token_only_when_the_reader_starts_writing(
    page: Any, start_server: Any, sqlite_url: str, tmp_path: Any
) -> None:
    server = demo_server(start_server, sqlite_url, tmp_path)
    requests: list[str] = []
    widget = open_demo(page, server, requests)
    assert asked_for_tokens(requests) == 0

    write_and_post(widget, "第一条评论，等待令牌")
    published(widget, "第一条评论，等待令牌")
    write_and_post(widget, "第二条评论，用上一条的令牌")
    published(widget, "第二条评论，用上一条的令牌")

    assert asked_for_tokens(requests) == 1
    assert page.console_errors == []


def test_the_honeypot_is_hidden_from_readers_and_keyboards(
    page: Any, start_server: Any, sqlite_url: str, tmp_path: Any
) -> None:
    widget = open_demo(page, demo_server(start_server, sqlite_url, tmp_path), [])
    trap = widget.locator("form.commentsvc-form").first.locator('input[name="homepage"]')

    assert trap.get_attribute("tabindex") == "-1" and trap.get_attribute("autocomplete") == "off"
    holder = trap.locator("xpath=..")
    assert holder.get_attribute("aria-hidden") == "true"
    assert holder.bounding_box()["width"] <= 1  # clipped to one pixel, as screen-reader-only text is


def test_an_expired_token_is_replaced_and_the_comment_posted_without_the_reader_noticing(
    page: Any, start_server: Any, sqlite_url: str, tmp_path: Any
) -> None:
    server = demo_server(start_server, sqlite_url, tmp_path, COMMENTSVC_FORM_TOKEN_TTL="1")
    requests: list[str] = []
    widget = open_demo(page, server, requests)
    form = widget.locator("form.commentsvc-form").first
    with page.expect_response(lambda response: response.url.endswith("/api/v1/form-tokens")):
        form.get_by_label("评论内容", exact=True).focus()
    time.sleep(2.2)  # the page left open past the token's life

    write_and_post(widget, "页面放了很久之后的评论")

    published(widget, "页面放了很久之后的评论")
    assert asked_for_tokens(requests) == 2
    assert not form.locator(".commentsvc-msg").inner_text()


def test_the_widget_solves_the_proof_of_work_in_its_worker_and_posts_on_its_own(
    page: Any, start_server: Any, sqlite_url: str, tmp_path: Any
) -> None:
    server = demo_server(start_server, sqlite_url, tmp_path, COMMENTSVC_CHALLENGE="always")
    requests: list[str] = []
    widget = open_demo(page, server, requests)

    write_and_post(widget, "需要验证的评论")

    published(widget, "需要验证的评论")
    assert any(line.endswith("/embed-pow.js") for line in requests)
    assert page.console_errors == []


def log_in(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/dashboard/login?lang=en")
    page.locator("#username").fill("editor")
    page.locator("#password").fill(PASSWORD)
    page.locator(".commentsvc-login button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def post_as_bot(server: LiveServer, body: str, **fields: Any) -> None:
    payload = with_form_token(server.url, {"article": DEMO_ARTICLE, "name": "bot", "body": body, **fields})
    request = urllib.request.Request(
        f"{server.url}/api/v1/comments",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def test_the_spam_queue_says_why_and_this_is_not_spam_publishes(
    page: Any, start_server: Any, sqlite_url: str, tmp_path: Any
) -> None:
    server = demo_server(start_server, sqlite_url, tmp_path)
    post_as_bot(server, "autofilled by a password manager", homepage="https://me.example")
    log_in(page, server)

    page.goto(f"{server.url}/dashboard/queue/spam?lang=en")
    item = page.locator("[data-commentsvc-item]", has_text="autofilled by a password manager")
    assert "filled the hidden field (bot trap)" in item.locator("[data-commentsvc-why]").inner_text()
    item.locator('[data-action="approve"]').click()
    page.wait_for_load_state()

    assert page.locator("[data-commentsvc-item]", has_text="autofilled by a password manager").count() == 0
    page.goto(f"{server.url}/demo/")
    widget = page.locator("#comments")
    widget.scroll_into_view_if_needed()
    published(widget, "autofilled by a password manager")


def test_reject_all_from_an_address_is_one_click_from_a_comment(
    page: Any, start_server: Any, sqlite_url: str, tmp_path: Any
) -> None:
    server = demo_server(start_server, sqlite_url, tmp_path)
    # Three different texts from one address: the same text three times would be held as a flood first.
    for text in ("buy cheap watches 0", "discount sunglasses shipped to your door", "earn money from home today"):
        post_as_bot(server, text)
    log_in(page, server)

    page.goto(f"{server.url}/dashboard/queue/approved?lang=en")
    page.locator("[data-commentsvc-item]", has_text="buy cheap watches 0").locator('[data-history-link="ip"]').click()
    page.get_by_role("button", name="Reject all from this IP").click()
    page.wait_for_load_state()

    assert "3 comments rejected." in page.content()
    page.goto(f"{server.url}/dashboard/queue/approved?lang=en")
    assert page.locator("[data-commentsvc-item]").count() == 0
