"""The statements that keep a thread's participants (distinct commenters) exact, prepared once (see prepared.py)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..models import Participant, Thread
from .prepared import PreparedStatement
from .statements import MAX_ARTICLES_PER_COUNT, table

_participants = table(Participant).c
_threads = table(Thread).c


def _upsert(insert: Any) -> PreparedStatement:
    """An in-database increment of one commenter's approved comments, creating their row on the first:
    the row lock it takes makes two posts by one reader count them once, on every server."""
    statement = insert(table(Participant)).values(
        thread_id=bindparam("thread_id"), participant_key=bindparam("key"), approved_count=bindparam("delta")
    )
    return PreparedStatement(
        statement.on_conflict_do_update(
            index_elements=["thread_id", "participant_key"],
            set_={"approved_count": _participants.approved_count + statement.excluded.approved_count},
        ).returning(_participants.approved_count)
    )


_ADD = {"postgresql": _upsert(postgresql_insert), "sqlite": _upsert(sqlite_insert)}
_SUBTRACT = PreparedStatement(
    update(table(Participant))
    .where(_participants.thread_id == bindparam("thread_id"), _participants.participant_key == bindparam("key"))
    .values(approved_count=_participants.approved_count - bindparam("amount"))
    .returning(_participants.approved_count)
)
_ADJUST_PARTICIPANT_COUNT = PreparedStatement(
    update(table(Thread))
    .where(_threads.id == bindparam("thread_id"))
    .values(participant_count=_threads.participant_count + bindparam("delta"))
)


def move_participant(connection: Connection, thread_id: int, key: str, delta: int) -> int:
    """Moves one commenter's approved comments by delta; returns how the thread's participant count
    moves with it (+1 when the commenter's first comment became visible, -1 when their last one went)."""
    if delta > 0:
        ((after,),) = _ADD[connection.dialect.name].rows(
            connection, {"thread_id": thread_id, "key": key, "delta": delta}
        )
        return int(after - delta <= 0 < after)
    rows = _SUBTRACT.rows(connection, {"thread_id": thread_id, "key": key, "amount": -delta})
    if not rows:  # no row: the count was never kept for them (repaired by `commentsvc recount`)
        return 0
    after = rows[0][0]
    return -int(after <= 0 < after - delta)


def adjust_participant_count(connection: Connection, thread_id: int, delta: int) -> None:
    _ADJUST_PARTICIPANT_COUNT.rows(connection, {"thread_id": thread_id, "delta": delta})


_ARTICLE_PARAMETERS = tuple(f"a{n}" for n in range(MAX_ARTICLES_PER_COUNT))


@functools.lru_cache(maxsize=MAX_ARTICLES_PER_COUNT)
def _participants_statement(size: int) -> PreparedStatement:
    return PreparedStatement(
        select(_threads.article, _threads.comment_count, _threads.participant_count).where(
            _threads.site == bindparam("site"),
            _threads.article.in_([bindparam(name) for name in _ARTICLE_PARAMETERS[:size]]),
        )
    )


def stored_participation(engine: Engine, site: str, articles: Sequence[str]) -> list[tuple[str, int, int]]:
    """(article, comment count, participant count) of each article that has a thread, from one read
    on its own, so the two numbers come from one snapshot."""
    if not articles:
        return []
    params: dict[str, Any] = dict(zip(_ARTICLE_PARAMETERS, articles, strict=False))
    params["site"] = site
    return [
        (article, count, people)
        for article, count, people in _participants_statement(len(articles)).rows(engine, params)
    ]
