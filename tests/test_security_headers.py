"""Headers: demo and dashboard pages send a CSP without inline scripts, nosniff and a Referrer-Policy, and
the dashboard refuses framing; the API answers CORS for allowed origins only, errors included."""

from __future__ import annotations

import re
from typing import Any

import pytest
from dashboard_support import log_in, make_moderator

URL = "/api/v1/comments"
ALLOWED = "https://news.example.com"
REFUSED_ORIGINS = [
    "https://evil.example",
    "https://news.example.com.evil.example",
    "http://news.example.com",
    "https://sub.news.example.com",
    "null",
]
UNSAFE_SCRIPT_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:")


def csp(response: Any) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request.path} has no Content-Security-Policy"
    directives = {}
    for part in header.split(";"):
        tokens = part.split()
        if tokens:
            directives[tokens[0].lower()] = tokens[1:]
    return directives


def assert_page_headers(response: Any) -> None:
    policy = csp(response)
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None, "no script-src or default-src"
    assert not set(scripts) & set(UNSAFE_SCRIPT_SOURCES), scripts
    for fallback in ("script-src-elem", "script-src-attr"):
        assert not set(policy.get(fallback, [])) & set(UNSAFE_SCRIPT_SOURCES)
    assert policy.get("object-src", policy.get("default-src")) == ["'none'"]
    assert "base-uri" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("Referrer-Policy")
    html = response.get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html, flags=re.I) == [], "inline <script>"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html, flags=re.I), "inline event handler"


@pytest.mark.parametrize("path", ["/demo/", "/demo/en/"])
def test_demo_pages_send_csp_nosniff_and_a_referrer_policy(client, path):
    """Demo pages send a CSP without inline scripts, nosniff and a referrer policy."""
    response = client.get(path)

    assert response.status_code == 200
    assert_page_headers(response)


def test_every_dashboard_page_sends_the_headers_and_refuses_framing(app, client, make_comment):
    make_moderator(app)
    make_comment(body="subject")
    anonymous = app.test_client()
    log_in(client)
    pages = [
        rule.build({name: ("pending" if name == "queue" else 1) for name in rule.arguments}, append_unknown=False)[1]
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/dashboard") and "GET" in rule.methods
    ]

    responses = [client.get(path) for path in pages] + [
        client.get("/dashboard/no-such-page"),
        anonymous.get("/dashboard/login"),
        anonymous.get("/dashboard/"),
    ]
    for response in responses:
        assert response.status_code < 500
        assert csp(response)["frame-ancestors"] == ["'none'"]
        assert response.headers["X-Frame-Options"] == "DENY"
        if response.status_code == 200:
            assert_page_headers(response)
        else:
            assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert len(pages) >= 9


@pytest.mark.parametrize("path", ["/embed.js", "/count.js"])
def test_the_scripts_publishers_embed_are_javascript_and_never_sniffed(client, path):
    response = client.get(path)

    assert response.mimetype == "text/javascript"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def app_config():
    return {"COMMENTSVC_ALLOWED_ORIGINS": ALLOWED}


def api_responses(client: Any, origin: str) -> list[Any]:
    """A success, a validation error, a 404 and a write, each from the given origin."""
    headers = {"Origin": origin}
    return [
        client.get(URL, query_string={"article": "cors"}, headers=headers),
        client.get(URL, headers=headers),
        client.get(f"{URL}/999/replies", headers=headers),
        client.post(URL, json={"article": "cors", "body": f"from {origin}"}, headers=headers),
        client.get("/api/v1/counts", query_string={"article": "cors"}, headers=headers),
    ]


def test_api_answers_and_errors_carry_cors_for_allowed_origin(client):
    """API answers carry CORS headers for the allowed origin, errors included."""
    for response in api_responses(client, ALLOWED):
        assert response.headers.get("Access-Control-Allow-Origin") == ALLOWED, response.request.path
        if "public" in response.headers.get("Cache-Control", ""):
            # A shared cache must not hand this origin's answer to another origin, or the reverse.
            assert "Origin" in response.headers.get("Vary", ""), response.request.path
        assert response.headers.get("Access-Control-Allow-Credentials") is None


@pytest.mark.parametrize("origin", REFUSED_ORIGINS)
def test_api_answers_carry_no_cors_headers_for_other_origins(client, origin):
    for response in api_responses(client, origin):
        assert "Access-Control-Allow-Origin" not in response.headers, (origin, response.request.path)
        assert response.headers.get("Access-Control-Allow-Credentials") is None
        if "public" in response.headers.get("Cache-Control", ""):
            assert "Origin" in response.headers.get("Vary", ""), response.request.path


def test_an_allowed_origin_preflight_permits_bearer_token_edits(client):
    """A preflight from the allowed origin permits edits with a bearer token."""
    response = client.options(
        f"{URL}/1",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert response.headers.get("Access-Control-Allow-Origin") == ALLOWED
    assert "PATCH" in response.headers.get("Access-Control-Allow-Methods", "")
    assert "authorization" in response.headers.get("Access-Control-Allow-Headers", "").lower()


@pytest.mark.parametrize("origin", REFUSED_ORIGINS)
def test_a_preflight_from_another_origin_gets_no_cors_headers(client, origin):
    response = client.options(
        f"{URL}/1",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization",
        },
    )

    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_the_dashboard_refuses_cors_even_for_the_allowed_origin(client):
    """The dashboard never answers CORS, even for the allowed origin."""
    for response in (
        client.get("/dashboard/login", headers={"Origin": ALLOWED}),
        client.options("/dashboard/login", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}),
    ):
        assert "Access-Control-Allow-Origin" not in response.headers
