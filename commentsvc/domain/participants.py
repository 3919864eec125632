"""Participants: the distinct commenters among a thread's approved comments, kept exact as the count is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ..storage import participant_statements


def participant_key(comment: Any) -> str:
    """Who a comment's author is, in the issue's order: the SSO user, else the reader identity, else
    the keyed author hash (of the email, else of name and address). Never a raw email or address."""
    if comment.user_id is not None:
        return f"u:{comment.user_id}"
    if comment.identity_key:
        return f"i:{comment.identity_key}"
    return f"a:{comment.author_hash}"


def move_participants(session: Session, thread_id: int, deltas: Mapping[str, int]) -> int:
    """Moves commenters' approved comments in one thread (call it after the thread's count moved, so
    the thread row is locked first, as every writer locks it); returns the participant count's move."""
    connection = session.connection()
    moved = sum(
        participant_statements.move_participant(connection, thread_id, key, delta)
        for key, delta in deltas.items()
        if delta
    )
    if moved:
        participant_statements.adjust_participant_count(connection, thread_id, moved)
    return moved


def count_participation(engine: Engine, site: str, articles: Sequence[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Approved comments and distinct commenters per article, from one read; unknown articles are 0."""
    counts = dict.fromkeys(articles, 0)
    people = dict.fromkeys(articles, 0)
    for article, count, participants in participant_statements.stored_participation(engine, site, list(counts)):
        counts[article] = count
        people[article] = participants
    return counts, people
