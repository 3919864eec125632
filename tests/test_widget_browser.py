"""The embeddable widget in a real Chromium: what a reader sees and does on the demo pages and on other sites."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jinja2
import pytest
from accessibility import assert_no_serious_axe_violations
from conftest import ARTIFACTS, ROOT, LiveServer, app_settings, own_words
from form_filling import with_form_token

pytestmark = pytest.mark.browser

ZH_ARTICLE = "news/2024/09/16/blinken-condemns-russia"
SCREENSHOTS = ARTIFACTS / "screenshots"


def _live_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, **env: str) -> LiveServer:
    instance = tmp_path_factory.mktemp("widget-live")
    settings = {key: str(value) for key, value in app_settings("", instance).items() if key.startswith("COMMENTSVC_")}
    path = instance / "commentsvc.sqlite3"
    shutil.copyfile(sqlite_template, path)
    settings.update(COMMENTSVC_DATABASE_URL=f"sqlite:///{path}", COMMENTSVC_AUTO_MIGRATE="true", **env)
    live = LiveServer(settings)
    live.database_path = path  # type: ignore[attr-defined]
    return live


def arrange_in_database(server: LiveServer, statement: str, *params: Any) -> None:
    """Only for states no public API reaches yet (a closed thread, a staff author); never for assertions."""
    with sqlite3.connect(server.database_path) as connection:  # type: ignore[attr-defined]
        assert connection.execute(statement, params).rowcount == 1


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    """One commentsvc for the module; every test writes to its own article or reads counts relatively."""
    live = _live_server(tmp_path_factory, sqlite_template)
    yield live
    live.stop()


class HostSite:
    """A publisher's site on another origin (another port) that embeds commentsvc through the snippets."""

    def __init__(self, widget_origin: str) -> None:
        environment = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates"), autoescape=True)
        csp = (
            f"default-src 'self'; script-src {widget_origin}; connect-src {widget_origin}; "
            f"img-src {widget_origin} data:; style-src 'self' 'unsafe-inline'; object-src 'none'"
        )

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {key: values[0] for key, values in parse_qs(parts.query).items()}
                template = {"/host": "demo/host.html", "/hostile": "demo/hostile.html"}.get(parts.path)
                if template is None:
                    self.send_error(404)
                    return
                body = environment.get_template(template).render(widget_origin=widget_origin, **params).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", csp)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def page_url(self, article: str, *, hostile: bool = False, **params: str) -> str:
        query = urlencode({"article": article, "title": f"Host article {article}", **params})
        return f"{self.url}/{'hostile' if hostile else 'host'}?{query}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def host_site(server: LiveServer) -> Iterator[HostSite]:
    site = HostSite(server.url)
    yield site
    site.stop()


# --- helpers -------------------------------------------------------------------------------------


def new_article() -> str:
    return f"test/{uuid.uuid4().hex[:12]}"


def api_post(server: LiveServer, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A write as the widget makes it: a comment post fetches its form token first."""
    if path == "comments":
        payload = with_form_token(server.url, payload)
    request = urllib.request.Request(
        f"{server.url}/api/v1/{path}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def seed(server: LiveServer, article: str, n: int, **extra: Any) -> list[dict[str, Any]]:
    """n comments by other readers, each in its own words: the duplicate check never trips, and the
    flood detection sees readers, not near copies of one text."""
    return [
        api_post(
            server,
            "comments",
            {"article": article, "name": f"读者{i}", "body": own_words(f"种子评论 {article} #{i}"), **extra},
        )
        for i in range(n)
    ]


def open_widget(page: Any, url: str) -> Any:
    """Opens a page and scrolls to the widget, as a reader would; returns the widget's host element."""
    page.goto(url)
    widget = page.locator("#comments")
    widget.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => document.querySelector('#comments').shadowRoot.querySelector('.commentsvc-total')?.textContent"
    )
    return widget


def top_form(widget: Any) -> Any:
    return widget.locator("form.commentsvc-form").first


def post(form: Any, body: str, name: str | None = None, *, button: str = "发表评论") -> None:
    if name is not None:
        form.get_by_label("昵称", exact=True).fill(name)
    form.get_by_label("评论内容", exact=True).fill(body)
    form.get_by_role("button", name=button, exact=True).click()


def comment(widget: Any, text: str) -> Any:
    return widget.locator("article.commentsvc-comment", has_text=text)


def count_of(locator: Any) -> int:
    return int(re.search(r"\d+", locator.inner_text()).group())


def shadow_focus(page: Any) -> dict[str, str] | None:
    return page.evaluate("""() => {
        const root = document.querySelector('#comments').shadowRoot;
        const el = root && root.activeElement;
        return el ? {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
                     text: el.textContent.trim()} : null;
    }""")


def assert_no_console_errors(page: Any) -> None:
    assert page.console_errors == []


# --- posting and threads -------------------------------------------------------------------------


def test_reader_posts_a_comment_that_appears_in_place_without_reload(page: Any, server: LiveServer) -> None:
    widget = open_widget(page, f"{server.url}/demo/")
    body = f"这篇报道很有价值 {uuid.uuid4().hex[:6]}"
    page.evaluate("window.__sameDocument = true")
    post(top_form(widget), body, name="江南读者")
    posted = comment(widget, body)
    posted.wait_for()
    assert posted.locator(".commentsvc-name").inner_text() == "江南读者"
    assert posted.locator("time").inner_text() == "刚刚"
    assert posted.locator("time").get_attribute("title")
    assert posted.locator("img.commentsvc-avatar").get_attribute("src").startswith(f"{server.url}/avatar/")
    assert page.evaluate("window.__sameDocument") is True
    assert top_form(widget).get_by_label("评论内容", exact=True).input_value() == ""
    assert top_form(widget).get_by_label("昵称", exact=True).input_value() == "江南读者"
    page.reload()
    widget = open_widget(page, f"{server.url}/demo/")
    assert top_form(widget).get_by_label("昵称", exact=True).input_value() == "江南读者"
    assert_no_console_errors(page)


