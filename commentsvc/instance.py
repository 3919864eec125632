"""The data folder of the embedded default, and `commentsvc init`: the one step that creates the secret key
and brings the schema up to date, run by `serve`, the WSGI entry point and every CLI command before the app.

The folder is COMMENTSVC_INSTANCE_PATH, by default `commentsvc-data` in the working directory: never inside
the virtual environment or the installed package, so reinstalling or deleting the venv loses nothing.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import sys
import tempfile
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from .storage.engine import configure_engine, engine_options
from .storage.migrations import schema_is_current, upgrade_database

log = logging.getLogger(__name__)

DEFAULT_DATA_DIR = "commentsvc-data"
DATABASE_FILE = "commentsvc.sqlite3"
SECRET_FILE = "secret_key"


class InstanceError(RuntimeError):
    """Start-up cannot go on; the message says what to do, in one line."""


def data_dir(settings: Mapping[str, Any]) -> Path:
    return Path(settings.get("COMMENTSVC_INSTANCE_PATH") or Path.cwd() / DEFAULT_DATA_DIR).resolve()


def database_url(settings: Mapping[str, Any]) -> str:
    return settings.get("COMMENTSVC_DATABASE_URL") or f"sqlite:///{data_dir(settings) / DATABASE_FILE}"


def auto_migrate(settings: Mapping[str, Any]) -> bool:
    configured = settings.get("COMMENTSVC_AUTO_MIGRATE")
    return database_url(settings).startswith("sqlite") if configured is None else bool(configured)


def read_secret(settings: Mapping[str, Any]) -> str | None:
    """The configured secret, else the one `init` kept in the data folder, else None."""
    if settings.get("COMMENTSVC_SECRET_KEY"):
        return str(settings["COMMENTSVC_SECRET_KEY"])
    key_file = data_dir(settings) / SECRET_FILE
    return key_file.read_text().strip() if key_file.exists() else None


def older_default_folders() -> list[Path]:
    """Where versions before the data folder kept the embedded database: Flask's instance folder,
    inside the virtual environment for an installed package, beside the source for an editable one."""
    package_root = Path(__file__).resolve().parent.parent
    return [Path(sys.prefix) / "var" / "commentsvc-instance", package_root / "instance"]


@dataclass
class InitReport:
    data_dir: Path
    database: str
    secret_created: bool = False
    migrated: bool = False
    notes: list[str] = field(default_factory=list)


def _holds_comments(database: Path) -> bool:
    return database.is_file() and database.stat().st_size > 0


def _refuse_empty_start_beside_older_data(settings: Mapping[str, Any], folder: Path) -> None:
    if settings.get("COMMENTSVC_DATABASE_URL") or _holds_comments(folder / DATABASE_FILE):
        return
    for older in older_default_folders():
        if older.resolve() != folder and _holds_comments(older / DATABASE_FILE):
            raise InstanceError(
                f"{older} holds a commentsvc database from an older version, but the data folder is now {folder}. "
                f"Move it there first (mv {older} {folder}), or set COMMENTSVC_INSTANCE_PATH={older} to keep using it."
            )


def _create_secret(key_file: Path) -> bool:
    """Written to a private temporary file and linked into place, so two workers starting together agree on one."""
    fd, temporary = tempfile.mkstemp(dir=key_file.parent, prefix=".secret-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, key_file)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(temporary)


def init_instance(settings: Mapping[str, Any]) -> InitReport:
    """Creates the data folder and the secret key when missing, and upgrades the schema where
    COMMENTSVC_AUTO_MIGRATE says so (on SQLite by default). Safe to run again, and from several
    processes at once."""
    folder = data_dir(settings)
    url = database_url(settings)
    report = InitReport(folder, url)
    _refuse_empty_start_beside_older_data(settings, folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InstanceError(f"cannot create the data folder {folder}: {error.strerror}") from None
    if not settings.get("COMMENTSVC_SECRET_KEY"):
        key_file = folder / SECRET_FILE
        if not key_file.exists() and _create_secret(key_file):
            report.secret_created = True
            log.warning(
                "COMMENTSVC_SECRET_KEY is not set: generated one and kept it in %s. "
                "Set COMMENTSVC_SECRET_KEY when you run more than one server.",
                key_file,
            )
    if auto_migrate(settings):
        engine = create_engine(url, **engine_options(url))
        configure_engine(engine)
        try:
            if not schema_is_current(engine):
                log.info("upgrading the database schema at %s", engine.url.render_as_string(hide_password=True))
                upgrade_database(engine)
                report.migrated = True
        finally:
            engine.dispose()
    return report


def copy_sqlite_database(source: str, target: Path) -> int:
    """SQLite's online backup API: a consistent copy, WAL included, while other connections write."""
    # sqlite3's own context manager ends a transaction, not the connection: closing() closes both.
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as reader,
        closing(sqlite3.connect(target)) as writer,
    ):
        reader.backup(writer)
        return int(writer.execute("PRAGMA page_count").fetchone()[0])


def explain_failure(error: BaseException, configured_url: str) -> str:
    """One line for the operator: what failed and what to do about it."""
    url = _shown_url(configured_url)
    if isinstance(error, InstanceError):
        return str(error)
    if isinstance(error, ModuleNotFoundError) and error.name in {"psycopg", "psycopg2", "pg8000", "asyncpg"}:
        return (
            f"the PostgreSQL driver ({error.name}) is not installed: pip install '.[postgres]' from a clone "
            "of commentsvc (or pip install 'psycopg[binary]')"
        )
    if isinstance(error, NoSuchModuleError | ArgumentError):
        return f"COMMENTSVC_DATABASE_URL {url} is not a database URL commentsvc can use ({error})"
    if isinstance(error, DBAPIError):
        reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else type(error).__name__
        if "does not exist" in reason and "database" in reason:
            return (
                f"the database at {url} does not exist ({reason}); create it first, "
                "e.g. createdb -h 127.0.0.1 -U postgres commentsvc, then run commentsvc db upgrade"
            )
        return f"cannot use the database at {url or 'the data folder'}: {reason}"
    if isinstance(error, RuntimeError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _shown_url(configured_url: str) -> str:
    if not configured_url:
        return ""
    try:
        return make_url(configured_url).render_as_string(hide_password=True)
    except ArgumentError:
        return configured_url
