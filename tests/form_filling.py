"""A test client that posts comments the way the widget does: a post that carries no form token first
asks POST /api/v1/form-tokens for one (solving the proof of work when it comes with a challenge)."""

from __future__ import annotations

import base64
import json
import urllib.request
from typing import Any

from altcha.v1 import solve_challenge
from flask.testing import FlaskClient
from privacy_guard import PrivacyGuardedClient

COMMENTS_PATH = "/api/v1/comments"
FORM_TOKENS_PATH = "/api/v1/form-tokens"
# Headers the widget sends on both requests, so the token is asked for by the same client.
SHARED_HEADERS = ("x-forwarded-for", "x-commentsvc-identity", "x-commentsvc-voter", "user-agent")


def solved_payload(challenge: dict[str, Any]) -> str:
    """What the widget's worker sends as `altcha`: the challenge with the number that solves it."""
    solution = solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    )
    assert solution is not None, "the server's challenge has no solution"
    payload = {key: challenge[key] for key in ("algorithm", "challenge", "salt", "signature")}
    payload["number"] = solution.number
    return base64.b64encode(json.dumps(payload).encode()).decode()


class FormFilling(FlaskClient):
    """Fills in `form_token` (and `altcha`) for comment posts that leave it out; a test that sends its
    own (even null) is left alone."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "")
        payload = kwargs.get("json")
        if (
            kwargs.get("method") == "POST"
            and path.split("?", 1)[0] == COMMENTS_PATH
            and isinstance(payload, dict)
            and "form_token" not in payload
        ):
            kwargs["json"] = {**payload, **self._form_fields(payload, kwargs)}
        return super().open(*args, **kwargs)

    def _form_fields(self, payload: dict[str, Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        headers = {
            name: value for name, value in dict(kwargs.get("headers") or {}).items() if name.lower() in SHARED_HEADERS
        }
        answer = super().open(
            FORM_TOKENS_PATH,
            method="POST",
            json={"site": payload.get("site"), "article": payload.get("article")},
            headers=headers,
            environ_base=kwargs.get("environ_base") or {},
        )
        if answer.status_code != 200:
            return {}  # the post itself says what is wrong with site or article
        body = answer.get_json()
        fields: dict[str, Any] = {"form_token": body["form_token"]}
        if body.get("challenge"):
            fields["altcha"] = solved_payload(body["challenge"])
        return fields


class FormFillingClient(FormFilling, PrivacyGuardedClient):
    """The suite's test client: fills in forms like the widget, and checks public answers for private data."""


def form_fields(answer: dict[str, Any]) -> dict[str, Any]:
    """What a form-tokens answer adds to a comment post: the token, and the solved challenge if it came with one."""
    fields: dict[str, Any] = {"form_token": answer["form_token"]}
    if answer.get("challenge"):
        fields["altcha"] = solved_payload(answer["challenge"])
    return fields


def with_form_token(base_url: str, payload: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    """`payload` with a form token fetched from a live server first, as the widget does."""
    request = urllib.request.Request(
        f"{base_url}/api/v1/form-tokens",
        data=json.dumps({"site": payload.get("site"), "article": payload.get("article")}).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return {**payload, **form_fields(json.loads(response.read()))}
