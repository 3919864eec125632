"""Where the embedded default keeps its data, and getting it out safely (issue 17 items 2-4)."""

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLE, ROOT

from commentsvc import instance
from commentsvc.instance import DATABASE_FILE, InstanceError, init_instance

PROBE = "from commentsvc.instance import data_dir; print(data_dir({}))"


def test_the_data_folder_is_commentsvc_data_in_the_working_directory(tmp_path: Path) -> None:
    """Regression: the data lived in .venv/var/commentsvc-instance or ./instance depending on how the
    package was installed, so reinstalling switched to an empty database and `rm -rf .venv` lost it."""
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, check=True)

    assert result.stdout.strip() == str(tmp_path / "commentsvc-data")


@pytest.mark.slow
def test_a_wheel_install_uses_the_same_data_folder(tmp_path: Path) -> None:
    """The other install mode: a plain (non-editable) install finds the same folder."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(next(wheels.glob("*.whl"))),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )

    assert result.stdout.strip() == str(work / "commentsvc-data")


def test_init_refuses_an_empty_start_beside_an_older_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An older default location with data: say where it is and how to move it, start nothing empty."""
    older = tmp_path / "venv" / "var" / "commentsvc-instance"
    older.mkdir(parents=True)
    sqlite3.connect(older / DATABASE_FILE).execute("CREATE TABLE threads (id INTEGER)").connection.close()
    monkeypatch.setattr(instance, "older_default_folders", lambda: [older])
    folder = tmp_path / "commentsvc-data"

    with pytest.raises(InstanceError) as refused:
        init_instance({"COMMENTSVC_INSTANCE_PATH": str(folder)})

    assert str(older) in str(refused.value) and f"mv {older} {folder}" in str(refused.value)
    assert not folder.exists()


def test_init_starts_once_the_older_folder_is_moved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    older = tmp_path / "instance"
    older.mkdir()
    sqlite3.connect(older / DATABASE_FILE).close()
    (older / DATABASE_FILE).write_bytes(b"")  # an empty file holds nothing to lose
    monkeypatch.setattr(instance, "older_default_folders", lambda: [older])

    report = init_instance({"COMMENTSVC_INSTANCE_PATH": str(tmp_path / "commentsvc-data")})

    assert report.migrated and (tmp_path / "commentsvc-data" / DATABASE_FILE).stat().st_size > 0


def test_serve_says_where_the_data_folder_is(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "commentsvc"), "init"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert f"data folder: {tmp_path / 'commentsvc-data'}" in result.stdout
    assert "alembic" not in result.stderr.lower(), "migration progress only with -v"


def test_backup_copies_the_write_ahead_log_too(app: Any, runner: Any, make_comment: Any, tmp_path: Path) -> None:
    """Regression (item 3): copying the SQLite file while serving lost the comments still in the WAL."""
    if app.config["COMMENTSVC_DATABASE_URL"].startswith("postgresql"):
        result = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
        assert result.exit_code == 1 and "pg_dump" in result.output
        return
    for n in range(40):
        make_comment(body=f"备份前的第 {n} 条")
    target = tmp_path / "copy.sqlite3"

    result = runner.invoke(args=["backup", str(target)])

    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM comments").fetchone()[0] == 40
        assert copy.execute("SELECT comment_count FROM threads WHERE article = ?", (ARTICLE,)).fetchone()[0] == 40


def test_backup_never_overwrites_a_file(app: Any, runner: Any, tmp_path: Path) -> None:
    target = tmp_path / "taken.sqlite3"
    target.write_text("keep me")

    result = runner.invoke(args=["backup", str(target)])

    sqlite = app.config["COMMENTSVC_DATABASE_URL"].startswith("sqlite")
    assert result.exit_code == 1 and ("already exists" if sqlite else "pg_dump") in result.output
    assert target.read_text() == "keep me"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1:5432/commentsvc_never_created", "does not exist (connection failed"),
        ("postgresql+pg8000://postgres@127.0.0.1:5432/commentsvc", "the PostgreSQL driver (pg8000) is not installed"),
    ],
)
def test_db_upgrade_failures_are_one_clear_line(tmp_path: Path, url: str, expected: str) -> None:
    """Regression (item 4): a missing database printed a 136-line traceback; a missing driver ModuleNotFoundError."""
    env = {"PATH": "/usr/bin:/bin", "COMMENTSVC_DATABASE_URL": url, "COMMENTSVC_SECRET_KEY": "s"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "commentsvc"), "db", "upgrade"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
