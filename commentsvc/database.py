"""Engine set-up (SQLite pragmas, write locking) and Alembic migrations, the one source of the schema."""

from __future__ import annotations

import logging
import sqlite3
import weakref
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import Engine, Select, event, exc, text

from .extensions import db
from .resources import resource_dir

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Any fixed 64-bit number, the same in every commentsvc process: names the migration lock on PostgreSQL.
MIGRATION_LOCK_KEY = 0x636F6D6D656E74


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event below (pysqlite's own is broken).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE), so they queue on busy_timeout
    # instead of failing with "database is locked" when a read lock cannot be upgraded.
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)


def begin_write() -> None:
    """Called before a request that writes: on SQLite its transaction starts with the write lock."""
    if db.engine.dialect.name == "sqlite":
        db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


class PreparedSelect:
    """A Core SELECT compiled once per engine and run on a pooled DBAPI connection, without a transaction.

    For the hottest public reads only (a thread's version for its ETag, counts for a listing page):
    each is one indexed lookup, and a Session or Connection around it (events, BEGIN and ROLLBACK,
    result objects) cost several times the query itself (profile in bench/README.md). A single
    statement needs no transaction: it reads one consistent snapshot on both engines. Rows come
    back as plain tuples without type processing, so select only integers, text and booleans.
    Errors are SQLAlchemy's, as from any query, so a database outage is still a 503."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: weakref.WeakKeyDictionary[Engine, tuple[str, tuple[str, ...] | None]] = weakref.WeakKeyDictionary()

    def _sql(self, engine: Engine) -> tuple[str, tuple[str, ...] | None]:
        compiled = self._compiled.get(engine)
        if compiled is None:
            statement = self.statement.compile(dialect=engine.dialect)
            order = tuple(statement.positiontup or ()) if statement.positional else None
            compiled = self._compiled[engine] = (str(statement), order)
        return compiled

    def rows(self, engine: Engine, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        sql, order = self._sql(engine)
        arguments = tuple(params[name] for name in order) if order is not None else params
        if engine.dispatch.before_cursor_execute:
            # Someone watches statements (a query-count test, a tracer): run it where they see it.
            with engine.connect() as watched:
                return [tuple(row) for row in watched.exec_driver_sql(sql, arguments)]
        dbapi_error = engine.dialect.loaded_dbapi.Error
        try:
            connection = engine.raw_connection()
        except dbapi_error as error:  # the pool hands out the driver's own connect errors
            raise exc.DBAPIError.instance(None, None, error, dbapi_error) from error
        dbapi_connection = connection.dbapi_connection
        # psycopg would open a transaction for the SELECT and the pool would ROLLBACK it on return: a
        # second round trip. SQLite's driver here already runs it without one (see _sqlite_on_connect).
        outside_transaction = engine.dialect.name == "postgresql"
        try:
            if outside_transaction:
                dbapi_connection.autocommit = True
            cursor = connection.cursor()
            try:
                cursor.execute(sql, arguments)
                return cursor.fetchall()
            finally:
                cursor.close()
        except dbapi_error as error:
            # The same exceptions (and the same 503) as a query through SQLAlchemy would raise.
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                connection.invalidate(error)
            raise exc.DBAPIError.instance(sql, arguments, error, dbapi_error) from error
        finally:
            if outside_transaction and not dbapi_connection.closed:
                dbapi_connection.autocommit = False
            connection.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def schema_is_current(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Applies migrations under a lock, so several workers or deploy hosts starting at once take turns:
    the write lock on SQLite, a transaction-scoped advisory lock on PostgreSQL. Alembic then runs
    inside that one transaction and reads the current revision only once it holds the lock."""
    config = alembic_config(engine)
    with engine.connect() as connection:
        connection.execution_options(sqlite_begin="IMMEDIATE")
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def prepare_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        configure_engine(engine)
        if app.config["COMMENTSVC_AUTO_MIGRATE"] and not schema_is_current(engine):
            log.info("upgrading the database schema at %s", engine.url.render_as_string(hide_password=True))
            upgrade_database(engine)

