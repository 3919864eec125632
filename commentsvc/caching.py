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
import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import cachetools
from sqlalchemy import Engine, bindparam, select
from flask import Request
from werkzeug.datastructures import ETags, MultiDict
from werkzeug.utils import cached_property
from werkzeug.wrappers import Response

from .database import PreparedStatement
from .models import Comment, SiteSetting, Thread

# Bump when the public JSON shape changes, so ETags issued by older code stop matching.
FORMAT = "1"
STALE_WHILE_REVALIDATE = 30


@dataclass(frozen=True)
class ThreadState:
    """What a cached thread page depends on besides the request: identity, version, closed."""

    thread_id: int | None
    version: int
    closed: bool


_t = Thread.__table__.c
# Built once with bound parameters: constructing a statement costs more than running it.
_THREAD_STATE = PreparedStatement(
    select(_t.id, _t.version, _t.closed, SiteSetting.__table__.c.closed.label("site_closed"))
    .outerjoin(SiteSetting.__table__, SiteSetting.__table__.c.site == _t.site)
    .where(_t.site == bindparam("site"), _t.article == bindparam("article"))
)
_ROOT_THREAD_STATE = PreparedStatement(
    select(_t.id, _t.version, _t.closed)
    .join(Comment.__table__, Comment.__table__.c.thread_id == _t.id)
    .where(Comment.__table__.c.id == bindparam("comment_id"))
)


def thread_state(engine: Engine, site: str, article: str) -> ThreadState:
    """One query on the (site, article) unique index; the site-wide switch joins in, because
    closing a whole site does not touch every thread's version."""
    for thread_id, version, closed, site_closed in _THREAD_STATE.rows(engine, {"site": site, "article": article}):
        return ThreadState(thread_id, version, bool(closed or site_closed))
    return ThreadState(None, 0, False)


def root_thread_state(engine: Engine, comment_id: int) -> ThreadState | None:
    """The state of the thread a comment lives in; None for an unknown comment (never cached)."""
    for thread_id, version, closed in _ROOT_THREAD_STATE.rows(engine, {"comment_id": comment_id}):
        return ThreadState(thread_id, version, bool(closed))
    return None


def make_etag(kind: str, parts: Iterable[Any]) -> str:
    """A strong validator: equal only when every input is equal, so byte-identical bodies."""
    text = "\x1f".join([FORMAT, kind, *map(str, parts)])
    return f"{kind}-{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"


def thread_etag(state: ThreadState, *, request_parts: Iterable[Any]) -> str:
    return make_etag("t", (state.thread_id, state.version, state.closed, *request_parts))


def counts_etag(body: bytes) -> str:
    """A hash of the answer: a post elsewhere on the site renews the counts token (see threads.py)
    but leaves these counts, and this validator, as they were."""
    return "c-" + hashlib.blake2b(FORMAT.encode() + b"\x1f" + body, digest_size=16).hexdigest()


# Longer query strings or validators are parsed each time: memory stays bounded by what a key may hold.
MAX_MEMO_KEY = 4096
_memo_lock = threading.Lock()


def kept_per_key(maxsize: int) -> Callable[[str | bytes, Callable[[], Any]], Any]:
    """`kept(key, parse)` calls parse() once per key, for the last `maxsize` keys: in a read storm
    every reader sends the same URL and validator. Keep only immutable answers, as they are shared
    between requests. A parse that raises is never kept; keys over MAX_MEMO_KEY are parsed each time."""
    memo = cachetools.cached(cachetools.LRUCache(maxsize=maxsize), lock=_memo_lock,
                             key=lambda key, _parse: key)(lambda _key, parse: parse())

    def kept(key: str | bytes, parse: Callable[[], Any]) -> Any:
        return parse() if len(key) > MAX_MEMO_KEY else memo(key, parse)

    return kept


_parsed_query = kept_per_key(512)
_parsed_etags = kept_per_key(512)


class ReadStormRequest(Request):
    """Parses a query string or an If-None-Match header once per worker, not once per request.

    In a read storm every reader sends the same URL (and a CDN the same validator); parsing them
    cost as much as the version lookup that decides the answer. What is kept is immutable
    (ImmutableMultiDict, ETags), so sharing it between requests is safe."""

    @cached_property
    def args(self) -> MultiDict[str, str]:
        return _parsed_query(self.query_string, lambda: super(ReadStormRequest, self).args)

    @cached_property
    def if_none_match(self) -> ETags:
        return _parsed_etags(self.headers.get("If-None-Match", ""),
                             lambda: super(ReadStormRequest, self).if_none_match)


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
    """Vary: Origin, because with a list of allowed origins the CORS headers depend on it."""
    response.set_etag(etag)
    headers = response.headers
    headers["Cache-Control"] = cache_control(max_age)
    if "Vary" in headers:
        response.vary.add("Origin")
    else:
        headers["Vary"] = "Origin"  # response.vary parses and rebuilds the header: a third of building a 304
    return response


def not_modified(etag: str, max_age: int) -> Response:
    """A 304 carries the validator and caching headers again (RFC 9110 15.4.5) and no body."""
    return mark_cacheable(Response(status=304), etag, max_age)


class ResponseCache:
    """Bodies of public reads kept in this worker, keyed by what they were built from.

    A viral article's page is asked for thousands of times between two changes; rebuilding it each
    time costs ten times the version check. The key of a thread page is its ETag, which changes with
    the thread's stored version; the key of a listing page's counts holds its site's counts token.
    So every request still asks the database (one indexed query) whether the answer changed, and a
    change on any server is seen at once: nothing here is ever stale or needs invalidating. Least
    recently used bodies go first once `max_bytes` is reached."""

    def __init__(self, max_bytes: int) -> None:
        self._bodies: cachetools.LRUCache[Hashable, bytes] = cachetools.LRUCache(maxsize=max_bytes, getsizeof=len)
        self._lock = threading.Lock()  # cachetools is not thread-safe; `commentsvc serve` runs threads

    def body(self, key: Hashable, build: Callable[[], bytes]) -> bytes:
        with self._lock:
            cached = self._bodies.get(key)
        if cached is not None:
            return cached
        body = build()
        if len(body) <= self._bodies.maxsize:
            with self._lock:
                self._bodies[key] = body
        return body
