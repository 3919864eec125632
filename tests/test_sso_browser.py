"""Publisher SSO in the widget, in a real Chromium: logged in and out, switching at run time with
commentsvc.login()/logout(), sso-required sites, the staff badge, and a token the server refuses."""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, LiveServer, app_settings
from sso_support import SECRET, sso_token

pytestmark = pytest.mark.browser

AVATAR = "https://cdn.publisher.test/wang.png"
LOGIN_URL = "https://publisher.test/login"
# A 1×1 transparent PNG, so the avatar loads without any network.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


class SsoServer:
    def __init__(self, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> None:
        instance = tmp_path_factory.mktemp("sso-live")
        path = instance / "commentsvc.sqlite3"
        shutil.copyfile(sqlite_template, path)
        self.env = {
            key: str(value) for key, value in app_settings("", instance).items() if key.startswith("COMMENTSVC_")
        }
        self.env.update(COMMENTSVC_DATABASE_URL=f"sqlite:///{path}", COMMENTSVC_AUTO_MIGRATE="true")
        self.live = LiveServer(self.env)
        self.url = self.live.url
        self.publisher: Publisher

    def sites_set(self, site: str, *options: str) -> None:
        """The admin's own command, as on a real deployment."""
        result = subprocess.run(
            [sys.executable, "-c", "from commentsvc.cli import main; main()", "sites", "set", site, *options],
            env={"PATH": "/usr/bin:/bin", **self.env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr


class Publisher:
    """The publisher's own site on another origin: it serves whatever article page a test sets."""

    def __init__(self) -> None:
        pages: dict[str, bytes] = {}
        self.pages = pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def publisher() -> Iterator[Publisher]:
    site = Publisher()
    yield site
    site.httpd.shutdown()
    site.httpd.server_close()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, publisher: Publisher
) -> Iterator[SsoServer]:
    sso = SsoServer(tmp_path_factory, sqlite_template)
    sso.publisher = publisher
    sso.sites_set("sso-optional", "--sso-secret", SECRET, "--login-url", LOGIN_URL)
    sso.sites_set("sso-required", "--sso-secret", SECRET, "--sso-mode", "sso-required", "--login-url", LOGIN_URL)
    yield sso
    sso.live.stop()


def publisher_page(page: Any, server: SsoServer, *, site: str, token: str = "", lang: str = "zh-CN") -> tuple[Any, str]:
    """The publisher's article page on its own origin, with the widget snippet and the reader's token."""
    article = f"sso/{uuid.uuid4().hex[:10]}"
    token_attribute = f' data-sso-token="{token}"' if token else ""
    html = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>报道</title></head><body>
<div id="comments" data-commentsvc data-site="{site}" data-article="{article}"{token_attribute}></div>
<script src="{server.url}/embed.js" async></script></body></html>"""
    server.publisher.pages[f"/news/{article}"] = html.encode()
    page.route("https://cdn.publisher.test/**", lambda route: route.fulfill(body=PNG, content_type="image/png"))
    page.goto(f"{server.publisher.url}/news/{article}")
    page.wait_for_function(
        "() => document.querySelector('#comments').shadowRoot?.querySelector('.commentsvc-total')?.textContent"
    )
    return page.locator("#comments"), article


def signed(site: str, **claims: Any) -> str:
    return sso_token(site, avatar=AVATAR, **claims)


def test_a_logged_in_reader_comments_as_their_account_without_name_or_email_fields(
    page: Any, server: SsoServer
) -> None:
    widget, _ = publisher_page(page, server, site="sso-optional", token=signed("sso-optional"))
    form_area = widget.locator(".commentsvc-write")
    assert form_area.locator(".commentsvc-as").inner_text() == "以 王小明 身份评论"
    assert form_area.locator(".commentsvc-as img").get_attribute("src") == AVATAR
    assert form_area.get_by_label("昵称", exact=True).count() == 0
    assert form_area.get_by_label("邮箱", exact=True).count() == 0
    assert form_area.locator(".commentsvc-login").count() == 0
    form_area.get_by_label("评论内容", exact=True).fill("登录后的评论")
    form_area.get_by_role("button", name="发表评论", exact=True).click()
    posted = widget.locator("article.commentsvc-comment", has_text="登录后的评论")
    posted.wait_for()
    assert posted.locator(".commentsvc-name").inner_text() == "王小明"
    assert posted.locator("img.commentsvc-avatar").get_attribute("src") == AVATAR
    assert page.console_errors == []


def test_a_logged_out_reader_on_an_sso_site_gets_the_form_and_a_log_in_link(page: Any, server: SsoServer) -> None:
    widget, _ = publisher_page(page, server, site="sso-optional")
    link = widget.locator(".commentsvc-write a.commentsvc-login")
    assert link.inner_text() == "登录"
    assert link.get_attribute("href") == LOGIN_URL
    assert widget.locator(".commentsvc-write").get_by_label("昵称", exact=True).count() == 1


def test_an_english_page_says_log_in_and_commenting_as(page: Any, server: SsoServer) -> None:
    widget, _ = publisher_page(page, server, site="sso-optional", lang="en")
    assert widget.locator("a.commentsvc-login").inner_text() == "Log in"
    page.evaluate("(token) => window.commentsvc.login(token)", signed("sso-optional", name="Alice"))
    assert widget.locator(".commentsvc-as").inner_text() == "Commenting as Alice"


def test_an_sso_required_site_shows_the_login_link_instead_of_the_form(page: Any, server: SsoServer) -> None:
    widget, article = publisher_page(page, server, site="sso-required")
    assert widget.locator("a.commentsvc-login").get_attribute("href") == LOGIN_URL
    assert widget.locator("form.commentsvc-form").count() == 0


def test_login_and_logout_switch_the_widget_at_run_time(page: Any, server: SsoServer) -> None:
    widget, _ = publisher_page(page, server, site="sso-required")
    page.evaluate("(token) => window.commentsvc.login(token)", signed("sso-required", name="李雷"))
    widget.locator(".commentsvc-as", has_text="以 李雷 身份评论").wait_for()
    assert widget.locator("a.commentsvc-login").count() == 0
    form = widget.locator("form.commentsvc-form").first
    form.get_by_label("评论内容", exact=True).fill("单页应用里登录后发言")
    form.get_by_role("button", name="发表评论", exact=True).click()
    posted = widget.locator("article.commentsvc-comment", has_text="单页应用里登录后发言")
    posted.wait_for()
    assert posted.locator(".commentsvc-name").inner_text() == "李雷"
    assert posted.get_by_role("button", name="回复").count() == 1
    page.evaluate("() => window.commentsvc.logout()")
    widget.locator("a.commentsvc-login").wait_for()
    assert widget.locator(".commentsvc-as").count() == 0
    assert widget.locator(".commentsvc-write form.commentsvc-form").count() == 0
    # The thread is drawn again without reply buttons: anonymous readers cannot write here.
    widget.get_by_role("button", name="回复").wait_for(state="detached")
    assert widget.locator("article.commentsvc-comment", has_text="单页应用里登录后发言").count() == 1
    assert page.console_errors == []


def test_logout_on_an_sso_optional_site_brings_back_the_name_fields(page: Any, server: SsoServer) -> None:
    widget, _ = publisher_page(page, server, site="sso-optional", token=signed("sso-optional"))
    page.evaluate("() => window.commentsvc.logout()")
    widget.locator(".commentsvc-write").get_by_label("昵称", exact=True).wait_for()
    assert widget.locator("a.commentsvc-login").count() == 1


def test_a_staff_reader_gets_the_staff_badge(page: Any, server: SsoServer) -> None:
    widget, _ = publisher_page(page, server, site="sso-optional", token=signed("sso-optional", roles=["staff"]))
    form = widget.locator(".commentsvc-write form")
    form.get_by_label("评论内容", exact=True).fill("编辑部的回复")
    form.get_by_role("button", name="发表评论", exact=True).click()
    posted = widget.locator("article.commentsvc-comment", has_text="编辑部的回复")
    posted.wait_for()
    assert posted.locator(".commentsvc-staff").inner_text() == "官方"


def test_a_token_the_server_refuses_is_reported_with_the_login_link(page: Any, server: SsoServer) -> None:
    expired = signed("sso-optional", exp=int(time.time()) - 60, iat=int(time.time()) - 120)
    widget, _ = publisher_page(page, server, site="sso-optional", token=expired)
    form = widget.locator(".commentsvc-write form")
    form.get_by_label("评论内容", exact=True).fill("过期的登录")
    form.get_by_role("button", name="发表评论", exact=True).click()
    message = widget.locator(".commentsvc-write .commentsvc-msg")
    message.filter(has_text="登录信息无效，请重新登录。").wait_for()
    assert widget.locator("a.commentsvc-login").get_attribute("href") == LOGIN_URL
    assert widget.locator(".commentsvc-as").count() == 0
    assert widget.locator("article.commentsvc-comment", has_text="过期的登录").count() == 0


def test_a_refused_token_on_an_sso_required_site_leaves_the_message_and_the_login_link(
    page: Any, server: SsoServer
) -> None:
    expired = signed("sso-required", exp=int(time.time()) - 60, iat=int(time.time()) - 120)
    widget, _ = publisher_page(page, server, site="sso-required", token=expired)
    form = widget.locator(".commentsvc-write form")
    form.get_by_label("评论内容", exact=True).fill("过期的登录")
    form.get_by_role("button", name="发表评论", exact=True).click()
    widget.locator(".commentsvc-write .commentsvc-msg", has_text="登录信息无效，请重新登录。").wait_for()
    assert widget.locator(".commentsvc-write form").count() == 0
    assert widget.locator("a.commentsvc-login").get_attribute("href") == LOGIN_URL
