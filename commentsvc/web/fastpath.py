"""Kept public reads answered in front of Flask: one version check, then the bytes Flask sent before.

A thread page, a reply page or a listing page's counts that Flask has answered is kept with the check
that decides whether it still holds (the thread's version, the site's counts token) and with every
header Flask sent (CORS, caching, encoding). The same request again (same path, query, Origin, host and
encoding) runs that check against the database and, when it still holds, gets the same answer or a 304
without Flask's request machinery (context, session, CORS, Flask-Limiter's bookkeeping). Anything else,
and every answer whose check moved, goes through Flask, which keeps the new answer. The read limit
counts here exactly as Flask-Limiter would, in the same storage under the same key.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import cachetools
from flask import Flask, request
from limits import RateLimitItem, parse_many
from werkzeug.http import remove_entity_headers

from ..extensions import limiter
from . import caching

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

KEEP = "commentsvc.kept_read"
FRESH = "commentsvc.fresh_validator"
Value = TypeVar("Value")
# What a public GET's answer depends on besides the database; ProxyFix has already applied the
# trusted forwarded headers to these.
_KEY_FIELDS = ("PATH_INFO", "QUERY_STRING", "HTTP_ORIGIN", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")
# Per entry beside its body: the headers, the key and the bookkeeping.
_ENTRY_OVERHEAD = 1024


@dataclass(frozen=True)
class KeptRead:
    """An answer Flask sent, valid while `check()` returns `validator`."""

    check: Callable[[], Hashable]
    validator: Hashable
    endpoint: str
    etag: str
    headers: list[tuple[str, str]]
    not_modified_headers: list[tuple[str, str]]
    body: bytes


def validated(read: Callable[[], Value]) -> Value:
    """The value an answer is validated against (a thread's state, a site's counts token), and an offer
    of the answer to the fast path, to send again while `read()` returns the same. When the fast path
    has just read it for this request and found it moved, that reading is used: one statement, not two."""
    environ = request.environ
    value: Value = environ.pop(FRESH) if FRESH in environ else read()
    environ[KEEP] = (read, value, request.endpoint)
    return value


class KeptReads:
    """WSGI middleware under ProxyFix and over Flask's own wsgi_app; bounded by `max_bytes` of bodies."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication, max_bytes: int) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._kept: cachetools.LRUCache[Hashable, KeptRead] = cachetools.LRUCache(
            maxsize=max_bytes, getsizeof=lambda kept: len(kept.body) + _ENTRY_OVERHEAD
        )
        self._lock = threading.Lock()  # cachetools is not thread-safe; `commentsvc serve` runs threads
        self._limits: tuple[RateLimitItem, ...] | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "GET":
            return self.wsgi_app(environ, start_response)
        key = (
            environ["wsgi.url_scheme"],
            caching.accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")),
            *map(environ.get, _KEY_FIELDS),
        )
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None:
            answer = self._answer(kept, environ, start_response)
            if answer is not None:
                return answer
        return self._through_flask(key, environ, start_response)

    def _answer(
        self, kept: KeptRead, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes] | None:
        """The kept answer when its check still holds and the read limit allows; None hands to Flask."""
        try:
            validator = kept.check()
            if validator != kept.validator:
                environ[FRESH] = validator
                return None
            if not self._within_read_limit(kept.endpoint, environ):
                return None
        except Exception:  # a database or limit-storage failure: Flask answers it as it always does
            return None
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match and caching.parsed_etags(if_none_match).contains_weak(kept.etag):
            start_response("304 NOT MODIFIED", list(kept.not_modified_headers))
            return []
        start_response("200 OK", list(kept.headers))
        return [kept.body]

    def _within_read_limit(self, endpoint: str, environ: WSGIEnvironment) -> bool:
        """Flask-Limiter's own hit on its own storage and key ([prefix,] client IP, endpoint): the fast path
        and Flask count one limit together. A breach, or a storage it has marked down (its fallback and
        recovery live there), hands the request to Flask, which answers 429 with Retry-After."""
        config = self.app.config
        if not config.get("RATELIMIT_ENABLED", True):
            return True
        if getattr(limiter, "_storage_dead", False):
            return False
        if self._limits is None:
            self._limits = tuple(sorted(parse_many(config["COMMENTSVC_RATELIMIT_READ"])))
        prefix = config.get("RATELIMIT_KEY_PREFIX")
        arguments = (prefix, environ.get("REMOTE_ADDR"), endpoint) if prefix else (environ.get("REMOTE_ADDR"), endpoint)
        if not arguments[-2]:
            return False
        strategy = limiter.limiter
        if len(self._limits) > 1 and not all(strategy.test(item, *arguments) for item in self._limits):
            return False
        hits = [strategy.hit(item, *arguments) for item in self._limits]  # every limit counts this request
        return all(hits)

    def _through_flask(self, key: Hashable, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        sent: dict[str, Any] = {}

        def remember_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent["status"], sent["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, remember_start)
        marked = environ.get(KEEP)
        headers: list[tuple[str, str]] = sent.get("headers", [])
        if (
            marked is None
            or sent.get("status") != "200 OK"
            or any(name.lower() == "set-cookie" for name, _ in headers)
            or not (etag := next((value for name, value in headers if name.lower() == "etag"), ""))
        ):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        check, validator, endpoint = marked
        not_modified = [(name, value) for name, value in headers if name.lower() != "content-length"]
        remove_entity_headers(not_modified)
        kept = KeptRead(
            check=check,
            validator=validator,
            endpoint=endpoint,
            etag=etag.strip('"'),
            headers=list(headers),
            not_modified_headers=not_modified,
            body=body,
        )
        if len(body) + _ENTRY_OVERHEAD <= self._kept.maxsize:
            with self._lock:
                self._kept[key] = kept
        return [body]
