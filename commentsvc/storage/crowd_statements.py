"""The statements the flood, surge and form checks add to every post, prepared once (see prepared.py)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, delete, insert, literal, null, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..models import ArticleRate, Comment, FloodKey, FloodMember, SpentNonce, Thread
from ..text.fingerprint import BANDS
from .prepared import PreparedStatement
from .statements import as_datetime, table

_keys = table(FloodKey).c
_rates = table(ArticleRate).c
_KEY_NAMES = tuple(f"k{number}" for number in range(BANDS))


@functools.lru_cache(maxsize=BANDS)
def _similar_statement(size: int) -> PreparedStatement:
    """One statement per number of keys, built once. Each key gives its latest `most` rows, and the
    latest `most` copies are enough: older ones were found (and held) by the copies that came since.
    Without the bound per key a flood's every copy read every earlier one's rows under the write lock
    (bench/README.md)."""
    latest_per_key = [
        select(_keys.comment_id, _keys.sketch)
        .where(
            _keys.site == bindparam("site"),
            _keys.sketch_key == bindparam(name),
            _keys.created_at >= bindparam("since"),
        )
        .order_by(_keys.created_at.desc())
        .limit(bindparam("most"))
        .subquery()
        for name in _KEY_NAMES[:size]
    ]
    found = union_all(*(select(latest.c.comment_id, latest.c.sketch) for latest in latest_per_key)).subquery()
    # A comment found by several keys is one candidate; its rows all carry the same sketch.
    return PreparedStatement(
        select(found.c.comment_id, found.c.sketch)
        .group_by(found.c.comment_id, found.c.sketch)
        .order_by(found.c.comment_id.desc())
    )


@functools.lru_cache(maxsize=BANDS)
def _insert_statement(size: int) -> PreparedStatement:
    """The rows' shared values are typed here: a multi-row VALUES does not take the columns' types, and
    an untyped time would reach SQLite's driver as a datetime for it to format once per row."""
    return PreparedStatement(
        insert(table(FloodKey)).values(
            [
                {
                    "site": bindparam("site", type_=_keys.site.type),
                    "sketch_key": bindparam(name, type_=_keys.sketch_key.type),
                    "comment_id": bindparam("comment_id", type_=_keys.comment_id.type),
                    "created_at": bindparam("created_at", type_=_keys.created_at.type),
                    "sketch": bindparam("sketch", type_=_keys.sketch.type),
                }
                for name in _KEY_NAMES[:size]
            ]
        )
    )


def candidate_copies(
    connection: Connection, *, site: str, keys: tuple[int, ...], since: datetime, most: int
) -> list[tuple[int, bytes]]:
    """(id, packed sketch) of the site's comments since `since` that share a key with these, newest
    first: each key's latest `most`. Rows without a sketch (stored by the release before) are left out."""
    params: dict[str, Any] = dict(zip(_KEY_NAMES, keys, strict=False))
    params.update(site=site, since=since, most=most)
    rows = _similar_statement(len(keys)).rows(connection, params)
    return [(int(comment_id), bytes(bins)) for comment_id, bins in rows if bins is not None]


def insert_keys(
    connection: Connection, *, site: str, comment_id: int, keys: tuple[int, ...], sketch: bytes, created_at: datetime
) -> None:
    params: dict[str, Any] = dict(zip(_KEY_NAMES, keys, strict=False))
    params.update(site=site, comment_id=comment_id, created_at=created_at, sketch=sketch)
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


_RATE_COLUMNS = RateRow._fields
_RATE = PreparedStatement(
    select(*(_rates[name] for name in _RATE_COLUMNS))
    .where(_rates.thread_id == bindparam("thread_id"))
    .with_for_update()
)


@functools.lru_cache(maxsize=32)
def _update_rate_statement(columns: tuple[str, ...]) -> PreparedStatement:
    """One statement per set of changed columns: a post within its article's minute changes only the
    count, and an UPDATE that assigns surge_until rewrites that column's index entry even unchanged."""
    return PreparedStatement(
        update(table(ArticleRate))
        .where(_rates.thread_id == bindparam("thread_id"))
        .values({name: bindparam(name) for name in columns})
    )


# When the article's surge ends (in the past once it ended); NULL when it never had one.
_ARTICLE_SURGE_UNTIL = (
    select(_rates.surge_until)
    .join(table(Thread), table(Thread).c.id == _rates.thread_id)
    .where(table(Thread).c.site == bindparam("site"), table(Thread).c.article == bindparam("article"))
)


