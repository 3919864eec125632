"""The one place that reads the wall clock; services take `now` as an argument instead."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC, the form every timestamp is stored in on both SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def isoformat(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"
