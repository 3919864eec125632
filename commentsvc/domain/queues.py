"""The moderation queues: what each holds, filtered and paged newest first, with the context a moderator
needs to decide (article, parent, author history, reports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import AuditEntry, Comment, CommentStatus, FloodMember, Moderator, Report, Thread, ThreadPin

QUEUES = ("pending", "reported", "spam", "approved", "rejected", "deleted")
_REJECTED = (CommentStatus.REJECTED.value, CommentStatus.SPAM.value)


@dataclass(frozen=True)
class QueueFilter:
    site: str = ""
    article: str = ""
    author: str = ""
    ip: str = ""
    text: str = ""
    since: date | None = None
    until: date | None = None


@dataclass
class History:
    total: int = 0
    rejected: int = 0


@dataclass
class Decision:
    """Who last moved a comment to its status, from the audit log; None as the moderator is the system."""

    action: str
    moderator: str | None
    at: datetime


@dataclass
class QueueItem:
    comment: Comment
    parent: Comment | None
    reports: list[Report] = field(default_factory=list)
    by_author: History = field(default_factory=History)
    by_ip: History = field(default_factory=History)
    decision: Decision | None = None
    # The flood cluster (flood.py) the comment is in, if any.
    flood_cluster: int | None = None
    # Pinned to the top of its thread (picks.py).
    pinned: bool = False

    @property
    def hold_reasons(self) -> list[str]:
        """Why screening held it (banned, sensitive_word, too_many_links, pre_moderation, reports)."""
        return [reason for reason in self.comment.hold_reasons.split(",") if reason]


@dataclass
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    pages: int


def _open_reports() -> Any:
    return exists().where(Report.comment_id == Comment.id, Report.resolved.is_(False))


def _queue_condition(queue: str) -> Any:
    if queue == "reported":
        return _open_reports()
    return Comment.status == queue


def _apply_filters(query: Any, filters: QueueFilter) -> Any:
    if filters.site:
        query = query.where(Thread.site == filters.site)
    if filters.article:
        query = query.where(
            or_(
                Thread.article.contains(filters.article, autoescape=True),
                Thread.title.icontains(filters.article, autoescape=True),
            )
        )
    if filters.author:
        query = query.where(
            or_(
                Comment.author_name.icontains(filters.author, autoescape=True),
                Comment.author_email.icontains(filters.author, autoescape=True),
            )
        )
    if filters.ip:
        query = query.where(Comment.client_ip.startswith(filters.ip, autoescape=True))
    if filters.text:
        query = query.where(Comment.body_source.icontains(filters.text, autoescape=True))
    if filters.since:
        query = query.where(Comment.created_at >= datetime.combine(filters.since, datetime.min.time()))
    if filters.until:
        query = query.where(
            Comment.created_at < datetime.combine(filters.until + timedelta(days=1), datetime.min.time())
        )
    return query


def _histories(session: Session, column: Any, values: set[str]) -> dict[str, History]:
    """How many comments each author (by email) or address has left, and how many were rejected or spam."""
    if not values:
        return {}
    rows = session.execute(
        select(column, func.count(), func.sum(case((Comment.status.in_(_REJECTED), 1), else_=0)))
        .where(column.in_(values))
        .group_by(column)
    )
    return {value: History(int(total), int(rejected or 0)) for value, total, rejected in rows}


def list_queue(session: Session, queue: str, filters: QueueFilter, *, page: int, page_size: int) -> QueuePage:
    """Newest first; the page count is exact so the moderator knows how much work is left."""
    if queue not in QUEUES:
        raise ValueError(queue)
    base = _apply_filters(
        select(Comment).join(Thread, Thread.id == Comment.thread_id).where(_queue_condition(queue)), filters
    )
    total = session.scalar(select(func.count()).select_from(base.with_only_columns(Comment.id).subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    comments = list(session.scalars(base.order_by(Comment.id.desc()).limit(page_size).offset((page - 1) * page_size)))
    return QueuePage(_items(session, comments), total, page, pages)


def _items(session: Session, comments: list[Comment]) -> list[QueueItem]:
    ids = [comment.id for comment in comments]
    parents = {
        parent.id: parent
        for parent in session.scalars(
            select(Comment).where(Comment.id.in_({c.parent_id for c in comments if c.parent_id is not None}))
        )
    }
    reports: dict[int, list[Report]] = {}
    if ids:
        for report in session.scalars(select(Report).where(Report.comment_id.in_(ids)).order_by(Report.id)):
            reports.setdefault(report.comment_id, []).append(report)
    by_email = _histories(session, Comment.author_email, {c.author_email for c in comments if c.author_email})
    # By the address key, which purged comments keep (retention.py): counts span the purge.
    by_ip = _histories(session, Comment.client_ip_key, {c.client_ip_key for c in comments if c.client_ip_key})
    decisions = _decisions(session, ids)
    clusters = _clusters(session, ids)
    staff = [comment.id for comment in comments if comment.is_staff]
    pinned = (
        set(session.scalars(select(ThreadPin.comment_id).where(ThreadPin.comment_id.in_(staff)))) if staff else set()
    )
    return [
        QueueItem(
            comment=comment,
            parent=parents.get(comment.parent_id) if comment.parent_id is not None else None,
            reports=reports.get(comment.id, []),
            by_author=by_email.get(comment.author_email or "", History()),
            by_ip=by_ip.get(comment.client_ip_key or "", History()),
            decision=decisions.get(comment.id),
            flood_cluster=clusters.get(comment.id),
            pinned=comment.id in pinned,
        )
        for comment in comments
    ]


def queue_items(session: Session, comments: list[Comment]) -> list[QueueItem]:
    """Comments with the context a queue shows them with, for pages that list comments of their own."""
    return _items(session, comments)


def _clusters(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(FloodMember.comment_id, FloodMember.cluster_id).where(FloodMember.comment_id.in_(ids))
    )
    return dict(rows.all())


_STATUS_ACTIONS = ("approve", "reject", "spam", "delete", "restore")


def _decisions(session: Session, ids: list[int]) -> dict[int, Decision]:
    """The latest moderator action on each comment: why a rejected, spam or deleted one is where it is."""
    if not ids:
        return {}
    rows = session.execute(
        select(AuditEntry.target_id, AuditEntry.action, Moderator.username, AuditEntry.created_at)
        .outerjoin(Moderator, Moderator.id == AuditEntry.moderator_id)
        .where(
            AuditEntry.target_type == "comment",
            AuditEntry.target_id.in_([str(comment_id) for comment_id in ids]),
            AuditEntry.action.in_(_STATUS_ACTIONS),
        )
        .order_by(AuditEntry.id)
    )
    return {int(target): Decision(action, username, at) for target, action, username, at in rows}


def with_context(session: Session, comments: list[Comment]) -> list[QueueItem]:
    """Comments found elsewhere (a reader's history) with the context a queue shows."""
    return _items(session, comments)


def get_item(session: Session, comment_id: int) -> QueueItem:
    """One comment with the same context a queue shows."""
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"Comment {comment_id} does not exist.", code="comment_not_found")
    return _items(session, [comment])[0]


def queue_counts(session: Session) -> dict[str, int]:
    """The numbers in the navigation, read fresh on every page so they are never stale."""
    counts = dict.fromkeys(QUEUES, 0)
    for status, total in session.execute(select(Comment.status, func.count()).group_by(Comment.status)):
        if status in counts:
            counts[status] = int(total)
    counts["reported"] = int(
        session.scalar(select(func.count(func.distinct(Report.comment_id))).where(Report.resolved.is_(False))) or 0
    )
    return counts
