"""SQLite runs with foreign keys, WAL and a busy timeout; the schema is created on start."""

from sqlalchemy import text

from commentsvc.extensions import db


def test_sqlite_connections_use_foreign_keys_wal_and_a_busy_timeout(make_app, sqlite_url):
    app = make_app(COMMENTSVC_DATABASE_URL=sqlite_url)
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_an_empty_sqlite_file_is_migrated_to_the_current_schema_on_start(tmp_path):
    from commentsvc import create_app
    from commentsvc.database import schema_is_current

    app = create_app({"COMMENTSVC_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
                      "COMMENTSVC_INSTANCE_PATH": str(tmp_path), "COMMENTSVC_SECRET_KEY": "s"})
    with app.app_context():
        assert schema_is_current(db.engine)
