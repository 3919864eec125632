"""Helpers for the dashboard tests: accounts, logging in through the real form, CSRF tokens from pages."""

from __future__ import annotations

import re
from typing import Any

from commentsvc.clock import utcnow
from commentsvc.domain.accounts import create_moderator
from commentsvc.extensions import db

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_moderator(app: Any, username: str = "editor", role: str = "admin", password: str = PASSWORD) -> int:
    with app.app_context():
        moderator = create_moderator(db.session, username=username, password=password, role=role, now=utcnow())
        db.session.commit()
        return moderator.id


def csrf_token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def log_in(client: Any, username: str = "editor", password: str = PASSWORD, **environ: Any) -> Any:
    """Logs in through the form (token included) and leaves the token on client.csrf for later posts."""
    page = client.get("/dashboard/login", environ_base=environ)
    token = csrf_token(page.get_data(as_text=True))
    response = client.post(
        "/dashboard/login", data={"username": username, "password": password, "csrf_token": token}, environ_base=environ
    )
    # Logging in starts a fresh session, CSRF token included: take the new one from a dashboard page.
    if response.status_code == 302:
        client.csrf = csrf_token(client.get("/dashboard/", environ_base=environ).get_data(as_text=True))
    else:
        client.csrf = token
    return response


def post(client: Any, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """A dashboard form post with the session's CSRF token."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", client.csrf)
    return client.post(url, data=payload, **kwargs)


def thread_json(client: Any, article: str, site: str | None = None) -> dict[str, Any]:
    query = {"article": article}
    if site:
        query["site"] = site
    response = client.get("/api/v1/comments", query_string=query)
    assert response.status_code == 200
    return response.get_json()
