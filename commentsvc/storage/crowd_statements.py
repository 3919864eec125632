"""The statements flood and surge checks add to every post, prepared once (see prepared.py)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..models import ArticleRate, FloodKey, FloodMember
from ..text.fingerprint import BANDS as SKETCH
from .prepared import PreparedStatement
from .statements import table

_keys = table(FloodKey).c
_rates = table(ArticleRate).c
_KEY_NAMES = tuple(f"k{number}" for number in range(SKETCH))


@functools.lru_cache(maxsize=SKETCH)
def _similar_statement(size: int) -> PreparedStatement:
    """One statement per number of keys (short texts have fewer), built once. The latest `most` copies
    are enough: older ones were found (and held) by the copies that came since."""
    return PreparedStatement(
        select(_keys.comment_id)
        .where(
            _keys.site == bindparam("site"),
            _keys.sketch_key.in_([bindparam(name) for name in _KEY_NAMES[:size]]),
            _keys.created_at >= bindparam("since"),
        )
        .group_by(_keys.comment_id)
        .having(func.count() >= bindparam("shared"))
        .order_by(_keys.comment_id.desc())
        .limit(bindparam("most"))
    )


@functools.lru_cache(maxsize=SKETCH)
def _insert_statement(size: int) -> PreparedStatement:
    return PreparedStatement(
        insert(table(FloodKey)).values(
            [
                {
                    "site": bindparam("site"),
                    "sketch_key": bindparam(name),
                    "comment_id": bindparam("comment_id"),
                    "created_at": bindparam("created_at"),
                }
                for name in _KEY_NAMES[:size]
            ]
        )
    )


def similar_comments(
    connection: Connection, *, site: str, keys: tuple[int, ...], since: datetime, shared: int, most: int
) -> list[int]:
    """Ids of the site's latest `most` comments since `since` that share at least `shared` of these keys."""
    params: dict[str, Any] = dict(zip(_KEY_NAMES, keys, strict=False))
    params.update(site=site, since=since, shared=shared, most=most)
    return [int(comment_id) for (comment_id,) in _similar_statement(len(keys)).rows(connection, params)]


def insert_keys(
    connection: Connection, *, site: str, comment_id: int, keys: tuple[int, ...], created_at: datetime
) -> None:
    params: dict[str, Any] = dict(zip(_KEY_NAMES, keys, strict=False))
    params.update(site=site, comment_id=comment_id, created_at=created_at)
    _insert_statement(len(keys)).rows(connection, params)


_PRUNE_KEYS = PreparedStatement(delete(table(FloodKey)).where(_keys.created_at < bindparam("before")))


def prune_keys(connection: Connection, *, before: datetime) -> None:
    _PRUNE_KEYS.rows(connection, {"before": before})


class RateRow(NamedTuple):
    minute_start: datetime
    minute_count: int
    usual_per_minute: float
    surge_until: datetime | None
    surge_started_at: datetime | None
    surge_peak_per_minute: int
    calm_until: datetime | None


def _datetime(value: Any) -> datetime | None:
    """Prepared rows skip type processing: SQLite hands back its stored text."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


_RATE = PreparedStatement(
    select(
        _rates.minute_start,
        _rates.minute_count,
        _rates.usual_per_minute,
        _rates.surge_until,
        _rates.surge_started_at,
        _rates.surge_peak_per_minute,
        _rates.calm_until,
    )
    .where(_rates.thread_id == bindparam("thread_id"))
    .with_for_update()
)
_RATE_COLUMNS = (
    "minute_start",
    "minute_count",
    "usual_per_minute",
    "surge_until",
    "surge_started_at",
    "surge_peak_per_minute",
    "calm_until",
)
_UPDATE_RATE = PreparedStatement(
    update(table(ArticleRate))
    .where(_rates.thread_id == bindparam("thread_id"))
    .values({name: bindparam(name) for name in _RATE_COLUMNS})
)


def locked_rate(connection: Connection, thread_id: int) -> RateRow | None:
    """The article's rate row, locked until commit on PostgreSQL so concurrent posts count one by one."""
    for start, count, usual, until, started, peak, calm in _RATE.rows(connection, {"thread_id": thread_id}):
        minute_start = _datetime(start)
        assert minute_start is not None
        return RateRow(
            minute_start, int(count), float(usual), _datetime(until), _datetime(started), int(peak), _datetime(calm)
        )
    return None


_INSERT_RATE = PreparedStatement(
    insert(table(ArticleRate)).values(
        {"thread_id": bindparam("thread_id"), **{name: bindparam(name) for name in _RATE_COLUMNS}}
    )
)


def update_rate(connection: Connection, thread_id: int, row: RateRow) -> None:
    _UPDATE_RATE.rows(connection, {"thread_id": thread_id, **row._asdict()})


def insert_rate(connection: Connection, thread_id: int, row: RateRow) -> None:
    """Raises IntegrityError when another post created the row first; run it in a savepoint."""
    _INSERT_RATE.rows(connection, {"thread_id": thread_id, **row._asdict()})


def add_members(connection: Connection, cluster_id: int, comment_ids: list[int]) -> None:
    """Adds comments to a cluster; one already in a cluster (another server's post put it there) stays."""
    if not comment_ids:
        return
    rows = [{"comment_id": comment_id, "cluster_id": cluster_id} for comment_id in comment_ids]
    if connection.dialect.name == "postgresql":
        connection.execute(postgresql_insert(table(FloodMember)).values(rows).on_conflict_do_nothing())
    else:
        connection.execute(sqlite_insert(table(FloodMember)).values(rows).on_conflict_do_nothing())
