"""What a delivery says when its turn comes: decided from the database as it is then, so a reply hidden
again, a subscriber who unsubscribed or a queue emptied meanwhile sends nothing (None)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    Comment,
    CommentStatus,
    Delivery,
    DeliveryKind,
    EventType,
    ModeratorAlert,
    OutboxEvent,
    ReplyNotice,
    Subscriber,
    Subscription,
    Thread,
    WebhookEndpoint,
)
from . import alerts, emails
from .subscriptions import CONFIRM_PATH, UNSUBSCRIBE_PATH, confirm_token, unsubscribe_token


@dataclass(frozen=True)
class Links:
    """The base of every link (COMMENTSVC_PUBLIC_URL), the key tokens are signed with, the From address."""

    public_url: str
    secret: str
    mail_from: str

    def url(self, path: str, token: str | None = None) -> str:
        base = self.public_url.rstrip("/") + path
        return base if token is None else f"{base}?token={quote(token)}"


def comment_url(thread: Thread, comment_id: int) -> str | None:
    return f"{thread.url.split('#', 1)[0]}#comment-{comment_id}" if thread.url else None


def _confirmation(session: Session, delivery: Delivery, links: Links) -> Message | None:
    subscriber = session.get(Subscriber, delivery.subscriber_id)
    if subscriber is None or subscriber.confirmed_at is not None or subscriber.unsubscribed_at is not None:
        return None
    return emails.confirmation_email(
        to=subscriber.email,
        language=subscriber.language,
        confirm_url=links.url(CONFIRM_PATH, confirm_token(links.secret, subscriber.id)),
        mail_from=links.mail_from,
        key=delivery.message_key,
    )


def _reply_rows(session: Session, delivery_ids: list[int]) -> dict[int, list[tuple[Comment, Thread]]]:
    """The replies still worth telling about, for a batch of deliveries in one query."""
    rows: dict[int, list[tuple[Comment, Thread]]] = {delivery_id: [] for delivery_id in delivery_ids}
    if not delivery_ids:
        return rows
    found = session.execute(
        select(ReplyNotice.delivery_id, Comment, Thread)
        .join(Comment, ReplyNotice.reply_id == Comment.id)
        .join(Subscription, Subscription.id == ReplyNotice.subscription_id)
        .join(Thread, Thread.id == Comment.thread_id)
        .where(
            ReplyNotice.delivery_id.in_(delivery_ids),
            Subscription.active.is_(True),
            Comment.status == CommentStatus.APPROVED.value,
        )
        .order_by(Comment.id)
    ).all()
    for delivery_id, comment, thread in found:
        rows[delivery_id].append((comment, thread))
    return rows


def _reply(session: Session, delivery: Delivery, links: Links, rows: list[tuple[Comment, Thread]]) -> Message | None:
    subscriber = session.get(Subscriber, delivery.subscriber_id)
    if subscriber is None or subscriber.confirmed_at is None or subscriber.unsubscribed_at is not None:
        return None
    if not rows:
        return None
    items = [
        emails.ReplyItem(comment.author_name, comment.body_html, thread.title, comment_url(thread, comment.id))
        for comment, thread in rows
    ]
    thread_id = rows[0][1].id
    unsubscribe = emails.UnsubscribeLinks(
        thread=links.url(UNSUBSCRIBE_PATH, unsubscribe_token(links.secret, subscriber.id, thread_id)),
        everything=links.url(UNSUBSCRIBE_PATH, unsubscribe_token(links.secret, subscriber.id, None)),
    )
    return emails.reply_email(
        to=subscriber.email,
        language=subscriber.language,
        items=items,
        links=unsubscribe,
        mail_from=links.mail_from,
        key=delivery.message_key,
    )


def _alert(session: Session, delivery: Delivery, links: Links, now: datetime) -> Message | None:
    alert = session.get(ModeratorAlert, delivery.moderator_id)
    if alert is None:
        return None
    if delivery.event_type == alerts.DISABLED:
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        if endpoint is None or endpoint.active:
            return None
        return emails.endpoint_disabled_email(
            to=alert.email,
            language=alert.language,
            url=endpoint.url,
            reason=endpoint.disabled_reason,
            mail_from=links.mail_from,
            key=delivery.message_key,
        )
    wait = alert.wait_minutes if delivery.event_type == alerts.WAIT else None
    if delivery.event_type == alerts.WAIT and not wait:
        return None
    summary = alerts.queue_summary(session)
    if summary.empty:
        return None
    return emails.alert_email(
        to=alert.email,
        language=alert.language,
        summary=summary,
        wait_minutes=wait,
        dashboard_url=links.url("/dashboard/"),
        mail_from=links.mail_from,
        key=delivery.message_key,
    )


def compose_emails(
    session: Session, deliveries: list[Delivery], links: Links, *, now: datetime
) -> list[Message | None]:
    """A batch's emails from a handful of queries (subscribers and replies are read for all at once)."""
    subscriber_ids = {d.subscriber_id for d in deliveries if d.subscriber_id is not None}
    if subscriber_ids:
        list(session.scalars(select(Subscriber).where(Subscriber.id.in_(subscriber_ids))))  # fills the identity map
    replies = _reply_rows(session, [d.id for d in deliveries if d.kind == DeliveryKind.REPLY.value])
    messages: list[Message | None] = []
    for delivery in deliveries:
        if delivery.kind == DeliveryKind.CONFIRMATION.value:
            message = _confirmation(session, delivery, links)
        elif delivery.kind == DeliveryKind.REPLY.value:
            message = _reply(session, delivery, links, replies[delivery.id])
        else:
            message = _alert(session, delivery, links, now)
        if message is not None:
            emails.date_header(message, now)
        messages.append(message)
    return messages


def webhook_body(
    session: Session, delivery: Delivery, public_comment: Callable[[Comment], dict[str, Any]]
) -> bytes | None:
    """The JSON a webhook receives, with the comment as it is now (its public shape, status included)."""
    event = session.get(OutboxEvent, delivery.event_id) if delivery.event_id is not None else None
    if event is None:
        return None
    comment = session.get(Comment, event.comment_id) if event.comment_id is not None else None
    body: dict[str, Any] = {
        "id": delivery.message_key,
        "type": delivery.event_type,
        "created_at": event.created_at.isoformat(timespec="seconds") + "Z",
        "site": event.site,
        "article": event.article,
        "comment": None if comment is None else public_comment(comment),
    }
    if delivery.event_type == EventType.THREAD_COUNT_CHANGED.value:
        thread = session.get(Thread, event.thread_id)
        body["count"] = None if thread is None else thread.comment_count
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
