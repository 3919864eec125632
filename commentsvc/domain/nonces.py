"""Single-use values (form-token nonces, solved challenges): spent in the post's own transaction, so
the database, not a process, decides which of two concurrent uses is the second."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ..storage import crowd_statements


def spend_nonce(session: Session, nonce: str, *, now: datetime) -> bool:
    """True the first time `nonce` is spent; False when a stored post spent it already. A concurrent
    spender of the same nonce waits for this transaction (the primary key) and then finds it spent."""
    return crowd_statements.spend_nonce(session.connection(), nonce, now)


def prune_spent_nonces(session: Session, *, older_than: timedelta, now: datetime) -> None:
    """A nonce older than every token and challenge that could carry it can never be presented again."""
    crowd_statements.prune_spent_nonces(session.connection(), before=now - older_than)
