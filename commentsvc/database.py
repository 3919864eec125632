"""Engine set-up (SQLite pragmas, write locking) and Alembic migrations, the one source of the schema."""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import time
import weakref
from collections.abc import Callable
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import Connection, Engine, event, exc, text
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.expression import Executable

from .extensions import db
from .resources import resource_dir

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Any fixed 64-bit number, the same in every commentsvc process: names the migration lock on PostgreSQL.
MIGRATION_LOCK_KEY = 0x636F6D6D656E74


# How often a writer waiting for its turn looks again: well under the time a post holds the lock.
WRITE_TURN_POLL_SECONDS = 0.0002


class QueuedSQLiteConnection(sqlite3.Connection):
    """A SQLite connection whose writers wait their turn on a file lock beside the database.

    SQLite's own busy handler makes a writer that finds the write lock taken sleep 1, 2, 5, 10 …
    ms between attempts, while the lock is held for a fraction of a millisecond: with two workers
    posting, each spent a fifth of its time in BEGIN IMMEDIATE, mostly asleep with the lock free
    (bench/README.md). Here a
    writer first takes its turn — an flock on `<database>-write-turn` tried every 0.2 ms — and
    only then BEGIN IMMEDIATE; the turn ends when its transaction does. The turn only speeds up
    the handover: SQLite's lock still guards the data, writers that do not take turns (another
    program, the sqlite3 shell) are waited for by busy_timeout as before, and a writer that has
    waited busy_timeout for its turn goes on to SQLite's lock without it. flock is per open file,
    so every connection opens its own, and the turn dies with the process that held it."""

    _turn_file: int | None = None
    _has_turn = False

    def open_turn_file(self) -> None:
        """A database in memory, or a lock file that cannot be opened, means no queue, nothing worse."""
        path = next((row[2] for row in self.execute("PRAGMA database_list") if row[1] == "main"), "")
        if path:
            try:
                self._turn_file = os.open(f"{path}-write-turn", os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as error:
                log.warning("writers will queue on SQLite's busy handler only: %s", error)

    def wait_for_write_turn(self) -> None:
        if self._turn_file is None or self._has_turn:
            return
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                fcntl.flock(self._turn_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return
                time.sleep(WRITE_TURN_POLL_SECONDS)
            else:
                self._has_turn = True
                return

    def end_write_turn(self) -> None:
        if self._has_turn:
            self._has_turn = False
            fcntl.flock(self._turn_file, fcntl.LOCK_UN)  # type: ignore[arg-type]

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_write_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_write_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_write_turn()
            if self._turn_file is not None:
                os.close(self._turn_file)
                self._turn_file = None


def engine_options(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite"):
        return {"connect_args": {"factory": QueuedSQLiteConnection}}
    # A connection the server dropped (restart, failover) is replaced instead of failing a request.
    return {"pool_pre_ping": True}


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event below (pysqlite's own is broken).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    if isinstance(dbapi_connection, QueuedSQLiteConnection):
        dbapi_connection.open_turn_file()


def _sqlite_on_begin(connection: Any) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE), so they queue instead of failing with
    # "database is locked" when a read lock cannot be upgraded; queued ones wait their turn first.
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    dbapi_connection = connection.connection.dbapi_connection
    queued = mode == "IMMEDIATE" and isinstance(dbapi_connection, QueuedSQLiteConnection)
    if queued:
        dbapi_connection.wait_for_write_turn()
    try:
        connection.exec_driver_sql(f"BEGIN {mode}")
    except BaseException:
        if queued:
            dbapi_connection.end_write_turn()
        raise


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)


def begin_write() -> None:
    """Called before a request that writes: on SQLite its transaction starts with the write lock."""
    if db.engine.dialect.name == "sqlite":
        db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


class PreparedStatement:
    """A Core statement compiled once per engine and run straight on a DBAPI cursor.

    For the hottest statements only. On an Engine it runs alone on a pooled connection, without a
    transaction (a thread's version for its ETag, counts for a listing page: one indexed read each,
    which a single statement reads from one consistent snapshot). On a Connection it runs inside
    that connection's transaction (the statements of a post, under the write lock). Either way a
    Session or a Connection around it (events, result objects, the compiled cache lookup, BEGIN and
    ROLLBACK) cost several times the statement itself (profile in bench/README.md). Parameters go
    through the column types' bind processors (SQLite keeps datetimes as text); rows come back as
    plain tuples without type processing, so return only integers, text and booleans. Errors are
    SQLAlchemy's, as from any query, so a database outage is still a 503."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: weakref.WeakKeyDictionary[Engine, _Compiled] = weakref.WeakKeyDictionary()

    def _compile(self, engine: Engine) -> _Compiled:
        compiled = self._compiled.get(engine)
        if compiled is None:
            compiled = self._compiled[engine] = _Compiled(self.statement.compile(dialect=engine.dialect), engine.dialect)
        return compiled

    def rows(self, bind: Engine | Connection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        engine = bind.engine
        compiled = self._compile(engine)
        arguments = compiled.arguments(params)
        if engine.dispatch.before_cursor_execute:
            # Someone watches statements (a query-count test, a tracer): run it where they see it.
            if isinstance(bind, Connection):
                return [tuple(row) for row in bind.exec_driver_sql(compiled.sql, arguments)]
            with engine.connect() as watched:
                return [tuple(row) for row in watched.exec_driver_sql(compiled.sql, arguments)]
        if isinstance(bind, Connection):
            return _run(engine, bind.connection, compiled.sql, arguments, invalidate=bind.invalidate)
        dbapi_error = engine.dialect.loaded_dbapi.Error
        try:
            pooled = engine.raw_connection()
        except dbapi_error as error:  # the pool hands out the driver's own connect errors
            raise exc.DBAPIError.instance(None, None, error, dbapi_error) from error
        dbapi_connection = pooled.dbapi_connection
        # psycopg would open a transaction for the SELECT and the pool would ROLLBACK it on return: a
        # second round trip. SQLite's driver here already runs it without one (see _sqlite_on_connect).
        outside_transaction = engine.dialect.name == "postgresql"
        try:
            if outside_transaction:
                dbapi_connection.autocommit = True
            return _run(engine, pooled, compiled.sql, arguments, invalidate=pooled.invalidate)
        finally:
            if outside_transaction and not dbapi_connection.closed:
                dbapi_connection.autocommit = False
            pooled.close()


class _Compiled:
    """A statement's SQL for one dialect, and how a dict of values becomes the driver's arguments."""

    def __init__(self, compiled: Compiled, dialect: Dialect) -> None:
        binds = compiled.binds  # type: ignore[attr-defined]
        self.sql = str(compiled)
        self._names = tuple(compiled.positiontup) if compiled.positional else tuple(binds)  # type: ignore[attr-defined]
        self._positional = compiled.positional
        # Values fixed in the statement itself, such as the 1 of `id = 1`.
        self._fixed = {name: bind.effective_value for name, bind in binds.items() if not bind.required}
        self._processors = tuple(
            (name, processor) for name, bind in binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        )

    def arguments(self, params: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = {**self._fixed, **params} if self._fixed else params
        if self._processors:
            values = dict(values)
            for name, processor in self._processors:
                values[name] = processor(values[name])
        if self._positional:
            return tuple(values[name] for name in self._names)
        return {name: values[name] for name in self._names}


def _run(engine: Engine, connection: Any, sql: str, arguments: Any,
         invalidate: Callable[[BaseException], None]) -> list[tuple[Any, ...]]:
    dbapi_error = engine.dialect.loaded_dbapi.Error
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, arguments)
            return cursor.fetchall() if cursor.description is not None else []
        finally:
            cursor.close()
    except dbapi_error as error:
        # The same exceptions (and the same 503) as a statement through SQLAlchemy would raise.
        if engine.dialect.is_disconnect(error, getattr(connection, "dbapi_connection", connection), None):
            invalidate(error)
        raise exc.DBAPIError.instance(sql, arguments, error, dbapi_error) from error


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
    inside that one transaction (env.py asks for transactional DDL, so not one per migration) and
    reads the current revision only once it holds the lock."""
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

