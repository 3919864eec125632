"""SMTP through the standard library: smtp://user:pass@host:587 uses STARTTLS whenever the server offers it
(?tls=required refuses to send without), smtps://…:465 is TLS from the first byte."""

from __future__ import annotations

import smtplib
import ssl
from email.message import Message
from urllib.parse import parse_qs, unquote, urlsplit


class MailError(Exception):
    """A failure worth retrying later (the server is away, busy, or said 4xx)."""


class PermanentMailError(MailError):
    """The server refused the message for good (5xx): retrying cannot help."""


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


class SmtpTransport:
    """One connection kept open across messages (a worker's batch), reopened when the server drops it."""

    def __init__(self, url: str, *, timeout: float = 30.0, context: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("COMMENTSVC_SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://…")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password or "")
        self.tls_required = parse_qs(parts.query).get("tls", [""])[0] == "required"
        self.timeout = timeout
        self.context = context or ssl.create_default_context()
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        connection: smtplib.SMTP
        if self.implicit_tls:
            connection = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.context)
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            connection.ehlo()
            if not self.implicit_tls:
                if connection.has_extn("starttls"):
                    connection.starttls(context=self.context)
                    connection.ehlo()
                elif self.tls_required:
                    raise PermanentMailError("the SMTP server does not offer STARTTLS and ?tls=required is set")
            if self.username:
                connection.login(self.username, self.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: Message) -> None:
        for attempt in (1, 2):
            try:
                if self._connection is None:
                    self._connection = self._connect()
                self._connection.send_message(message)
                return
            except smtplib.SMTPServerDisconnected as error:
                self.close()
                if attempt == 2:
                    raise MailError(f"SMTP server disconnected: {error}") from error
            except smtplib.SMTPRecipientsRefused as error:
                codes = [code for code, _ in error.recipients.values()]
                self._reset()
                raise (PermanentMailError if all(c >= 500 for c in codes) else MailError)(
                    f"recipient refused: {codes}"
                ) from error
            except smtplib.SMTPResponseException as error:
                self._reset()
                kind = PermanentMailError if error.smtp_code >= 500 else MailError
                raise kind(f"SMTP {error.smtp_code}: {_text(error.smtp_error)}") from error
            except ssl.SSLCertVerificationError as error:
                self.close()
                raise MailError(
                    f"SMTP: the server's TLS certificate was refused ({error.verify_message}); "
                    "a private CA is trusted through SSL_CERT_FILE"
                ) from error
            except (OSError, smtplib.SMTPException) as error:
                self.close()
                raise MailError(f"SMTP: {error}") from error

    def _reset(self) -> None:
        try:
            if self._connection is not None:
                self._connection.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (OSError, smtplib.SMTPException):
                self._connection.close()
            self._connection = None
