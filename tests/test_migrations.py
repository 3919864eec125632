"""Alembic migrations are the one source of the schema: an empty database upgraded to head matches the models."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import TEST_SECRET
from sqlalchemy import Engine, create_engine, event, inspect, text

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.storage.engine import configure_engine
from commentsvc.storage.migrations import MigrationError, alembic_config, schema_is_current, upgrade_database

COMMENTSVC = Path(sys.executable).parent / "commentsvc"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return request.getfixturevalue("empty_postgres_database")


_BOOLEAN_DEFAULTS = {"false": "0", "true": "1"}


def _bare_default(rendered: str) -> str:
    """The value of a server default however the engine spells it back: SQLite keeps it as written
    ('0', ('')), PostgreSQL adds a cast (''::character varying) and turns a boolean '0' into false."""
    value = re.sub(r"::[a-z ]+$", "", rendered.strip())
    while value[:1] == "(" and value[-1:] == ")":
        value = value[1:-1].strip()
    value = value.strip("'\"")
    return _BOOLEAN_DEFAULTS.get(value, value)


def _server_defaults_differ(
    _context: object,
    _inspected_column: object,
    _metadata_column: object,
    inspected_default: str | None,
    _metadata_default: object,
    rendered_metadata_default: str | None,
) -> bool | None:
    if inspected_default is None or rendered_metadata_default is None:
        return None
    return _bare_default(inspected_default) != _bare_default(rendered_metadata_default)


def differences_from_models(database_url: str) -> list[object]:
    """Tables, columns, types, nullability, server defaults, indexes and constraints, as Alembic compares them."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": _server_defaults_differ}
            )
            return compare_metadata(context, db.metadata)
    finally:
        engine.dispose()


def head_revision() -> str:
    engine = create_engine("sqlite://")
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    engine.dispose()
    assert head
    return head


def current_revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMMENTSVC_")}
    env.update(
        COMMENTSVC_DATABASE_URL=database_url,
        COMMENTSVC_SECRET_KEY=TEST_SECRET,
        COMMENTSVC_INSTANCE_PATH=str(tmp_path / "instance"),
    )
    return env


def downgrade_to_base(engine: Engine) -> None:
    config = alembic_config(engine)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        connection.commit()