@pytest.mark.parametrize(("path", "expected"), [("/demo/", "3分钟前"), ("/demo/en/", "3 minutes ago")])
def test_times_read_relative_with_the_exact_time_on_hover(
    page: Any, server: LiveServer, path: str, expected: str
) -> None:
    article = ZH_ARTICLE if path == "/demo/" else "en/" + ZH_ARTICLE
    (posted,) = seed(server, article, 1)
    created = datetime.fromisoformat(posted["created_at"].replace("Z", "+00:00"))
    page.clock.install(time=created + timedelta(minutes=3, seconds=10))
    page.goto(f"{server.url}{path}")
    card = page.locator(f"#comments article#comment-{posted['id']}")
    card.scroll_into_view_if_needed()
    card.wait_for()
    time = card.locator("time")
    assert time.inner_text() == expected
    assert time.get_attribute("datetime") == posted["created_at"]
    assert time.get_attribute("title") == page.evaluate(
        "([iso, locale]) => new Date(iso).toLocaleString(locale)",
        [posted["created_at"], "en" if "en" in path else "zh-CN"],
    )
    assert_no_console_errors(page)


def test_widget_shows_the_pinned_chinese_labels(page: Any, server: LiveServer) -> None:
    widget = open_widget(page, f"{server.url}/demo/")
    form = top_form(widget)
    for label in ("昵称", "邮箱", "网址", "评论内容"):
        assert form.get_by_label(label, exact=True).is_visible()
    assert form.get_by_role("button", name="发表评论", exact=True).is_visible()
    assert widget.get_by_role("heading", name="网友点评", exact=True).is_visible()
    post(form, f"标签测试 {uuid.uuid4().hex[:6]}")
    card = widget.locator("article.commentsvc-comment").first
    card.wait_for()
    for name in ("回复", "举报"):
        assert card.get_by_role("button", name=name, exact=True).is_visible()
    assert card.get_by_role("button", name=re.compile("^顶")).is_visible()
    assert card.get_by_role("button", name=re.compile("^踩")).is_visible()
    assert_no_console_errors(page)


def test_english_page_shows_english_labels_and_times(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/demo/en/")
    widget = page.locator("#comments")
    widget.scroll_into_view_if_needed()
    form = top_form(widget)
    for label in ("Name", "Email", "Website", "Comment"):
        form.get_by_label(label, exact=True).wait_for()
    form.get_by_label("Comment", exact=True).fill(f"Good piece {uuid.uuid4().hex[:6]}")
    form.get_by_role("button", name="Post comment", exact=True).click()
    card = widget.locator("article.commentsvc-comment").first
    card.get_by_role("button", name="Reply", exact=True).wait_for()
    assert card.get_by_role("button", name="Report", exact=True).is_visible()
    assert card.locator("time").inner_text() == "just now"
    assert widget.get_by_role("heading", name="Comments", exact=True).is_visible()
    assert_no_console_errors(page)


def test_reply_and_reply_to_reply_nest_under_their_parents(page: Any, server: LiveServer, host_site: HostSite) -> None:
    article = new_article()
    widget = open_widget(page, host_site.page_url(article))
    post(top_form(widget), "楼主的评论", name="楼主")
    first = comment(widget, "楼主的评论")
    first.get_by_role("button", name="回复", exact=True).click()
    assert shadow_focus(page)["name"] == "body"
    post(first.locator("form"), "第一层回复", name="二楼")
    reply = widget.locator(".commentsvc-replies article.commentsvc-comment", has_text="第一层回复")
    reply.wait_for()
    reply.get_by_role("button", name="回复", exact=True).click()
    post(reply.locator("form"), "回复的回复", name="三楼")
    nested = widget.locator(".commentsvc-replies .commentsvc-replies article.commentsvc-comment", has_text="回复的回复")
    nested.wait_for()
    assert nested.get_attribute("id").startswith("comment-")
    assert page.locator("[data-commentsvc-count]").inner_text() == "我要评论(3)"
    page.reload()
    widget = open_widget(page, host_site.page_url(article))
    assert widget.locator(".commentsvc-replies .commentsvc-replies article", has_text="回复的回复").is_visible()
    assert_no_console_errors(page)


def test_capped_reply_names_whom_it_answers(page: Any, server: LiveServer, host_site: HostSite) -> None:
    article = new_article()
    parent = None
    for depth in range(5):  # the default depth cap is 5
        parent = api_post(
            server,
            "comments",
            {
                "article": article,
                "name": f"层{depth}",
                "body": f"深度 {depth}",
                "parent_id": parent["id"] if parent else None,
            },
        )
    widget = open_widget(page, host_site.page_url(article))
    widget.get_by_role("button", name="展开 1 条回复").click()  # the first page carries 3 replies
    deepest = comment(widget, "深度 4")
    deepest.get_by_role("button", name="回复", exact=True).click()
    post(deepest.locator("form"), "到顶的回复", name="封顶")
    capped = comment(widget, "到顶的回复")
    capped.wait_for()
    assert capped.locator(".commentsvc-replyto").inner_text() == "回复 @层4"
    assert_no_console_errors(page)


def test_count_link_and_related_article_counts_come_from_one_request_and_follow_posts(
    page: Any, server: LiveServer
) -> None:
    related = [
        "news/2024/09/16/us-open-2024-livestream",
        "news/2024/09/16/network-security-awareness",
        "news/2024/09/16/kylie-jenner-snap",
        "news/2024/09/16/apple-icloud-china",
    ]
    for index, article in enumerate(related):
        seed(server, article, index + 1, title="相关")
    count_requests: list[str] = []
    page.on(
        "request",
        lambda request: (
            count_requests.append(request.method)
            if "/api/v1/counts" in request.url and request.method != "OPTIONS"
            else None
        ),
    )
    page.goto(f"{server.url}/demo/")
    link = page.locator("a[data-commentsvc-count]")
    page.wait_for_function("() => /\\(\\d+\\)/.test(document.querySelector('a[data-commentsvc-count]').textContent)")
    before = count_of(link)
    related_counts = page.locator("span[data-commentsvc-count]").all_inner_texts()
    assert related_counts == ["1条评论", "2条评论", "3条评论", "4条评论"]
    widget = page.locator("#comments")
    widget.scroll_into_view_if_needed()
    post(top_form(widget), f"计数测试 {uuid.uuid4().hex[:6]}")
    page.wait_for_function(
        f"() => document.querySelector('a[data-commentsvc-count]').textContent === '我要评论({before + 1})'"
    )
    # The header's count (the participants follow it: "共 N 条评论 · M 人参与").
    assert widget.locator(".commentsvc-total").inner_text().split(" · ")[0] == f"共 {before + 1} 条评论"
    assert count_requests == ["GET"]
    seed(server, related[0], 1)
    page.reload()
    page.wait_for_function("() => /\\d/.test(document.querySelector('span[data-commentsvc-count]').textContent)")
    assert page.locator("span[data-commentsvc-count]").first.inner_text() == "2条评论"
    assert page.locator("a[data-commentsvc-count]").inner_text() == f"我要评论({before + 1})"
    assert_no_console_errors(page)


def test_count_script_fills_every_count_on_a_listing_page_with_one_request(
    page: Any, server: LiveServer, host_site: HostSite
) -> None:
    articles = [new_article() for _ in range(3)]
    for index, article in enumerate(articles):
        seed(server, article, index)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url) if "/api/v1/counts" in request.url else None)
    spans = (
        "".join(
            f'<li><span data-commentsvc-count="{a}" data-commentsvc-format="评论({{count}})">评论</span></li>'
            for a in articles[:2]
        )
        + f'<li><span data-commentsvc-count="{articles[2]}">…</span></li>'
    )
    page.set_content(f"<ul>{spans}</ul><script src='{server.url}/count.js' async></script>")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-commentsvc-count]')].every(e => /\\d/.test(e.textContent))"
    )
    assert page.locator("[data-commentsvc-count]").all_inner_texts() == ["评论(0)", "评论(1)", "2"]
    assert len(requests) == 1
    assert_no_console_errors(page)


