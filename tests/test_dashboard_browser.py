"""The moderation dashboard in a real Chromium against a real server: what a moderator and a reader see."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from accessibility import assert_no_serious_axe_violations
from conftest import ARTIFACTS, app_settings
from dashboard_support import PASSWORD, make_moderator
from form_filling import with_form_token

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
    fields = {"article": article, "title": "布林肯谴责俄朝深化军事合作", "name": "读者", "body": body}
    payload = json.dumps(with_form_token(server.url, fields)).encode()
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
    widget(page).get_by_text("你已被禁止在此评论。").wait_for()
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


# --- accessibility, local times and the chart (issue 17) --------------------------------------------------

HELD_ARTICLE = "news/2024/09/20/held-story"


def log_in_in(page: Any, server: Any, language: str) -> None:
    """Logs in through the form in either language (the labels differ, the field ids do not)."""
    page.goto(f"{server.url}/dashboard/login?lang={language}")
    page.locator("#username").fill("editor")
    page.locator("#password").fill(PASSWORD)
    page.locator(".commentsvc-login button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def dashboard_post(page: Any, server: Any, path: str, form: dict[str, str]) -> None:
    """A form post with the session's CSRF token, for setting up what a test needs."""
    page.goto(f"{server.url}/dashboard/")
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    response = page.request.post(f"{server.url}{path}", form={"csrf_token": token, **form}, max_redirects=0)
    assert response.status == 302, response.text()


def fill_every_queue(page: Any, server: Any) -> dict[str, int]:
    """One logged-in moderator and a comment in every queue; the held one sits in an article whose settings were
    opened before its first comment. Returns the ids of a reported comment and of the held article's thread."""
    page.goto(f"{server.url}/dashboard/articles")
    form = page.locator("[data-commentsvc-open-article]")
    form.locator('input[name="article"]').fill(HELD_ARTICLE)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard/threads/\d+$"))
    thread_id = int(page.url.rsplit("/", 1)[1])
    page.locator('select[name="moderation"]').select_option("pre")
    page.locator(".commentsvc-main form button[type=submit]").click()
    page.wait_for_load_state()

    ids = [api_post(server, f"读者评论 {n}")[1]["id"] for n in range(4)]
    status, held = api_post(server, "等待审核", article=HELD_ARTICLE)
    assert (status, held["status"]) == (201, "pending")
    report = urllib.request.Request(
        f"{server.url}/api/v1/comments/{ids[0]}/report",
        data=json.dumps({"reason": "abuse", "note": "人身攻击"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(report, timeout=10):
        pass
    for comment_id, action in zip(ids[1:], ("reject", "spam", "delete"), strict=True):
        dashboard_post(page, server, "/dashboard/comments/action", {"ids": str(comment_id), "action": action})
    dashboard_post(page, server, "/dashboard/bans", {"kind": "email", "value": "troll@example.com", "note": "刷屏"})
    dashboard_post(page, server, "/dashboard/words", {"word": "敏感词", "action": "hold"})
    return {"reported": ids[0], "thread": thread_id}


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_dashboard_page_passes_axe_in_both_languages(browser, server, language):
    """Regression: no dashboard page had ever been checked with axe (contrast, labels, table headers, headings)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale=language)
    page = context.new_page()
    failures = []

    def check(path: str) -> None:
        page.goto(f"{server.url}{path}{'&' if '?' in path else '?'}lang={language}")
        assert page.locator("h1").count() == 1, f"{path} has no single h1"
        try:
            assert_no_serious_axe_violations(page)
        except AssertionError as error:
            failures.append(str(error))

    try:
        check("/dashboard/login")
        log_in_in(page, server, language)
        ids = fill_every_queue(page, server)
        pages = [
            "/dashboard/",
            *(
                f"/dashboard/queue/{queue}"
                for queue in ("pending", "reported", "spam", "approved", "rejected", "deleted")
            ),
            f"/dashboard/comments/{ids['reported']}",
            f"/dashboard/threads/{ids['thread']}",
            "/dashboard/sites",
            "/dashboard/articles",
            "/dashboard/articles?q=held",
            "/dashboard/bans",
            "/dashboard/words",
            "/dashboard/audit",
            "/dashboard/moderators",
        ]
        for path in pages:
            check(path)
            if path.startswith("/dashboard/queue/"):
                assert page.locator("[data-commentsvc-item]").count() >= 1, f"{path} is empty"
        page.goto(f"{server.url}/dashboard/?lang={language}")
        page.screenshot(path=str(SCREENSHOTS / f"dashboard-overview-{language}.png"), full_page=True)
        page.goto(f"{server.url}/dashboard/queue/reported?lang={language}")
        page.screenshot(path=str(SCREENSHOTS / f"dashboard-reported-queue-{language}.png"), full_page=True)
    finally:
        context.close()
    assert not failures, "\n\n".join(failures)


def test_the_last_day_of_the_overview_chart_is_labelled_in_full(page, server):
    """Regression: the overview chart's last label was cut to "12-0"."""
    api_post(server, "今天的评论")
    log_in(page, server)
    labels = page.evaluate(
        """() => {
            const svg = document.querySelector(".commentsvc-chart");
            const width = svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll(".commentsvc-chart-label")].map((text) => {
                const box = text.getBBox();
                return { text: text.textContent, left: box.x, right: box.x + box.width, width };
            });
        }"""
    )
    days = page.locator("[data-day]").evaluate_all("(bars) => bars.map((bar) => bar.dataset.day.slice(5))")
    assert [label["text"] for label in labels] == [days[0], days[5], days[10], days[15], days[20], days[25], days[29]]
    clipped = [label for label in labels if label["left"] < 0 or label["right"] > label["width"]]
    assert not clipped


def test_times_show_in_the_moderators_time_zone_with_utc_on_hover(browser, server):
    """Regression: the dashboard showed times in UTC only."""
    _, comment = api_post(server, "几点发的？")
    created = datetime.fromisoformat(comment["created_at"].replace("Z", "+00:00"))
    context = browser.new_context(timezone_id="Asia/Shanghai")
    try:
        tab = context.new_page()
        log_in(tab, server)
        tab.goto(f"{server.url}/dashboard/comments/{comment['id']}")
        stamp = tab.locator(f"#comment-{comment['id']} time").first
        shanghai = created.astimezone(timezone(timedelta(hours=8)))
        assert stamp.inner_text() == shanghai.strftime("%Y-%m-%d %H:%M")
        assert stamp.get_attribute("title") == created.strftime("%Y-%m-%d %H:%M UTC")
    finally:
        context.close()


def test_times_read_as_utc_when_javascript_is_off(browser, server):
    _, comment = api_post(server, "没有脚本")
    created = datetime.fromisoformat(comment["created_at"].replace("Z", "+00:00"))
    context = browser.new_context(timezone_id="Asia/Shanghai", java_script_enabled=False)
    try:
        tab = context.new_page()
        log_in(tab, server)
        tab.goto(f"{server.url}/dashboard/comments/{comment['id']}")
        assert tab.locator(f"#comment-{comment['id']} time").first.inner_text() == created.strftime(
            "%Y-%m-%d %H:%M UTC"
        )
    finally:
        context.close()
