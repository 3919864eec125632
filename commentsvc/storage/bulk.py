"""Many rows in one statement: what an import writes besides its comments (executemany on both engines)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update

from ..models import Comment, ImportedComment, Vote
from .statements import table

_comments = table(Comment).c
_ADD_REPLY_COUNT = (
    update(table(Comment))
    .where(_comments.id == bindparam("root_comment_id"))
    .values(reply_count=_comments.reply_count + bindparam("delta"))
)


def insert_imported(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """ImportedComment rows: site, source, source_id, comment_id."""
    if rows:
        connection.execute(insert(table(ImportedComment)), list(rows))


def insert_votes(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Vote rows: comment_id, voter_key, value, created_at."""
    if rows:
        connection.execute(insert(table(Vote)), list(rows))


def add_reply_counts(connection: Connection, deltas: Mapping[int, int]) -> None:
    """Moves each top-level comment's reply count by its delta, in-database (never read-modify-write)."""
    rows = [{"root_comment_id": root_id, "delta": delta} for root_id, delta in deltas.items() if delta]
    if rows:
        connection.execute(_ADD_REPLY_COUNT, rows)
