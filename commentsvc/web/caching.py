"""HTTP caching of public reads: strong ETags from stored thread versions, Cache-Control and Vary.

A thread page's ETag is a hash of the thread's `version` (bumped in the same transaction as
every change a reader could see), its closed state and everything else the response depends
on (query parameters, page sizes, the avatar base URL). So one indexed query decides whether
a conditional request gets a 304, without loading a single comment. The version is read
before the comments, so an ETag can be older than the body it travels with (costing one
needless full answer later) but never newer (which would pin a stale page behind 304s).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from flask import Request
from werkzeug.datastructures import ETags, MultiDict
from werkzeug.http import parse_accept_header, parse_etags
from werkzeug.utils import cached_property
from werkzeug.wrappers import Response

from ..storage.memos import kept_per_key
from ..storage.statements import ThreadState

# Bump when the public JSON shape changes, so ETags issued by older code stop matching.
FORMAT = "1"
STALE_WHILE_REVALIDATE = 30
VARY = "Origin, Accept-Encoding"


def make_etag(kind: str, parts: Iterable[Any]) -> str:
    """A strong validator: equal only when every input is equal, so byte-identical bodies."""
    text = "\x1f".join([FORMAT, kind, *map(str, parts)])
    return f"{kind}-{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"


def thread_etag(state: ThreadState, *, request_parts: Iterable[Any]) -> str:
    return make_etag(
        "t",
        (
            state.thread_id,
            state.version,
            state.closed,
            state.sso_mode,
            state.login_url,
            state.overrides_token,
            *request_parts,
        ),
    )


def counts_etag(body: bytes) -> str:
    """A hash of the answer: a post elsewhere on the site renews the counts token (storage/events.py)
    but leaves these counts, and this validator, as they were."""
    return "c-" + hashlib.blake2b(FORMAT.encode() + b"\x1f" + body, digest_size=16).hexdigest()


_parsed_query = kept_per_key(512)
_parsed_etags = kept_per_key(512)
_gzip_accepted = kept_per_key(256)


def parsed_etags(header: str) -> ETags:
    """An If-None-Match header parsed once per worker (what is kept is immutable)."""
    etags: ETags = _parsed_etags(header, lambda: parse_etags(header))
    return etags


def accepts_gzip(accept_encoding: str) -> bool:
    """The Accept-Encoding header's verdict on gzip, qualities and `*` included (RFC 9110 12.5.3)."""
    accepted: bool = _gzip_accepted(accept_encoding, lambda: parse_accept_header(accept_encoding)["gzip"] > 0)
    return accepted


def encoded_etag(etag: str, gzipped: bool) -> str:
    """A gzip body is another representation, so it gets its own strong validator (RFC 9110 8.8.3)."""
    return f"{etag}-gzip" if gzipped else etag


class ReadStormRequest(Request):
    """Parses a query string or an If-None-Match header once per worker, not once per request.

    In a read storm every reader sends the same URL (and a CDN the same validator), and parsing them
    is a large part of answering with a kept page. What is kept is immutable
    (ImmutableMultiDict, ETags), so sharing it between requests is safe."""

    @cached_property
    def args(self) -> MultiDict[str, str]:
        args: MultiDict[str, str] = _parsed_query(self.query_string, lambda: super(ReadStormRequest, self).args)
        return args

    @cached_property
    def if_none_match(self) -> ETags:
        return parsed_etags(self.headers.get("If-None-Match", ""))


def is_not_modified(request: Request, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2), so W/"x" matches "x" too."""
    return request.method in ("GET", "HEAD") and request.if_none_match.contains_weak(etag)


def cache_control(max_age: int) -> str:
    """Short max-age keeps counts fresh; stale-while-revalidate lets a CDN absorb a read storm
    while it revalidates in the background. Zero means: always revalidate."""
    if max_age <= 0:
        return "public, no-cache"
    return f"public, max-age={max_age}, stale-while-revalidate={STALE_WHILE_REVALIDATE}"


def mark_cacheable(response: Response, etag: str, max_age: int) -> Response:
    """Vary: Origin, because with a list of allowed origins the CORS headers depend on it; Vary:
    Accept-Encoding, because public reads are sent gzipped to clients that accept it."""
    response.set_etag(etag)
    headers = response.headers
    headers["Cache-Control"] = cache_control(max_age)
    if "Vary" in headers:
        response.vary.update(("Origin", "Accept-Encoding"))
    else:
        headers["Vary"] = VARY  # response.vary would parse and rebuild the header for nothing
    return response


def not_modified(etag: str, max_age: int) -> Response:
    """A 304 carries the validator and caching headers again (RFC 9110 15.4.5) and no body."""
    return mark_cacheable(Response(status=304), etag, max_age)