def test_author_edits_and_deletes_own_comment_within_the_window(
    page: Any, server: LiveServer, host_site: HostSite
) -> None:
    article = new_article()
    seed(server, article, 1)
    widget = open_widget(page, host_site.page_url(article))
    post(top_form(widget), "原来的内容", name="作者")
    mine = comment(widget, "原来的内容")
    mine.get_by_role("button", name="编辑", exact=True).click()
    editor = mine.get_by_label("评论内容", exact=True)
    assert editor.input_value() == "原来的内容"
    editor.fill("修改后的内容")
    mine.get_by_role("button", name="保存", exact=True).click()
    edited = comment(widget, "修改后的内容")
    edited.locator(".commentsvc-edited").wait_for()
    assert comment(widget, "原来的内容").count() == 0
    # Another reader's comment offers no edit.
    assert comment(widget, "种子评论").get_by_role("button", name="编辑").count() == 0
    # Edits survive a reload (the token lives in localStorage, the read revalidates).
    page.reload()
    widget = open_widget(page, host_site.page_url(article))
    mine = comment(widget, "修改后的内容")
    assert page.locator("[data-commentsvc-count]").inner_text() == "我要评论(2)"
    mine.get_by_role("button", name="删除", exact=True).click()
    mine.get_by_role("group").get_by_role("button", name="删除", exact=True).click()
    page.wait_for_function("() => document.querySelector('[data-commentsvc-count]').textContent === '我要评论(1)'")
    assert comment(widget, "修改后的内容").count() == 0
    page.reload()
    widget = open_widget(page, host_site.page_url(article))
    assert comment(widget, "修改后的内容").count() == 0
    assert widget.locator(".commentsvc-total").inner_text() == "共 1 条评论 · 1 人参与"
    assert_no_console_errors(page)


def test_edit_and_delete_disappear_after_the_window(page: Any, start_server: Any) -> None:
    live = start_server(env={"COMMENTSVC_EDIT_WINDOW": "2"})
    page.goto(f"{live.url}/demo/")
    widget = page.locator("#comments")
    widget.scroll_into_view_if_needed()
    post(top_form(widget), "很快就不能改了")
    mine = comment(widget, "很快就不能改了")
    mine.get_by_role("button", name="编辑", exact=True).wait_for()
    page.wait_for_timeout(2500)
    page.reload()
    widget = page.locator("#comments")
    widget.scroll_into_view_if_needed()
    comment(widget, "很快就不能改了").wait_for()
    assert comment(widget, "很快就不能改了").get_by_role("button", name="编辑").count() == 0
    assert comment(widget, "很快就不能改了").get_by_role("button", name="删除").count() == 0
    assert_no_console_errors(page)


