"""`commentsvc serve` runs gunicorn on the embedded default and warns when limits would split."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port

from commentsvc.config import SETTING_NAMES

pytestmark = pytest.mark.slow
COMMENTSVC = Path(sys.executable).parent / "commentsvc"


def start_serve(tmp_path, *args):
    if not COMMENTSVC.exists():
        pytest.skip(f"{COMMENTSVC} is not installed (pip install -e .)")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env["COMMENTSVC_INSTANCE_PATH"] = str(tmp_path / "instance")
    log = (tmp_path / "serve.log").open("w+b")
    process = subprocess.Popen(
        [str(COMMENTSVC), "serve", "--port", str(port), *args], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    return process, port, log


def wait_healthy(port, process, log):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log_text(log)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.2)
    raise AssertionError(log_text(log))


def log_text(log):
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")


def stop(process, log):
    log.close()
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_serve_starts_gunicorn_on_sqlite_and_prints_demo_url(tmp_path):
    """serve starts gunicorn on SQLite in the instance folder and prints the demo URL."""
    process, port, log = start_serve(tmp_path)
    try:
        assert wait_healthy(port, process, log) == 200
        output = log_text(log)
        assert f"http://127.0.0.1:{port}/demo/" in output
        assert "gunicorn" in output.lower()
        assert "1 worker(s)" in output
        assert (tmp_path / "instance" / "commentsvc.sqlite3").exists()
        assert "WARNING: " not in output.split("commentsvc: serving")[0]
    finally:
        stop(process, log)


def test_serve_warns_when_workers_would_keep_separate_limits(tmp_path):
    """serve warns loudly when several workers would each keep their own limits."""
    process, port, log = start_serve(tmp_path, "--workers", "2")
    try:
        wait_healthy(port, process, log)
        assert "WARNING: 2 worker processes with COMMENTSVC_RATELIMIT_STORAGE_URI=memory://" in log_text(log)
    finally:
        stop(process, log)
