"""Editors' picks (编辑精选) and the one staff comment pinned to the top of a thread.

A pick is comments.picked_at: picks show in the order picked, above the thread. A pin is the thread's
one thread_pins row (its primary key is the thread, so one per thread holds in the database), for a
staff comment (a moderator's dashboard reply or an SSO staff member's comment): a correction or a
moderator's note. Hiding a comment again (status.py) drops its pick and its pin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ..errors import Unprocessable, ValidationError
from ..models import Comment, CommentStatus, ThreadPin
from . import audit
from .comments import lock_threads
from .moderation import Actor, selected_comments
from .queues import QueueItem, queue_items
from .threads import touch_thread

PICK_ACTIONS = ("pick", "unpick", "pin", "unpin")


def apply_pick_action(
    session: Session, comment_ids: Sequence[int], action: str, *, actor: Actor, now: datetime
) -> list[Comment]:
    """Picks, unpicks, pins or unpins; what already is so is left alone. Every change is audited and
    bumps the thread's version, so cached pages and their ETags change with it."""
    if action not in PICK_ACTIONS:
        raise ValidationError("Unknown action.", code="action_invalid", field="action")
    ids, found = selected_comments(session, comment_ids)
    lock_threads(session, [comment.thread_id for comment in found.values()])
    changed: list[Comment] = []
    for comment_id in ids:
        comment = found[comment_id]
        session.refresh(comment)
        detail = _change(session, comment, action, now)
        if detail is None:
            continue
        touch_thread(session, comment.thread_id)
        audit.record(
            session,
            moderator_id=actor.moderator_id,
            action=action,
            target_type="comment",
            target_id=comment.id,
            detail=detail,
            client_ip=actor.client_ip,
            now=now,
        )
        changed.append(comment)
    session.flush()
    return changed


def _change(session: Session, comment: Comment, action: str, now: datetime) -> dict[str, object] | None:
    """Makes one change; None when there was nothing to change."""
    approved = comment.status == CommentStatus.APPROVED.value
    if action in ("pick", "pin") and not approved:
        raise Unprocessable(
            f"Comment {comment.id} is not approved: only approved comments can be picked or pinned.",
            code="comment_not_approved",
        )
    if action == "pick":
        if comment.picked_at is not None:
            return None
        comment.picked_at = now
        return {"thread_id": comment.thread_id}
    if action == "unpick":
        if comment.picked_at is None:
            return None
        comment.picked_at = None
        return {"thread_id": comment.thread_id}
    pinned = pinned_comment_id(session, comment.thread_id)
    if action == "unpin":
        if pinned != comment.id:
            return None
        session.execute(delete(ThreadPin).where(ThreadPin.thread_id == comment.thread_id))
        return {"thread_id": comment.thread_id}
    if not comment.is_staff:
        raise Unprocessable(
            f"Comment {comment.id} is not a staff comment: only staff comments can be pinned.",
            code="pin_not_staff",
        )
    if pinned == comment.id:
        return None
    # One pin per thread: pinning another comment takes the place of the one pinned before.
    session.execute(delete(ThreadPin).where(ThreadPin.thread_id == comment.thread_id))
    session.execute(insert(ThreadPin).values(thread_id=comment.thread_id, comment_id=comment.id, pinned_at=now))
    return {"thread_id": comment.thread_id, "replaced": pinned}


def pinned_comment_id(session: Session, thread_id: int) -> int | None:
    """The thread's pinned comment, if any."""
    return session.scalar(select(ThreadPin.comment_id).where(ThreadPin.thread_id == thread_id))


@dataclass
class ThreadPicks:
    """What the dashboard's thread page shows to pick from: the picks in order, the pin, the newest approved."""

    picks: list[QueueItem]
    pinned: QueueItem | None
    recent: list[QueueItem]


def thread_picks(session: Session, thread_id: int, *, recent: int = 20) -> ThreadPicks:
    picked = list(
        session.scalars(
            select(Comment)
            .where(Comment.thread_id == thread_id, Comment.picked_at.is_not(None))
            .order_by(Comment.picked_at, Comment.id)
        )
    )
    pinned_id = pinned_comment_id(session, thread_id)
    pinned = session.get(Comment, pinned_id) if pinned_id is not None else None
    newest = list(
        session.scalars(
            select(Comment)
            .where(Comment.thread_id == thread_id, Comment.status == CommentStatus.APPROVED.value)
            .order_by(Comment.id.desc())
            .limit(recent)
        )
    )
    items = {
        item.comment.id: item
        for item in queue_items(
            session, list({c.id: c for c in (*picked, *newest, *([pinned] if pinned else []))}.values())
        )
    }
    return ThreadPicks(
        [items[c.id] for c in picked], items[pinned.id] if pinned else None, [items[c.id] for c in newest]
    )
