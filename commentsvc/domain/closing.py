"""Threads that close by themselves: at their own close_at, or N days after their first comment."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Forbidden
from ..models import Comment, SiteSetting, Thread


def closes_at(
    close_at: datetime | None, auto_close_days: int | None, first_comment_at: datetime | None
) -> datetime | None:
    """Whichever comes first; None when neither applies."""
    candidates = [close_at] if close_at is not None else []
    if auto_close_days is not None and first_comment_at is not None:
        candidates.append(first_comment_at + timedelta(days=auto_close_days))
    return min(candidates) if candidates else None


def closed_by_time(closing: datetime | None, now: datetime) -> bool:
    return closing is not None and now >= closing


def thread_closes_at(session: Session, thread_id: int, site: str) -> datetime | None:
    close_at = session.scalar(select(Thread.close_at).where(Thread.id == thread_id))
    days = session.scalar(select(SiteSetting.auto_close_days).where(SiteSetting.site == site))
    first = None
    if days is not None:
        first = session.scalar(
            select(Comment.created_at)
            .where(Comment.thread_id == thread_id, Comment.parent_id.is_(None))
            .order_by(Comment.parent_id, Comment.id)
            .limit(1)
        )
    return closes_at(close_at, days, first)


def ensure_not_closed_by_time(session: Session, thread_id: int, site: str, now: datetime) -> None:
    """Closed threads answer thread_closed, whether a moderator or the clock closed them."""
    ensure_open_until(thread_closes_at(session, thread_id, site), now)


def ensure_open_until(closing: datetime | None, now: datetime) -> None:
    if closed_by_time(closing, now):
        raise Forbidden("Comments are closed for this article.", code="thread_closed")
