"""Status changes of comments, which move the thread count, its participants and the root's reply
count with visibility."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..models import Comment, CommentStatus, ThreadPin
from ..storage import statements
from .participants import move_participants, participant_key
from .threads import adjust_thread_count


def set_comment_status(session: Session, comment: Comment, status: CommentStatus) -> int:
    """Every status change goes through here, so the thread count, its participants and the root's
    reply count move together with visibility and never drift. A comment hidden again leaves the
    editors' picks and its thread's pin. Returns the thread's new count."""
    old_visible = comment.status == CommentStatus.APPROVED.value
    new_visible = status == CommentStatus.APPROVED
    comment.status = status.value
    if old_visible and not new_visible:
        comment.picked_at = None
        if comment.is_staff:
            session.execute(delete(ThreadPin).where(ThreadPin.comment_id == comment.id))
    return shift_counts(session, comment, delta=int(new_visible) - int(old_visible))


def shift_counts(session: Session, comment: Any, *, delta: int) -> int:
    """Moves the comment's thread count (and bumps its version even when delta is 0), its author's
    place among the participants and the root's reply count; returns the thread's new count."""
    count = adjust_thread_count(session, comment.thread_id, delta)
    if delta:
        move_participants(session, comment.thread_id, {participant_key(comment): delta})
        if comment.root_id is not None:
            statements.adjust_reply_count(session.connection(), comment.root_id, delta)
    return count
