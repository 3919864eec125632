"""What the Atom feeds list: a thread's newest approved comments, and a site's."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import Comment, CommentStatus, Thread
from .threads import find_thread

FEED_SIZE = 50


def thread_comments(session: Session, site: str, article: str, limit: int = FEED_SIZE) -> tuple[Thread, list[Comment]]:
    thread = find_thread(session, site, article)
    if thread is None:
        raise NotFound("This article has no comments yet.", code="not_found")
    comments = session.scalars(
        select(Comment)
        .where(Comment.thread_id == thread.id, Comment.status == CommentStatus.APPROVED.value)
        .order_by(Comment.id.desc())
        .limit(limit)
    )
    return thread, list(comments)


def site_comments(session: Session, site: str, limit: int = FEED_SIZE) -> list[Comment]:
    return list(
        session.scalars(
            select(Comment)
            .join(Thread, Thread.id == Comment.thread_id)
            .where(Thread.site == site, Comment.status == CommentStatus.APPROVED.value)
            .order_by(Comment.id.desc())
            .limit(limit)
        )
    )


def site_version(session: Session, site: str) -> tuple[int, int]:
    """Changes with every change a reader could see anywhere on the site: thread versions only grow, so
    their sum (with the number of threads) moves whenever any of them does."""
    total, threads = session.execute(
        select(func.coalesce(func.sum(Thread.version), 0), func.count(Thread.id)).where(Thread.site == site)
    ).one()
    return int(total), int(threads)
