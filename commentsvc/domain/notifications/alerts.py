"""Moderator alerts: an email when comments wait in Pending or Reported longer than a moderator's limit,
and a digest of the queues every few hours. Each is decided again when it is sent, so nothing goes out
about a queue a moderator has emptied meanwhile. (Surge and flood alerts will join them once commentsvc
detects surges; it does not yet.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...errors import ValidationError
from ...models import (
    Comment,
    CommentStatus,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Moderator,
    ModeratorAlert,
    ModeratorRole,
    Report,
)
from ..submission import normalise_email
from .emails import QueueSummary

WAIT = "wait"
DIGEST = "digest"
DISABLED = "webhook.disabled"


@dataclass(frozen=True)
class AlertChoice:
    email: str
    language: str
    wait_minutes: int | None
    digest_hours: int | None


def find_alert(session: Session, moderator_id: int) -> ModeratorAlert | None:
    return session.get(ModeratorAlert, moderator_id)


def set_alert(session: Session, moderator_id: int, choice: AlertChoice) -> ModeratorAlert | None:
    """An empty email turns every alert off for this moderator."""
    alert = session.get(ModeratorAlert, moderator_id)
    email = normalise_email(choice.email) if choice.email.strip() else None
    if email is None:
        if alert is not None:
            session.delete(alert)
        return None
    for value, field in ((choice.wait_minutes, "wait_minutes"), (choice.digest_hours, "digest_hours")):
        if value is not None and not 1 <= value <= 10_000:
            raise ValidationError("Choose a number from 1 to 10000.", code="invalid", field=field)
    if alert is None:
        alert = ModeratorAlert(moderator_id=moderator_id, email=email)
        session.add(alert)
    alert.email = email
    alert.language = "en" if choice.language == "en" else "zh-CN"
    alert.wait_minutes = choice.wait_minutes
    alert.digest_hours = choice.digest_hours
    session.flush()
    return alert


def queue_summary(session: Session, *, older_than: datetime | None = None) -> QueueSummary:
    """Pending comments and open reports (on visible comments); with `older_than`, only those waiting since before it."""
    pending = select(func.count(), func.min(Comment.created_at)).where(Comment.status == CommentStatus.PENDING.value)
    reported = (
        select(func.count(func.distinct(Report.comment_id)), func.min(Report.created_at))
        .join(Comment, Comment.id == Report.comment_id)
        .where(Report.resolved.is_(False), Comment.status == CommentStatus.APPROVED.value)
    )
    if older_than is not None:
        pending = pending.where(Comment.created_at <= older_than)
        reported = reported.where(Report.created_at <= older_than)
    pending_count, pending_since = session.execute(pending).one()
    reported_count, reported_since = session.execute(reported).one()

    def shown(when: datetime | None) -> str | None:
        return None if when is None else when.strftime("%Y-%m-%d %H:%M UTC")

    return QueueSummary(int(pending_count or 0), int(reported_count or 0), shown(pending_since), shown(reported_since))


def _queue(
    session: Session, alert: ModeratorAlert, kind: str, key: str, now: datetime, endpoint_id: int | None = None
) -> None:
    delivery = Delivery(
        kind=DeliveryKind.ALERT.value,
        dedup_key=f"alert:{key}",
        message_key=key.replace(":", "-"),
        event_type=kind,
        moderator_id=alert.moderator_id,
        endpoint_id=endpoint_id,
        status=DeliveryStatus.QUEUED.value,
        attempts=0,
        due_at=now,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(delivery)
    except IntegrityError:  # another worker queued this very alert
        pass


def schedule_alerts(session: Session, *, now: datetime) -> None:
    """At most one wait alert per moderator per limit period while something is overdue, and one digest
    per period while the queues are not empty; the caller commits."""
    epoch = datetime(1970, 1, 1)
    for alert in session.scalars(select(ModeratorAlert)):
        if alert.wait_minutes:
            overdue = queue_summary(session, older_than=now - timedelta(minutes=alert.wait_minutes))
            if not overdue.empty:
                period = int((now - epoch).total_seconds() // (alert.wait_minutes * 60))
                _queue(session, alert, WAIT, f"{WAIT}:{alert.moderator_id}:{period}", now)
        if alert.digest_hours and (
            alert.last_digest_at is None or now - alert.last_digest_at >= timedelta(hours=alert.digest_hours)
        ):
            if not queue_summary(session).empty:
                period = int((now - epoch).total_seconds() // (alert.digest_hours * 3600))
                _queue(session, alert, DIGEST, f"{DIGEST}:{alert.moderator_id}:{period}", now)
            alert.last_digest_at = now


def tell_admins_endpoint_disabled(session: Session, *, endpoint_id: int, delivery_id: int, now: datetime) -> None:
    admins = session.scalars(
        select(ModeratorAlert)
        .join(Moderator, Moderator.id == ModeratorAlert.moderator_id)
        .where(Moderator.role == ModeratorRole.ADMIN.value, Moderator.active.is_(True))
    )
    for alert in admins:
        _queue(
            session, alert, DISABLED, f"{DISABLED}:{endpoint_id}:{delivery_id}:{alert.moderator_id}", now, endpoint_id
        )
