"""When Redis or the database stops answering, commentsvc degrades as configured and says so once, never with a 500."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import POSTGRES_ADMIN_URL, REDIS_URL, LiveServer, app_settings, free_port
from form_filling import form_fields
from sqlalchemy import create_engine

from commentsvc import create_app
from commentsvc.extensions import db

ARTICLE = "world/asia/typhoon-landfall"


def request(
    server: LiveServer | LiveServerAt, method: str, path: str, payload: Any = None
) -> tuple[int, Any, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        body = json.dumps(payload) if payload is not None else None
        connection.request(
            method, path, body=body, headers={"Content-Type": "application/json"} if body is not None else {}
        )
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None, dict(response.getheaders())
    finally:
        connection.close()


def post_comment(server: LiveServer | LiveServerAt, n: int) -> int:
    """Posts as the widget does: a form token first, then the comment with it."""
    _, form, _ = request(server, "POST", "/api/v1/form-tokens", {"article": ARTICLE})
    payload = {"article": ARTICLE, "name": "读者", "body": f"台风 {n} {uuid.uuid4().hex}", **form_fields(form)}
    status, _, _ = request(server, "POST", "/api/v1/comments", payload)
    return status


def log_lines(server: LiveServer, needle: str) -> list[str]:
    return [line for line in server.log_path.read_text(errors="replace").splitlines() if needle in line]


# --- Redis unreachable -----------------------------------------------------------------------------


@pytest.mark.slow
def test_unreachable_redis_falls_back_to_in_memory_limits(
    start_server: Callable[..., LiveServer],
) -> None:
    """Unreachable Redis falls back to in-memory limits with one log line."""
    dead_redis = f"redis://127.0.0.1:{free_port()}/15"
    server = start_server(
        env={"COMMENTSVC_RATELIMIT_STORAGE_URI": dead_redis, "COMMENTSVC_RATELIMIT_POST": "3/minute"}, workers=1
    )

    statuses = [post_comment(server, n) for n in range(6)]
    read_status, thread, _ = request(server, "GET", f"/api/v1/comments?article={ARTICLE}")

    assert statuses == [201, 201, 201, 429, 429, 429]
    assert read_status == 200 and thread["count"] == 3
    lines = log_lines(server, "rate-limit storage")
    assert len(lines) == 1, lines
    assert f"rate-limit storage {dead_redis} is unreachable: counting limits in this process's memory" in lines[0]
    assert not log_lines(server, "Traceback")


@pytest.mark.slow
def test_unreachable_redis_without_fallback_lets_requests_through(
    start_server: Callable[..., LiveServer],
) -> None:
    """Unreachable Redis with the fallback off lets requests through with one log line."""
    dead_redis = f"redis://127.0.0.1:{free_port()}/15"
    server = start_server(
        env={
            "COMMENTSVC_RATELIMIT_STORAGE_URI": dead_redis,
            "COMMENTSVC_RATELIMIT_POST": "3/minute",
            "COMMENTSVC_RATELIMIT_FALLBACK": "off",
        },
        workers=1,
    )

    statuses = [post_comment(server, n) for n in range(6)]

    assert statuses == [201] * 6
    lines = log_lines(server, "rate-limit storage")
    assert len(lines) == 1, lines
    assert "is unreachable (ConnectionError): requests pass without rate limits" in lines[0]
    assert not log_lines(server, "Traceback")


def test_a_storage_address_password_never_reaches_the_log() -> None:
    """A password in the storage address never reaches the log."""
    from commentsvc.web.ratelimits import redacted_uri

    assert redacted_uri("redis://:s3cret@cache.internal:6380/2") == "redis://:***@cache.internal:6380/2"
    assert redacted_uri("redis://limiter:s3cret@cache.internal/0") == "redis://limiter:***@cache.internal/0"
    assert redacted_uri("redis://:s3cret@[fd00::6]:6379/0") == "redis://:***@[fd00::6]:6379/0"
    assert redacted_uri("redis://cache.internal:6379/0") == "redis://cache.internal:6379/0"


def test_an_unknown_fallback_setting_is_refused_at_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COMMENTSVC_RATELIMIT_FALLBACK", "closed")

    with pytest.raises(RuntimeError, match="COMMENTSVC_RATELIMIT_FALLBACK: expected 'memory' or 'off'"):
        create_app(app_settings(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path))


@pytest.mark.slow
@pytest.mark.redis
def test_limits_return_to_redis_when_it_answers_again(
    start_server: Callable[..., LiveServer], redis_prefix: str
) -> None:
    """Limits return to Redis when it answers again, and both changes are logged once."""
    import redis

    prefix = redis_prefix
    real = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    address = real.connection_pool.connection_kwargs
    proxy = TcpProxy((address.get("host", "127.0.0.1"), int(address.get("port", 6379))))
    proxy.start()
    try:
        server = start_server(
            env={
                "COMMENTSVC_RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{proxy.port}/15",
                "COMMENTSVC_RATELIMIT_KEY_PREFIX": prefix,
            },
            workers=1,
        )
        statuses = [post_comment(server, 0)]
        proxy.stop()
        statuses.append(post_comment(server, 1))
        proxy.start()
        for key in real.scan_iter(match=f"*{prefix}*"):
            real.delete(key)
        deadline = time.monotonic() + 20
        while not log_lines(server, "is reachable again") and time.monotonic() < deadline:
            statuses.append(post_comment(server, len(statuses)))
            time.sleep(0.25)
        statuses.append(post_comment(server, len(statuses)))

        assert set(statuses) == {201}
        assert len(log_lines(server, "is unreachable")) == 1
        back = log_lines(server, f"rate-limit storage redis://127.0.0.1:{proxy.port}/15 is reachable again: limits")
        assert len(back) == 1, back
        assert list(real.scan_iter(match=f"*{prefix}*")), "limits are not counted in Redis again"
    finally:
        proxy.stop()
        real.close()


# --- database unreachable --------------------------------------------------------------------------


@pytest.fixture(params=["postgres", "sqlite"])
def unreachable_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/commentsvc"
    return f"sqlite:///{tmp_path / 'missing-folder' / 'commentsvc.sqlite3'}"


@pytest.fixture
def app_without_database(unreachable_database_url: str, tmp_path: Path) -> Iterator[Any]:
    application = create_app(app_settings(unreachable_database_url, tmp_path / "instance"))
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("GET", f"/api/v1/comments?article={ARTICLE}", None),
        ("POST", "/api/v1/comments", {"article": ARTICLE, "body": "还在吗"}),
        ("GET", f"/api/v1/counts?article={ARTICLE}", None),
        ("POST", "/api/v1/comments/1/vote", {"value": 1}),
    ],
)
def test_api_answers_503_json_when_the_database_is_unreachable(
    app_without_database: Any, method: str, path: str, payload: Any
) -> None:
    response = app_without_database.test_client().open(path, method=method, json=payload)

    assert response.status_code == 503
    assert response.get_json() == {
        "error": {
            "code": "database_unavailable",
            "message": "The comment database could not serve this request right now. Try again shortly.",
        }
    }


def test_healthz_says_503_when_the_database_is_unreachable(app_without_database: Any) -> None:
    response = app_without_database.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"


class TcpProxy:
    """Forwards a local port to a service; stopping it drops every connection, as a failed service would."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept() (Linux)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_a_server_losing_its_database_answers_503_then_recovers(
    start_server: Callable[..., LiveServer], empty_postgres_database: str
) -> None:
    """A server whose database goes away answers 503 and recovers when it is back."""
    name = empty_postgres_database.rsplit("/", 1)[1]
    target = create_engine(POSTGRES_ADMIN_URL).url
    proxy = TcpProxy((target.host or "127.0.0.1", target.port or 5432))
    proxy.start()
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/{name}"
        server = start_server(env={"COMMENTSVC_DATABASE_URL": url, "COMMENTSVC_AUTO_MIGRATE": "true"}, workers=1)
        assert post_comment(server, 1) == 201

        proxy.stop()
        down = [
            request(server, "GET", f"/api/v1/comments?article={ARTICLE}"),
            request(server, "POST", "/api/v1/comments", {"article": ARTICLE, "body": "数据库没了"}),
            request(server, "GET", "/healthz"),
        ]
        proxy.start()
        back = [request(server, "GET", f"/api/v1/comments?article={ARTICLE}"), request(server, "GET", "/healthz")]

        assert [status for status, _, _ in down] == [503, 503, 503]
        assert all(body["error"]["code"] == "database_unavailable" for _, body, _ in down)
        assert [status for status, _, _ in back] == [200, 200]
        assert back[0][1]["count"] == 1
        assert not log_lines(server, "Traceback")
    finally:
        proxy.stop()