def test_pending_comment_shows_to_its_author_only_marked_awaiting_review(
    browser: Any, page: Any, start_server: Any
) -> None:
    live = start_server(env={"COMMENTSVC_MODERATION": "pre"})
    page.goto(f"{live.url}/demo/")
    widget = page.locator("#comments")
    widget.scroll_into_view_if_needed()
    post(top_form(widget), "先审后发的评论")
    mine = comment(widget, "先审后发的评论")
    assert mine.locator(".commentsvc-pending").inner_text() == "待审核"
    assert page.locator("a[data-commentsvc-count]").inner_text() == "我要评论(0)"
    page.reload()
    widget = page.locator("#comments")
    widget.scroll_into_view_if_needed()
    assert comment(widget, "先审后发的评论").locator(".commentsvc-pending").inner_text() == "待审核"
    stranger = browser.new_context().new_page()
    try:
        stranger.goto(f"{live.url}/demo/")
        other = stranger.locator("#comments")
        other.scroll_into_view_if_needed()
        other.get_by_text("还没有评论，快来抢沙发！").wait_for()
        assert comment(other, "先审后发的评论").count() == 0
    finally:
        stranger.context.close()
    assert_no_console_errors(page)


def test_keyboard_alone_can_post_a_comment(page: Any, server: LiveServer, host_site: HostSite) -> None:
    article = new_article()
    widget = open_widget(page, host_site.page_url(article))
    page.locator("#probe-button").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = shadow_focus(page)
        if focused and focused["name"] == "name":
            break
    else:
        pytest.fail("Tab never reached the name field")
    page.keyboard.type("键盘用户")
    for expected in ("email", "website", "body"):
        page.keyboard.press("Tab")
        assert shadow_focus(page)["name"] == expected
    page.keyboard.type("只用键盘发表的评论")
    page.keyboard.press("Tab")
    assert shadow_focus(page)["tag"] == "button"
    page.keyboard.press("Enter")
    posted = comment(widget, "只用键盘发表的评论")
    posted.wait_for()
    focused = shadow_focus(page)
    assert focused["id"] == posted.get_attribute("id")
    page.wait_for_function(
        "() => document.querySelector('#comments').shadowRoot"
        ".querySelector('[role=status]').textContent === '评论已发表。'"
    )
    # Reply by keyboard too: Tab to 回复, Enter opens the form and focuses its text area; Escape closes it.
    for _ in range(5):
        page.keyboard.press("Tab")
        if shadow_focus(page)["text"] == "回复":
            break
    else:
        pytest.fail("Tab never reached 回复")
    page.keyboard.press("Enter")
    assert shadow_focus(page)["name"] == "body"
    page.keyboard.press("Escape")
    assert shadow_focus(page)["text"] == "回复"
    assert_no_console_errors(page)


XSS_NAME = '<img src=x onerror="alert(1)">"><svg onload=confirm(2)>'
XSS_BODY = (
    "<script>alert(3)</script><img src=x onerror=prompt(4)> [click](javascript:alert(5)) "
    '<a href="javascript:alert(6)">link</a> <iframe src="javascript:alert(7)"></iframe>'
)


def test_xss_payloads_in_body_and_name_render_as_inert_text(page: Any, server: LiveServer, host_site: HostSite) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script("""
        window.__dialogs = 0;
        for (const name of ['alert', 'confirm', 'prompt']) window[name] = () => { window.__dialogs += 1; };
    """)
    article = new_article()
    widget = open_widget(page, host_site.page_url(article))
    post(top_form(widget), XSS_BODY, name=XSS_NAME)
    card = widget.locator("article.commentsvc-comment").first
    card.wait_for()
    assert card.locator(".commentsvc-name").inner_text() == XSS_NAME
    page.reload()
    widget = open_widget(page, host_site.page_url(article))
    card = widget.locator("article.commentsvc-comment").first
    assert card.locator(".commentsvc-name").inner_text() == XSS_NAME
    for link in card.locator(".commentsvc-body a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript")
    handlers = page.evaluate("""() => [...document.querySelector('#comments').shadowRoot.querySelectorAll('*')]
        .flatMap(el => [...el.attributes].map(a => a.name)).filter(n => n.startsWith('on'))""")
    assert handlers == []
    assert card.locator("script, iframe, svg, img:not(.commentsvc-avatar)").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("window.__dialogs") == 0
    assert dialogs == []
    assert_no_console_errors(page)


def test_closed_thread_says_so_and_offers_no_form_or_reply(page: Any, server: LiveServer, host_site: HostSite) -> None:
    article = new_article()
    seed(server, article, 1)
    arrange_in_database(server, "UPDATE threads SET closed = 1 WHERE article = ?", article)
    widget = open_widget(page, host_site.page_url(article))
    assert widget.locator(".commentsvc-notice").inner_text() == "评论已关闭"
    assert top_form(widget).is_hidden()
    card = comment(widget, "种子评论")
    assert card.is_visible()
    assert card.get_by_role("button", name="回复").count() == 0
    assert_no_console_errors(page)


def test_staff_comment_carries_a_badge(page: Any, server: LiveServer, host_site: HostSite) -> None:
    article = new_article()
    staff, reader = seed(server, article, 2)
    arrange_in_database(server, "UPDATE comments SET is_staff = 1 WHERE id = ?", staff["id"])
    open_widget(page, host_site.page_url(article))
    assert page.locator(f"#comments article#comment-{staff['id']} .commentsvc-staff").inner_text() == "官方"
    assert page.locator(f"#comments article#comment-{reader['id']} .commentsvc-staff").count() == 0
    assert_no_console_errors(page)


def test_deleted_comment_with_replies_leaves_a_placeholder(page: Any, server: LiveServer, host_site: HostSite) -> None:
    article = new_article()
    (parent,) = seed(server, article, 1)
    api_post(server, "comments", {"article": article, "parent_id": parent["id"], "body": "留下来的回复"})
    request = urllib.request.Request(
        f"{server.url}/api/v1/comments/{parent['id']}",
        method="DELETE",
        headers={"Authorization": f"Bearer {parent['edit_token']}"},
    )
    urllib.request.urlopen(request, timeout=10).close()
    widget = open_widget(page, host_site.page_url(article))
    placeholder = page.locator(f"#comments article#comment-{parent['id']}")
    assert placeholder.inner_text() == "该评论已删除"
    assert placeholder.get_by_role("button").count() == 0
    assert comment(widget, "留下来的回复").is_visible()
    assert_no_console_errors(page)


