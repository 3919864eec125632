"""Authorization of authors: an edit token opens only its own comment, only inside the edit window,
and every refused attempt (403) leaves the comment exactly as it was. (Dashboard authorization is
in the second half of this module.)"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from conftest import ARTICLE, TEST_SECRET
from itsdangerous import URLSafeSerializer

URL = "/api/v1/comments"
START = "2026-05-04 09:00:00"
WINDOW = 900


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def served(client: Any, comment_id: int) -> dict[str, Any] | None:
    thread = client.get(URL, query_string={"article": ARTICLE}).get_json()
    return next((comment for comment in thread["comments"] if comment["id"] == comment_id), None)


def attempt(client: Any, action: str, comment_id: int, headers: dict[str, str]) -> Any:
    if action == "edit":
        return client.patch(f"{URL}/{comment_id}", json={"body": "hijacked"}, headers=headers)
    return client.delete(f"{URL}/{comment_id}", headers=headers)


def _flip(token: str, position: int) -> str:
    character = token[position]
    replacement = "A" if character != "A" else "B"
    return token[:position] + replacement + token[position + 1 :]


def forged_tokens(own: str, other_token: str, other_comment_id: int, target_id: int) -> dict[str, str]:
    """Every way a reader holding their own token (other_token) might try to open the target comment."""
    payload, _, signature = own.rpartition(".")
    other_signature = other_token.rpartition(".")[2]
    return {
        "empty": "",
        "garbage": "not-a-token",
        "truncated signature": own[:-4],
        "flipped first character": _flip(own, 0),
        "flipped last character": _flip(own, len(own) - 1),
        "flipped middle of signature": _flip(own, len(own) - len(signature) // 2),
        "own token's payload rewritten to the target": (
            base64.urlsafe_b64encode(f'{{"c":{target_id}}}'.encode()).decode().rstrip("=") + "." + other_signature
        ),
        "no signature": payload,
        "other comment's token": URLSafeSerializer(TEST_SECRET, salt="commentsvc.edit-token").dumps(
            {"c": other_comment_id}
        ),
        "signed with another secret": URLSafeSerializer("another-secret", salt="commentsvc.edit-token").dumps(
            {"c": target_id}
        ),
        "signed with another salt (a session cookie)": URLSafeSerializer(TEST_SECRET, salt="cookie-session").dumps(
            {"c": target_id}
        ),
        "id as a string": URLSafeSerializer(TEST_SECRET, salt="commentsvc.edit-token").dumps({"c": str(target_id)}),
        "id in a list": URLSafeSerializer(TEST_SECRET, salt="commentsvc.edit-token").dumps({"c": [target_id]}),
        "upper-cased": own.upper(),
    }


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_no_forged_or_foreign_token_opens_a_comment(client, make_comment, action):
    """No forged or foreign token opens a comment, and refusals change nothing."""
    target = make_comment(body="the original")
    other = make_comment(body="someone else's")
    before = served(client, target["id"])

    forged = forged_tokens(target["edit_token"], other["edit_token"], other["id"], target["id"])
    # The real token with another scheme, or split oddly, is not a bearer token either.
    headers_cases = {name: bearer(token) for name, token in forged.items()}
    headers_cases |= {
        "no header": {},
        "basic scheme": {"Authorization": f"Basic {target['edit_token']}"},
        "token without scheme": {"Authorization": target["edit_token"]},
        "other comment's real token": bearer(other["edit_token"]),
    }
    statuses = {
        name: attempt(client, action, target["id"], headers).status_code for name, headers in headers_cases.items()
    }

    assert statuses == dict.fromkeys(headers_cases, 403)
    assert served(client, target["id"]) == before


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_a_token_expires_exactly_at_the_windows_end(client, make_comment, clock, action):
    """A token works until the last second of the window and never after."""
    inside, outside = make_comment(body="inside"), make_comment(body="outside")

    clock.move_to(f"2026-05-04 09:{WINDOW // 60:02d}:00", tick=False)
    assert attempt(client, action, inside["id"], bearer(inside["edit_token"])).status_code == 200
    clock.move_to("2026-05-04 09:15:01", tick=False)
    late = attempt(client, action, outside["id"], bearer(outside["edit_token"]))

    assert late.status_code == 403
    assert late.get_json()["error"]["code"] == "edit_window_closed"
    assert served(client, outside["id"])["html"] == "<p>outside</p>"


def test_an_expired_token_stays_expired_a_year_later(client, make_comment, clock):
    """An expired token stays expired when the comment is edited by nobody for a year."""
    comment = make_comment(body="old")
    clock.move_to("2027-05-04 09:00:00", tick=False)

    assert attempt(client, "edit", comment["id"], bearer(comment["edit_token"])).status_code == 403
    assert attempt(client, "delete", comment["id"], bearer(comment["edit_token"])).status_code == 403


def test_an_edit_does_not_renew_the_window(client, make_comment, clock):
    comment = make_comment(body="first")
    clock.move_to("2026-05-04 09:14:00", tick=False)
    edited = attempt(client, "edit", comment["id"], bearer(comment["edit_token"]))
    assert edited.get_json()["editable_until"] == "2026-05-04T09:15:00Z"

    clock.move_to("2026-05-04 09:16:00", tick=False)

    assert attempt(client, "edit", comment["id"], bearer(comment["edit_token"])).status_code == 403


def test_a_token_survives_a_restart_not_a_new_secret(make_app, clock):
    """A token survives a restart but not a new secret key."""
    first = make_app()
    comment = first.test_client().post(URL, json={"article": ARTICLE, "body": "hello"}).get_json()

    same_secret = make_app().test_client()
    rotated = make_app(COMMENTSVC_SECRET_KEY="rotated-secret").test_client()

    assert attempt(rotated, "edit", comment["id"], bearer(comment["edit_token"])).status_code == 403
    assert attempt(same_secret, "edit", comment["id"], bearer(comment["edit_token"])).status_code == 200


def test_a_deleted_comment_cannot_be_revived_by_editing_it(client, make_comment):
    """A deleted comment cannot be brought back by editing it."""
    comment = make_comment(body="gone")
    assert attempt(client, "delete", comment["id"], bearer(comment["edit_token"])).status_code == 200

    assert attempt(client, "edit", comment["id"], bearer(comment["edit_token"])).status_code == 403
    assert served(client, comment["id"]) is None


# --- the dashboard ---------------------------------------------------------------------------------
# Already proved by the dashboard's own tests (tests/test_dashboard_access.py), not repeated here:
#   every dashboard route refuses anonymous users (test_every_dashboard_route_but_login_needs_a_moderator,
#   a URL-map walk), login without a CSRF token (test_a_login_without_a_csrf_token_is_refused), brute force
#   throttled per account and per address (test_login_attempts_are_limited_per_*).
# Below: CSRF on every form route, the admin-only set checked from both sides, forged client addresses
# against the login throttle, and ids no database can hold.

from dashboard_support import csrf_token, log_in, make_moderator  # noqa: E402

from commentsvc.extensions import db  # noqa: E402

ADMIN_ONLY = {
    ("GET", "dashboard.moderators"),
    ("POST", "dashboard.add_moderator"),
    ("POST", "dashboard.moderator_active"),
    ("POST", "dashboard.site_policy"),
    ("POST", "dashboard.update_site_identity"),
    ("GET", "dashboard.import_page"),
    ("POST", "dashboard.import_upload"),
    ("GET", "dashboard.export_download"),
    ("POST", "dashboard.add_webhook"),
    ("GET", "dashboard.webhook"),
    ("POST", "dashboard.webhook_active"),
    ("POST", "dashboard.redeliver"),
    ("GET", "dashboard.site_settings"),
    ("POST", "dashboard.set_site_setting"),
    ("GET", "dashboard.api_key_list"),
    ("POST", "dashboard.create_api_key"),
    ("POST", "dashboard.revoke_api_key"),
}
FORM = {
    "ids": "1",
    "action": "approve",
    "body": "x",
    "kind": "ip",
    "value": "192.0.2.1",
    "word": "x",
    "username": "intruder",
    "password": "long enough password",
    "role": "admin",
    "site": "default",
    "moderation": "pre",
    "active": "0",
    "closed": "1",
}


def dashboard_rules(app: Any) -> list[tuple[str, str, str]]:
    """(method, url, endpoint) for every dashboard route, ids pointing at row 1."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/dashboard"):
            continue
        values = {name: ("pending" if name == "queue" else 1) for name in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]
        found += [(method, url, rule.endpoint) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def table_rows(app: Any) -> dict[str, list[str]]:
    with app.app_context():
        return {
            table.name: sorted(map(repr, db.session.execute(table.select()).fetchall()))
            for table in db.metadata.sorted_tables
        }


def test_every_dashboard_form_route_refuses_a_bad_csrf_token(app, client, make_comment):
    """Every dashboard form route refuses a POST without a CSRF token or with a foreign one."""
    make_moderator(app)
    make_comment(body="subject")
    log_in(client)
    stranger = app.test_client()
    foreign_token = csrf_token(stranger.get("/dashboard/login").get_data(as_text=True))
    before = table_rows(app)

    posts = [(url, endpoint) for method, url, endpoint in dashboard_rules(app) if method == "POST"]
    refused = {}
    for url, endpoint in posts:
        for label, data in (
            ("no token", FORM),
            ("foreign token", FORM | {"csrf_token": foreign_token}),
            ("garbage token", FORM | {"csrf_token": "x" * 40}),
        ):
            response = client.post(url, data=data)
            refused[(endpoint, label)] = response.status_code

    assert set(refused.values()) == {400}, {key: status for key, status in refused.items() if status != 400}
    assert len(posts) >= 12
    assert table_rows(app) == before


def test_every_dashboard_post_form_carries_a_csrf_token(app, client, make_comment):
    """Every POST form on every dashboard page carries a CSRF token."""
    make_moderator(app)
    make_comment(body="pending subject")
    log_in(client)
    pages = [url for method, url, _ in dashboard_rules(app) if method == "GET"]
    forms = 0

    for url in pages + ["/dashboard/queue/approved", "/dashboard/comments/1", "/dashboard/threads/1"]:
        html = client.get(url).get_data(as_text=True)
        for form in re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S | re.I):
            if re.search(r'method="?post', form, flags=re.I):
                forms += 1
                assert 'name="csrf_token"' in form, (url, form[:200])
    assert forms >= 10


