"""Several workers starting together on a fresh SQLite file all come up (issue 17 R7)."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port

WORKERS = 4
STARTS = 3


def start_fresh(folder: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMMENTSVC_")}
    env.update({"COMMENTSVC_INSTANCE_PATH": str(folder), "COMMENTSVC_RATELIMIT_ENABLED": "false"})
    log_path = folder.parent / f"{folder.name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "commentsvc.wsgi:app",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--no-control-socket",
                "--graceful-timeout",
                "3",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return process, port, log_path


def healthy_answers(port: int, process: subprocess.Popen[bytes], wanted: int) -> int:
    """Health checks answered 200 within the deadline; several connections, so several workers answer."""
    answered = 0
    deadline = time.monotonic() + 30
    while answered < wanted and time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                answered += response.status == 200
        except OSError:
            time.sleep(0.05)
    return answered


@pytest.mark.slow
def test_many_workers_start_together_on_a_fresh_file(tmp_path: Path) -> None:
    """Regression: `PRAGMA journal_mode=WAL` failed with "database is locked" in one of two workers
    starting at once on an empty instance folder, and the gunicorn master shut down."""
    for start in range(STARTS):
        folder = tmp_path / f"fresh-{start}"
        process, port, log_path = start_fresh(folder)
        try:
            answered = healthy_answers(port, process, wanted=20)
            alive = process.poll() is None
        finally:
            process.terminate()
            process.wait(timeout=15)
        log = log_path.read_text(errors="replace")
        assert alive and answered == 20, log
        assert "Traceback" not in log and "database is locked" not in log, log
        assert len(set((folder / "secret_key").read_text().split())) == 1
