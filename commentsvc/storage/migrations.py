"""Alembic migrations, the one source of the schema, applied under a lock so several starters take turns."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from ..resources import resource_dir


class MigrationError(RuntimeError):
    """A schema change that would break stored data: the CLI shows its message as one line."""


# Any fixed 64-bit number, the same in every commentsvc process: names the migration lock on PostgreSQL.
MIGRATION_LOCK_KEY = 0x636F6D6D656E74


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
    with engine.connect() as connection, _foreign_keys_off_on_sqlite(connection):
        connection.execution_options(sqlite_begin="IMMEDIATE")
        connection.begin()  # Alembic joins a transaction already begun, and the reference check runs in it
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        applied_from = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(config, revision)
        if MigrationContext.configure(connection).get_current_revision() != applied_from:
            _refuse_broken_references(connection)  # a scan of every table: only when something changed
        connection.commit()


@contextlib.contextmanager
def _foreign_keys_off_on_sqlite(connection: Connection) -> Iterator[None]:
    """SQLite changes most of a table by copying it into a new one and dropping the old (Alembic's batch
    mode); with foreign keys on, that drop deletes every row that references the table's rows with ON
    DELETE CASCADE (all votes, reports and idempotency keys, when `comments` is copied). SQLite only
    switches them outside a transaction, so this runs before the migrations' transaction begins and
    after it ends; _refuse_broken_references checks inside it what they would have."""
    if connection.dialect.name != "sqlite":
        yield
        return
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if not connection.closed and connection.in_transaction():
            connection.rollback()
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _refuse_broken_references(connection: Connection) -> None:
    """On SQLite, before the migrations commit: a row whose reference the change left pointing nowhere
    stops the upgrade (rolled back), as foreign keys on would have refused it."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise MigrationError(
            f"After this schema change {len(broken)} row(s) would refer to rows that are not there (first: "
            f"{table} row {rowid} refers to {parent}); nothing was changed. Fix or delete those rows, then upgrade."
        )
