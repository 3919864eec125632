"""The app's session class: Flask-SQLAlchemy's, with the transaction's connection kept at hand."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from sqlalchemy import Connection
from sqlalchemy.orm import SessionTransaction


class KeptConnectionSession(Session):
    """`session.connection()` without resolving the bind again: a post asks for it a dozen times, and
    each time Flask-SQLAlchemy looks up the app's engines and SQLAlchemy walks the transaction
    (bench/README.md). The connection is kept for the outermost transaction it was handed out in,
    while that transaction is active; inside a savepoint, with bind arguments or execution options,
    SQLAlchemy's own way answers (a savepoint is only begun when it first asks for the connection)."""

    _kept: tuple[SessionTransaction, Connection] | None = None

    def connection(self, bind_arguments: Any = None, execution_options: Any = None) -> Connection:
        if bind_arguments is not None or execution_options is not None or self.in_nested_transaction():
            return super().connection(bind_arguments, execution_options)
        root = self.get_transaction()
        kept = self._kept
        if kept is not None and root is kept[0] and root.is_active:
            return kept[1]
        connection = super().connection()
        self._kept = (self.get_transaction(), connection)  # type: ignore[assignment]
        return connection


def keep_connections(db: SQLAlchemy) -> None:
    """Every session `db` makes from now on is a KeptConnectionSession: the app factory calls it, so the
    foundations that create `db` know nothing of storage."""
    db.session.session_factory.class_ = KeptConnectionSession
