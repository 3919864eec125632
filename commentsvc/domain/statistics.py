"""The numbers on the dashboard's overview: comments per day, the most-commented articles, the sites."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Comment, Thread


def comments_per_day(session: Session, *, now: datetime, days: int = 30) -> list[tuple[date, int]]:
    """Every day of the window, days without comments included, oldest first."""
    first = (now - timedelta(days=days - 1)).date()
    day = func.date(Comment.created_at)
    rows = session.execute(
        select(day, func.count())
        .where(Comment.created_at >= datetime.combine(first, datetime.min.time()))
        .group_by(day)
    )
    by_day = {str(value)[:10]: int(total) for value, total in rows}
    return [
        (first + timedelta(days=offset), by_day.get((first + timedelta(days=offset)).isoformat(), 0))
        for offset in range(days)
    ]


def most_commented(session: Session, *, since: datetime, limit: int = 10) -> list[tuple[Thread, int]]:
    """Articles by comments received since `since`, every status counted: that is where the work is."""
    total = func.count(Comment.id).label("total")
    rows = session.execute(
        select(Thread, total)
        .join(Comment, Comment.thread_id == Thread.id)
        .where(Comment.created_at >= since)
        .group_by(Thread.id)
        .order_by(total.desc(), Thread.id)
        .limit(limit)
    )
    return list(rows)


def list_sites(session: Session) -> list[str]:
    return list(session.scalars(select(Thread.site).distinct().order_by(Thread.site)))
