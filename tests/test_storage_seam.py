"""The storage seam's shortcuts give exactly what the libraries' own ways give: the session's kept
connection, and prepared statements' SQLite times."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import POSTGRES_ADMIN_URL, app_settings
from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    String,
    bindparam,
    create_engine,
    exc,
    insert,
    literal,
    null,
    select,
    text,
)
from sqlalchemy.dialects import sqlite

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.models import SpentNonce
from commentsvc.storage.crowd_statements import spend_nonce
from commentsvc.storage.prepared import PreparedStatement, _bind_processor, named_rows
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


# --- prepared statements run straight on the driver (libpq on PostgreSQL) ---------------------------

_nonces = SpentNonce.__table__
_READ_NONCES = PreparedStatement(
    select(
        _nonces.c.nonce,
        literal(True).label("yes"),
        null().label("absent"),
        bindparam("number", type_=BigInteger).label("number"),
    )
    .where(_nonces.c.nonce.startswith(bindparam("prefix", type_=String)))
    .order_by(_nonces.c.nonce)
)
_INSERT_NONCE = PreparedStatement(insert(_nonces).values(nonce=bindparam("nonce"), spent_at=bindparam("spent_at")))


def stored_nonces(app: Any, prefix: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(SpentNonce.nonce).where(SpentNonce.nonce.like(f"{prefix}%"))))


def test_a_prepared_read_returns_what_sqlalchemy_returns_whatever_the_numbers(app: Any) -> None:
    """Small and large integers are sent as different types on PostgreSQL: each gets its own preparation
    on the one connection, and a literal % in the SQL stays one."""
    spent_at = datetime(2026, 12, 4, 20, 1, 2, 345678)
    with app.app_context():
        with db.engine.begin() as connection:
            for nonce in ("seam:a", "seam:b", "other:c"):
                _INSERT_NONCE.rows(connection, {"nonce": nonce, "spent_at": spent_at})
        engine = db.engine
        answers = [
            _READ_NONCES.rows(engine, {"prefix": "seam:", "number": number}) for number in (1, 2**40, 7, -(2**20))
        ]
        with engine.connect() as connection:
            library = [
                tuple(row) for row in connection.execute(_READ_NONCES.statement, {"prefix": "seam:", "number": 2**40})
            ]

    assert answers[1] == [tuple(row) for row in library]
    assert [[row[3] for row in rows] for rows in answers] == [[1, 1], [2**40, 2**40], [7, 7], [-(2**20), -(2**20)]]
    assert [row[:3] for row in answers[0]] == [("seam:a", True, None), ("seam:b", True, None)]


def test_prepared_writes_in_a_rolled_back_transaction_are_all_undone(app: Any) -> None:
    """The first statement of a transaction begins it; the ones after it run inside it."""
    spent_at = datetime(2026, 12, 4, 20, 0)
    with app.app_context(), db.engine.connect() as connection:
        transaction = connection.begin()
        for nonce in ("undone:1", "undone:2", "undone:3"):
            _INSERT_NONCE.rows(connection, {"nonce": nonce, "spent_at": spent_at})
        transaction.rollback()
        with connection.begin():
            _INSERT_NONCE.rows(connection, {"nonce": "undone:kept", "spent_at": spent_at})

    assert stored_nonces(app, "undone:") == ["undone:kept"]


def test_a_prepared_write_that_breaks_a_constraint_raises_sqlalchemys_integrity_error(app: Any) -> None:
    spent_at = datetime(2026, 12, 4, 20, 0)
    with app.app_context():
        with db.engine.begin() as connection:
            _INSERT_NONCE.rows(connection, {"nonce": "twice", "spent_at": spent_at})
        with pytest.raises(exc.IntegrityError), db.engine.begin() as connection:
            _INSERT_NONCE.rows(connection, {"nonce": "other", "spent_at": spent_at})
            _INSERT_NONCE.rows(connection, {"nonce": "twice", "spent_at": spent_at})

    assert stored_nonces(app, "twice") == ["twice"]
    assert stored_nonces(app, "other") == []


@pytest.mark.postgres
def test_a_prepared_read_on_a_connection_the_server_dropped_is_an_outage_and_the_next_one_reconnects(
    postgres_database: str, tmp_path: Path
) -> None:
    """An OperationalError (the API's 503), and the pool throws the dead connection away."""
    app = create_app(app_settings(postgres_database, tmp_path / "instance"))
    with app.app_context():
        engine = db.engine
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            assert _READ_NONCES.rows(connection, {"prefix": "none:", "number": 1}) == []
            backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection_of_admin:
                connection_of_admin.execute(text("SELECT pg_terminate_backend(:backend)"), {"backend": backend})
            admin.dispose()

            with pytest.raises(exc.OperationalError):
                _READ_NONCES.rows(connection, {"prefix": "none:", "number": 1})
            assert connection.invalidated

        assert _READ_NONCES.rows(engine, {"prefix": "none:", "number": 1}) == []
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "deallocating",
    [
        pytest.param(lambda connection: connection.rollback(), id="a rollback"),
        pytest.param(lambda connection: connection.begin_nested().rollback(), id="a savepoint rolled back"),
        pytest.param(
            lambda connection: connection.exec_driver_sql(
                "ALTER TABLE spent_nonces ALTER COLUMN spent_at DROP DEFAULT"
            ),
            id="DDL",
        ),
    ],
)
def test_prepared_statements_run_again_after_psycopg_deallocates_them_inside_a_transaction(
    postgres_database: str, tmp_path: Path, deallocating: Callable[[Connection], Any]
) -> None:
    """psycopg deallocates every prepared statement of a connection (ours too) after these, once it has
    prepared one of its own; a statement of ours later in a transaction must not find its name gone."""
    app = create_app(app_settings(postgres_database, tmp_path / "instance"))
    spent_at = datetime(2026, 12, 4, 21, 0)
    prefix = f"again-{uuid.uuid4().hex}:"
    with app.app_context(), db.engine.connect() as connection:
        for _ in range(6):  # psycopg prepares a statement on its fifth run
            connection.exec_driver_sql("SELECT count(*) FROM spent_nonces").scalar()
        assert _READ_NONCES.rows(connection, {"prefix": prefix, "number": 1}) == []
        connection.commit()

        connection.exec_driver_sql("SELECT count(*) FROM spent_nonces").scalar()
        deallocating(connection)
        if connection.in_transaction():
            connection.commit()
        with connection.begin():
            connection.exec_driver_sql("SELECT count(*) FROM spent_nonces").scalar()
            _INSERT_NONCE.rows(connection, {"nonce": f"{prefix}1", "spent_at": spent_at})
            rows = _READ_NONCES.rows(connection, {"prefix": prefix, "number": 1})

    assert [row[0] for row in rows] == [f"{prefix}1"]
    with app.app_context():
        db.engine.dispose()


