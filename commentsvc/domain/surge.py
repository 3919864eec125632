"""Surge mode (先审后发 on demand): an article that suddenly gets comments far faster than usual is
pre-moderated for a while, and a site can be pre-moderated during set hours.

Each post updates its article's rate row (one locked read and one write, no scans): the current
minute's count, and the usual per-minute rate as an exponentially decayed average of past minutes
(time constant USUAL_MINUTES). When the minute's count reaches both the factor times the usual rate
and the minimum per minute, the article is pre-moderated for the configured minutes, extended while
the rate stays that high; the usual rate is not fed during a surge, so a long surge does not become
the usual. Every switch, automatic or a moderator's, is an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import ArticleRate, Thread
from ..storage import crowd_statements
from ..storage.crowd_statements import RateRow
from . import audit

USUAL_MINUTES = 180
SURGE_REASON = "surge"
SCHEDULE_REASON = "schedule"


@dataclass(frozen=True)
class SurgeSettings:
    """Thresholds of a surge, how long it pre-moderates, and the optional nightly pre-moderation hours
    ([start, end) hours in `timezone`; None: no schedule)."""

    factor: float = 10.0
    min_per_minute: int = 30
    minutes: int = 15
    schedule: tuple[int, int] | None = None
    timezone: str = "UTC"


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def _folded_usual(row: RateRow, minute: datetime) -> float:
    """The usual rate once the row's minute (and the empty minutes after it) are over."""
    if row.surge_until is not None and row.surge_until > row.minute_start:
        return row.usual_per_minute  # a surge's minutes are not the usual
    gap = max(1, int((minute - row.minute_start).total_seconds() // 60))
    keep = 1 - 1 / USUAL_MINUTES
    return (row.usual_per_minute * keep + row.minute_count / USUAL_MINUTES) * keep ** (gap - 1)


def in_schedule(now: datetime, settings: SurgeSettings) -> bool:
    """Whether the site's pre-moderation hours cover `now` (a naive UTC time); 22-6 runs past midnight."""
    if settings.schedule is None:
        return False
    start, end = settings.schedule
    hour = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(settings.timezone)).hour
    return start <= hour < end if start <= end else hour >= start or hour < end


def note_post(session: Session, *, thread_id: int, now: datetime, settings: SurgeSettings) -> str | None:
    """Counts a new comment in its article's rate and switches a surge on or off; returns the hold
    reason the comment gets (surge, schedule) or None. With surge mode off nothing is counted."""
    if settings.minutes == 0:
        return SCHEDULE_REASON if in_schedule(now, settings) else None
    connection = session.connection()
    minute = _minute(now)
    row = crowd_statements.locked_rate(connection, thread_id)
    if row is None:
        row = RateRow(minute, 0, 0.0, None, None, 0, None)
        try:
            with session.begin_nested():
                crowd_statements.insert_rate(connection, thread_id, row)
        except IntegrityError:
            pass  # another post created it: count on its row
        row = crowd_statements.locked_rate(connection, thread_id) or row
    changes: dict[str, object] = {}
    if row.minute_start == minute:
        count, usual = row.minute_count + 1, row.usual_per_minute
    else:
        count, usual = 1, _folded_usual(row, minute)
        changes.update(minute_start=minute, usual_per_minute=usual)
    changes["minute_count"] = count
    surge_until, peak = row.surge_until, row.surge_peak_per_minute
    if surge_until is not None and surge_until <= now:
        _record_switch(session, thread_id, "surge_end", now, automatic=True, ended_at=surge_until.isoformat())
        surge_until, peak = None, 0
        changes.update(surge_until=None, surge_started_at=None, surge_peak_per_minute=0)
    threshold = max(settings.factor * usual, settings.min_per_minute)
    calm = row.calm_until is not None and row.calm_until > now
    if settings.minutes > 0 and count >= threshold and not calm:
        if surge_until is None:
            _record_switch(
                session,
                thread_id,
                "surge_start",
                now,
                automatic=True,
                per_minute=count,
                usual_per_minute=round(usual, 2),
            )
            changes["surge_started_at"] = now
        surge_until = max(surge_until or now, now + timedelta(minutes=settings.minutes))
        changes.update(surge_until=surge_until, surge_peak_per_minute=max(peak, count))
    crowd_statements.update_rate(connection, thread_id, row, changes)
    if surge_until is not None:
        return SURGE_REASON
    return SCHEDULE_REASON if in_schedule(now, settings) else None


def _record_switch(
    session: Session, thread_id: int, action: str, now: datetime, moderator_id: int | None = None, **detail: object
) -> None:
    audit.record(
        session,
        moderator_id=moderator_id,
        action=action,
        target_type="thread",
        target_id=thread_id,
        detail=dict(detail),
        now=now,
    )


@dataclass(frozen=True)
class Surge:
    """An article in surge mode as moderators see it: its rate now, its peak and its usual rate."""

    thread: Thread
    started_at: datetime | None
    until: datetime
    per_minute: int
    peak_per_minute: int
    usual_per_minute: float


def active_surges(session: Session, now: datetime) -> list[Surge]:
    """Articles pre-moderated by a surge now, the latest to end first."""
    rows = session.execute(
        select(ArticleRate, Thread)
        .join(Thread, Thread.id == ArticleRate.thread_id)
        .where(ArticleRate.surge_until > now)
        .order_by(ArticleRate.surge_until.desc())
    )
    return [
        Surge(
            thread=thread,
            started_at=rate.surge_started_at,
            until=rate.surge_until or now,
            per_minute=rate.minute_count if rate.minute_start == _minute(now) else 0,
            peak_per_minute=rate.surge_peak_per_minute,
            usual_per_minute=rate.usual_per_minute,
        )
        for rate, thread in rows
    ]


def _active_rate(session: Session, thread_id: int, now: datetime) -> ArticleRate:
    rate = session.get(ArticleRate, thread_id, with_for_update=True)
    if rate is None or rate.surge_until is None or rate.surge_until <= now:
        raise NotFound("This article is not in surge mode.", code="surge_not_active")
    return rate


def end_surge(
    session: Session, thread_id: int, *, moderator_id: int, client_ip: str, now: datetime, settings: SurgeSettings
) -> None:
    """A moderator ends a surge: comments publish again, and it does not switch itself back on for the
    configured minutes (the moderator has seen the rate)."""
    rate = _active_rate(session, thread_id, now)
    rate.surge_until = None
    rate.surge_started_at = None
    rate.surge_peak_per_minute = 0
    rate.calm_until = now + timedelta(minutes=settings.minutes)
    audit.record(
        session,
        moderator_id=moderator_id,
        action="surge_end",
        target_type="thread",
        target_id=thread_id,
        detail={"automatic": False},
        client_ip=client_ip,
        now=now,
    )
    session.flush()


def extend_surge(
    session: Session, thread_id: int, *, moderator_id: int, client_ip: str, now: datetime, settings: SurgeSettings
) -> datetime:
    """A moderator keeps an article pre-moderated for the configured minutes more; returns the new end."""
    rate = _active_rate(session, thread_id, now)
    assert rate.surge_until is not None
    rate.surge_until = rate.surge_until + timedelta(minutes=settings.minutes)
    audit.record(
        session,
        moderator_id=moderator_id,
        action="surge_extend",
        target_type="thread",
        target_id=thread_id,
        detail={"automatic": False, "until": rate.surge_until.isoformat()},
        client_ip=client_ip,
        now=now,
    )
    session.flush()
    return rate.surge_until
