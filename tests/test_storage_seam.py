"""The storage seam's shortcuts give exactly what the libraries' own ways give: the session's kept
connection, and prepared statements' SQLite times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime, select
from sqlalchemy.dialects import sqlite

from commentsvc.extensions import db
from commentsvc.models import SpentNonce
from commentsvc.storage.crowd_statements import spend_nonce
from commentsvc.storage.prepared import _bind_processor
from commentsvc.storage.sessions import KeptConnectionSession


def test_a_prepared_statement_writes_a_sqlite_time_as_sqlalchemy_writes_it() -> None:
    dialect = sqlite.dialect()
    impl = DateTime().dialect_impl(dialect)
    library = impl.bind_processor(dialect)
    ours = _bind_processor(impl, dialect)
    values = [
        datetime(2026, 12, 3, 8, 1, 2, 345678),
        datetime(2026, 12, 3),
        datetime(999, 1, 2, 3, 4, 5, 6),
        datetime(2026, 1, 1, tzinfo=UTC),
        date(2026, 1, 2),
        None,
    ]

    assert ours is not library
    assert [ours(value) for value in values] == [library(value) for value in values]


def test_the_session_hands_out_one_connection_per_transaction(app: Any) -> None:
    with app.app_context():
        session = db.session()
        assert isinstance(session, KeptConnectionSession)
        first = session.connection()

        assert session.connection() is first
        session.commit()
        assert session.connection() is not first


def test_a_savepoint_rolled_back_inside_the_kept_connection_undoes_only_its_own_writes(app: Any) -> None:
    """A savepoint begins when it first asks for the connection: the kept one must not skip that."""
    now = datetime(2026, 12, 3, 9, 0)
    with app.app_context():
        session = db.session()
        assert spend_nonce(session.connection(), "kept:outer", now)
        savepoint = session.begin_nested()
        assert spend_nonce(session.connection(), "kept:inner", now)
        savepoint.rollback()
        session.commit()

        stored = session.scalars(select(SpentNonce.nonce).where(SpentNonce.nonce.like("kept:%"))).all()

    assert stored == ["kept:outer"]


def test_a_rolled_back_transaction_is_not_written_through_the_kept_connection(app: Any) -> None:
    now = datetime(2026, 12, 3, 9, 0)
    with app.app_context():
        session = db.session()
        assert spend_nonce(session.connection(), "kept:rolled-back", now)
        session.rollback()
        assert spend_nonce(session.connection(), "kept:after", now)
        session.commit()

        stored = session.scalars(select(SpentNonce.nonce).where(SpentNonce.nonce.like("kept:%"))).all()

    assert stored == ["kept:after"]
