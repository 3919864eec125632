"""How rate limits are stored and what happens, with one clear log line, when the shared storage is down."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)

# Flask-Limiter reports storage trouble through this logger; we turn its records into our own line.
LIBRARY_LOGGER = "flask-limiter"
# A Redis that stops answering must not hold requests for long: fail fast, then fall back.
REDIS_TIMEOUT_SECONDS = 1.0
# With the fallback off the library reports every request that failed to count; repeat ours at most this often.
OFF_REMINDER_SECONDS = 300.0


def redacted_uri(uri: str) -> str:
    """The storage address for logs, without a password."""
    try:
        parts = urlsplit(uri)
        if parts.password is None:
            return uri
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        return uri.split("://", 1)[0] + "://***"


def limiter_settings(*, storage_uri: str, fallback: str, key_prefix: str) -> dict[str, Any]:
    """Flask-Limiter configuration for COMMENTSVC_RATELIMIT_STORAGE_URI/_FALLBACK/_KEY_PREFIX.

    memory: while the storage is unreachable each process counts on its own (limits are then
    per process, so looser), and it goes back to the shared storage once that answers again.
    off: while the storage is unreachable requests pass without any limit. Neither is a 500."""
    settings: dict[str, Any] = {
        "RATELIMIT_STORAGE_URI": storage_uri,
        "RATELIMIT_KEY_PREFIX": key_prefix,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": fallback == "memory",
        # With no fallback, a storage error lets the request through instead of failing it.
        "RATELIMIT_SWALLOW_ERRORS": fallback == "off",
    }
    if storage_uri.split("://", 1)[0] in {"redis", "rediss", "redis+unix"}:
        settings["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_timeout": REDIS_TIMEOUT_SECONDS,
        }
    return settings


class _StorageOutageLog(logging.Filter):
    """Replaces the library's records about an unreachable storage with one line that says what now
    happens; it drops the per-request tracebacks the library would log with the fallback off."""

    def __init__(self) -> None:
        super().__init__()
        self.storage_uri = ""
        self.fallback = "memory"
        self._off_reported_at: float | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Rate limit storage unreachable"):
            log.warning(
                "rate-limit storage %s is unreachable: counting limits in this process's memory until it is "
                "back (COMMENTSVC_RATELIMIT_FALLBACK=memory)",
                redacted_uri(self.storage_uri),
            )
            return False
        if message.startswith("Rate limit storage recovered"):
            log.warning(
                "rate-limit storage %s is reachable again: limits are shared through it again",
                redacted_uri(self.storage_uri),
            )
            return False
        if "Swallowing error" in message:
            now = time.monotonic()
            if self._off_reported_at is None or now - self._off_reported_at >= OFF_REMINDER_SECONDS:
                self._off_reported_at = now
                error = record.exc_info[1] if record.exc_info else None
                log.warning(
                    "rate-limit storage %s is unreachable (%s): requests pass without rate limits until "
                    "it is back (COMMENTSVC_RATELIMIT_FALLBACK=%s)",
                    redacted_uri(self.storage_uri),
                    type(error).__name__ if error else "error",
                    self.fallback,
                )
            return False
        return True


def install_outage_log(*, storage_uri: str, fallback: str) -> None:
    """One filter per process on the library's logger (the last app created describes the storage)."""
    library = logging.getLogger(LIBRARY_LOGGER)
    outage_log = next((f for f in library.filters if isinstance(f, _StorageOutageLog)), None)
    if outage_log is None:
        outage_log = _StorageOutageLog()
        library.addFilter(outage_log)
        if library.level == logging.NOTSET:
            # The library says "recovered" at INFO; let that record reach the filter.
            library.setLevel(logging.INFO)
    outage_log.storage_uri = storage_uri
    outage_log.fallback = fallback