# --- errors --------------------------------------------------------------------------------------


def test_validation_errors_appear_next_to_their_field_and_keep_the_text(
    page: Any, server: LiveServer, host_site: HostSite
) -> None:
    widget = open_widget(page, host_site.page_url(new_article()))
    form = top_form(widget)
    form.get_by_label("邮箱", exact=True).fill("不是邮箱")
    form.get_by_label("网址", exact=True).fill("javascript:alert(1)")
    post(form, "这段文字不能丢")
    email_error = form.locator(".commentsvc-field-email .commentsvc-error")
    email_error.wait_for()
    assert email_error.inner_text() == "邮箱格式不正确。"
    assert (
        form.locator(".commentsvc-field-website .commentsvc-error").inner_text()
        == "网址须以 http:// 或 https:// 开头。"
    )
    assert form.get_by_label("邮箱", exact=True).get_attribute("aria-invalid") == "true"
    assert form.get_by_label("评论内容", exact=True).input_value() == "这段文字不能丢"
    assert shadow_focus(page)["name"] == "email"
    # Chromium itself logs the 400 response; the widget adds no error of its own.
    assert all("status of 400" in error for error in page.console_errors)


def test_network_failure_offers_a_retry_that_reuses_the_idempotency_key(
    page: Any, server: LiveServer, host_site: HostSite
) -> None:
    widget = open_widget(page, host_site.page_url(new_article()))
    keys: list[str] = []
    failing = {"on": True}

    def handle(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        keys.append(route.request.headers.get("idempotency-key", ""))
        if failing["on"]:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(f"{server.url}/api/v1/comments", handle)
    form = top_form(widget)
    post(form, "断网时写的评论")
    retry = form.get_by_role("button", name="重试", exact=True)
    retry.wait_for()
    assert "网络连接失败" in form.locator(".commentsvc-msg").inner_text()
    assert form.get_by_label("评论内容", exact=True).input_value() == "断网时写的评论"
    failing["on"] = False
    retry.click()
    comment(widget, "断网时写的评论").wait_for()
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    # The aborted request is the only console error: Chromium reports it, the widget does not add any.
    assert all("ERR_INTERNET_DISCONNECTED" in error for error in page.console_errors)


def test_rate_limited_post_says_how_long_to_wait(page: Any, start_server: Any) -> None:
    # The widget sends the reader's identity, so the per-identity limit is the one a reader meets.
    live = start_server(env={"COMMENTSVC_RATELIMIT_POST": "1/minute", "COMMENTSVC_RATELIMIT_POST_IDENTITY": "1/minute"})
    page.goto(f"{live.url}/demo/")
    widget = page.locator("#comments")
    widget.scroll_into_view_if_needed()
    form = top_form(widget)
    post(form, "第一条")
    comment(widget, "第一条").wait_for()
    post(form, "太快的第二条")
    message = form.locator(".commentsvc-msg")
    message.get_by_text(re.compile("发得太快了")).wait_for()
    assert re.fullmatch(r"发得太快了，请 \d+ 秒后再试。", message.inner_text().strip())
    assert form.get_by_label("评论内容", exact=True).input_value() == "太快的第二条"
    assert all("429" in error for error in page.console_errors)


# --- reading -------------------------------------------------------------------------------------


def test_sorting_and_load_more_for_comments_and_long_reply_lists(
    page: Any, server: LiveServer, host_site: HostSite
) -> None:
    article = new_article()
    comments = seed(server, article, 22)
    root = comments[0]
    for i in range(22):
        api_post(server, "comments", {"article": article, "parent_id": root["id"], "body": f"长回复 {i:02d}"})
    widget = open_widget(page, host_site.page_url(article))
    cards = widget.locator(".commentsvc-list > li > article.commentsvc-comment")
    assert cards.count() == 20
    assert f"#{21}" in cards.first.inner_text()  # newest first by default
    widget.get_by_role("button", name="加载更多评论").click()
    page.wait_for_function(
        "() => document.querySelector('#comments').shadowRoot.querySelectorAll('.commentsvc-list > li').length === 22"
    )
    oldest_card = comment(widget, f"{article} #0")
    assert oldest_card.locator("xpath=..").locator(".commentsvc-replies > li").count() == 3
    widget.get_by_role("button", name="展开 19 条回复").click()
    comment(widget, "长回复 21").wait_for()
    assert oldest_card.locator("xpath=..").locator(".commentsvc-replies > li").count() == 22
    assert widget.locator(".commentsvc-more-replies").is_hidden()
    widget.get_by_label("排序").select_option("oldest")
    page.wait_for_function(
        "() => document.querySelector('#comments').shadowRoot"
        ".querySelector('.commentsvc-list > li article').textContent.includes('#0')"
    )
    assert_no_console_errors(page)


def test_permalink_scrolls_to_and_highlights_a_comment_loading_pages_as_needed(
    page: Any, server: LiveServer, host_site: HostSite
) -> None:
    article = new_article()
    comments = seed(server, article, 25)
    target = comments[1]  # newest first, 20 a page: the second-oldest is on page two
    page.goto(host_site.page_url(article) + f"#comment-{target['id']}")
    card = page.locator(f"#comments article#comment-{target['id']}")
    card.wait_for()
    page.wait_for_function(
        f"() => document.querySelector('#comments').shadowRoot"
        f".querySelector('#comment-{target['id']}').classList.contains('commentsvc-highlight')"
    )
    assert card.is_visible()
    box = card.bounding_box()
    viewport = page.viewport_size
    assert 0 <= box["y"] < viewport["height"]
    assert shadow_focus(page)["id"] == f"comment-{target['id']}"
    # Clicking another comment's time link moves the highlight there.
    other = page.locator(f"#comments article#comment-{comments[20]['id']}")
    other.locator("a.commentsvc-time").click()
    page.wait_for_function(
        f"() => document.querySelector('#comments').shadowRoot"
        f".querySelector('#comment-{comments[20]['id']}').classList.contains('commentsvc-highlight')"
    )
    assert "commentsvc-highlight" not in card.get_attribute("class")
    assert_no_console_errors(page)


def test_thread_loads_only_when_the_section_approaches_the_viewport(
    page: Any, server: LiveServer, host_site: HostSite
) -> None:
    thread_reads: list[str] = []
    page.on("request", lambda request: thread_reads.append(request.url) if "/api/v1/comments?" in request.url else None)
    page.goto(host_site.page_url(new_article(), spacer="1"), wait_until="load")
    page.wait_for_timeout(500)
    assert thread_reads == []
    page.locator("#comments").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('#comments').shadowRoot.querySelector('.commentsvc-list')")
    page.wait_for_timeout(300)
    assert len(thread_reads) == 1
    assert_no_console_errors(page)


def test_votes_and_reports_on_a_comment(page: Any, server: LiveServer, host_site: HostSite) -> None:
    article = new_article()
    seed(server, article, 1)
    widget = open_widget(page, host_site.page_url(article))
    card = widget.locator("article.commentsvc-comment").first
    like = card.get_by_role("button", name=re.compile("^顶"))
    like.click()
    page.wait_for_function("() => document.querySelector('#comments').shadowRoot.querySelector('[aria-pressed=true]')")
    assert like.inner_text().replace("\xa0", " ") == "顶 1"
    assert like.get_attribute("aria-pressed") == "true"
    card.get_by_role("button", name="举报", exact=True).click()
    card.get_by_label("举报原因").select_option("spam")
    card.get_by_role("button", name="提交举报", exact=True).click()
    card.get_by_role("button", name="已举报，感谢反馈。").wait_for()
    assert_no_console_errors(page)


# --- isolation and other origins -----------------------------------------------------------------


def test_widget_works_on_a_page_from_another_origin(page: Any, server: LiveServer, host_site: HostSite) -> None:
    assert urlsplit(host_site.url).port != urlsplit(server.url).port
    article = new_article()
    widget = open_widget(page, host_site.page_url(article))
    post(top_form(widget), "跨域页面上的评论", name="外站读者")
    comment(widget, "跨域页面上的评论").wait_for()
    page.wait_for_function("() => document.querySelector('[data-commentsvc-count]').textContent === '我要评论(1)'")
    assert page.evaluate("window.commentsvc.base") == server.url + "/"
    assert_no_console_errors(page)


PROBE_STYLE = """() => [...document.querySelectorAll('.probe')].map(el => {
    const s = getComputedStyle(el), r = el.getBoundingClientRect();
    return {id: el.id, x: r.x, width: r.width, height: r.height, top: r.top + scrollY,
            font: s.font, color: s.color, background: s.backgroundColor, margin: s.margin, display: s.display};
})"""


def test_hostile_host_css_neither_breaks_the_widget_nor_changes_the_host_layout(
    page: Any, server: LiveServer, host_site: HostSite
) -> None:
    article = new_article()
    url = host_site.page_url(article, hostile=True)
    page.route(
        f"{server.url}/embed.js", lambda route: route.fulfill(status=200, body="", content_type="text/javascript")
    )
    page.goto(url)
    without_widget = page.evaluate(PROBE_STYLE)
    page.unroute(f"{server.url}/embed.js")
    widget = open_widget(page, url)
    with_widget = page.evaluate(PROBE_STYLE)
    above = {"probe-headline", "probe-meta", "probe-text", "probe-button"}
    for before, after in zip(without_widget, with_widget, strict=True):
        if before["id"] not in above:  # below the widget things move down, but nothing else may change
            before.pop("top")
            after.pop("top")
        assert before == after
    form = top_form(widget)
    assert form.get_by_label("评论内容", exact=True).is_visible()
    assert form.get_by_role("button", name="发表评论", exact=True).is_visible()
    post(form, "敌意样式下的评论", name="顽强读者")
    posted = comment(widget, "敌意样式下的评论")
    posted.wait_for()
    assert posted.is_visible()
    avatar = posted.locator("img.commentsvc-avatar").bounding_box()
    assert avatar["width"] <= 48
    assert page.locator("a[data-commentsvc-count]").inner_text() == "我要评论(1)"
    assert_no_console_errors(page)


# --- screenshots ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def screenshot_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[LiveServer]:
    """Its own server, so the pictures show a tidy conversation rather than other tests' leftovers."""
    live = _live_server(tmp_path_factory, sqlite_template)
    article = ZH_ARTICLE
    first = api_post(
        live,
        "comments",
        {
            "article": article,
            "name": "金陵老李",
            "website": "https://example.com",
            "body": "外交斡旋还要继续，**半岛局势**牵动人心。",
        },
    )
    api_post(
        live,
        "comments",
        {"article": article, "parent_id": first["id"], "name": "小周", "body": "同意，希望各方保持克制。"},
    )
    api_post(live, "comments", {"article": article, "name": "网友", "body": "关注后续进展。"})
    for index, related in enumerate(["us-open-2024-livestream", "network-security-awareness", "apple-icloud-china"]):
        for prefix in ("", "en/"):
            seed(live, f"{prefix}news/2024/09/16/{related}", index + 1)
    first = api_post(
        live,
        "comments",
        {"article": "en/" + article, "name": "Dana", "body": "The alliance angle is the real story here."},
    )
    api_post(
        live,
        "comments",
        {
            "article": "en/" + article,
            "parent_id": first["id"],
            "name": "Min-jun",
            "body": "Agreed. Seoul will watch the arms transfers closely.",
        },
    )
    yield live
    live.stop()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("device", "width"), [("desktop", 1280), ("phone", 390)])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_page_screenshots_fit_the_screen_in_both_themes(
    browser: Any, screenshot_server: LiveServer, lang: str, device: str, width: int, scheme: str
) -> None:
    path = "/demo/" if lang == "zh" else "/demo/en/"
    context = browser.new_context(
        viewport={"width": width, "height": 900 if device == "desktop" else 844},
        color_scheme=scheme,
        device_scale_factor=1,
        is_mobile=device == "phone",
        has_touch=device == "phone",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{screenshot_server.url}{path}")
        widget = page.locator("#comments")
        widget.scroll_into_view_if_needed()
        widget.locator("article.commentsvc-comment").first.wait_for()
        page.evaluate("window.scrollTo(0, 0)")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        textarea_background = widget.locator("textarea").first.evaluate("el => getComputedStyle(el).backgroundColor")
        channels = [int(value) for value in re.findall(r"\d+", textarea_background)[:3]]
        assert (sum(channels) / 3 < 80) if scheme == "dark" else (sum(channels) / 3 > 200)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"demo-{lang}-{device}-{scheme}.png"), full_page=True)
        assert errors == []
    finally:
        context.close()


