"""Webhook endpoints: which sites and events each hears, the signed JSON it is sent, and when a failing
one is retried or given up on.

A delivery is `POST <url>` with the JSON body `{"id", "type", "created_at", "site", "article", "comment"}`
(the comment in its public shape: never an email or IP) and the header
`X-Commentsvc-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the endpoint's secret>`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..models import Delivery, DeliveryKind, DeliveryStatus, EventType, WebhookEndpoint
from .submission import normalise_site

EVENT_TYPES = tuple(event.value for event in EventType)
SIGNATURE_HEADER = "X-Commentsvc-Signature"
# Seconds before attempt 2, 3, …: attempts 1-3 fall within 5 minutes, the last about 31 hours after the first.
RETRY_DELAYS = (30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800, 28800)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.2


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta | None:
    """After `attempts` failed attempts, how long until the next; None: give up. Jitter (±20%) keeps
    deliveries that failed together (an endpoint's outage) from all coming back at the same second."""
    if attempts >= MAX_ATTEMPTS:
        return None
    base = RETRY_DELAYS[max(attempts, 1) - 1]
    return timedelta(seconds=base * (1 + (rng or random).uniform(-JITTER, JITTER)))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (README shows it in a few lines): same HMAC, and a recent timestamp against replays."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    expected = sign(secret, timestamp, body).partition(",v1=")[2]
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, fields.get("v1", ""))


def normalise_url(raw: str) -> str:
    """http(s) only, with a host; a literal private address is refused later, when delivering (where
    names are resolved too), unless the operator allows private targets."""
    url = raw.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or len(url) > 2048:
        raise ValidationError("A webhook URL must be http:// or https:// with a host.", code="url_invalid", field="url")
    return url


def normalise_events(raw: Sequence[str] | str | None) -> str:
    """Comma-separated event types, or empty for every event."""
    names = raw.split(",") if isinstance(raw, str) else list(raw or [])
    chosen = [name.strip() for name in names if name.strip()]
    unknown = [name for name in chosen if name not in EVENT_TYPES]
    if unknown:
        raise ValidationError(
            f"Unknown event {unknown[0]!r}; events are: " + ", ".join(EVENT_TYPES), code="invalid", field="events"
        )
    return ",".join(dict.fromkeys(chosen))


def add_endpoint(
    session: Session, *, url: str, secret: str, site: str | None, events: Sequence[str] | str | None, now: datetime
) -> WebhookEndpoint:
    if len(secret) < 16:
        raise ValidationError("The secret must be at least 16 characters.", code="invalid", field="secret")
    endpoint = WebhookEndpoint(
        url=normalise_url(url),
        secret=secret,
        site=normalise_site(site) if site else None,
        events=normalise_events(events),
        active=True,
        disabled_reason="",
        created_at=now,
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def get_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"Webhook {endpoint_id} does not exist.", code="not_found")
    return endpoint


def set_endpoint_active(session: Session, endpoint_id: int, active: bool) -> WebhookEndpoint:
    endpoint = get_endpoint(session, endpoint_id)
    endpoint.active = active
    if active:
        endpoint.disabled_reason = ""
    return endpoint


def hears(endpoint: WebhookEndpoint, site: str, event_type: str) -> bool:
    if endpoint.site is not None and endpoint.site != site:
        return False
    return not endpoint.events or event_type in endpoint.events.split(",")


def recent_deliveries(session: Session, endpoint_id: int, limit: int = 50) -> list[Delivery]:
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.endpoint_id == endpoint_id, Delivery.kind == DeliveryKind.WEBHOOK.value)
            .order_by(Delivery.id.desc())
            .limit(limit)
        )
    )


def redeliver(session: Session, delivery_id: int, *, now: datetime) -> Delivery:
    """Queues a delivery again with its own id (receivers deduplicate by it); the endpoint is re-enabled."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.kind != DeliveryKind.WEBHOOK.value:
        raise NotFound(f"Delivery {delivery_id} does not exist.", code="not_found")
    delivery.status = DeliveryStatus.QUEUED.value
    delivery.attempts = 0
    delivery.due_at = now
    delivery.last_error = ""
    if delivery.endpoint_id is not None:
        set_endpoint_active(session, delivery.endpoint_id, True)
    return delivery


def is_public_address(address: str) -> bool:
    """Private, loopback, link-local, shared, reserved and multicast addresses are not public."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