def test_empty_database_upgraded_to_head_matches_the_models(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    configure_engine(engine)
    upgrade_database(engine)
    engine.dispose()

    assert current_revision(empty_database_url) == head_revision()
    assert differences_from_models(empty_database_url) == []


def test_an_upgrade_is_one_transaction_never_seen_half_done(
    empty_database_url: str,
) -> None:
    """An upgrade is one transaction, so a server starting beside it never sees it half done."""
    engine = create_engine(empty_database_url)
    configure_engine(engine)
    commits: list[object] = []
    event.listen(engine, "commit", commits.append)
    upgrade_database(engine)
    engine.dispose()

    assert len(list(ScriptDirectory.from_config(alembic_config(engine)).walk_revisions())) >= 2
    assert len(commits) == 1, "every migration in the one transaction that holds the migration lock"
    assert current_revision(empty_database_url) == head_revision()


def test_every_migration_can_be_undone_and_redone(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    configure_engine(engine)
    upgrade_database(engine)
    downgrade_to_base(engine)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_database(engine)
    engine.dispose()

    assert differences_from_models(empty_database_url) == []


def test_upgrading_with_threads_gives_each_site_a_counts_token(empty_database_url: str) -> None:
    """Upgrading a database with threads gives each of their sites a counts token."""
    engine = create_engine(empty_database_url)
    configure_engine(engine)
    upgrade_database(engine, "0002")
    with engine.begin() as connection:
        for n, site in enumerate(["news.example", "news.example", "blog.example"]):
            connection.execute(
                text(
                    "INSERT INTO threads (site, article, comment_count, version, closed, created_at) "
                    "VALUES (:site, :article, 1, 1, :closed, :now)"
                ),
                {"site": site, "article": f"a{n}", "closed": False, "now": datetime(2026, 11, 28)},
            )
    upgrade_database(engine)
    with engine.connect() as connection:
        tokens = dict(connection.execute(text("SELECT site, token FROM counts_versions")).all())
    engine.dispose()

    assert sorted(tokens) == ["blog.example", "news.example"]
    assert all(len(token) == 32 for token in tokens.values())


def test_db_upgrade_command_migrates_an_empty_database(empty_database_url: str, tmp_path: Path) -> None:
    """The db upgrade command migrates an empty database and is safe to repeat."""
    env = cli_env(empty_database_url, tmp_path)

    first = subprocess.run([str(COMMENTSVC), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    again = subprocess.run([str(COMMENTSVC), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)

    assert first.returncode == 0, first.stderr
    assert "database upgraded to head." in first.stdout
    assert again.returncode == 0, again.stderr
    assert current_revision(empty_database_url) == head_revision()
    assert differences_from_models(empty_database_url) == []


@pytest.mark.postgres
def test_postgresql_is_not_migrated_on_start_unless_asked(empty_postgres_database: str, tmp_path: Path) -> None:
    # Several app servers must not race to alter a shared schema; deploys run `commentsvc db upgrade`.
    from commentsvc.instance import init_instance

    config = {
        "COMMENTSVC_DATABASE_URL": empty_postgres_database,
        "COMMENTSVC_INSTANCE_PATH": str(tmp_path),
        "COMMENTSVC_SECRET_KEY": TEST_SECRET,
    }
    init_instance(config)
    app = create_app(config)
    with app.app_context():
        assert not schema_is_current(db.engine)
        db.engine.dispose()
    assert current_revision(empty_postgres_database) is None


def test_the_embedded_sqlite_default_migrates_itself_on_start(tmp_path: Path) -> None:
    from commentsvc.instance import init_instance

    init_instance({"COMMENTSVC_INSTANCE_PATH": str(tmp_path), "COMMENTSVC_SECRET_KEY": TEST_SECRET})
    app = create_app({"COMMENTSVC_INSTANCE_PATH": str(tmp_path), "COMMENTSVC_SECRET_KEY": TEST_SECRET})

    response = app.test_client().get("/api/v1/comments", query_string={"article": "news/first-story"})

    assert response.status_code == 200
    assert response.get_json()["count"] == 0
    with app.app_context():
        db.engine.dispose()
    assert differences_from_models(f"sqlite:///{tmp_path / 'commentsvc.sqlite3'}") == []


@pytest.mark.postgres
def test_two_servers_upgrading_one_postgresql_database_both_succeed(
    empty_postgres_database: str, tmp_path: Path
) -> None:
    """Two servers upgrading one PostgreSQL database at once both succeed."""
    env = cli_env(empty_postgres_database, tmp_path)
    runs = [
        subprocess.Popen(
            [str(COMMENTSVC), "db", "upgrade"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [(run.wait(timeout=120), *run.communicate()) for run in runs]

    assert [code for code, _, _ in results] == [0, 0], [err[-2000:] for _, _, err in results]
    assert differences_from_models(empty_postgres_database) == []


def test_upgrading_gives_existing_comments_the_language_of_their_text(empty_database_url: str) -> None:
    """Migration 0010_floors_lang backfills `lang` from each stored comment's visible text."""
    engine = create_engine(empty_database_url)
    configure_engine(engine)
    upgrade_database(engine, "0009")
    bodies = [
        "<p>我们这里说的是简体中文</p>",
        "<p>我們這裡說的是繁體中文</p>",
        "<p>Plain English</p>",
        "<p>ひらがな</p>",
    ]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO threads (site, article, comment_count, version, closed, created_at) "
                "VALUES ('default', 'a', 4, 1, :closed, :now)"
            ),
            {"closed": False, "now": datetime(2026, 12, 1)},
        )
        thread_id = connection.execute(text("SELECT id FROM threads")).scalar_one()
        for html in bodies:
            connection.execute(
                text(
                    "INSERT INTO comments (thread_id, depth, author_name, author_hash, body_source, body_html, status, "
                    "created_at, client_ip, likes, dislikes, hot_score, reply_count, is_staff) VALUES (:thread, 0, "
                    "'r', 'h', :html, :html, 'approved', :now, '127.0.0.1', 0, 0, 0, 0, :staff)"
                ),
                {"thread": thread_id, "html": html, "now": datetime(2026, 12, 1), "staff": False},
            )
    upgrade_database(engine)
    with engine.connect() as connection:
        langs = list(connection.execute(text("SELECT lang FROM comments ORDER BY id")).scalars())
    engine.dispose()

    assert langs == ["zh-Hans", "zh-Hant", "en", "other"]


def _database_at(url: str, revision: str) -> Engine:
    engine = create_engine(url)
    configure_engine(engine)
    upgrade_database(engine, revision)
    return engine


def _comment_with_a_vote_and_a_report(engine: Engine) -> None:
    now = datetime(2026, 12, 1)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO threads (site, article, comment_count, version, closed, created_at) "
                "VALUES ('default', 'a', 1, 1, :closed, :now)"
            ),
            {"closed": False, "now": now},
        )
        connection.execute(
            text(
                "INSERT INTO comments (thread_id, depth, author_name, author_hash, body_source, body_html, status, "
                "created_at, client_ip, likes, dislikes, hot_score, reply_count, is_staff) SELECT id, 0, 'r', 'h', "
                "'x', '<p>x</p>', 'approved', :now, '127.0.0.1', 1, 0, 0, 0, :staff FROM threads"
            ),
            {"now": now, "staff": False},
        )
        connection.execute(
            text("INSERT INTO votes (comment_id, voter_key, value, created_at) SELECT id, 'v', 1, :now FROM comments"),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO reports (comment_id, reporter_key, reason, note, created_at, resolved) "
                "SELECT id, 'r', 'spam', '', :now, :resolved FROM comments"
            ),
            {"now": now, "resolved": False},
        )


def test_upgrading_a_database_from_before_sso_keeps_the_votes_and_reports_of_its_comments(
    empty_database_url: str,
) -> None:
    """Migration 0007 changes `comments` by copying it on SQLite; with foreign keys on while it ran,
    dropping the old copy deleted every vote and report (they cascade from their comment)."""
    engine = _database_at(empty_database_url, "0006")
    _comment_with_a_vote_and_a_report(engine)
    upgrade_database(engine)
    with engine.connect() as connection:
        kept = [connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one() for name in ("votes", "reports")]
        foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar() if engine.name == "sqlite" else 1
    engine.dispose()

    assert kept == [1, 1]
    assert foreign_keys == 1, "the connection goes back to the pool with foreign keys on"


def test_an_upgrade_that_would_leave_rows_referring_to_nothing_changes_nothing(tmp_path: Path) -> None:
    """SQLite, where the migrations run with foreign keys off: a vote whose comment is gone (stored
    with foreign keys off, as only a hand edit can) stops the upgrade in one clear error."""
    engine = _database_at(f"sqlite:///{tmp_path / 'broken.sqlite3'}", "0013_flood_sketches")
    _comment_with_a_vote_and_a_report(engine)
    with engine.connect() as connection:
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql("DELETE FROM comments")
        connection.commit()
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")

    with pytest.raises(MigrationError, match=r"would refer to rows that are not there .*nothing was changed"):
        upgrade_database(engine)
    revision = current_revision(f"sqlite:///{tmp_path / 'broken.sqlite3'}")
    engine.dispose()

    assert revision == "0013_flood_sketches"


def test_an_upgrade_with_nothing_to_apply_does_not_check_every_reference(tmp_path: Path) -> None:
    """The reference check reads every table: workers starting after another one migrated, and `db
    upgrade` run twice, skip it."""
    engine = _database_at(f"sqlite:///{tmp_path / 'current.sqlite3'}", "head")
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_rest: sent.append(statement))
    upgrade_database(engine)
    engine.dispose()

    assert sent and not any("foreign_key_check" in statement for statement in sent)
