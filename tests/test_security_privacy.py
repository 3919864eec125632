"""Privacy: no public endpoint, feed or page returns a reader's email address, IP address or user agent.
Readers with known private values post, reply, vote, report, edit and delete; then every public route
in the URL map is requested in every way we know, and each answer goes through privacy_guard."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from form_filling import FormFilling
from privacy_guard import PrivacyGuardedClient, assert_no_private_data, guard_app, is_public_path

from commentsvc.extensions import db
from commentsvc.models import Comment

URL = "/api/v1/comments"
ARTICLE = "privacy/article"
EMAIL = "Reader.Secret+tag@Example.org"
READER_IP = "198.51.100.23"
PROXIED_IP = "203.0.113.45"
USER_AGENT = "PrivacyProbe/1.0 (secret-agent-7731)"
SECRETS = (
    EMAIL,
    EMAIL.lower(),
    "reader.secret+tag@example.org",
    READER_IP,
    PROXIED_IP,
    USER_AGENT,
    "secret-agent-7731",
)


def reader(app: Any, ip: str = READER_IP) -> FlaskClient:
    """A plain client (not the guarded one, but posting like the widget), so each check below is explicit."""
    client = FormFilling(app, app.response_class, use_cookies=True)
    client.environ_base.update(REMOTE_ADDR=ip, HTTP_USER_AGENT=USER_AGENT)
    return client


@pytest.fixture
def app_config():
    return {"COMMENTSVC_TRUSTED_PROXIES": 1}


@pytest.fixture
def populated(app):
    """Every kind of comment a public listing could show, each written with private data attached."""
    client = reader(app)
    post = lambda **fields: client.post(  # noqa: E731
        URL,
        json={
            "article": ARTICLE,
            "name": "读者",
            "email": EMAIL,
            "website": "https://reader.example.net/",
            **fields,
        },
    )
    top = post(body="top-level").get_json()
    reply = post(body="a reply", parent_id=top["id"]).get_json()
    post(body="another reply", parent_id=top["id"])
    post(body="reply to reply", parent_id=reply["id"])
    deleted_parent = post(body="will be deleted").get_json()
    post(body="orphaned reply", parent_id=deleted_parent["id"])
    client.delete(f"{URL}/{deleted_parent['id']}", headers={"Authorization": f"Bearer {deleted_parent['edit_token']}"})
    client.patch(
        f"{URL}/{top['id']}", json={"body": "edited"}, headers={"Authorization": f"Bearer {top['edit_token']}"}
    )
    client.post(f"{URL}/{top['id']}/vote", json={"value": 1})
    client.post(f"{URL}/{reply['id']}/report", json={"reason": "spam", "note": f"reported by {EMAIL}"})
    # Through the trusted proxy, the proxied address is the private one.
    proxied = reader(app, ip="127.0.0.1")
    proxied.post(
        URL, json={"article": ARTICLE, "body": "via proxy", "email": EMAIL}, headers={"X-Forwarded-For": PROXIED_IP}
    )
    with app.app_context():
        stored = db.session.query(Comment).all()
        assert {c.client_ip for c in stored} == {READER_IP, PROXIED_IP}
        assert {c.user_agent for c in stored} == {USER_AGENT}
        assert {c.author_email.lower() for c in stored} == {EMAIL.lower()}
    return {"top": top, "reply": reply, "deleted": deleted_parent}


def public_requests(comments: dict[str, Any]) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    """Requests for every public endpoint, valid and invalid, keyed by endpoint name."""
    top, reply, deleted = comments["top"]["id"], comments["reply"]["id"], comments["deleted"]["id"]
    avatar_seed = comments["top"]["avatar"].rsplit("/", 1)[1].removesuffix(".svg")
    thread = {"article": ARTICLE}
    return {
        "api.list_comments": [
            ("GET", URL, {"query_string": {**thread, "sort": sort}}) for sort in ("oldest", "newest", "hot")
        ]
        + [
            ("GET", URL, {"query_string": {**thread, "limit": 1}}),
            ("GET", URL, {"query_string": {"article": ARTICLE, "limit": "x"}}),
        ],
        "api.create_comment": [
            ("POST", URL, {"json": {"article": ARTICLE, "body": "fresh", "email": EMAIL}}),
            ("POST", URL, {"json": {"article": ARTICLE, "body": "fresh", "email": EMAIL}}),  # the 409 duplicate
            ("POST", URL, {"json": {"article": ARTICLE, "body": "", "email": "not-an-email"}}),
        ],
        "api.create_form_token": [
            ("POST", "/api/v1/form-tokens", {"json": thread}),
            ("POST", "/api/v1/form-tokens", {"json": {"article": ""}}),
        ],
        "api.edit_comment": [
            ("PATCH", f"{URL}/{top}", {"json": {"body": "x"}, "headers": {"Authorization": "Bearer forged"}})
        ],
        "api.delete_comment": [("DELETE", f"{URL}/{reply}", {"headers": {"Authorization": "Bearer forged"}})],
        "api.list_replies": [
            ("GET", f"{URL}/{top}/replies", {}),
            ("GET", f"{URL}/{deleted}/replies", {}),
            ("GET", f"{URL}/{reply}/replies", {}),
        ],
        "api.list_floors": [
            ("GET", f"{URL}/{reply}/floors", {}),
            ("GET", f"{URL}/{deleted}/floors", {}),
        ],
        "api.vote_comment": [("POST", f"{URL}/{top}/vote", {"json": {"value": -1}})],
        "api.report_comment": [("POST", f"{URL}/{top}/report", {"json": {"reason": "abuse", "note": EMAIL}})],
        "api.count_comments": [
            ("GET", "/api/v1/counts", {"query_string": thread}),
            ("POST", "/api/v1/counts", {"json": {"articles": [ARTICLE]}}),
        ],
        "api.openapi": [("GET", "/api/v1/openapi.json", {})],
        "health.healthz": [("GET", "/healthz", {})],
        "widget.avatar": [("GET", f"/avatar/{avatar_seed}.svg", {})],
        "widget.embed_js": [("GET", "/embed.js", {})],
        "widget.count_js": [("GET", "/count.js", {})],
        "widget.embed_pow_js": [("GET", "/embed-pow.js", {})],
        "widget.demo_zh": [("GET", "/demo/", {})],
        "widget.demo_en": [("GET", "/demo/en/", {})],
        "static": [("GET", f"/static/{name}", {}) for name in ("embed.js", "count.js")],
        "feeds.thread_feed": [("GET", "/feeds/thread.atom", {"query_string": thread})],
        "feeds.recent_feed": [("GET", "/feeds/recent.atom", {})],
        "plain.thread_fragment": [("GET", "/embed/thread.html", {"query_string": thread})],
        "plain.thread_page": [("GET", "/thread", {"query_string": thread})],
        "plain.post_from_thread_page": [
            ("POST", "/thread", {"query_string": thread, "data": {"body": "no token", "email": EMAIL}})
        ],
        "mail_links.confirm_page": [("GET", "/notifications/confirm?token=forged", {})],
        "mail_links.confirm": [("POST", "/notifications/confirm?token=forged", {})],
        "mail_links.unsubscribe_page": [("GET", "/notifications/unsubscribe?token=forged", {})],
        "mail_links.unsubscribe": [("POST", "/notifications/unsubscribe?token=forged", {})],
    }


def test_no_public_route_returns_email_ip_or_user_agent(app, populated):
    """No public route returns an email address, IP address or user agent."""
    client = reader(app, ip="192.0.2.200")
    exercised = public_requests(populated)

    answered = 0
    for endpoint, requests in exercised.items():
        for method, path, kwargs in requests:
            with client.open(path, method=method, **kwargs) as response:
                assert response.status_code < 500, (endpoint, path, response.get_data(as_text=True)[:200])
                assert_no_private_data(response, SECRETS)
            answered += 1

    public_endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if is_public_path(rule.rule)}
    assert public_endpoints - exercised.keys() == set(), "a public route is not covered by the privacy proof"
    assert answered > 25


def test_the_thread_still_shows_every_comment_with_private_data(app, populated):
    """The thread still shows every comment that carried private data.

    Guards the proof above against passing on an empty thread."""
    thread = reader(app).get(URL, query_string={"article": ARTICLE}).get_json()

    assert thread["count"] == 6
    assert [comment["html"] for comment in thread["comments"]][:1] == ["<p>edited</p>"]


def test_a_hidden_comments_placeholder_carries_no_author_data(app, populated):
    """A placeholder for a hidden comment carries no author data."""
    thread = reader(app).get(URL, query_string={"article": ARTICLE}).get_json()
    placeholder = next(c for c in thread["comments"] if c["id"] == populated["deleted"]["id"])

    assert (placeholder["name"], placeholder["website"], placeholder["avatar"], placeholder["html"]) == (None,) * 4
    assert placeholder["replies"]


def test_the_guard_catches_email_address_or_user_agent_anywhere(app):
    """The guard catches an email, an IP address or a user agent anywhere in a response."""
    for leaked in (
        {"comments": [{"note": f"mail {EMAIL.lower()}"}]},
        {"x": f"from {READER_IP}"},
        {"agent": USER_AGENT},
        {"email": "someone@else.example"},
        {"client_ip": "10.1.2.3"},
    ):
        with app.test_request_context():
            response = app.json.response(leaked)
        with pytest.raises(AssertionError):
            assert_no_private_data(response, SECRETS)


def test_the_guard_does_not_mistake_longer_numbers_for_addresses(app):
    """The guard does not mistake a longer number for an IP address."""
    with app.test_request_context():
        response = app.json.response({"text": "version 1198.51.100.231 and 98.51.100.2"})

    assert_no_private_data(response, SECRETS)


def test_the_guarded_client_fails_a_response_echoing_the_request(app):
    """The guarded client fails a test whose response echoes what the reader sent.

    The hook the suite-wide conftest lines install: a response leaking the request's email fails."""
    guard_app(app)

    @app.get("/echo-email-for-test")
    def echo() -> Any:
        from flask import request

        return {"echo": request.args.get("e", "")}

    client = app.test_client()
    assert isinstance(client, PrivacyGuardedClient)
    client.post(URL, json={"article": ARTICLE, "body": "remember me", "email": EMAIL})
    with pytest.raises(AssertionError, match="leaks private data"):
        client.get("/echo-email-for-test", query_string={"e": EMAIL})


def test_inside_guarded_test_clients_every_app_is_guarded(app):
    """Inside guarded_test_clients() every app hands out the guarded client."""
    from privacy_guard import guarded_test_clients

    outside = type(app.test_client())
    with guarded_test_clients():
        assert isinstance(app.test_client(), PrivacyGuardedClient)
    assert type(app.test_client()) is outside
