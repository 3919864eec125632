"""The moderation dashboard in a real Chromium against a real server: what a moderator and a reader see."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTIFACTS, app_settings
from dashboard_support import PASSWORD, make_moderator

from commentsvc import create_app
from commentsvc.extensions import db

pytestmark = pytest.mark.browser

# The Chinese demo page at /demo/ embeds the widget for this article on the default site.
DEMO_ARTICLE = "news/2024/09/16/blinken-condemns-russia"
SCREENSHOTS = ARTIFACTS / "screenshots"


@pytest.fixture
def server_env() -> dict[str, str]:
    """Extra settings for one test's server: override with parametrize."""
    return {}


@pytest.fixture
def server(start_server: Any, sqlite_url: str, tmp_path: Path, server_env: dict[str, str]) -> Any:
    """A live server on its own database with one admin account."""
    env = {
        "COMMENTSVC_DATABASE_URL": sqlite_url,
        # Fresh reads every time, so "reload the article" shows the change without waiting out the cache.
        "COMMENTSVC_CACHE_MAX_AGE": "0",
    }
    env.update(server_env)
    live = start_server(env=env)
    app = create_app(app_settings(sqlite_url, tmp_path / "admin-instance"))
    make_moderator(app, "editor", role="admin")
    with app.app_context():
        db.engine.dispose()
    return live


