"""What moderators do to comments: approve, reject, mark spam, delete, restore, edit, reply as staff.

Every action goes through status.set_comment_status (so counts and what the widget shows change at
once) and writes its audit entry in the same transaction; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..models import Comment, CommentStatus, EventType, Moderator, Report
from ..text.language import language_of_html
from . import audit
from .comments import get_comment, get_comment_for_change, lock_threads
from .notifications import outbox
from .policy import thread_policy
from .posting import Client, PostingSettings, post_comment
from .reports import move_standings
from .screening import publishable_html
from .status import set_comment_status
from .submission import Author, normalise_body
from .threads import touch_thread

MAX_BULK = 200
ACTIONS = ("approve", "reject", "spam", "delete", "restore")
_TARGETS = {
    "approve": CommentStatus.APPROVED,
    "reject": CommentStatus.REJECTED,
    "spam": CommentStatus.SPAM,
    "delete": CommentStatus.DELETED,
}
HIDDEN = frozenset({CommentStatus.REJECTED.value, CommentStatus.SPAM.value, CommentStatus.DELETED.value})


@dataclass(frozen=True)
class Actor:
    """The moderator acting and the address they act from, for the audit log."""

    moderator_id: int
    client_ip: str


def _restore_target(session: Session, comment: Comment, default_mode: str) -> CommentStatus:
    """Back to the status it had before it was hidden; if the log does not know, to what a new
    comment on that article would get now (pending under pre-moderation, else approved)."""
    previous = audit.last_status_before_hiding(session, comment.id)
    if previous in (CommentStatus.APPROVED.value, CommentStatus.PENDING.value):
        return CommentStatus(previous)
    if thread_policy(session, comment.thread, default_mode).mode == "pre":
        return CommentStatus.PENDING
    return CommentStatus.APPROVED


def _resolve_reports(session: Session, comment_id: int, target: CommentStatus) -> int:
    """A moderator's decision answers the reports filed so far: upheld when the comment ends rejected,
    spam or deleted, dismissed when it is kept; each reporter's standing (their reports' weight) moves."""
    reporter_keys = set(
        session.scalars(select(Report.reporter_key).where(Report.comment_id == comment_id, Report.resolved.is_(False)))
    )
    if not reporter_keys:
        return 0
    session.execute(
        update(Report)
        .where(Report.comment_id == comment_id, Report.resolved.is_(False))
        .values(resolved=True)
        .execution_options(synchronize_session=False)
    )
    move_standings(session, reporter_keys, upheld=target.value in HIDDEN)
    return len(reporter_keys)


def selected_comments(session: Session, comment_ids: Sequence[int]) -> tuple[list[int], dict[int, Comment]]:
    """A moderator's selection, each id once in the order given, with its comments; an empty, too
    large or stale selection is refused whole."""
    ids = list(dict.fromkeys(comment_ids))
    if not ids:
        raise ValidationError("Select at least one comment.", code="nothing_selected", field="ids")
    if len(ids) > MAX_BULK:
        raise ValidationError(f"At most {MAX_BULK} comments at once.", code="too_many_selected", field="ids")
    found = {comment.id: comment for comment in session.scalars(select(Comment).where(Comment.id.in_(ids)))}
    missing = [comment_id for comment_id in ids if comment_id not in found]
    if missing:
        raise NotFound(f"Comment {missing[0]} does not exist.", code="comment_not_found")
    return ids, found


def apply_action(
    session: Session, comment_ids: Sequence[int], action: str, *, actor: Actor, now: datetime, default_mode: str
) -> list[Comment]:
    """One action on one or many comments; a comment already in the target status is left alone."""
    if action not in ACTIONS:
        raise ValidationError("Unknown action.", code="action_invalid", field="action")
    ids, found = selected_comments(session, comment_ids)
    # Thread locks first, then decide on fresh state: the same order every writer uses (see get_comment_for_change).
    lock_threads(session, [comment.thread_id for comment in found.values()])
    for comment in found.values():
        session.refresh(comment)
    changed: list[Comment] = []
    for comment_id in ids:
        comment = found[comment_id]
        if action == "restore":
            if comment.status not in HIDDEN:
                continue
            target = _restore_target(session, comment, default_mode)
        else:
            target = _TARGETS[action]
        before = comment.status
        resolved = 0 if action == "restore" else _resolve_reports(session, comment.id, target)
        if before == target.value and not resolved:
            continue
        outbox.record_change(session, comment, None, target, now=now)
        set_comment_status(session, comment, target)
        audit.record(
            session,
            moderator_id=actor.moderator_id,
            action=action,
            target_type="comment",
            target_id=comment.id,
            detail={"from": before, "to": target.value, "reports_resolved": resolved},
            client_ip=actor.client_ip,
            now=now,
        )
        changed.append(comment)
    session.flush()
    return changed


def edit_comment_text(
    session: Session, comment_id: int, body: str, *, actor: Actor, now: datetime, max_length: int
) -> Comment:
    """A moderator's edit keeps the status; the old and new text go to the audit log."""
    comment = get_comment_for_change(session, comment_id)
    new_body = normalise_body(body, max_length=max_length)
    before = comment.body_source
    if new_body == before:
        return comment
    comment.body_source = new_body
    comment.body_format = "markdown"  # a moderator writes in the readers' Markdown, even over imported HTML
    comment.body_html = publishable_html(session, new_body)
    comment.lang = language_of_html(comment.body_html)
    comment.edited_at = now
    touch_thread(session, comment.thread_id)
    outbox.record_change(session, comment, EventType.COMMENT_EDITED, CommentStatus(comment.status), now=now)
    audit.record(
        session,
        moderator_id=actor.moderator_id,
        action="edit",
        target_type="comment",
        target_id=comment.id,
        detail={"before": before, "after": new_body},
        client_ip=actor.client_ip,
        now=now,
    )
    session.flush()
    return comment


def reply_as_staff(
    session: Session,
    parent_id: int,
    body: str,
    *,
    moderator: Moderator,
    actor: Actor,
    user_agent: str,
    now: datetime,
    settings: PostingSettings,
) -> Comment:
    """A staff reply is published at once, marked is_staff so the widget shows the badge; the parent
    must be visible, as for any reader's reply."""
    parent = get_comment(session, parent_id)
    body = normalise_body(body, max_length=settings.body_max_length)
    thread = parent.thread
    result = post_comment(
        session,
        site=thread.site,
        article=thread.article,
        title=None,
        url=None,
        parent_id=parent.id,
        author=Author(name=moderator.username, email=None, website=None),
        body=body,
        client=Client(ip=actor.client_ip, user_agent=user_agent),
        now=now,
        settings=settings,
    )
    comment = session.get(Comment, result.comment.id)
    assert comment is not None
    comment.is_staff = True
    comment.moderator_id = moderator.id
    if comment.status != CommentStatus.APPROVED.value:
        set_comment_status(session, comment, CommentStatus.APPROVED)
    audit.record(
        session,
        moderator_id=actor.moderator_id,
        action="staff_reply",
        target_type="comment",
        target_id=comment.id,
        detail={"parent_id": parent.id},
        client_ip=actor.client_ip,
        now=now,
    )
    session.flush()
    return comment
