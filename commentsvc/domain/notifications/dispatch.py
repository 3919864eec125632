"""Fan-out: each outbox event becomes, once, the deliveries it calls for — one per webhook endpoint that
hears it, and reply emails to confirmed subscribers, grouped per reader while a burst lasts.

Dispatching marks the event in the same transaction that writes its deliveries, and every delivery has
a unique key, so an event is never fanned out twice, whichever worker dies where.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    Comment,
    CommentStatus,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    EventType,
    OutboxEvent,
    ReplyNotice,
    Subscriber,
    Subscription,
    WebhookEndpoint,
)
from ...storage import outbox
from .. import webhooks

_REPLY_EVENTS = frozenset({EventType.COMMENT_CREATED.value, EventType.COMMENT_APPROVED.value})
_COUNT = EventType.THREAD_COUNT_CHANGED.value


@dataclass(frozen=True)
class DispatchSettings:
    digest_seconds: int = 60
    # With no SMTP server configured, replies are not queued as emails (they would all leave, stale, later).
    emails: bool = True


def _webhook(event: OutboxEvent, endpoint: WebhookEndpoint, event_type: str, key: str, now: datetime) -> Delivery:
    return Delivery(
        kind=DeliveryKind.WEBHOOK.value,
        dedup_key=f"webhook:{key}:{endpoint.id}",
        message_key=key,
        event_id=event.id,
        event_type=event_type,
        endpoint_id=endpoint.id,
        status=DeliveryStatus.QUEUED.value,
        attempts=0,
        due_at=now,
        created_at=now,
    )


def _reply_notices(session: Session, event: OutboxEvent, settings: DispatchSettings, now: datetime) -> None:
    """A reply that is visible now (never a pending one) to the comment it answers, for each confirmed
    subscriber to that comment but its own author; once per reply and subscriber, whatever happens later."""
    reply = session.get(Comment, event.comment_id) if event.comment_id is not None else None
    if reply is None or reply.status != CommentStatus.APPROVED.value or reply.parent_id is None:
        return
    answered = reply.reply_to_id or reply.parent_id
    rows = session.execute(
        select(Subscription, Subscriber)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(
            Subscription.comment_id == answered,
            Subscription.active.is_(True),
            Subscriber.confirmed_at.is_not(None),
            Subscriber.unsubscribed_at.is_(None),
        )
    ).all()
    author = (reply.author_email or "").lower()
    for subscription, subscriber in rows:
        if subscriber.email == author:
            continue
        told = session.scalars(
            select(ReplyNotice.id).where(ReplyNotice.subscriber_id == subscriber.id, ReplyNotice.reply_id == reply.id)
        ).first()
        if told is not None:
            continue
        delivery = outbox.lock_open_delivery(session, kind=DeliveryKind.REPLY.value, subscriber_id=subscriber.id)
        if delivery is None:
            delivery = Delivery(
                kind=DeliveryKind.REPLY.value,
                dedup_key=f"reply:{event.uid}:{subscriber.id}",
                message_key=event.uid,
                event_id=event.id,
                event_type=event.type,
                subscriber_id=subscriber.id,
                status=DeliveryStatus.QUEUED.value,
                attempts=0,
                due_at=event.created_at + timedelta(seconds=settings.digest_seconds),
                created_at=now,
            )
            session.add(delivery)
            session.flush()
        session.add(
            ReplyNotice(
                subscriber_id=subscriber.id, reply_id=reply.id, subscription_id=subscription.id, delivery_id=delivery.id
            )
        )


def dispatch_events(session: Session, *, now: datetime, settings: DispatchSettings, limit: int = 200) -> int:
    """Fans out up to `limit` waiting events; the caller commits. Returns how many were dispatched."""
    events = outbox.claim_events(session, limit)
    if not events:
        return 0
    endpoints = list(session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))))
    for event in events:
        for endpoint in endpoints:
            if event.type != _COUNT and webhooks.hears(endpoint, event.site, event.type):
                session.add(_webhook(event, endpoint, event.type, event.uid, now))
            if event.count_changed and webhooks.hears(endpoint, event.site, _COUNT):
                key = event.uid if event.type == _COUNT else f"{event.uid}-count"
                session.add(_webhook(event, endpoint, _COUNT, key, now))
        if settings.emails and event.type in _REPLY_EVENTS:
            _reply_notices(session, event, settings, now)
        event.dispatched = True
    session.flush()
    return len(events)
