"""Alembic migrations, the one source of the schema, applied under a lock so several starters take turns."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from ..resources import resource_dir

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
    with engine.connect() as connection:
        connection.execution_options(sqlite_begin="IMMEDIATE")
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()
