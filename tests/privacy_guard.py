"""Privacy guard: no public response may carry a reader's email address, IP address or user agent, nor an
SSO reader's email or publisher user id (`sub`, read from the X-Commentsvc-SSO token a request carried).

`assert_no_private_data(response, secrets)` checks one response. `PrivacyGuardedClient` is a Flask
test client that remembers every email, address and user agent its requests carried and checks every
public response it receives against all of them; `guard_app(app)` makes one app hand out that client,
and `guarded_test_clients()` makes every app do so, which is how tests/conftest.py applies the guard to
every response in the suite.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from commentsvc.domain.addresses import address_key, address_prefix, normalised

# JSON keys that only private data would use; none may appear in a public response.
PRIVATE_KEYS = frozenset(
    {
        "email",
        "author_email",
        "client_ip",
        "ip",
        "ip_address",
        "remote_addr",
        "user_agent",
        "useragent",
        # What retention keeps of an address (domain/addresses.py): its keyed hash and its /24 or /48.
        "client_ip_key",
        "ip_key",
        "address_key",
        "ip_prefix",
        "client_ip_prefix",
        "ua",
        "sub",
        "user_id",
    }
)
# Moderators see private data; everything else is public.
PRIVATE_PREFIXES = ("/dashboard",)


def is_public_path(path: str) -> bool:
    return not path.startswith(PRIVATE_PREFIXES)


def _pattern(value: str) -> re.Pattern[str]:
    """Whole-value matches only: 10.0.0.1 must not match inside 110.0.0.12."""
    escaped = re.escape(value)
    if re.fullmatch(r"[0-9a-fA-F.:]+", value):
        return re.compile(rf"(?<![0-9A-Za-z.:]){escaped}(?![0-9A-Za-z.:])")
    return re.compile(escaped, re.IGNORECASE)


def _private_keys(data: Any, path: str = "$") -> list[str]:
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if path == "$" and key == "error":
                continue  # {"error": {"fields": {"email": "not a valid email address"}}} names the input, not data
            # A string value is the leak; the OpenAPI document may describe an `email` input field.
            if isinstance(key, str) and key.lower() in PRIVATE_KEYS and isinstance(value, str) and value:
                found.append(f"{path}.{key}")
            found += _private_keys(value, f"{path}.{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _private_keys(value, f"{path}[{index}]")
    return found


def assert_no_private_data(response: Any, secrets: Iterable[str]) -> None:
    """Fails when the body or a header of `response` contains any of `secrets` (emails, IP addresses,
    user agents a reader sent) or, in JSON, a key that only private data would use."""
    raw = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    body = raw.decode()
    headers = "\n".join(
        f"{name}: {value}" for name, value in response.headers.items() if name.lower() not in {"date", "set-cookie"}
    )
    leaks = [
        secret
        for secret in {s for s in secrets if s and s.strip()}
        if _pattern(secret).search(body) or _pattern(secret).search(headers)
    ]
    assert not leaks, f"public response leaks private data {sorted(leaks)!r}: {body[:500]}"
    if response.mimetype == "application/json" or response.is_json:
        try:
            data = json.loads(body)
        except ValueError:
            return
        keys = _private_keys(data)
        assert not keys, f"public JSON has private fields {keys}: {body[:500]}"


def sso_claims(token: str) -> dict[str, Any]:
    """The claims of a signed SSO token, unverified: the guard only needs to know what it carried."""
    try:
        part = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def sso_private_values(token: str) -> set[str]:
    claims = sso_claims(token)
    values = {str(claims[name]).strip() for name in ("sub", "email") if isinstance(claims.get(name), str)}
    return {value for value in values if value}


def _emails(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "email" and isinstance(item, str) and "@" in item:
                found |= {item.strip(), item.strip().lower()}
            else:
                found |= _emails(item)
    elif isinstance(value, list):
        for item in value:
            found |= _emails(item)
    return found


class PrivacyGuardedClient(FlaskClient):
    """Remembers the private values its requests carried and checks every public response against them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The client's own address and user agent ("Werkzeug/3.x") are private values too.
        self.private_values: set[str] = {
            self.environ_base.get("REMOTE_ADDR", ""),
            self.environ_base.get("HTTP_USER_AGENT", ""),
        }

    def _remember(self, kwargs: dict[str, Any]) -> None:
        payload = kwargs.get("json")
        if payload is None and isinstance(kwargs.get("data"), (str, bytes)):
            try:
                payload = json.loads(kwargs["data"])
            except (ValueError, RecursionError):
                payload = None
        self.private_values |= _emails(payload)
        headers = dict(kwargs.get("headers") or {})
        environ = kwargs.get("environ_base") or {}
        for name, value in headers.items():
            if name.lower() == "user-agent":
                self.private_values.add(str(value))
            if name.lower() == "x-forwarded-for":
                self.private_values |= {part.strip() for part in str(value).split(",")}
            if name.lower() == "x-commentsvc-sso":
                self.private_values |= sso_private_values(str(value))
        self.private_values |= {str(environ[key]) for key in ("REMOTE_ADDR", "HTTP_USER_AGENT") if key in environ}

    def _derived(self) -> set[str]:
        """What retention keeps of each address seen (its prefix and keyed hash) is private as well."""
        secret = str(self.application.config.get("SECRET_KEY") or "")
        addresses = {value for value in self.private_values if normalised(value) is not None}
        derived = {address_prefix(value) for value in addresses}
        if secret:
            derived |= {address_key(secret, value) for value in addresses}
        return derived

    def open(self, *args: Any, **kwargs: Any) -> Any:
        self._remember(kwargs)
        response = super().open(*args, **kwargs)
        request = getattr(response, "request", None)
        if request is not None:
            self.private_values |= {request.remote_addr or "", request.user_agent.string or ""}
            if is_public_path(request.path):
                assert_no_private_data(response, self.private_values | self._derived())
        return response


def guard_app(app: Any) -> Any:
    """Every test client of this app checks every public response for private data."""
    app.test_client_class = PrivacyGuardedClient
    return app


@contextmanager
def guarded_test_clients() -> Iterator[None]:
    """While open, every Flask app's test_client() is a PrivacyGuardedClient (tests/conftest.py opens it
    for the whole session, so every public response in the suite is checked)."""
    previous = Flask.test_client_class
    Flask.test_client_class = PrivacyGuardedClient
    try:
        yield
    finally:
        Flask.test_client_class = previous