@pytest.mark.slow
def test_the_production_gunicorn_config_logs_the_outage_line(tmp_path: Path, sqlite_url: str) -> None:
    """The production gunicorn config writes the outage line with time and level."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMMENTSVC_")}
    env.update(
        {
            key: str(value)
            for key, value in app_settings(sqlite_url, tmp_path / "instance").items()
            if key.startswith("COMMENTSVC_")
        }
    )
    env["COMMENTSVC_RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{free_port()}/15"
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:commentsvc.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "commentsvc.wsgi:app",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        server = LiveServerAt(port, process, log_path)
        server.wait_ready()
        assert post_comment(server, 1) == 201
    finally:
        process.terminate()
        process.wait(timeout=15)

    lines = [line for line in log_path.read_text(errors="replace").splitlines() if "rate-limit storage" in line]
    assert len(lines) == 1, lines
    assert re.match(
        r"^\[\d{4}-\d\d-\d\d [\d:]{8} [+-]\d{4}\] \[\d+\] \[WARNING\] commentsvc\.web\.ratelimits: "
        r"rate-limit storage redis://127\.0\.0\.1:\d+/15 is unreachable",
        lines[0],
    ), lines[0]


class LiveServerAt:
    """The bits of a LiveServer the helpers above use, for a gunicorn started with other arguments."""

    def __init__(self, port: int, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process = process
        self.log_path = log_path

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text(errors="replace")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"gunicorn did not start:\n{self.log_path.read_text(errors='replace')}")
