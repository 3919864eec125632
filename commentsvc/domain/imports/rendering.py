"""Rendering a big file's bodies on every core: the sanitizer is most of an import's time, and a
comment's HTML depends only on its source while the site has no sensitive words (measured in bench/README.md)."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from ...text.sanitize import render_source
from .source import SourceComment, SourceItem

_CHUNK = 200


def _render_all(bodies: list[tuple[str, str]]) -> list[str]:
    return [render_source(body, body_format) for body, body_format in bodies]


def _wanted(item: SourceItem) -> bool:
    return isinstance(item, SourceComment) and item.skip is None


def prerendered(items: Iterator[SourceItem], workers: int | None = None) -> Iterator[SourceItem]:
    """The same items in the same order, each comment with `html` already rendered by a worker process."""
    workers = workers or os.cpu_count() or 1
    in_flight: deque[tuple[list[SourceItem], Future[list[str]]]] = deque()

    def ready(chunk: list[SourceItem], rendered: list[str]) -> Iterator[SourceItem]:
        htmls = iter(rendered)
        for item in chunk:
            if _wanted(item):
                assert isinstance(item, SourceComment)
                item.html = next(htmls)
            yield item

    # forkserver, not fork: the dashboard imports from a threaded server process, and forking one is unsafe.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        chunk: list[SourceItem] = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= _CHUNK:
                bodies = [(c.body, c.body_format) for c in chunk if isinstance(c, SourceComment) and _wanted(c)]
                in_flight.append((chunk, pool.submit(_render_all, bodies)))
                chunk = []
                while len(in_flight) > 2 * workers:
                    done, future = in_flight.popleft()
                    yield from ready(done, future.result())
        while in_flight:
            done, future = in_flight.popleft()
            yield from ready(done, future.result())
        yield from chunk
