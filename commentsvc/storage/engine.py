"""Engine set-up: SQLite pragmas, writers taking turns on SQLite, and the write lock a writing request takes first."""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, event, exc
from sqlalchemy.orm import Session

from ..extensions import db

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# A pooled PostgreSQL connection used this recently is handed out unchecked; one idle longer is pinged.
PING_AFTER_IDLE_SECONDS = 1.0


# How often a writer waiting for its turn looks again: well under the time a post holds the lock.
WRITE_TURN_POLL_SECONDS = 0.0002


class QueuedSQLiteConnection(sqlite3.Connection):
    """A SQLite connection whose writers wait their turn on a file lock beside the database.

    SQLite's own busy handler makes a writer that finds the write lock taken sleep 1, 2, 5, 10 …
    ms between attempts, while the lock is held for a fraction of a millisecond, so posting workers
    sleep with the lock free (measured in bench/README.md). Here a writer first takes its turn — an flock on `<database>-write-turn` tried every 0.2 ms — and
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
    # A connection the server dropped (restart, failover, an idle timeout) is replaced instead of failing
    # a request: connections idle for a while are pinged on checkout (_ping_if_idle), not every one, as
    # pool_pre_ping would, a round trip on every request of a read storm.
    return {"pool_pre_ping": False}


def _ping_idle_connections(engine: Engine) -> None:
    dialect = engine.dialect

    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get("commentsvc_returned_at")
        if returned_at is not None and time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            # The pool then discards this connection and checks out another (pessimistic handling).
            raise exc.DisconnectionError(f"a pooled connection did not answer: {error}") from error
        if not alive:
            raise exc.DisconnectionError("a pooled connection did not answer")

    event.listen(engine, "checkout", ping_if_idle)
    event.listen(engine, "checkin", _note_checkin)


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["commentsvc_returned_at"] = time.monotonic()


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event below (pysqlite's own is broken).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    if isinstance(dbapi_connection, QueuedSQLiteConnection):
        dbapi_connection.open_turn_file()


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """Several workers opening a fresh file at once race to switch it to WAL, and the loser can get
    "database is locked" without SQLite's busy handler being asked; it waits its turn instead, for as
    long as any other writer would."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


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
    else:
        _ping_idle_connections(engine)


def read_outside_transaction(session: Session) -> Session:
    """On PostgreSQL a public read's statements run on their own (autocommit): at READ COMMITTED each
    statement reads its own snapshot inside a transaction too, so BEGIN and ROLLBACK were two round
    trips that bought nothing. SQLite keeps its transaction, which there is one snapshot for the page."""
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return session


def begin_write(session: Session | None = None) -> None:
    """Called before a transaction that writes (the request's, or `session`'s): on SQLite it starts with
    the write lock, so writers take turns instead of failing to upgrade a read lock."""
    writer = session if session is not None else db.session()
    if writer.get_bind().dialect.name == "sqlite":
        writer.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
