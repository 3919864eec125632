"""Fixtures: an app per test on a clean database (SQLite and PostgreSQL), clients, and live servers."""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask
from form_filling import FormFillingClient
from privacy_guard import guarded_test_clients
from sqlalchemy import create_engine, event, text

from commentsvc import create_app
from commentsvc.config import SETTING_NAMES
from commentsvc.extensions import db
from commentsvc.storage.engine import configure_engine
from commentsvc.storage.migrations import upgrade_database

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
POSTGRES_ADMIN_URL = os.environ.get("COMMENTSVC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("COMMENTSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_SECRET = "test-secret-not-for-production"
# CI sets this so that a missing service, browser or corpus fails the run instead of skipping.
REQUIRE_ALL = os.environ.get("COMMENTSVC_TESTS_REQUIRE_SERVICES") == "1"


@contextmanager
def statements(app: Flask) -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement the app sends while the block runs (transaction control left out)."""
    from commentsvc.extensions import db

    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def load_bench_script(name: str) -> ModuleType:
    """bench/ is not a package: a script is loaded from its file, once (its dataclasses look their module
    up by name), as `bench_<name>`."""
    module_name = f"bench_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, ROOT / "bench" / f"{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (COMMENTSVC_TESTS_REQUIRE_SERVICES=1: required in CI)")
    pytest.skip(reason)


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or a skip (a failure in CI) when the folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        skip_or_fail(f"{path} is not available")
    return path


@pytest.fixture(autouse=True, scope="session")
def _privacy_guard_on_every_response() -> Iterator[None]:
    """Issue 7: every public response any test client receives is checked for readers' emails, IPs and user agents."""
    with guarded_test_clients():
        # Comment posts without a form token fetch one first, as the widget does (tests/form_filling.py).
        Flask.test_client_class = FormFillingClient
        yield


@pytest.fixture(autouse=True)
def _no_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's COMMENTSVC_* variables must not change what tests see."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)


# --- databases ---------------------------------------------------------------------------------


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any driver error means "not here"
        return f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {type(exc).__name__}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for every test: migrating per test would dominate the suite."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    configure_engine(engine)
    upgrade_database(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """Our own database on the shared server, created for this run and dropped after it."""
    problem = _postgres_reachable()
    if problem:
        skip_or_fail(problem)
    name = f"commentsvc_test_{os.getpid()}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url)
    upgrade_database(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def empty_postgres_database() -> Iterator[str]:
    """A brand-new, empty database of our own on the shared server, dropped afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"commentsvc_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any driver error means "not here"
        admin.dispose()
        skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {type(exc).__name__}")
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix no one else uses on Redis db 15; only keys carrying it are removed afterwards."""
    try:
        import redis
    except ImportError:
        skip_or_fail("the redis package is not installed (pip install 'commentsvc[redis]')")
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        connection.ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}: {type(exc).__name__}")
    prefix = f"commentsvc-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    yield prefix
    for key in connection.scan_iter(match=f"*{prefix}*"):
        connection.delete(key)
    connection.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every test that uses the database runs on both engines, each time on a clean database."""
    if request.param == "sqlite":
        path = tmp_path / "commentsvc.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    _truncate_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """For tests about SQLite itself (or too slow to repeat): a clean SQLite database only."""
    path = tmp_path / "commentsvc.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


# --- the app -----------------------------------------------------------------------------------


def app_settings(database_url: str, instance_path: Path, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "TESTING": True,
        "COMMENTSVC_DATABASE_URL": database_url,
        "COMMENTSVC_INSTANCE_PATH": str(instance_path),
        "COMMENTSVC_SECRET_KEY": TEST_SECRET,
        "COMMENTSVC_RATELIMIT_STORAGE_URI": "memory://",
        # Generous limits by default; rate-limit tests set their own.
        "COMMENTSVC_RATELIMIT_POST": "10000/minute",
        "COMMENTSVC_RATELIMIT_EDIT": "10000/minute",
        "COMMENTSVC_RATELIMIT_VOTE": "10000/minute",
        "COMMENTSVC_RATELIMIT_REPORT": "10000/minute",
        "COMMENTSVC_RATELIMIT_READ": "10000/minute",
        "COMMENTSVC_RATELIMIT_POST_IDENTITY": "10000/minute",
        "COMMENTSVC_RATELIMIT_POST_ADDRESS": "10000/minute",
        "COMMENTSVC_RATELIMIT_FORM_TOKEN": "10000/minute",
        # Tests post at machine speed, many from one address: the speed and proof-of-work tests set their own
        # (and inject time); a caught post still makes its client solve a challenge.
        "COMMENTSVC_FORM_MIN_SECONDS": 0,
        "COMMENTSVC_CHALLENGE_AFTER": 1_000_000,
        # Tests post bursts to one article far faster than readers do; surge tests set their own threshold.
        "COMMENTSVC_SURGE_MIN_PER_MINUTE": 10000,
        "COMMENTSVC_AUTO_MIGRATE": False,
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override settings for one test module or test: `@pytest.mark.parametrize` or a local fixture."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Any]:
    application = create_app(app_settings(database_url, tmp_path / "instance", **app_config))
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """For tests that need several apps or special settings on the same database."""
    created: list[Any] = []

    def factory(**overrides: Any) -> Any:
        application = create_app(app_settings(database_url, tmp_path / "instance", **overrides))
        created.append(application)
        return application

    yield factory
    for application in created:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def db_session(app: Any) -> Iterator[Any]:
    with app.app_context():
        yield db.session


ARTICLE = "news/2024/09/16/blinken-condemns-russia"

SEED_WORDS = [
    "天气",
    "股市",
    "球赛",
    "电影",
    "地铁",
    "房价",
    "学校",
    "医院",
    "高铁",
    "航班",
    "春节",
    "油价",
    "疫苗",
    "选举",
    "关税",
    "旅游",
    "新能源",
    "芯片",
    "外卖",
    "快递",
    "rain",
    "market",
    "match",
    "film",
    "subway",
    "housing",
    "school",
    "clinic",
    "railway",
    "flight",
    "festival",
    "tariff",
    "travel",
    "battery",
    "chip",
]


def own_words(prefix: str) -> str:
    """A reader's own comment: the prefix and sixteen words drawn at random (enough that a shared
    prefix does not make the seeds near copies of each other)."""
    return f"{prefix} {' '.join(random.sample(SEED_WORDS, 16))} {uuid.uuid4().hex[:6]}"


@pytest.fixture
def make_comment(client: Any) -> Callable[..., dict[str, Any]]:
    """Posts a comment through the API and returns its JSON (edit_token included)."""
    counter = {"n": 0}

    def post(**overrides: Any) -> dict[str, Any]:
        counter["n"] += 1
        payload = {
            "article": ARTICLE,
            "title": "Blinken condemns Russia",
            "name": "读者",
            "body": f"评论 number {counter['n']}",
        }
        payload.update(overrides)
        headers = payload.pop("headers", {})
        response = client.post("/api/v1/comments", json=payload, headers=headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return post


# --- live servers and the browser ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_pids(parent: int) -> list[int]:
    """The processes whose parent is `parent` (a gunicorn master's workers), from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


class LiveServer:
    """A real gunicorn process serving commentsvc on a free port, with its own settings."""

    def __init__(self, env: dict[str, str], workers: int = 1, threads: int = 4) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
        full_env.update(env)
        self.log_path = Path(env["COMMENTSVC_INSTANCE_PATH"]) / f"server-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "commentsvc.wsgi:app",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--worker-class",
                "gthread",
                "--graceful-timeout",
                "5",
                "--timeout",
                "60",
                "--no-control-socket",
            ],
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        import urllib.request

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not become ready:\n{self.log_path.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@pytest.fixture
def start_server(tmp_path: Path, sqlite_template: Path) -> Iterator[Callable[..., LiveServer]]:
    """Starts live servers; by default each on its own fresh SQLite file with generous limits."""
    servers: list[LiveServer] = []

    def start(env: dict[str, str] | None = None, workers: int = 1, threads: int = 4) -> LiveServer:
        instance = tmp_path / f"live-{len(servers)}"
        instance.mkdir()
        settings = {
            key: str(value) for key, value in app_settings("", instance).items() if key.startswith("COMMENTSVC_")
        }
        settings.pop("COMMENTSVC_DATABASE_URL")
        settings["COMMENTSVC_AUTO_MIGRATE"] = "true"
        settings.update(env or {})
        if "COMMENTSVC_DATABASE_URL" not in settings:
            path = instance / "commentsvc.sqlite3"
            shutil.copyfile(sqlite_template, path)
            settings["COMMENTSVC_DATABASE_URL"] = f"sqlite:///{path}"
        server = LiveServer(settings, workers=workers, threads=threads)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    return start_server()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright; never a downloaded browser."""
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context per test; console errors are collected on `page.console_errors`."""
    context = browser.new_context()
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda message: tab.console_errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    yield tab
    context.close()


ARTIFACTS = ROOT / "test-artifacts"
