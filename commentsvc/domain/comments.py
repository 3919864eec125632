"""Finding a comment, and locking it for a change in the order every writer uses."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import Comment, Thread
from .submission import is_valid_id


def get_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id) if is_valid_id(comment_id) else None
    if comment is None:
        raise NotFound(f"Comment {comment_id} does not exist.", code="comment_not_found")
    return comment


def get_comment_for_change(session: Session, comment_id: int) -> Comment:
    """Every writer locks the thread row before any comment row (a post does so through the count
    update), so writers on several servers queue instead of deadlocking; the comment is re-read under
    that lock, so two deletes, or an edit racing a delete, decide on fresh state and counts stay exact.
    SQLite ignores FOR UPDATE: there a write transaction already holds the whole database (BEGIN IMMEDIATE)."""
    comment = get_comment(session, comment_id)
    lock_threads(session, [comment.thread_id])
    session.refresh(comment)
    return comment


def lock_threads(session: Session, thread_ids: Sequence[int]) -> None:
    """Row-locks threads in id order, so writers touching several threads never wait on each other in a cycle."""
    for thread_id in sorted(set(thread_ids)):
        session.execute(select(Thread.id).where(Thread.id == thread_id).with_for_update(key_share=True))
