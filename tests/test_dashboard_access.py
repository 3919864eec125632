"""Nobody reaches the dashboard without an account: login, logout, roles, CSRF, rate limits, headers."""

import re

import pytest
from dashboard_support import PASSWORD, csrf_token, log_in, make_moderator, post

ENGLISH = ["Username", "Password", "Log in"]
CHINESE = ["用户名", "密码", "登录"]


@pytest.mark.parametrize(
    "accept_language, labels",
    [("en-US,en;q=0.9", ENGLISH), ("zh-CN,zh;q=0.9", CHINESE), ("zh-TW", CHINESE), ("", ENGLISH)],
)
def test_the_login_page_speaks_the_browsers_language(client, accept_language, labels):
    html = client.get("/dashboard/login", headers={"Accept-Language": accept_language}).get_data(as_text=True)
    for text in labels:
        assert f">{text}<" in html


def test_the_language_can_be_switched_and_stays_switched(client):
    assert ">登录<" in client.get("/dashboard/login?lang=zh-CN").get_data(as_text=True)
    assert ">登录<" in client.get("/dashboard/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert ">Log in<" in client.get("/dashboard/login?lang=en").get_data(as_text=True)


@pytest.mark.parametrize(
    "language, labels",
    [
        ("en", ["Pending", "Reported", "Spam", "Approved", "Rejected", "Deleted"]),
        ("zh-CN", ["待审核", "被举报", "垃圾", "已通过", "已拒绝", "已删除"]),
    ],
)
def test_the_queue_navigation_uses_the_pinned_labels(app, client, language, labels):
    make_moderator(app)
    log_in(client)
    html = client.get(f"/dashboard/?lang={language}").get_data(as_text=True)
    nav = html.split('aria-label="queues"', 1)[1].split("</nav>", 1)[0]
    assert [
        re.sub(r"\s+", " ", label).strip() for label in re.findall(r'data-queue="[a-z]+"[^>]*>([^<]+)<', nav)
    ] == labels


def test_a_moderator_lands_where_they_were_going_after_login(app, client):
    """A moderator logs in and lands where they were going."""
    make_moderator(app)
    assert client.get("/dashboard/queue/spam").headers["Location"].startswith("/dashboard/login?next=")
    page = client.get("/dashboard/login?next=/dashboard/queue/spam")
    response = client.post(
        "/dashboard/login",
        data={
            "username": "editor",
            "password": PASSWORD,
            "next": "/dashboard/queue/spam",
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/queue/spam"
    assert client.get("/dashboard/queue/spam").status_code == 200


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "/api/v1/comments", "javascript:x"])
def test_login_never_redirects_outside_the_dashboard(app, client, next_url):
    make_moderator(app)
    page = client.get("/dashboard/login")
    response = client.post(
        "/dashboard/login",
        data={
            "username": "editor",
            "password": PASSWORD,
            "next": next_url,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert response.headers["Location"] == "/dashboard/"


@pytest.mark.parametrize("username, password", [("editor", "wrong password"), ("nobody", PASSWORD)])
def test_wrong_credentials_are_refused_with_one_message(app, client, username, password):
    make_moderator(app)
    response = log_in(client, username, password)
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert client.get("/dashboard/").status_code == 302


def test_a_deactivated_moderator_loses_login_and_open_sessions(app, client):
    """A deactivated moderator cannot log in and loses open sessions."""
    make_moderator(app, "boss")
    make_moderator(app, "editor", role="moderator")
    other = app.test_client()
    log_in(other, "editor")
    assert other.get("/dashboard/").status_code == 200
    log_in(client, "boss")
    moderator_id = re.search(
        r"/dashboard/moderators/(\d+)/active", client.get("/dashboard/moderators").get_data(as_text=True)
    )
    assert post(client, f"/dashboard/moderators/{moderator_id.group(1)}/active").status_code == 302
    assert other.get("/dashboard/").status_code == 302
    assert log_in(app.test_client(), "editor").status_code == 401


def test_logout_ends_the_session(app, client):
    make_moderator(app)
    log_in(client)
    assert post(client, "/dashboard/logout").headers["Location"] == "/dashboard/login"
    assert client.get("/dashboard/").status_code == 302


def test_a_post_without_a_csrf_token_is_refused(app, client, make_comment):
    make_moderator(app)
    log_in(client)
    comment = make_comment()
    response = client.post("/dashboard/comments/action", data={"ids": comment["id"], "action": "reject"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert "评论 number 1" in client.get("/dashboard/queue/approved").get_data(as_text=True)


def test_a_login_without_a_csrf_token_is_refused(app, client):
    make_moderator(app)
    response = client.post("/dashboard/login", data={"username": "editor", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": False}])
def test_every_dashboard_route_but_login_needs_a_moderator(app, client):
    """Walks the URL map, so a route added later without the check fails here."""
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/dashboard") or rule.endpoint == "dashboard.login":
            continue
        url = rule.build(
            dict.fromkeys(rule.arguments, 1) | ({"queue": "pending"} if "queue" in rule.arguments else {}),
            append_unknown=False,
        )[1]
        for method in sorted(rule.methods - {"OPTIONS"}):
            response = client.open(url, method=method, data={"ids": "1", "action": "approve"})
            checked += 1
            if method in ("GET", "HEAD"):
                assert response.status_code == 302, (method, url)
                assert response.headers["Location"].startswith("/dashboard/login"), (method, url)
            else:
                assert response.status_code in (401, 403), (method, url, response.status_code)
    assert checked >= 20


def test_a_moderator_gets_403_on_admin_only_actions(app, client):
    make_moderator(app, "mod", role="moderator")
    log_in(client, "mod")
    assert client.get("/dashboard/moderators").status_code == 403
    assert (
        post(client, "/dashboard/moderators", {"username": "x", "password": "long enough", "role": "admin"}).status_code
        == 403
    )
    assert post(client, "/dashboard/sites", {"site": "default", "moderation": "pre"}).status_code == 403
    assert client.get("/dashboard/queue/pending").status_code == 200


def test_a_moderator_an_admin_creates_can_log_in(app, client):
    """An admin creates a moderator, who can then log in."""
    make_moderator(app)
    log_in(client)
    response = post(
        client,
        "/dashboard/moderators",
        {"username": "新编辑", "password": "another password", "role": "moderator"},
        follow_redirects=True,
    )
    assert 'data-moderator="新编辑"' in response.get_data(as_text=True)
    assert log_in(app.test_client(), "新编辑", "another password").status_code == 302


def test_a_moderator_created_with_the_cli_can_log_in(app, runner):
    result = runner.invoke(args=["create-moderator", "cli-editor", "--role", "moderator"], input="from stdin 123\n")
    assert result.exit_code == 0, result.output
    assert log_in(app.test_client(), "cli-editor", "from stdin 123").status_code == 302


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_RATELIMIT_LOGIN_ACCOUNT": "3/minute"}])
def test_login_attempts_are_limited_per_account_from_any_address(app, client):
    make_moderator(app)
    for number in range(3):
        assert log_in(client, password="guess", REMOTE_ADDR=f"198.51.100.{number}").status_code == 401
    response = log_in(client, REMOTE_ADDR="192.0.2.200")
    assert response.status_code == 429
    assert log_in(client, "someone-else", "guess", REMOTE_ADDR="192.0.2.200").status_code == 401


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_RATELIMIT_LOGIN": "3/minute"}])
def test_login_attempts_are_limited_per_address_across_accounts(app, client):
    make_moderator(app)
    for number in range(3):
        assert log_in(client, f"user{number}", "guess", REMOTE_ADDR="198.51.100.9").status_code == 401
    assert log_in(client, REMOTE_ADDR="198.51.100.9").status_code == 429
    assert log_in(client, REMOTE_ADDR="198.51.100.10").status_code == 302


@pytest.mark.parametrize("path", ["/dashboard/login", "/dashboard/", "/dashboard/no-such-page"])
def test_dashboard_pages_forbid_framing_inline_scripts_and_sniffing(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_dashboard_pages_have_no_inline_scripts_or_handlers(app, client):
    make_moderator(app)
    log_in(client)
    for path in (
        "/dashboard/",
        "/dashboard/queue/pending",
        "/dashboard/bans",
        "/dashboard/words",
        "/dashboard/audit",
        "/dashboard/sites",
        "/dashboard/moderators",
        "/dashboard/login",
    ):
        html = client.get(path).get_data(as_text=True)
        assert re.findall(r"<script(?![^>]*\ssrc=)", html) == [], path
        assert not re.search(r"\son[a-z]+=", html), path


def _session_cookie(response):
    return next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))


def test_the_session_cookie_is_httponly_and_samesite_lax(app, client):
    """The session cookie is HttpOnly and SameSite=Lax, and not Secure over HTTP."""
    make_moderator(app)
    cookie = _session_cookie(log_in(client)).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie.replace("samesite", "")


def test_the_session_cookie_is_secure_over_https(app):
    """The session cookie is Secure when the request came over HTTPS."""
    make_moderator(app)
    client = app.test_client()
    page = client.get("/dashboard/login", base_url="https://comments.example")
    # Over HTTPS Flask-WTF also checks the Referer is this site; browsers send it (Referrer-Policy: same-origin).
    response = client.post(
        "/dashboard/login",
        base_url="https://comments.example",
        headers={"Referer": "https://comments.example/dashboard/login"},
        data={"username": "editor", "password": PASSWORD, "csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    assert response.status_code == 302
    assert "; secure" in _session_cookie(response).lower()
