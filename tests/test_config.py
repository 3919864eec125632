"""Settings come from COMMENTSVC_* variables with safe defaults, all listed in the README."""

import re
from pathlib import Path

import pytest

from commentsvc.config import SETTINGS, load_settings, settings_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_table_lists_exactly_the_config_py_settings():
    """The README configuration table lists exactly the settings in config.py."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    in_readme = set(re.findall(r"^\| `(COMMENTSVC_[A-Z_]+)`", section, flags=re.M))
    assert in_readme == {setting.name for setting in SETTINGS}


def test_the_readme_configuration_table_is_the_generated_one():
    """Regenerate with: python -c 'from commentsvc.config import settings_table; print(settings_table())'"""
    assert settings_table() in README.read_text(encoding="utf-8")


def test_defaults_are_safe_without_any_environment():
    values = load_settings({}, None)
    assert values["COMMENTSVC_RATELIMIT_STORAGE_URI"] == "memory://"
    assert values["COMMENTSVC_RATELIMIT_POST"] == "5/minute;100/day"
    assert values["COMMENTSVC_TRUSTED_PROXIES"] == 0
    assert values["COMMENTSVC_MODERATION"] == "post"
    assert values["COMMENTSVC_EDIT_WINDOW"] == 900
    assert values["COMMENTSVC_ALLOWED_ORIGINS"] == "*"


def test_the_environment_overrides_defaults_and_explicit_config_overrides_both():
    values = load_settings(
        {"COMMENTSVC_EDIT_WINDOW": "60", "COMMENTSVC_MODERATION": "pre"}, {"COMMENTSVC_MODERATION": "post"}
    )
    assert values["COMMENTSVC_EDIT_WINDOW"] == 60
    assert values["COMMENTSVC_MODERATION"] == "post"


@pytest.mark.parametrize(
    "name, raw",
    [
        ("COMMENTSVC_MODERATION", "sometimes"),
        ("COMMENTSVC_EDIT_WINDOW", "soon"),
        ("COMMENTSVC_TRUSTED_PROXIES", "-1"),
        ("COMMENTSVC_RATELIMIT_ENABLED", "maybe"),
    ],
)
def test_a_malformed_setting_stops_start_up_with_its_name(name, raw):
    with pytest.raises(RuntimeError, match=name):
        load_settings({name: raw}, None)


def test_a_missing_secret_key_is_generated_once_and_kept(tmp_path, sqlite_url, caplog):
    """Without a secret key one is generated once, kept and warned about."""
    from commentsvc import create_app
    from commentsvc.instance import init_instance

    config = {"COMMENTSVC_INSTANCE_PATH": str(tmp_path / "inst"), "COMMENTSVC_DATABASE_URL": sqlite_url}
    init_instance(config)
    first = create_app(config)
    assert "COMMENTSVC_SECRET_KEY is not set" in caplog.text
    init_instance(config)
    second = create_app(config)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o077 == 0


def test_the_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    """The default database is an SQLite file in the instance folder, created on start."""
    from commentsvc import create_app
    from commentsvc.instance import init_instance

    init_instance({"COMMENTSVC_INSTANCE_PATH": str(tmp_path), "COMMENTSVC_SECRET_KEY": "s"})
    app = create_app({"COMMENTSVC_INSTANCE_PATH": str(tmp_path), "COMMENTSVC_SECRET_KEY": "s"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'commentsvc.sqlite3'}"
    response = app.test_client().post("/api/v1/comments", json={"article": "a", "body": "works"})
    assert response.status_code == 201


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_ALLOWED_ORIGINS": "https://news.example.com"}])
def test_cors_follows_the_allowed_origins_preflight_included(client, app_config):
    allowed = client.options(
        "/api/v1/comments",
        headers={
            "Origin": "https://news.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type, Idempotency-Key",
        },
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://news.example.com"
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    other = client.get("/api/v1/counts?article=a", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_by_default_any_origin_may_call_the_api(client):
    response = client.get("/api/v1/counts?article=a", headers={"Origin": "https://any.example"})
    assert response.headers["Access-Control-Allow-Origin"] in {"*", "https://any.example"}