# --- issue 17: counts, language, drafts, deep replies; accessibility ------------------------------


def test_count_script_fills_all_of_250_counts_on_a_listing_page(page: Any, server: LiveServer) -> None:
    """Issue 17 item 10: count.js filled only the first 200 count elements; 50 of 250 stayed "?"."""
    articles = [new_article() for _ in range(250)]
    seed(server, articles[-1], 2)
    sizes: list[int] = []

    def record(request: Any) -> None:
        if "/api/v1/counts" in request.url and request.method != "OPTIONS":
            body = request.post_data_json
            sizes.append(len(body["articles"]) if body else len(parse_qs(urlsplit(request.url).query)["article"]))

    page.on("request", record)
    spans = "".join(f'<li><span data-commentsvc-count="{a}">?</span></li>' for a in articles)
    page.set_content(f"<ul>{spans}</ul><script src='{server.url}/count.js' async></script>")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-commentsvc-count]')].every(e => e.textContent !== '?')"
    )
    texts = page.locator("[data-commentsvc-count]").all_inner_texts()
    assert texts == ["0"] * 249 + ["2"]
    assert sorted(sizes) == [50, 200]
    assert_no_console_errors(page)


@pytest.mark.parametrize(("path", "lang"), [("/demo/", "zh-CN"), ("/demo/en/", "en")])
def test_a_posted_comment_tells_the_server_the_widgets_language(
    page: Any, server: LiveServer, path: str, lang: str
) -> None:
    """Issue 17 item 11: the server names an anonymous author 网友 or Reader by the widget's language."""
    bodies: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda request: (
            bodies.append(request.post_data_json)
            if request.url.endswith("/api/v1/comments") and request.method == "POST"
            else None
        ),
    )
    widget = open_widget(page, f"{server.url}{path}")
    body = f"language {uuid.uuid4().hex[:6]}"
    form = top_form(widget)
    form.locator("textarea").fill(body)
    form.locator("button[type=submit]").click()
    comment(widget, body).wait_for()
    assert [sent["lang"] for sent in bodies] == [lang]
    assert_no_console_errors(page)