def test_a_moderator_is_refused_exactly_the_admin_only_actions(app, make_comment):
    """A moderator is refused exactly the admin-only actions, and they change nothing."""
    make_moderator(app, "boss", role="admin")
    make_moderator(app, "mod", role="moderator")
    make_comment(body="subject")
    moderator, admin = app.test_client(), app.test_client()
    log_in(moderator, "mod")
    log_in(admin, "boss")
    before = table_rows(app)

    refused = set()
    for method, url, endpoint in dashboard_rules(app):
        if endpoint in {"dashboard.logout", "dashboard.login"}:
            continue
        response = moderator.open(url, method=method, data=FORM | {"csrf_token": moderator.csrf})
        if response.status_code == 403:
            refused.add((method, endpoint))
        assert response.status_code < 500, (method, url)
    after_moderator = table_rows(app)
    admin_refused = {
        (method, endpoint)
        for method, url, endpoint in dashboard_rules(app)
        if (method, endpoint) in ADMIN_ONLY
        and admin.open(url, method=method, data=FORM | {"csrf_token": admin.csrf}).status_code == 403
    }

    assert refused == ADMIN_ONLY
    assert admin_refused == set()
    # What only admins may change (accounts, site policies) is as it was after the moderator's attempts.
    assert after_moderator["moderators"] == before["moderators"]
    assert after_moderator["site_settings"] == before["site_settings"]


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_RATELIMIT_LOGIN": "3/minute", "COMMENTSVC_TRUSTED_PROXIES": 0}])
def test_a_forged_x_forwarded_for_keeps_the_login_throttle(app, client, app_config):
    """A forged X-Forwarded-For does not reset the login throttle."""
    make_moderator(app)
    page = client.get("/dashboard/login").get_data(as_text=True)
    token = csrf_token(page)
    statuses = [
        client.post(
            "/dashboard/login",
            data={"username": f"guess{n}", "password": "wrong", "csrf_token": token},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        ).status_code
        for n in range(4)
    ]

    assert statuses == [401, 401, 401, 429]


def test_unstorable_dashboard_ids_are_not_a_server_error(app, client):
    """Dashboard ids no database can hold are not a server error."""
    make_moderator(app)
    log_in(client)
    for huge in (2**31, 2**63, 10**30):
        for method, url in (
            ("GET", f"/dashboard/comments/{huge}"),
            ("GET", f"/dashboard/threads/{huge}"),
            ("POST", f"/dashboard/comments/{huge}/edit"),
            ("POST", f"/dashboard/comments/{huge}/reply"),
            ("POST", f"/dashboard/threads/{huge}"),
            ("POST", f"/dashboard/bans/{huge}/delete"),
            ("POST", f"/dashboard/words/{huge}/delete"),
            ("POST", f"/dashboard/moderators/{huge}/active"),
            ("POST", "/dashboard/comments/action"),
            ("GET", f"/dashboard/queue/pending?page={huge}"),
        ):
            data = {"csrf_token": client.csrf, "body": "x", "ids": str(huge), "action": "approve", "active": "0"}
            response = client.open(url, method=method, data=data)
            assert response.status_code < 500, (method, url, response.status_code)
