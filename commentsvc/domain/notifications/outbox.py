"""Outbox events, written in the transaction of the change they follow, so a committed change always gets
its notifications; nothing here waits for SMTP or HTTP (the delivery worker does)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ...models import CommentStatus, EventType
from ...storage import outbox
from .subscriptions import subscribe_to_replies

_APPROVED = CommentStatus.APPROVED.value
_BY_TARGET = {
    CommentStatus.APPROVED: EventType.COMMENT_APPROVED,
    CommentStatus.REJECTED: EventType.COMMENT_REJECTED,
    CommentStatus.SPAM: EventType.COMMENT_REJECTED,
    CommentStatus.DELETED: EventType.COMMENT_DELETED,
}


def new_event_id() -> str:
    return uuid.uuid4().hex


def record_event(
    session: Session,
    event_type: EventType,
    *,
    site: str,
    article: str,
    thread_id: int,
    comment_id: int | None,
    now: datetime,
    count_changed: bool = False,
) -> str:
    """One row through a prepared insert: this runs inside every post, whose CPU budget it shares."""
    uid = new_event_id()
    outbox.insert_event(
        session.connection(),
        {
            "uid": uid,
            "type": event_type.value,
            "site": site,
            "article": article,
            "thread_id": thread_id,
            "comment_id": comment_id,
            "count_changed": count_changed,
            "created_at": now,
        },
    )
    return uid


def record_post(
    session: Session,
    comment: Any,
    *,
    site: str,
    article: str,
    email: str | None,
    notify: str | None,
    now: datetime,
) -> None:
    """A new comment: comment.created (even when it waits in Pending; approval sends comment.approved later),
    and the author's subscription when they asked for reply emails (`notify` is their language)."""
    record_event(
        session,
        EventType.COMMENT_CREATED,
        site=site,
        article=article,
        thread_id=comment.thread_id,
        comment_id=comment.id,
        now=now,
        count_changed=comment.status == _APPROVED,
    )
    if notify and email:
        subscribe_to_replies(
            session, comment_id=comment.id, thread_id=comment.thread_id, email=email, language=notify, now=now
        )


def record_change(
    session: Session, comment: Any, event_type: EventType | None, target: CommentStatus, *, now: datetime
) -> None:
    """Called before the status moves to `target`: the event the change is (None: the one its target
    implies, or thread.count_changed alone when the count moves without one, e.g. back to Pending)."""
    count_changed = (comment.status == _APPROVED) != (target == CommentStatus.APPROVED)
    if event_type is None:
        event_type = _BY_TARGET.get(target) if comment.status != target.value else None
    if event_type is None:
        if not count_changed:
            return
        event_type = EventType.THREAD_COUNT_CHANGED
    thread = comment.thread
    record_event(
        session,
        event_type,
        site=thread.site,
        article=thread.article,
        thread_id=comment.thread_id,
        comment_id=comment.id,
        now=now,
        count_changed=count_changed,
    )
