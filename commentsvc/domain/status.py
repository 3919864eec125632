"""Status changes of comments, which move the thread count and the root's reply count with visibility."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Comment, CommentStatus
from ..storage import statements
from .threads import adjust_thread_count


def set_comment_status(session: Session, comment: Comment, status: CommentStatus) -> int:
    """Every status change goes through here, so the thread count and the root's reply count
    move together with visibility and never drift. Returns the thread's new count."""
    old_visible = comment.status == CommentStatus.APPROVED.value
    new_visible = status == CommentStatus.APPROVED
    comment.status = status.value
    return shift_counts(
        session, thread_id=comment.thread_id, root_id=comment.root_id, delta=int(new_visible) - int(old_visible)
    )


def shift_counts(session: Session, *, thread_id: int, root_id: int | None, delta: int) -> int:
    """Moves the thread count (and bumps its version even when delta is 0) and the root's reply
    count; returns the thread's new count."""
    count = adjust_thread_count(session, thread_id, delta)
    if delta and root_id is not None:
        statements.adjust_reply_count(session.connection(), root_id, delta)
    return count
