"""Threads, one per (site, article): finding, creating on first comment, and their stored counts."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .database import PreparedSelect
from .models import Thread

MAX_ARTICLES_PER_COUNT = 200


def find_thread(session: Session, site: str, article: str) -> Thread | None:
    return session.scalars(select(Thread).where(Thread.site == site, Thread.article == article)).first()


def get_or_create_thread(session: Session, *, site: str, article: str, title: str | None, url: str | None,
                         now: datetime) -> Thread:
    """The first poster's title and url are remembered; later ones fill only what is still empty."""
    thread = find_thread(session, site, article)
    if thread is None:
        # A savepoint, so losing the creation race to another server costs nothing but a re-read.
        try:
            with session.begin_nested():
                thread = Thread(site=site, article=article, title=title, url=url, created_at=now,
                                comment_count=0, version=0)
                session.add(thread)
        except IntegrityError:
            thread = find_thread(session, site, article)
            assert thread is not None
    else:
        if title and not thread.title:
            thread.title = title
        if url and not thread.url:
            thread.url = url
    return thread


def adjust_thread_count(session: Session, thread_id: int, delta: int) -> None:
    """Counts change by an in-database increment: a row-locked UPDATE, never read-modify-write,
    so concurrent writers on several app servers cannot lose an update on either engine."""
    session.execute(
        update(Thread)
        .where(Thread.id == thread_id)
        .values(comment_count=Thread.comment_count + delta, version=Thread.version + 1)
        .execution_options(synchronize_session=False)
    )


def touch_thread(session: Session, thread_id: int) -> None:
    """A change readers can see that leaves the count alone still invalidates cached pages."""
    adjust_thread_count(session, thread_id, 0)


_t = Thread.__table__.c


@functools.lru_cache(maxsize=MAX_ARTICLES_PER_COUNT)
def _counts_statement(size: int) -> PreparedSelect:
    """One statement per list length, built once: building it, or expanding an IN parameter,
    costs more than running the indexed query for a listing page's 50 articles."""
    return PreparedSelect(select(_t.article, _t.comment_count).where(
        _t.site == bindparam("site"), _t.article.in_([bindparam(f"a{n}") for n in range(size)])))


def count_comments(engine: Engine, site: str, articles: Sequence[str]) -> dict[str, int]:
    """Visible (approved) comments per article, replies included; unknown articles count 0.
    Takes the engine, not a session: a listing page's counts are one read on their own."""
    counts = dict.fromkeys(articles, 0)
    if not counts:
        return counts
    params = {f"a{n}": article for n, article in enumerate(counts)}
    params["site"] = site
    for article, count in _counts_statement(len(counts)).rows(engine, params):
        counts[article] = count
    return counts
