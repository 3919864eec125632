"""The ceiling: the smallest Flask app that answers a fixed ~2 KB JSON body, served like commentsvc.

Every commentsvc figure is divided by what this app reaches in the same run, under the same
gunicorn settings, so the ratio says how close we come to what Flask itself can do here.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, jsonify

app = Flask(__name__)
app.json.ensure_ascii = False  # type: ignore[attr-defined]
app.json.sort_keys = False  # type: ignore[attr-defined]

BODY: dict[str, Any] = {
    "site": "news.example",
    "article": "news/2026/11/27/fixed",
    "comments": [
        {
            "id": n,
            "name": "读者",
            "html": "<p>这篇报道写得很清楚. Great reporting, as usual.</p>",
            "created_at": "2026-11-27T12:00:00Z",
            "likes": n,
            "dislikes": 0,
            "replies": [],
        }
        for n in range(12)
    ],
}


@app.get("/fixed")
def fixed() -> Any:
    return jsonify(BODY)


_BARE_BODY = json.dumps(BODY, ensure_ascii=False).encode()
_BARE_HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(_BARE_BODY)))]


def bare(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The bare WSGI ceiling: the same body from a plain WSGI callable, no framework at all."""
    start_response("200 OK", list(_BARE_HEADERS))
    return [_BARE_BODY]