def test_a_field_code_the_widget_does_not_know_shows_the_servers_message(
    page: Any, server: LiveServer, host_site: HostSite
) -> None:
    widget = open_widget(page, host_site.page_url(new_article()))
    error = {"error": {"code": "brand_new_rule", "message": "服务器给出的说明。", "fields": {"body": "brand_new_rule"}}}
    page.route(
        f"{server.url}/api/v1/comments",
        lambda route: (
            route.fulfill(status=400, json=error, headers={"Access-Control-Allow-Origin": "*"})
            if route.request.method == "POST"
            else route.fallback()
        ),
    )
    form = top_form(widget)
    post(form, "会被拒绝的评论")
    message = form.locator(".commentsvc-field-body .commentsvc-error")
    message.wait_for()
    assert message.inner_text() == "服务器给出的说明。"
    assert form.locator(".commentsvc-msg").inner_text() == "请按提示修改后再提交。"


def test_a_cancelled_reply_is_kept_as_a_draft_until_it_is_posted(
    page: Any, server: LiveServer, host_site: HostSite
) -> None:
    """Issue 17 item 17: Esc or 取消 on a reply form threw away the typed reply."""
    article = new_article()
    seed(server, article, 1)
    widget = open_widget(page, host_site.page_url(article))
    card = comment(widget, "种子评论")
    card.get_by_role("button", name="回复", exact=True).click()
    card.locator("form").get_by_label("评论内容", exact=True).fill("写了一半的回复")
    page.keyboard.press("Escape")
    assert card.locator("form").count() == 0
    assert shadow_focus(page)["text"] == "回复"
    card.get_by_role("button", name="回复", exact=True).click()
    assert card.locator("form").get_by_label("评论内容", exact=True).input_value() == "写了一半的回复"
    card.locator("form").get_by_role("button", name="取消", exact=True).click()
    page.reload()
    widget = open_widget(page, host_site.page_url(article))
    card = comment(widget, "种子评论")
    card.get_by_role("button", name="回复", exact=True).click()
    editor = card.locator("form").get_by_label("评论内容", exact=True)
    assert editor.input_value() == "写了一半的回复"
    editor.fill("写完的回复")
    card.locator("form").get_by_role("button", name="发表评论", exact=True).click()
    comment(widget, "写完的回复").wait_for()
    card.get_by_role("button", name="回复", exact=True).click()
    assert card.locator("form").get_by_label("评论内容", exact=True).input_value() == ""
    assert_no_console_errors(page)


