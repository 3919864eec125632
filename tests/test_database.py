"""SQLite runs with foreign keys, WAL and a busy timeout, its writers take turns; the schema is created on start."""

import fcntl
import os
import sqlite3
import threading

import pytest
from conftest import app_settings
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.storage import engine as database


def test_sqlite_connections_use_foreign_keys_wal_and_busy_timeout(make_app, sqlite_url):
    """SQLite connections use foreign keys, WAL and a busy timeout."""
    app = make_app(COMMENTSVC_DATABASE_URL=sqlite_url)
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_an_empty_sqlite_file_is_migrated_on_start(tmp_path):
    """An empty SQLite file is migrated to the current schema on start."""
    from commentsvc import create_app
    from commentsvc.instance import init_instance
    from commentsvc.storage.migrations import schema_is_current

    config = {
        "COMMENTSVC_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "COMMENTSVC_INSTANCE_PATH": str(tmp_path),
        "COMMENTSVC_SECRET_KEY": "s",
    }
    init_instance(config)
    app = create_app(config)
    with app.app_context():
        assert schema_is_current(db.engine)


# --- writers take turns (database.QueuedSQLiteConnection) --------------------------------------


def _turn_is_taken(database_path) -> bool:
    """What another process would see: can it take the turn file's lock right now?"""
    fd = os.open(f"{database_path}-write-turn", os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _writer(app):
    with app.app_context():
        return db.engine.connect().execution_options(sqlite_begin="IMMEDIATE")


@pytest.fixture
def sqlite_app(sqlite_url, tmp_path):
    app = create_app(app_settings(sqlite_url, tmp_path / "instance"))
    yield app, sqlite_url.removeprefix("sqlite:///")
    with app.app_context():
        db.engine.dispose()


def test_a_waiting_writer_starts_once_the_previous_writer_commits(sqlite_app):
    """A waiting writer starts once the writer before it commits."""
    app, path = sqlite_app
    first, second = _writer(app), _writer(app)
    first.begin()
    assert _turn_is_taken(path)
    started = threading.Event()

    def write_second():
        second.begin()
        started.set()

    waiting = threading.Thread(target=write_second)
    waiting.start()
    assert not started.wait(0.3), "the second writer must wait while the first holds its turn"
    first.exec_driver_sql("UPDATE threads SET version = version + 1")
    first.commit()
    assert started.wait(5)
    waiting.join()
    assert second.connection.dbapi_connection._has_turn
    second.commit()
    assert not _turn_is_taken(path)
    first.close()
    second.close()


def test_a_rollback_or_a_failed_begin_ends_the_turn(sqlite_app):
    """A rollback ends the turn, and so does a BEGIN that fails."""
    app, path = sqlite_app
    writer = _writer(app)
    writer.begin()
    writer.rollback()
    assert not _turn_is_taken(path)

    # A writer outside the queue (the sqlite3 shell, say) holds SQLite's lock past our busy timeout.
    outsider = sqlite3.connect(path, isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")
    writer.connection.dbapi_connection.execute("PRAGMA busy_timeout=50")
    with pytest.raises(OperationalError, match="locked"):
        writer.begin()
    assert not _turn_is_taken(path)
    outsider.rollback()
    writer.close()
    outsider.close()


def test_a_writer_outside_the_queue_is_still_waited_for(sqlite_app):
    app, path = sqlite_app
    outsider = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    outsider.execute("BEGIN IMMEDIATE")
    releaser = threading.Timer(0.3, outsider.commit)
    releaser.start()
    writer = _writer(app)
    writer.begin()  # waits in SQLite's busy handler until the outsider commits
    writer.commit()
    releaser.join()
    writer.close()
    outsider.close()


def test_an_unreturned_turn_waits_only_the_busy_timeout(sqlite_app, monkeypatch):
    """A turn nobody gives back is waited for only as long as the busy timeout."""
    app, path = sqlite_app
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 200)
    stuck = os.open(f"{path}-write-turn", os.O_RDONLY | os.O_CREAT)
    fcntl.flock(stuck, fcntl.LOCK_EX)  # holds the turn, but not SQLite's lock
    try:
        writer = _writer(app)
        writer.begin()
        assert not writer.connection.dbapi_connection._has_turn
        writer.exec_driver_sql("UPDATE threads SET version = version + 1")
        writer.commit()
        writer.close()
    finally:
        os.close(stuck)


def test_an_in_memory_database_has_no_turn_file():
    """A database in memory has no turn file and writes as usual."""
    connection = sqlite3.connect(":memory:", factory=database.QueuedSQLiteConnection, isolation_level=None)
    connection.open_turn_file()
    connection.wait_for_write_turn()
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    assert connection._turn_file is None
    connection.close()
