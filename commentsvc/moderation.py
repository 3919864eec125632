"""Moderation policy: which status a new or edited comment gets, and status changes that keep counts exact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from .errors import Forbidden
from .models import Comment, CommentStatus, ModerationMode, SiteSetting, Thread
from .threads import adjust_thread_count


@dataclass(frozen=True)
class Screening:
    """What policy decided for a submitted body: the status to store and the body to render."""

    status: CommentStatus
    body: str


def _site_setting(session: Session, site: str) -> SiteSetting | None:
    return session.get(SiteSetting, site)


def moderation_mode(session: Session, thread: Thread, default_mode: str) -> str:
    """The article's own setting wins, then the site's, then COMMENTSVC_MODERATION."""
    if thread.moderation:
        return thread.moderation
    setting = _site_setting(session, thread.site)
    if setting is not None and setting.moderation:
        return setting.moderation
    return default_mode


def is_closed(session: Session, thread: Thread) -> bool:
    if thread.closed:
        return True
    setting = _site_setting(session, thread.site)
    return bool(setting is not None and setting.closed)


def ensure_open(session: Session, thread: Thread) -> None:
    if is_closed(session, thread):
        raise Forbidden("Comments are closed for this article.", code="thread_closed")


def screen_submission(session: Session, thread: Thread, body: str, *, author_email: str | None, client_ip: str,
                      now: datetime, default_mode: str) -> Screening:
    """New comments and edits pass through the same rules, so an edit cannot smuggle in what a post could not."""
    if moderation_mode(session, thread, default_mode) == ModerationMode.PRE.value:
        return Screening(CommentStatus.PENDING, body)
    return Screening(CommentStatus.APPROVED, body)


def set_comment_status(session: Session, comment: Comment, status: CommentStatus) -> None:
    """Every status change goes through here, so the thread count and the root's reply count
    move together with visibility and never drift."""
    old_visible = comment.status == CommentStatus.APPROVED.value
    new_visible = status == CommentStatus.APPROVED
    comment.status = status.value
    shift_counts(session, comment, int(new_visible) - int(old_visible))


def shift_counts(session: Session, comment: Comment, delta: int) -> None:
    """Moves the thread count (and bumps its version even when delta is 0) and the root's reply count."""
    adjust_thread_count(session, comment.thread_id, delta)
    if delta and comment.root_id is not None:
        session.execute(
            update(Comment)
            .where(Comment.id == comment.root_id)
            .values(reply_count=Comment.reply_count + delta)
            .execution_options(synchronize_session=False)
        )
