"""Test helpers for notifications: a real SMTP server (aiosmtpd), a real webhook receiver (http.server),
and a delivery worker on a test app's database with an injectable clock."""

from __future__ import annotations

import email
import email.policy
import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

from commentsvc.clock import utcnow
from commentsvc.delivery.worker import Worker, WorkerSettings
from commentsvc.domain import webhooks
from commentsvc.extensions import db

PUBLIC_URL = "http://comments.example"


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.tls_versions: list[str | None] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        tls = server.transport.get_extra_info("ssl_object")
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.tls_versions.append(tls.version() if tls is not None else None)
        return "250 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port; `messages` holds every email parsed and `tls_versions` the
    TLS version each arrived over (None: in the clear). `starttls` offers STARTTLS with that context;
    `implicit_tls` speaks TLS from the first byte (smtps://)."""

    def __init__(
        self, port: int, *, starttls: ssl.SSLContext | None = None, implicit_tls: ssl.SSLContext | None = None
    ) -> None:
        self.inbox = _Inbox()
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=port, ssl_context=implicit_tls, tls_context=starttls
        )
        self.controller.start()
        self.url = f"{'smtps' if implicit_tls else 'smtp'}://127.0.0.1:{port}"

    @property
    def tls_versions(self) -> list[str | None]:
        return list(self.inbox.tls_versions)

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self.inbox.messages)

    def stop(self) -> None:
        self.controller.stop()


def parts(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML parts."""
    text = message.get_body(("plain",))
    markup = message.get_body(("html",))
    assert text is not None and markup is not None
    return text.get_content(), markup.get_content()


def local(url: str) -> str:
    """A link from an email as the test client follows it (path and query on COMMENTSVC_PUBLIC_URL)."""
    parts_ = urlsplit(url)
    assert f"{parts_.scheme}://{parts_.netloc}" == PUBLIC_URL
    return parts_.path + (f"?{parts_.query}" if parts_.query else "")


@dataclass
class Clock:
    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_worker(app: Any, clock: Callable[[], datetime] | None = None, **overrides: Any) -> Worker:
    overrides.setdefault("alert_interval", 0.0)
    with app.app_context():
        engine = db.engine
    return Worker(engine, WorkerSettings.from_config(app.config, **overrides), clock=clock or utcnow)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """A real HTTP server: answers each POST with the next status of `statuses` (then 200), sleeping
    `delay` seconds first; remembers what it was sent."""

    def __init__(self, secret: str = "s3cret-s3cret-s3cret") -> None:
        self.secret = secret
        self.received: list[Received] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        self.redirect_to = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.redirect_to or "http://example.com/")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def verified(self, item: Received) -> bool:
        header = item.headers.get(webhooks.SIGNATURE_HEADER, "")
        return webhooks.verify(self.secret, header, item.body, now=int(time.time()))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
