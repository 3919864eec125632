"""The outbox's statements: an event's insert on a post's hot path, and the claims workers take turns with.

Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so any number of workers on any number of hosts
each take different rows without waiting on each other; SQLite ignores FOR UPDATE, and there the
write lock the claiming transaction starts with (BEGIN IMMEDIATE) makes one claimant at a time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.orm import Session

from ..models import Delivery, DeliveryStatus, OutboxEvent
from .engine import begin_write
from .prepared import PreparedStatement
from .statements import table

_events = table(OutboxEvent)
_deliveries = table(Delivery)
_EVENT_COLUMNS = (
    "uid",
    "type",
    "site",
    "article",
    "thread_id",
    "comment_id",
    "count_changed",
    "dispatched",
    "created_at",
)
_INSERT_EVENT = PreparedStatement(insert(_events).values({key: bindparam(key) for key in _EVENT_COLUMNS}))
# Waiting for a first attempt, for a retry, or claimed by a worker whose lease ran out (it died).
CLAIMABLE = (DeliveryStatus.QUEUED.value, DeliveryStatus.FAILED.value, DeliveryStatus.SENDING.value)


def insert_event(connection: Connection, values: dict[str, Any]) -> None:
    """`values` holds every column but id and dispatched."""
    _INSERT_EVENT.rows(connection, {**values, "dispatched": False})


def claim_events(session: Session, limit: int) -> list[OutboxEvent]:
    """Undispatched events, oldest first, locked for this transaction."""
    begin_write(session)
    query = (
        select(OutboxEvent)
        .where(OutboxEvent.dispatched.is_(False))
        .order_by(OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def claim_deliveries(
    session: Session, *, now: datetime, lease_until: datetime, limit: int, kinds: tuple[str, ...]
) -> list[Delivery]:
    """Due deliveries, each claimed until `lease_until`: its due time moves there, so a worker that dies
    holding it leaves it claimable again once the lease is over. The caller commits the claim."""
    begin_write(session)
    query = (
        select(Delivery)
        .where(Delivery.status.in_(CLAIMABLE), Delivery.due_at <= now, Delivery.kind.in_(kinds))
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = list(session.scalars(query))
    for delivery in claimed:
        delivery.status = DeliveryStatus.SENDING.value
        delivery.due_at = lease_until
        delivery.lease_until = lease_until
        delivery.attempts += 1
    session.flush()
    return claimed


def lock_open_delivery(session: Session, *, kind: str, subscriber_id: int) -> Delivery | None:
    """A subscriber's delivery still waiting for its first attempt, locked, so a reply can join it; one
    a worker has claimed meanwhile no longer matches (PostgreSQL re-checks the condition after the wait)."""
    query = (
        select(Delivery)
        .where(
            Delivery.kind == kind,
            Delivery.subscriber_id == subscriber_id,
            Delivery.status == DeliveryStatus.QUEUED.value,
            Delivery.attempts == 0,
        )
        .order_by(Delivery.id.desc())
        .limit(1)
        .with_for_update()
    )
    return session.scalars(query).first()
