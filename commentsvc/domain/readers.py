"""One reader's history for moderators: an SSO user's comments, or an anonymous identity's."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import Comment, User

HISTORY_LIMIT = 200


@dataclass
class ReaderHistory:
    comments: list[Comment]
    # More comments exist than the page shows (newest first).
    more: bool


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist.", code="user_not_found")
    return user


def _history(session: Session, condition: ColumnElement[bool], limit: int) -> ReaderHistory:
    rows = list(
        session.scalars(
            select(Comment).where(condition).order_by(Comment.created_at.desc(), Comment.id.desc()).limit(limit + 1)
        )
    )
    return ReaderHistory(rows[:limit], len(rows) > limit)


def user_history(session: Session, user_id: int, limit: int = HISTORY_LIMIT) -> ReaderHistory:
    """Newest first, every status: what moderators weigh before banning."""
    return _history(session, Comment.user_id == user_id, limit)


def identity_history(session: Session, identity_key: str, limit: int = HISTORY_LIMIT) -> ReaderHistory:
    return _history(session, Comment.identity_key == identity_key, limit)