@pytest.mark.postgres
def test_a_prepared_read_outside_a_transaction_survives_a_deallocation_nobody_announced(
    postgres_database: str, tmp_path: Path
) -> None:
    app = create_app(app_settings(postgres_database, tmp_path / "instance"))
    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        assert _READ_NONCES.rows(connection, {"prefix": "unannounced:", "number": 1}) == []
        connection.connection.dbapi_connection.pgconn.exec_(b"DEALLOCATE ALL")

        assert _READ_NONCES.rows(connection, {"prefix": "unannounced:", "number": 1}) == []
    with app.app_context():
        db.engine.dispose()


_NONCE_TIMES = select(_nonces.c.nonce, _nonces.c.spent_at, literal(True).label("yes")).where(
    _nonces.c.nonce == bindparam("nonce")
)


def test_named_rows_carry_the_columns_python_types_on_both_databases(app: Any) -> None:
    """SQLite returns a time as text; named rows parse it as SQLAlchemy's own rows would."""
    spent_at = datetime(2026, 12, 4, 21, 30, 1, 234567)
    with app.app_context():
        with db.engine.begin() as connection:
            _INSERT_NONCE.rows(connection, {"nonce": "named:1", "spent_at": spent_at})
        with db.engine.connect() as connection:
            (named,) = named_rows(connection, _NONCE_TIMES, {"nonce": "named:1"})
            (library,) = connection.execute(_NONCE_TIMES, {"nonce": "named:1"})

    assert (named.nonce, named.spent_at, named.yes) == ("named:1", spent_at, True)
    assert tuple(named) == tuple(library)
