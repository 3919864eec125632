"""Threads, one per (site, article): found or created on first comment, and their stored counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Thread
from ..storage import statements
from ..storage.events import counts_changed
from ..storage.statements import MAX_ARTICLES_PER_COUNT, PostTarget, table

__all__ = [
    "MAX_ARTICLES_PER_COUNT",
    "PostTarget",
    "adjust_thread_count",
    "counts_token",
    "find_thread",
    "thread_for_post",
    "touch_thread",
    "create_thread",
]

_FIND_THREAD = select(Thread).where(Thread.site == bindparam("site"), Thread.article == bindparam("article"))


def find_thread(session: Session, site: str, article: str) -> Thread | None:
    return session.scalars(_FIND_THREAD, {"site": site, "article": article}).first()


def create_thread(
    session: Session, *, site: str, article: str, title: str | None, url: str | None, now: datetime
) -> None:
    """Creates the (site, article) thread unless it exists. In a savepoint, so losing the creation race
    to another server or moderator costs nothing but a re-read of the row the other one created."""
    try:
        with session.begin_nested():
            session.execute(
                insert(table(Thread)).values(
                    site=site,
                    article=article,
                    title=title,
                    url=url,
                    created_at=now,
                    comment_count=0,
                    version=0,
                    closed=False,
                )
            )
    except IntegrityError:
        pass


def thread_for_post(
    session: Session, *, site: str, article: str, title: str | None, url: str | None, now: datetime
) -> PostTarget:
    """Creates the thread on its first comment. The first poster's title and url are remembered; later
    ones fill only what is still empty."""
    target = statements.post_target(session.connection(), site, article)
    if target is None:
        create_thread(session, site=site, article=article, title=title, url=url, now=now)
        target = statements.post_target(session.connection(), site, article)
        assert target is not None
    if (title and not target.title) or (url and not target.url):
        session.execute(
            update(table(Thread))
            .where(table(Thread).c.id == target.id)
            .values(title=target.title or title, url=target.url or url)
        )
    return target


def adjust_thread_count(session: Session, thread_id: int, delta: int) -> int:
    """Counts change by an in-database increment: a row-locked UPDATE, never read-modify-write,
    so concurrent writers on several app servers cannot lose an update on either engine.
    Returns the new count, read by the same statement."""
    session.flush()  # the statement runs past the session's autoflush
    count, site = statements.adjust_thread_count(session.connection(), thread_id, delta)
    if delta:
        counts_changed(session, site)
    return count


def touch_thread(session: Session, thread_id: int) -> None:
    """A change readers can see that leaves the count alone still invalidates cached pages."""
    adjust_thread_count(session, thread_id, 0)


def counts_token(engine: Engine, site: str) -> str | None:
    """The site's counts token, None before its first counted comment. Read it before the counts
    it validates, so counts kept under a token are never older than the token."""
    return statements.counts_token(engine, site)
