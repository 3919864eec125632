"""Reply subscriptions: asking (double opt-in), confirming, and unsubscribing from a thread or from everything.

Links carry signed tokens naming the subscriber by id, never the address, so a link in a forwarded email
or a log shows no one's email. Confirming and unsubscribing are POSTs: mail scanners that follow every
link in a message confirm and unsubscribe nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...models import Delivery, DeliveryKind, DeliveryStatus, Subscriber, Subscription

CONFIRM_PATH = "/notifications/confirm"
UNSUBSCRIBE_PATH = "/notifications/unsubscribe"
CONFIRM_MAX_AGE = timedelta(days=7)
# One confirmation a day at most per address: asking again cannot be used to flood someone's inbox.
CONFIRM_RESEND_AFTER = timedelta(days=1)
SCOPE_THREAD = "thread"
SCOPE_ALL = "all"


@functools.lru_cache(maxsize=8)
def _confirm_signer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="commentsvc-notifications-confirm")


@functools.lru_cache(maxsize=8)
def _unsubscribe_signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="commentsvc-notifications-unsubscribe")


def confirm_token(secret: str, subscriber_id: int) -> str:
    return str(_confirm_signer(secret).dumps({"s": subscriber_id}))


def unsubscribe_token(secret: str, subscriber_id: int, thread_id: int | None) -> str:
    """Never expires: RFC 8058 one-click links must keep working in an old email."""
    return str(_unsubscribe_signer(secret).dumps({"s": subscriber_id, "t": thread_id}))


@dataclass(frozen=True)
class Unsubscribe:
    subscriber_id: int
    thread_id: int | None

    @property
    def scope(self) -> str:
        return SCOPE_ALL if self.thread_id is None else SCOPE_THREAD


def _invalid_link() -> NotFound:
    return NotFound("This link is not valid (it may be incomplete or expired).", code="not_found")


def read_confirm_token(secret: str, token: str) -> int:
    try:
        data = _confirm_signer(secret).loads(token, max_age=int(CONFIRM_MAX_AGE.total_seconds()))
    except (BadSignature, SignatureExpired):
        raise _invalid_link() from None
    return int(data["s"])


def read_unsubscribe_token(secret: str, token: str) -> Unsubscribe:
    try:
        data = _unsubscribe_signer(secret).loads(token)
    except BadSignature:
        raise _invalid_link() from None
    return Unsubscribe(int(data["s"]), None if data.get("t") is None else int(data["t"]))


def _subscriber(session: Session, email: str, language: str, now: datetime) -> Subscriber:
    address = email.strip().lower()
    found = session.scalars(select(Subscriber).where(Subscriber.email == address)).first()
    if found is not None:
        return found
    subscriber = Subscriber(email=address, language=language, created_at=now)
    try:
        with session.begin_nested():
            session.add(subscriber)
    except IntegrityError:  # the same address asked on another server at the same moment
        return session.scalars(select(Subscriber).where(Subscriber.email == address)).one()
    return subscriber


def subscribe_to_replies(
    session: Session, *, comment_id: int, thread_id: int, email: str, language: str, now: datetime
) -> Subscription:
    """The first request of an address (or the first after it unsubscribed from everything) queues a
    confirmation email; until it is confirmed nothing else is sent to it."""
    subscriber = _subscriber(session, email, language, now)
    if subscriber.unsubscribed_at is not None:
        subscriber.unsubscribed_at = None
        subscriber.confirmed_at = None
    subscriber.language = language
    subscription = Subscription(
        subscriber_id=subscriber.id, comment_id=comment_id, thread_id=thread_id, active=True, created_at=now
    )
    session.add(subscription)
    recent = (
        subscriber.confirmation_sent_at is not None and subscriber.confirmation_sent_at > now - CONFIRM_RESEND_AFTER
    )
    if subscriber.confirmed_at is None and not recent:
        subscriber.confirmation_sent_at = now
        key = f"confirm:{subscriber.id}:{comment_id}"
        session.add(
            Delivery(
                kind=DeliveryKind.CONFIRMATION.value,
                dedup_key=key,
                message_key=f"confirm-{subscriber.id}-{comment_id}",
                subscriber_id=subscriber.id,
                status=DeliveryStatus.QUEUED.value,
                attempts=0,
                due_at=now,
                created_at=now,
            )
        )
    session.flush()
    return subscription


def find_subscriber(session: Session, subscriber_id: int) -> Subscriber:
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise _invalid_link()
    return subscriber


def confirm_subscriber(session: Session, *, secret: str, token: str, now: datetime) -> Subscriber:
    """Confirming twice is harmless; a confirmation after unsubscribing from everything does not undo it."""
    subscriber = find_subscriber(session, read_confirm_token(secret, token))
    if subscriber.confirmed_at is None and subscriber.unsubscribed_at is None:
        subscriber.confirmed_at = now
    return subscriber


def unsubscribe(session: Session, *, secret: str, token: str, now: datetime) -> Unsubscribe:
    """From one thread's replies, or from everything (the address then gets nothing, not even a
    confirmation, until it asks again); pending reply emails are dropped with it."""
    request = read_unsubscribe_token(secret, token)
    subscriber = find_subscriber(session, request.subscriber_id)
    condition = [Subscription.subscriber_id == subscriber.id]
    if request.thread_id is not None:
        condition.append(Subscription.thread_id == request.thread_id)
    else:
        subscriber.unsubscribed_at = now
    session.execute(
        update(Subscription).where(*condition).values(active=False).execution_options(synchronize_session=False)
    )
    session.flush()
    return request
