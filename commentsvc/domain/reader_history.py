"""One reader's whole history for moderators — by author email, by identity, or by address — and
"reject all from this reader" as one audited action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..errors import ValidationError
from ..models import Comment, CommentStatus
from . import audit
from .addresses import address_key, normalised
from .moderation import MAX_BULK, Actor, apply_action
from .queues import QueueItem, with_context

# What a history can be by: the comment column that names the reader that way.
BY = {"author": Comment.author_email, "identity": Comment.identity_key, "ip": Comment.client_ip}
HISTORY_LIMIT = 200
_STILL_SHOWN = (CommentStatus.APPROVED.value, CommentStatus.PENDING.value)


def _condition(by: str, value: str, secret: str) -> Any:
    """By ip, `value` is an address or the address key a purged comment keeps (addresses.py): both find
    the address's comments before and after the purge."""
    if by not in BY or not value:
        raise ValidationError("A history is by author, identity or ip, with a value.", code="history_invalid")
    if by != "ip":
        return BY[by] == value
    if normalised(value) is None:
        return Comment.client_ip_key == value
    return or_(Comment.client_ip_key == address_key(secret, value), Comment.client_ip == value)


def reader_history(session: Session, *, by: str, value: str, secret: str) -> tuple[list[QueueItem], int]:
    """The reader's newest comments in every status, with the queue's context, and how many there are."""
    condition = _condition(by, value, secret)
    total = session.scalar(select(func.count()).select_from(Comment).where(condition)) or 0
    comments = list(session.scalars(select(Comment).where(condition).order_by(Comment.id.desc()).limit(HISTORY_LIMIT)))
    return with_context(session, comments), int(total)


def reject_all_from(
    session: Session, *, by: str, value: str, actor: Actor, now: datetime, default_mode: str, secret: str
) -> int:
    """Every approved or pending comment of the reader becomes rejected, each audited as a rejection,
    plus one entry for the whole action."""
    condition = _condition(by, value, secret)
    ids = list(session.scalars(select(Comment.id).where(condition, Comment.status.in_(_STILL_SHOWN))))
    changed = 0
    for start in range(0, len(ids), MAX_BULK):
        chunk = ids[start : start + MAX_BULK]
        changed += len(apply_action(session, chunk, "reject", actor=actor, now=now, default_mode=default_mode))
    audit.record(
        session,
        moderator_id=actor.moderator_id,
        action="reject_all",
        target_type="reader",
        target_id=f"{by}:{value}",
        detail={"by": by, "rejected": changed},
        client_ip=actor.client_ip,
        now=now,
    )
    return changed
