"""What a worker keeps in memory between requests, always checked against the database before use."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import cachetools
from sqlalchemy import Engine

Value = TypeVar("Value")

# Longer keys (query strings, validators) are parsed each time: memory stays bounded by what a key may hold.
MAX_MEMO_KEY = 4096
_memo_lock = threading.Lock()
GZIP_LEVEL = 6


def kept_per_key(maxsize: int) -> Callable[[str | bytes, Callable[[], Any]], Any]:
    """`kept(key, parse)` calls parse() once per key, for the last `maxsize` keys: in a read storm
    every reader sends the same URL and validator. Keep only immutable answers, as they are shared
    between requests. A parse that raises is never kept; keys over MAX_MEMO_KEY are parsed each time."""
    memo = cachetools.cached(cachetools.LRUCache(maxsize=maxsize), lock=_memo_lock, key=lambda key, _parse: key)(
        lambda _key, parse: parse()
    )

    def kept(key: str | bytes, parse: Callable[[], Any]) -> Any:
        return parse() if len(key) > MAX_MEMO_KEY else memo(key, parse)

    return kept


class ResponseCache:
    """Bodies of public reads kept in this worker, keyed by what they were built from.

    The key of a thread page is its ETag, which changes with the thread's stored version; the key of a
    listing page's counts holds its site's counts token. So every request still asks the database (one
    indexed query) whether the answer changed, and a change on any server is seen at once: nothing
    here is ever stale or needs invalidating. Least recently used bodies go first past `max_bytes`."""

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

    def gzipped(self, key: Hashable, build: Callable[[], bytes]) -> bytes:
        """The body gzip-compressed once, when a client first accepts it, and kept beside the plain one."""
        return self.body(("gzip", key), lambda: gzip.compress(self.body(key, build), GZIP_LEVEL, mtime=0))


class TokenMemo(Generic[Value]):
    """One value per database, kept with the token it was read under: a cache checked against the
    token, never a source of truth."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[str | None, Value]] = {}

    @staticmethod
    def _key(engine: Engine) -> str:
        return engine.url.render_as_string(hide_password=True)

    def known(self, engine: Engine) -> tuple[str | None, Value] | None:
        """The token and value this process last read from this database, without asking it."""
        return self._known.get(self._key(engine))

    def with_token(self, engine: Engine, token: str | None, load: Callable[[], Value]) -> Value:
        """The value that belongs to `token` (just read from the database): loaded only when it moved."""
        key = self._key(engine)
        kept = self._known.get(key)
        if kept is not None and kept[0] == token:
            return kept[1]
        value = load()
        self._known[key] = (token, value)
        return value
