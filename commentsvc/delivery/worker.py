"""The delivery worker: fans outbox events out into deliveries, schedules moderator alerts, and makes the
deliveries that are due — emails over one SMTP connection, webhooks a few at a time.

At least once: a delivery is claimed (committed) before it is made and marked sent after, so a worker
killed in between leaves it to be claimed again when its lease ends; a message sent twice that way
carries the same Message-ID or webhook id, so the receiver recognises it. No transaction is open while
SMTP or HTTP is talked to, so posting never waits for either.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from typing import Any

from sqlalchemy import Engine, and_, or_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..clock import utcnow
from ..domain import webhooks
from ..domain.notifications import alerts
from ..domain.notifications.compose import Links, compose_emails, webhook_body
from ..domain.notifications.dispatch import DispatchSettings, dispatch_events
from ..domain.retention import purge_batch
from ..models import Comment, Delivery, DeliveryKind, DeliveryStatus, WebhookEndpoint
from ..storage.engine import begin_write
from ..storage.outbox import claim_deliveries
from ..web.serialize import comment_json
from .mail import MailError, PermanentMailError, SmtpTransport
from .webhook_http import CallResult, post_json

log = logging.getLogger(__name__)

EMAIL_KINDS = (DeliveryKind.CONFIRMATION.value, DeliveryKind.REPLY.value, DeliveryKind.ALERT.value)
WEBHOOK_KINDS = (DeliveryKind.WEBHOOK.value,)


@dataclass(frozen=True)
class WorkerSettings:
    public_url: str
    secret: str
    smtp_url: str = ""
    mail_from: str = "commentsvc@localhost"
    digest_seconds: int = 60
    allow_private: bool = False
    batch: int = 20
    lease_seconds: float = 60.0
    poll_seconds: float = 0.5
    webhook_timeout: float = 10.0
    webhook_threads: int = 8
    alert_interval: float = 30.0
    # COMMENTSVC_IP_RETENTION_DAYS, and how often (seconds) the purge runs: daily, first at start-up.
    retention_days: int = 30
    purge_interval: float = 86400.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides: Any) -> WorkerSettings:
        return cls(
            public_url=config["COMMENTSVC_PUBLIC_URL"],
            secret=config["SECRET_KEY"],
            smtp_url=config["COMMENTSVC_SMTP_URL"],
            mail_from=config["COMMENTSVC_MAIL_FROM"],
            digest_seconds=config["COMMENTSVC_REPLY_DIGEST_SECONDS"],
            allow_private=config["COMMENTSVC_WEBHOOK_ALLOW_PRIVATE"],
            retention_days=config["COMMENTSVC_IP_RETENTION_DAYS"],
            **overrides,
        )


@dataclass(frozen=True)
class Outcome:
    status: DeliveryStatus
    error: str = ""
    response_status: int | None = None
    permanent: bool = False


class Worker:
    def __init__(
        self,
        engine: Engine,
        settings: WorkerSettings,
        *,
        clock: Callable[[], datetime] = utcnow,
        transport: SmtpTransport | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.links = Links(settings.public_url, settings.secret, settings.mail_from)
        self.transport = transport or (SmtpTransport(settings.smtp_url) if settings.smtp_url else None)
        self._last_alerts = 0.0
        self._last_purge: float | None = None
        self._pool = ThreadPoolExecutor(max_workers=settings.webhook_threads, thread_name_prefix="commentsvc-webhook")

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # --- one round ------------------------------------------------------------------------------

    def run_once(self) -> int:
        """Dispatches, schedules alerts when due, sends what is due; returns how much work it found."""
        work = self.dispatch()
        if time.monotonic() - self._last_alerts >= self.settings.alert_interval:
            self._last_alerts = time.monotonic()
            with self.session() as session:
                begin_write(session)
                alerts.schedule_alerts(session, now=self.clock())
                session.commit()
        if self._last_purge is None or time.monotonic() - self._last_purge >= self.settings.purge_interval:
            self._last_purge = time.monotonic()
            self.purge_addresses()
        return work + self.send_emails() + self.send_webhooks()

    def drain(self, rounds: int = 1000) -> None:
        """Until nothing is due (tests, `commentsvc worker --once`)."""
        for _ in range(rounds):
            if not self.run_once():
                return

    def run(self, stop: threading.Event) -> None:
        log.info("delivery worker started (emails %s)", "on" if self.transport else "off: no COMMENTSVC_SMTP_URL")
        while not stop.is_set():
            try:
                work = self.run_once()
            except SQLAlchemyError as error:  # the database is away: wait and try again, never die
                log.warning("delivery worker: %s", error)
                work = 0
            if not work:
                stop.wait(self.settings.poll_seconds)
        self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        if self.transport is not None:
            self.transport.close()

    # --- steps ----------------------------------------------------------------------------------

    def dispatch(self) -> int:
        settings = DispatchSettings(digest_seconds=self.settings.digest_seconds, emails=self.transport is not None)
        with self.session() as session:
            count = dispatch_events(session, now=self.clock(), settings=settings)
            session.commit()
        return count

    def purge_addresses(self) -> int:
        """The daily retention job (domain/retention.py); `commentsvc purge-ips` runs the same."""
        purged, after, now = 0, (0, 0), self.clock()
        while True:  # one short write transaction per batch, as `commentsvc purge-ips`
            with self.session() as session:
                begin_write(session)
                batch = purge_batch(
                    session, secret=self.settings.secret, now=now, days=self.settings.retention_days, after=after
                )
                session.commit()
            purged, after = purged + batch.purged, batch.after
            if batch.done:
                break
        if purged:
            log.info("purge-ips: %d row(s) purged of raw IP addresses and user agents", purged)
        return purged

    def _claim(self, kinds: tuple[str, ...], limit: int, lease: float) -> list[Delivery]:
        now = self.clock()
        with self.session() as session:
            claimed = claim_deliveries(
                session, now=now, lease_until=now + timedelta(seconds=lease), limit=limit, kinds=kinds
            )
            session.commit()
        return claimed

    def send_emails(self) -> int:
        """One read transaction composes the batch, one SMTP connection sends it, one write transaction
        records it; a crash in between can resend at most this batch, with the same Message-IDs."""
        if self.transport is None:
            return 0
        claimed = self._claim(EMAIL_KINDS, self.settings.batch, self.settings.lease_seconds)
        if not claimed:
            return 0
        now = self.clock()
        with self.session() as session:
            messages = compose_emails(session, claimed, self.links, now=now)
            session.rollback()  # no transaction stays open while SMTP talks
        try:
            outcomes = [self._send_email(message) for message in messages]
        finally:
            self.transport.close()  # one connection per batch: SMTP servers drop idle ones anyway
        self._finish_all(list(zip(claimed, outcomes, strict=True)))
        return len(claimed)

    def _send_email(self, message: Message | None) -> Outcome:
        assert self.transport is not None
        if message is None:
            return Outcome(DeliveryStatus.SKIPPED)
        try:
            self.transport.send(message)
        except PermanentMailError as error:
            return Outcome(DeliveryStatus.FAILED, str(error)[:500], permanent=True)
        except MailError as error:
            return Outcome(DeliveryStatus.FAILED, str(error)[:500])
        return Outcome(DeliveryStatus.SENT)

    def send_webhooks(self) -> int:
        lease = self.settings.webhook_timeout * 2 + 30
        claimed = self._claim(WEBHOOK_KINDS, self.settings.webhook_threads, lease)
        outcomes = list(self._pool.map(self._call_webhook, claimed))
        self._finish_all(list(zip(claimed, outcomes, strict=True)))
        return len(claimed)

    def public_comment(self, comment: Comment) -> dict[str, Any]:
        return comment_json(comment, avatar_base=self.links.url("/avatar/"), reply_to_names={}, public=False)

    def _call_webhook(self, delivery: Delivery) -> Outcome:
        with self.session() as session:
            endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
            body = webhook_body(session, delivery, self.public_comment)
            target = (endpoint.url, endpoint.secret) if endpoint is not None and endpoint.active else None
            session.rollback()  # no transaction stays open while HTTP talks
        if target is None or body is None:
            return Outcome(DeliveryStatus.SKIPPED, "" if endpoint is None else "the endpoint is disabled")
        url, secret = target
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "commentsvc-webhooks",
            "X-Commentsvc-Event": delivery.event_type,
            "X-Commentsvc-Delivery": delivery.message_key,
            webhooks.SIGNATURE_HEADER: webhooks.sign(secret, int(time.time()), body),
        }
        result: CallResult = post_json(
            url,
            body,
            headers,
            timeout=self.settings.webhook_timeout,
            allow_private=self.settings.allow_private,
        )
        if result.ok:
            return Outcome(DeliveryStatus.SENT, response_status=result.status)
        return Outcome(DeliveryStatus.FAILED, result.error[:500], response_status=result.status)

    def _finish_all(self, results: list[tuple[Delivery, Outcome]]) -> None:
        """Records each outcome unless the lease ran out and another worker claimed the delivery since."""
        if not results:
            return
        now = self.clock()
        done = [
            (d, o)
            for d, o in results
            if o.status in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED) and not o.error and o.response_status is None
        ]
        with self.session() as session:
            begin_write(session)
            for status in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED):
                claims = [
                    and_(Delivery.id == d.id, Delivery.attempts == d.attempts) for d, o in done if o.status == status
                ]
                if claims:  # one statement for the batch's common case
                    session.execute(
                        update(Delivery)
                        .where(Delivery.status == DeliveryStatus.SENDING.value, or_(*claims))
                        .values(
                            status=status.value,
                            last_error="",
                            sent_at=now if status == DeliveryStatus.SENT else None,
                        )
                        .execution_options(synchronize_session=False)
                    )
            for delivery, outcome in results:
                if (delivery, outcome) not in done:
                    self._finish(session, delivery, outcome, now)
            session.commit()

    def _finish(self, session: Session, delivery: Delivery, outcome: Outcome, now: datetime) -> None:
        values: dict[str, Any] = {"last_error": outcome.error, "response_status": outcome.response_status}
        gave_up = False
        if outcome.status == DeliveryStatus.FAILED:
            delay = None if outcome.permanent else webhooks.retry_delay(delivery.attempts)
            if delay is None:
                values.update(status=DeliveryStatus.DEAD.value)
                gave_up = True
            else:
                values.update(status=DeliveryStatus.FAILED.value, due_at=now + delay)
        else:
            values.update(status=outcome.status.value, sent_at=now if outcome.status == DeliveryStatus.SENT else None)
        session.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery.id,
                Delivery.status == DeliveryStatus.SENDING.value,
                Delivery.attempts == delivery.attempts,
            )
            .values(values)
            .execution_options(synchronize_session=False)
        )
        if gave_up and delivery.kind == DeliveryKind.WEBHOOK.value and delivery.endpoint_id is not None:
            endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
            if endpoint is not None and endpoint.active:
                endpoint.active = False
                endpoint.disabled_reason = f"{webhooks.MAX_ATTEMPTS} attempts failed; last: {outcome.error}"[:500]
                alerts.tell_admins_endpoint_disabled(session, endpoint_id=endpoint.id, delivery_id=delivery.id, now=now)


def run_in_thread(engine: Engine, settings: WorkerSettings) -> tuple[threading.Thread, threading.Event]:
    """The embedded default's worker, beside the app servers of `commentsvc serve`."""
    stop = threading.Event()
    worker = Worker(engine, settings)
    thread = threading.Thread(target=worker.run, args=(stop,), name="commentsvc-delivery", daemon=True)
    thread.start()
    return thread, stop
