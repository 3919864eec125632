"""Test apps and response checks shared by the security proofs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conftest import ARTIFACTS, app_settings
from form_filling import FormFillingClient
from privacy_guard import guard_app

from commentsvc import create_app
from commentsvc.extensions import db


def sqlite_app(sqlite_url: str, tmp_path: Path, **overrides: Any) -> Any:
    """An app on a fresh SQLite file, for corpus-sized runs too slow to repeat on both engines; its test
    clients check for private data and post like the widget (a form token first)."""
    app = guard_app(create_app(app_settings(sqlite_url, tmp_path / "instance", **overrides)))
    app.test_client_class = FormFillingClient
    return app


def dispose(app: Any) -> None:
    with app.app_context():
        db.engine.dispose()


def assert_handled(response: Any, what: str) -> None:
    """2xx, or 4xx with a JSON error message; a 5xx (or an HTML 4xx) fails the proof."""
    status = response.status_code
    assert status < 500, f"{what}: server error {status}: {response.get_data(as_text=True)[:300]}"
    if status >= 400:
        body = response.get_json(silent=True)
        assert isinstance(body, dict) and isinstance(body.get("error"), dict), f"{what}: {status} without a JSON error"
        assert body["error"].get("message"), f"{what}: {status} without a message"


def thread_comments(client: Any, article: str, site: str | None = None) -> Iterator[dict[str, Any]]:
    """Every comment of a thread as served, page by page, replies included."""
    cursor = None
    while True:
        query = {"article": article, "limit": 100}
        if site:
            query["site"] = site
        if cursor:
            query["cursor"] = cursor
        response = client.get("/api/v1/comments", query_string=query)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        stack = list(page["comments"])
        while stack:
            node = stack.pop()
            stack.extend(node["replies"])
            yield node
        cursor = page["cursor"]
        if not cursor:
            return


def record_counts(name: str, counts: dict[str, Any]) -> None:
    """Keeps the numbers SECURITY.md quotes in test-artifacts/, and prints them (pytest -s shows them)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "security-counts.json"
    try:
        existing = json.loads(path.read_text())
    except (OSError, ValueError):
        existing = {}
    existing[name] = counts
    path.write_text(json.dumps(existing, indent=2, sort_keys=True, ensure_ascii=False))
    print(f"\n[security] {name}: {json.dumps(counts, ensure_ascii=False)}")