def api_post(server: Any, body: str, article: str = DEMO_ARTICLE) -> tuple[int, dict[str, Any]]:
    payload = json.dumps(
        {"article": article, "title": "布林肯谴责俄朝深化军事合作", "name": "读者", "body": body}
    ).encode()
    request = urllib.request.Request(
        f"{server.url}/api/v1/comments", data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def api_thread(server: Any, article: str = DEMO_ARTICLE) -> dict[str, Any]:
    with urllib.request.urlopen(
        f"{server.url}/api/v1/comments?article={urllib.parse.quote(article)}", timeout=10
    ) as response:
        return json.loads(response.read())


def log_in(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/dashboard/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def nav_count(page: Any, queue: str) -> str:
    return page.locator(f'[data-count="{queue}"]').inner_text()


def widget(page: Any) -> Any:
    return page.locator("[data-commentsvc]")


def test_logged_out_visitors_are_sent_to_the_login_page(page, server):
    page.goto(f"{server.url}/dashboard/queue/pending")
    assert re.search(r"/dashboard/login\?next=/dashboard/queue/pending$", page.url)
    for label in ("Username", "Password"):
        assert page.get_by_label(label).is_visible()
    assert page.get_by_role("button", name="Log in").is_visible()


def test_the_login_page_is_chinese_for_a_chinese_browser_and_logging_in_works(browser, server):
    context = browser.new_context(locale="zh-CN")
    try:
        tab = context.new_page()
        tab.goto(f"{server.url}/dashboard/")
        tab.get_by_label("用户名").fill("editor")
        tab.get_by_label("密码").fill(PASSWORD)
        tab.get_by_role("button", name="登录").click()
        tab.wait_for_url(re.compile(r"/dashboard/$"))
        nav = tab.locator('nav[aria-label="queues"]').inner_text()
        for label in ("待审核", "被举报", "垃圾", "已通过", "已拒绝", "已删除"):
            assert label in nav
    finally:
        context.close()


@pytest.mark.parametrize("server_env", [{"COMMENTSVC_MODERATION": "pre"}])
def test_approving_a_pending_comment_shows_it_in_the_widget_and_changes_the_count(page, server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    status, created = api_post(server, "等待审核的评论")
    assert (status, created["status"]) == (201, "pending")

    page.goto(f"{server.url}/demo/")
    widget(page).locator(".commentsvc-total").wait_for()
    assert "等待审核的评论" not in widget(page).inner_text()
    count_before = widget(page).locator(".commentsvc-total").inner_text()
    assert "0" in count_before

    log_in(page, server)
    assert nav_count(page, "pending") == "1"
    page.goto(f"{server.url}/dashboard/queue/pending")
    item = page.locator(f'[data-comment-id="{created["id"]}"]')
    assert "等待审核的评论" in item.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "dashboard-pending-queue.png"), full_page=True)
    item.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert nav_count(page, "pending") == "0"
    assert nav_count(page, "approved") == "1"

    page.goto(f"{server.url}/demo/")
    widget(page).get_by_text("等待审核的评论").wait_for()
    count_after = widget(page).locator(".commentsvc-total").inner_text()
    assert count_after != count_before and "1" in count_after
    assert api_thread(server)["count"] == 1
    assert page.console_errors == []


def test_keyboard_shortcuts_walk_the_queue_and_act(page, server):
    first = api_post(server, "第一条")[1]
    second = api_post(server, "第二条")[1]
    log_in(page, server)
    page.goto(f"{server.url}/dashboard/queue/approved")
    # Newest first: j moves from the second comment to the first, r rejects the focused one.
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("r")
    assert nav_count(page, "rejected") == "1"
    assert [c["id"] for c in api_thread(server)["comments"]] == [second["id"]]
    assert first["id"] not in [c["id"] for c in api_thread(server)["comments"]]
    assert page.console_errors == []


def test_bulk_reject_hides_the_selected_comments(page, server):
    ids = [api_post(server, f"批量处理 {n}")[1]["id"] for n in range(3)]
    log_in(page, server)
    page.goto(f"{server.url}/dashboard/queue/approved")
    for comment_id in ids[:2]:
        page.locator(f'[data-comment-id="{comment_id}"] input[type="checkbox"]').check()
    page.locator("#commentsvc-bulk").get_by_role("button", name="Reject").click()
    page.wait_for_load_state()
    assert nav_count(page, "rejected") == "2"
    page.goto(f"{server.url}/dashboard/queue/rejected")
    shown = page.locator("[data-commentsvc-item]").evaluate_all(
        "(items) => items.map((i) => Number(i.dataset.commentId))"
    )
    assert sorted(shown) == sorted(ids[:2])
    thread = api_thread(server)
    assert thread["count"] == 1 and [c["id"] for c in thread["comments"]] == [ids[2]]


def test_a_banned_ip_sees_its_next_comment_refused_in_the_widget(page, server):
    log_in(page, server)
    page.goto(f"{server.url}/dashboard/bans")
    form = page.locator("[data-commentsvc-ban-form]")
    form.get_by_label("IP, CIDR range or email").fill("127.0.0.0/8")
    form.get_by_label("Note").fill("刷屏")
    form.get_by_role("button", name="Add ban").click()
    page.wait_for_load_state()
    assert page.locator('[data-ban="127.0.0.0/8"]').is_visible()

    page.goto(f"{server.url}/demo/")
    box = widget(page).locator("textarea").first
    box.wait_for()
    box.fill("被封禁后还想评论")
    widget(page).locator("button.commentsvc-primary").first.click()
    widget(page).get_by_text("You cannot comment on this site").wait_for()
    assert api_thread(server)["count"] == 0


def test_a_sensitive_word_added_in_the_dashboard_masks_an_evasive_spelling(page, server):
    log_in(page, server)
    page.goto(f"{server.url}/dashboard/words")
    form = page.locator("[data-commentsvc-word-form]")
    form.get_by_label("Word").fill("敏感词")
    form.get_by_label("Action").select_option("mask")
    form.get_by_role("button", name="Add word").click()
    page.wait_for_load_state()
    assert page.locator('[data-word="敏感词"]').is_visible()

    page.goto(f"{server.url}/demo/")
    box = widget(page).locator("textarea").first
    box.wait_for()
    box.fill("这里有敏 感*詞哦")
    widget(page).locator("button.commentsvc-primary").first.click()
    widget(page).get_by_text("这里有＊＊＊＊＊哦").wait_for()
    assert "敏" not in widget(page).locator(".commentsvc-list").inner_text()

    page.goto(f"{server.url}/dashboard/queue/approved")
    assert page.locator("[data-commentsvc-highlight] mark").first.inner_text() == "敏 感*詞"


@pytest.mark.parametrize("server_env", [{"COMMENTSVC_MODERATION": "pre"}])
def test_a_post_without_a_csrf_token_is_refused(page, server):
    comment = api_post(server, "不应被通过")[1]
    log_in(page, server)
    refused = page.request.post(
        f"{server.url}/dashboard/comments/action",
        form={"ids": str(comment["id"]), "action": "approve"},
        max_redirects=0,
    )
    assert refused.status == 400
    assert "CSRF" in refused.text()
    assert api_thread(server)["count"] == 0
    page.goto(f"{server.url}/dashboard/queue/pending")
    assert nav_count(page, "pending") == "1"


def test_a_staff_reply_from_the_dashboard_shows_with_the_staff_badge_in_the_widget(page, server):
    comment = api_post(server, "请问这条新闻的来源是？")[1]
    log_in(page, server)
    page.goto(f"{server.url}/dashboard/comments/{comment['id']}")
    page.get_by_text("Reply as staff").click()
    page.get_by_label("Reply as staff").fill("来源是外交部发布会。")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()

    page.goto(f"{server.url}/demo/")
    widget(page).get_by_text("来源是外交部发布会。").wait_for()
    assert widget(page).locator(".commentsvc-staff").first.inner_text() == "官方"
    assert api_thread(server)["count"] == 2