def locked_rate(connection: Connection, thread_id: int) -> RateRow | None:
    """The article's rate row, locked until commit on PostgreSQL so concurrent posts count one by one."""
    for start, count, usual, until, started, peak, calm in _RATE.rows(connection, {"thread_id": thread_id}):
        minute_start = as_datetime(start)
        assert minute_start is not None
        return RateRow(
            minute_start,
            int(count),
            float(usual),
            as_datetime(until),
            as_datetime(started),
            int(peak),
            as_datetime(calm),
        )
    return None


_INSERT_RATE = PreparedStatement(
    insert(table(ArticleRate)).values(
        {"thread_id": bindparam("thread_id"), **{name: bindparam(name) for name in _RATE_COLUMNS}}
    )
)


def update_rate(connection: Connection, thread_id: int, stored: RateRow, changes: dict[str, Any]) -> None:
    """Writes those of `changes` (column: new value) that differ from the `stored` row (locked_rate's)."""
    changed = {name: value for name, value in changes.items() if getattr(stored, name) != value}
    if changed:
        _update_rate_statement(tuple(changed)).rows(connection, {"thread_id": thread_id, **changed})


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


_comments = table(Comment).c


class ClientActivity(NamedTuple):
    """What the proof-of-work decision reads: the article's surge end and the newest statuses of the
    reader's identity and of its address."""

    surge_until: datetime | None
    own: list[str]
    by_address: list[str]


def _recent_statuses(who: Any, kind: str, most: str) -> Any:
    latest = (
        select(_comments.status)
        .where(who == bindparam(kind), _comments.created_at >= bindparam("since"))
        .order_by(_comments.created_at.desc())
        .limit(bindparam(most))
        .subquery()
    )
    return select(literal(kind).label("kind"), latest.c.status)


def _activity_statement(with_identity: bool) -> PreparedStatement:
    """One round trip for what were three reads: each status list is an index range with a LIMIT
    (ix_comments_identity_created, ix_comments_client_created), and the row without a status carries
    the surge end when the reader has no recent post."""
    surge_until = _ARTICLE_SURGE_UNTIL.scalar_subquery()
    parts = [
        _recent_statuses(_comments.client_ip, "ip", "address_most"),
        select(literal("none").label("kind"), null().label("status")),
    ]
    if with_identity:
        parts.insert(0, _recent_statuses(_comments.identity_key, "identity", "own_most"))
    found = union_all(*parts).subquery()
    return PreparedStatement(select(found.c.kind, found.c.status, surge_until.label("surge_until")))


_ACTIVITY = {with_identity: _activity_statement(with_identity) for with_identity in (False, True)}


def client_activity(
    connection: Connection,
    *,
    site: str,
    article: str,
    identity_key: str | None,
    ip: str,
    since: datetime,
    own_most: int,
    address_most: int,
) -> ClientActivity:
    """The surge end of the article and the statuses of the newest posts since `since` (at most
    `own_most` of the identity's, `address_most` of the address's), in one statement."""
    params: dict[str, Any] = {"site": site, "article": article, "ip": ip, "since": since}
    params.update(identity=identity_key, own_most=own_most, address_most=address_most)
    rows = _ACTIVITY[identity_key is not None].rows(connection, params)
    statuses: dict[str, list[str]] = {"identity": [], "ip": [], "none": []}
    for kind, status, _until in rows:
        statuses[kind].append(status)
    return ClientActivity(as_datetime(rows[0][2]), statuses["identity"], statuses["ip"])


_nonces = table(SpentNonce)
_SPEND_NONCE = {
    name: PreparedStatement(
        dialect_insert(_nonces)
        .values(nonce=bindparam("nonce"), spent_at=bindparam("spent_at"))
        .on_conflict_do_nothing(index_elements=["nonce"])
        .returning(_nonces.c.nonce)
    )
    for name, dialect_insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}


def spend_nonce(connection: Connection, nonce: str, spent_at: datetime) -> bool:
    """False when the nonce is stored already (the primary key decides between concurrent spenders)."""
    return bool(_SPEND_NONCE[connection.dialect.name].rows(connection, {"nonce": nonce, "spent_at": spent_at}))


_PRUNE_NONCES = PreparedStatement(delete(_nonces).where(_nonces.c.spent_at < bindparam("before")))


def prune_spent_nonces(connection: Connection, *, before: datetime) -> None:
    _PRUNE_NONCES.rows(connection, {"before": before})