def test_a_deep_reply_form_spans_the_whole_widget_on_a_phone(
    browser: Any, server: LiveServer, host_site: HostSite
) -> None:
    """Issue 17 item 18: the reply form at depth 5 on a 360 px phone was 224 px wide."""
    article = new_article()
    parent = None
    for depth in range(5):
        parent = api_post(
            server,
            "comments",
            {
                "article": article,
                "name": f"层{depth}",
                "body": f"深度 {depth}",
                "parent_id": parent["id"] if parent else None,
            },
        )
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        widget = open_widget(page, host_site.page_url(article))
        widget.get_by_role("button", name="展开 1 条回复").click()  # the first page carries 3 replies
        deepest = comment(widget, "深度 4")
        deepest.get_by_role("button", name="回复", exact=True).click()
        form = deepest.locator("form")
        form.get_by_label("评论内容", exact=True).wait_for()
        widget_box, form_box = widget.bounding_box(), form.bounding_box()
        assert form_box["width"] >= 0.9 * widget_box["width"], (form_box, widget_box)
        assert form_box["x"] >= widget_box["x"] - 1
        assert form_box["y"] > deepest.locator(".commentsvc-body").bounding_box()["y"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        form.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "widget-deep-reply-phone.png"))
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/demo/", "/demo/en/"])
def test_demo_pages_with_threads_and_an_open_reply_form_have_no_serious_accessibility_violations(
    browser: Any, screenshot_server: LiveServer, path: str, scheme: str
) -> None:
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    try:
        widget = open_widget(page, f"{screenshot_server.url}{path}")
        card = widget.locator(".commentsvc-list > li > article.commentsvc-comment").last
        card.wait_for()
        card.locator(".commentsvc-actions button[aria-expanded]").click()
        card.locator("form textarea").wait_for()
        page.wait_for_function("() => /\\d/.test(document.querySelector('a[data-commentsvc-count]').textContent)")
        assert_no_serious_axe_violations(page)
    finally:
        context.close()


def test_the_reply_email_checkbox_appears_with_an_email(page: Any, server: LiveServer) -> None:
    """Issue 20: "有人回复时邮件通知我" shows only once an email is given, and the post asks for notify."""
    widget = open_widget(page, f"{server.url}/demo/")
    form = top_form(widget)
    checkbox = form.get_by_label("有人回复时邮件通知我")
    assert not checkbox.is_visible()

    form.get_by_label("邮箱", exact=True).fill("reader@example.com")
    checkbox.check()
    with page.expect_request(lambda request: request.method == "POST" and request.url.endswith("/comments")) as sent:
        post(form, f"回复了请告诉我 {uuid.uuid4().hex[:6]}", name="订阅读者")

    assert sent.value.post_data_json["notify"] is True
    assert sent.value.response().status == 201
    assert_no_console_errors(page)


@pytest.mark.parametrize(
    ("lang", "picks_heading", "pinned", "people"),
    [("", "编辑精选", "置顶", "3 人参与"), ("en", "Editors' picks", "Pinned", "3 participants")],
)
def test_pinned_comment_and_editors_picks_show_above_the_thread_in_order(
    page: Any, server: LiveServer, host_site: HostSite, lang: str, picks_heading: str, pinned: str, people: str
) -> None:
    article = new_article()
    note, first, second = seed(server, article, 3)
    arrange_in_database(server, "UPDATE comments SET is_staff = 1 WHERE id = ?", note["id"])
    # Picked and pinned as the dashboard does (its clicks are tested in test_picks.py): second, then first.
    arrange_in_database(server, "UPDATE comments SET picked_at = '2026-01-01 08:00:00' WHERE id = ?", second["id"])
    arrange_in_database(server, "UPDATE comments SET picked_at = '2026-01-01 09:00:00' WHERE id = ?", first["id"])
    arrange_in_database(
        server,
        "INSERT INTO thread_pins (thread_id, comment_id, pinned_at) SELECT thread_id, id, '2026-01-01' FROM comments"
        " WHERE id = ?",
        note["id"],
    )
    widget = open_widget(page, host_site.page_url(article, **({"lang": lang} if lang else {})))
    block = widget.locator("section.commentsvc-picks")
    assert block.get_by_role("heading", name=picks_heading, exact=True).is_visible()
    texts = [re.sub(r"<[^>]+>", "", c["html"]).strip() for c in (second, first)]
    assert [text.strip() for text in block.locator(".commentsvc-body").all_inner_texts()] == texts
    top = widget.locator(".commentsvc-pinned")
    assert top.locator(".commentsvc-pin").inner_text() == pinned
    assert note["name"] in top.inner_text()
    # Pin and picks come before the thread, which still lists every comment once in its own order.
    order = page.evaluate("""() => [...document.querySelector('#comments').shadowRoot
        .querySelectorAll('.commentsvc-pinned, .commentsvc-picks, ol.commentsvc-list:not(.commentsvc-pinned)')]
        .map((el) => el.className)""")
    assert order[0] == "commentsvc-list commentsvc-pinned" and order[1] == "commentsvc-picks"
    assert widget.locator("article.commentsvc-comment[id]").count() == 3
    assert people in widget.locator(".commentsvc-total").inner_text()
    assert_no_console_errors(page)
