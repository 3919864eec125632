"""Proof that several app servers on one PostgreSQL and one Redis (or one SQLite file) lose nothing under load."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import REDIS_URL, TEST_SECRET, LiveServer, child_pids, own_words
from form_filling import form_fields
from sqlalchemy import create_engine, func, select

from commentsvc.models import ArticleRate, Comment, Thread

pytestmark = pytest.mark.slow

SITE = "scaleout"
ARTICLES = ("world/ukraine/talks", "china/economy/gdp-q3", "sport/football/final")
MAX_DEPTH = 5
UNLIMITED = "1000000/minute"
COMMENTSVC = Path(sys.executable).parent / "commentsvc"


# --- services: our own PostgreSQL database and our own Redis keys -------------------------------


@pytest.fixture
def scaleout_database(empty_postgres_database: str, tmp_path: Path) -> str:
    """A database of our own on the shared server, migrated by `commentsvc db upgrade` as on a deploy."""
    migrate = run_cli(["db", "upgrade"], cli_env(empty_postgres_database, tmp_path))
    assert migrate.returncode == 0, migrate.stderr
    return empty_postgres_database


def cli_env(database_url: str, instance: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMMENTSVC_")}
    env.update(
        COMMENTSVC_DATABASE_URL=database_url,
        COMMENTSVC_SECRET_KEY=TEST_SECRET,
        COMMENTSVC_INSTANCE_PATH=str(instance / "cli"),
        COMMENTSVC_AUTO_MIGRATE="false",
    )
    return env


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(COMMENTSVC), *args], env=env, capture_output=True, text=True, timeout=120)


def server_env(database_url: str, redis_prefix: str | None = None, **overrides: str) -> dict[str, str]:
    env = {
        "COMMENTSVC_DATABASE_URL": database_url,
        "COMMENTSVC_AUTO_MIGRATE": "false" if database_url.startswith("postgresql") else "true",
        "COMMENTSVC_MAX_DEPTH": str(MAX_DEPTH),
        **{f"COMMENTSVC_RATELIMIT_{kind}": UNLIMITED for kind in ("POST", "EDIT", "VOTE", "REPORT", "READ")},
    }
    if redis_prefix:
        env.update(COMMENTSVC_RATELIMIT_STORAGE_URI=REDIS_URL, COMMENTSVC_RATELIMIT_KEY_PREFIX=redis_prefix)
    env.update(overrides)
    return env


def kill_server(server: LiveServer) -> None:
    """SIGKILL the gunicorn master and every worker at once: no graceful shutdown, no goodbye."""
    master = server.process.pid
    workers = child_pids(master)
    assert len(workers) == 2, workers
    for pid in (master, *workers):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    server.process.wait(timeout=10)


# --- an HTTP client that fails over between servers ----------------------------------------------


class Unreachable(Exception):
    """No server answered the request at all."""


class FailoverClient:
    """One keep-alive connection per server; a dropped or refused connection moves on to the next server."""

    def __init__(self, ports: list[int], rng: random.Random) -> None:
        self.ports = ports
        self.rng = rng
        self.connections: dict[int, http.client.HTTPConnection] = {}
        self.turn = rng.randrange(len(ports))
        self.sent_at = 0.0

    def _once(self, port: int, method: str, path: str, payload: Any, headers: dict[str, str]) -> tuple[int, Any]:
        connection = self.connections.get(port)
        if connection is None:
            connection = self.connections[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = json.dumps(payload).encode() if payload is not None else None
        all_headers = {"Content-Type": "application/json", **headers} if body is not None else dict(headers)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            del self.connections[port]
            raise
        data = json.loads(raw) if raw and response.getheader("Content-Type", "").startswith("application/json") else raw
        return response.status, data

    def send(
        self, method: str, path: str, payload: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, int]:
        """Returns (status, JSON, port that answered); retries the same request elsewhere on a connection error."""
        for attempt in range(40):
            self.turn = (self.turn + 1) % len(self.ports)
            port = self.ports[self.turn]
            try:
                self.sent_at = time.monotonic()
                status, data = self._once(port, method, path, payload, headers or {})
                return status, data, port
            except (OSError, http.client.HTTPException):
                time.sleep(min(0.01 * attempt, 0.2))
        raise Unreachable(f"{method} {path}: no server answered")

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()


# --- the workload and what it remembers -----------------------------------------------------------


@dataclass
class Posted:
    id: int
    article: str
    parent_id: int | None
    depth: int
    token: str
    key: str


@dataclass
class Ledger:
    """Everything clients were told, to compare with what the database kept."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    posted: dict[int, Posted] = field(default_factory=dict)
    by_article: dict[str, list[int]] = field(default_factory=dict)
    ids_by_key: dict[str, set[int]] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    edit_attempts: dict[int, set[str]] = field(default_factory=dict)
    edited: set[int] = field(default_factory=set)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    served_by: Counter[int] = field(default_factory=Counter)
    answers: list[tuple[float, int]] = field(default_factory=list)  # (sent at, port that answered)
    server_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    killed_at: float | None = None

    def served_after(self, moment: float) -> Counter[int]:
        """Answers to requests sent after `moment`, by server."""
        return Counter(port for sent_at, port in self.answers if sent_at > moment)

    def pick(
        self, rng: random.Random, article: str | None = None, recent: int = 0, shown: bool = False
    ) -> Posted | None:
        """A comment clients were told about; `recent` narrows to the newest few, so writers collide;
        `shown` leaves out those known deleted, as a reader replies only to what the page still shows."""
        with self.lock:
            ids = self.by_article.get(article, []) if article else list(self.posted)
            ids = [i for i in ids if i not in self.deleted] if shown else ids
            ids = ids[-recent:] if recent else ids
            return self.posted[rng.choice(ids)] if ids else None

    def answer(
        self, action: str, client: FailoverClient, status: int, data: Any, port: int, expected: set[int]
    ) -> None:
        with self.lock:
            self.statuses[(action, status)] += 1
            self.served_by[port] += 1
            self.answers.append((client.sent_at, port))
            if status >= 500:
                self.server_errors.append(f"{action}: {status} {data!r}"[:300])
            elif status not in expected:
                self.unexpected.append(f"{action}: {status} {data!r}"[:300])


def expected_placement(target: Posted | None) -> tuple[int | None, int]:
    """Where a reply lands: under its target, or beside it (under the target's parent) at the depth cap."""
    if target is None:
        return None, 0
    if target.depth + 1 < MAX_DEPTH:
        return target.id, target.depth + 1
    return target.parent_id, target.depth


def post_one(client: FailoverClient, ledger: Ledger, rng: random.Random, name: str) -> None:
    article = rng.choice(ARTICLES)
    target = ledger.pick(rng, article, shown=True) if rng.random() < 0.6 else None
    key = uuid.uuid4().hex
    payload: dict[str, Any] = {
        "site": SITE,
        "article": article,
        "title": f"Story {article}",
        "name": name,
        "body": own_words(f"{name} says"),  # each reader's own words: near copies would be a flood
    }
    if target is not None:
        payload["parent_id"] = target.id
    # As the widget posts: a form token first (a retry of the post below reuses it with its Idempotency-Key).
    token_status, form, token_port = client.send("POST", "/api/v1/form-tokens", {"site": SITE, "article": article})
    if token_status != 200:
        ledger.answer("form-token", client, token_status, form, token_port, {200})
        return
    payload.update(form_fields(form))
    status, data, port = client.send("POST", "/api/v1/comments", payload, {"Idempotency-Key": key})
    ledger.answer("post", client, status, data, port, {201, 404})
    if status == 404 and data["error"]["code"] != "parent_not_available":
        ledger.unexpected.append(f"post: 404 {data!r}")
    if status != 201:
        return
    parent_id, depth = expected_placement(target)
    with ledger.lock:
        if data["parent_id"] != parent_id:
            ledger.unexpected.append(f"post: reply to {target} landed under {data['parent_id']}")
        ledger.ids_by_key.setdefault(key, set()).add(data["id"])
        ledger.posted[data["id"]] = Posted(data["id"], article, data["parent_id"], depth, data["edit_token"], key)
        ledger.by_article.setdefault(article, []).append(data["id"])


def edit_one(client: FailoverClient, ledger: Ledger, rng: random.Random, name: str) -> None:
    target = ledger.pick(rng, recent=6)
    if target is None:
        return
    body = f"{name} corrects {uuid.uuid4().hex}"
    with ledger.lock:
        ledger.edit_attempts.setdefault(target.id, set()).add(body)
    status, data, port = client.send(
        "PATCH", f"/api/v1/comments/{target.id}", {"body": body}, {"Authorization": f"Bearer {target.token}"}
    )
    ledger.answer("edit", client, status, data, port, {200, 403})
    if status == 200:
        with ledger.lock:
            ledger.edited.add(target.id)
    elif status == 403 and data["error"]["code"] != "comment_deleted":
        ledger.unexpected.append(f"edit: 403 {data!r}")


def delete_one(client: FailoverClient, ledger: Ledger, rng: random.Random, name: str) -> None:
    target = ledger.pick(rng, recent=6)
    if target is None:
        return
    status, data, port = client.send(
        "DELETE", f"/api/v1/comments/{target.id}", None, {"Authorization": f"Bearer {target.token}"}
    )
    ledger.answer("delete", client, status, data, port, {200, 403})
    if status == 200 or (status == 403 and data["error"]["code"] == "comment_deleted"):
        with ledger.lock:
            ledger.deleted.add(target.id)
    elif status == 403:
        ledger.unexpected.append(f"delete: 403 {data!r}")


def vote_one(client: FailoverClient, ledger: Ledger, rng: random.Random, name: str) -> None:
    target = ledger.pick(rng, recent=rng.choice((0, 6)))
    if target is None:
        return
    status, data, port = client.send("POST", f"/api/v1/comments/{target.id}/vote", {"value": rng.choice((1, -1, 0))})
    ledger.answer("vote", client, status, data, port, {200, 404})


def read_one(client: FailoverClient, ledger: Ledger, rng: random.Random, name: str) -> None:
    article = rng.choice(ARTICLES)
    status, data, port = client.send("GET", f"/api/v1/comments?site={SITE}&article={article}&sort=newest")
    ledger.answer("read", client, status, data, port, {200})


ROLES: tuple[tuple[str, Callable[..., None], int], ...] = (
    ("poster", post_one, 4),
    ("editor", edit_one, 2),
    ("deleter", delete_one, 2),
    ("voter", vote_one, 2),
    ("reader", read_one, 1),
)


def run_workload(
    ports: list[int], seconds: float, *, halfway: Callable[[Ledger], None] | None = None, seed: int = 20240916
) -> Ledger:
    """Clients post, reply to each other, edit, delete, vote and read on the same few threads until time is up."""
    ledger = Ledger()
    deadline = time.monotonic() + seconds
    failures: list[BaseException] = []

    def client_loop(role: str, action: Callable[..., None], number: int) -> None:
        rng = random.Random(f"{seed}-{role}-{number}")
        client = FailoverClient(ports, rng)
        try:
            while time.monotonic() < deadline:
                action(client, ledger, rng, f"{role}{number}")
        except BaseException as exc:  # surfaced below, with the thread's role
            failures.append(exc)
        finally:
            client.close()

    workers = [
        threading.Thread(target=client_loop, args=(role, action, n), name=f"{role}{n}", daemon=True)
        for role, action, count in ROLES
        for n in range(count)
    ]
    for worker in workers:
        worker.start()
    if halfway is not None:
        time.sleep(seconds * 0.4)
        halfway(ledger)
    for worker in workers:
        worker.join(timeout=seconds + 90)
    assert not [worker.name for worker in workers if worker.is_alive()], "clients hung"
    if failures:
        raise failures[0]
    return ledger


def assert_nothing_lost(ledger: Ledger, database_url: str, ports: list[int], instance: Path) -> None:
    """The database holds exactly what clients were told, and every count agrees with the rows."""
    print(f"\n{sorted(ledger.statuses.items())} served by {dict(ledger.served_by)}")
    assert not ledger.server_errors, f"{len(ledger.server_errors)} server errors, e.g. {ledger.server_errors[:5]}"
    assert not ledger.unexpected, ledger.unexpected[:10]
    replies = sum(1 for posted in ledger.posted.values() if posted.parent_id is not None)
    assert ledger.statuses[("post", 201)] >= 40 and replies >= 15, ledger.statuses
    assert ledger.edited and ledger.deleted and ledger.statuses[("vote", 200)] >= 10, ledger.statuses
    assert all(len(ids) == 1 for ids in ledger.ids_by_key.values()), "one Idempotency-Key stored twice"

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = {
                row.id: row
                for row in connection.execute(
                    select(
                        Comment.id,
                        Comment.parent_id,
                        Comment.status,
                        Comment.body_source,
                        Comment.author_name,
                        Thread.article,
                    )
                    .join(Thread, Thread.id == Comment.thread_id)
                    .where(Thread.site == SITE)
                )
            }
            threads = {
                row.article: row
                for row in connection.execute(
                    select(Thread.id, Thread.article, Thread.comment_count, Thread.participant_count).where(
                        Thread.site == SITE
                    )
                )
            }
            reply_counts = dict(
                connection.execute(select(Comment.id, Comment.reply_count).where(Comment.parent_id.is_(None))).all()
            )
            approved_replies = Counter(
                root
                for (root,) in connection.execute(
                    select(Comment.root_id).where(Comment.root_id.is_not(None), Comment.status == "approved")
                )
            )
            total = connection.execute(select(func.count()).select_from(Comment)).scalar_one()
    finally:
        engine.dispose()

    lost = sorted(set(ledger.posted) - set(rows))
    untold = sorted(set(rows) - set(ledger.posted))
    assert not lost, f"acknowledged but not stored: {lost[:20]}"
    assert not untold, f"stored but never acknowledged: {untold[:20]}"
    assert total == len(rows)
    for comment_id, posted in ledger.posted.items():
        row = rows[comment_id]
        assert (row.article, row.parent_id) == (posted.article, posted.parent_id), comment_id
        assert row.status == ("deleted" if comment_id in ledger.deleted else "approved"), comment_id
        if comment_id in ledger.edited:
            assert row.body_source in ledger.edit_attempts[comment_id], comment_id

    # Every client posts under its own name from one address: its participant key is its name.
    people = {
        article: len({row.author_name for row in rows.values() if row.article == article and row.status == "approved"})
        for article in ARTICLES
    }
    for article, thread in threads.items():
        visible = sum(1 for row in rows.values() if row.article == article and row.status == "approved")
        assert thread.comment_count == visible, f"{article}: count {thread.comment_count}, visible {visible}"
        assert thread.participant_count == people[article], f"{article}: {thread.participant_count} participants"
    for root_id, stored in reply_counts.items():
        visible = approved_replies[root_id]
        assert stored == visible, f"#{root_id}: reply_count {stored}, visible {visible}"

    for port in ports:
        client = FailoverClient([port], random.Random(0))
        query = "&".join(f"article={article}" for article in ARTICLES)
        status, data, _ = client.send("GET", f"/api/v1/counts?site={SITE}&{query}")
        client.close()
        assert status == 200
        assert data["counts"] == {
            article: sum(1 for row in rows.values() if row.article == article and row.status == "approved")
            for article in ARTICLES
        }
        assert data["participants"] == people

    recount = run_cli(["recount"], cli_env(database_url, instance))
    assert recount.returncode == 0, recount.stderr
    assert "recount: 0 drift(s) fixed." in recount.stdout, recount.stdout
    # Every stored comment's HTML is what its source renders to (issue 17 R1: concurrent renders broke it).
    assert "whose stored HTML differs" not in recount.stdout, recount.stdout


def server_log_problems(*servers: LiveServer) -> list[str]:
    problems = []
    for server in servers:
        log = server.log_path.read_text(errors="replace")
        for marker in ("Traceback", "database is locked", "WORKER TIMEOUT"):
            if marker in log:
                problems.append(f"{server.url}: {marker}")
    return problems


# --- the proofs -----------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
def test_two_servers_on_postgresql_and_redis_lose_no_writes(
    start_server: Callable[..., LiveServer], scaleout_database: str, redis_prefix: str, tmp_path: Path
) -> None:
    """Two app servers on one PostgreSQL and Redis lose nothing under concurrent writes."""
    env = server_env(scaleout_database, redis_prefix)
    servers = [start_server(env=env, workers=2), start_server(env=env, workers=2)]
    ports = [server.port for server in servers]

    ledger = run_workload(ports, seconds=12)

    assert all(ledger.served_by[port] > 50 for port in ports), ledger.served_by
    assert_nothing_lost(ledger, scaleout_database, ports, tmp_path)
    assert not server_log_problems(*servers)


def post_once(port: int, body: str) -> tuple[int, Any, str | None]:
    """One POST on a fresh connection: (status, JSON, Retry-After)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        form = json.dumps({"site": SITE, "article": "limits"})
        connection.request("POST", "/api/v1/form-tokens", body=form, headers={"Content-Type": "application/json"})
        token = json.loads(connection.getresponse().read())
        payload = json.dumps({"site": SITE, "article": "limits", "body": body, **form_fields(token)})
        connection.request("POST", "/api/v1/comments", body=payload, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read()), response.getheader("Retry-After")
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.redis
def test_post_limit_is_exact_across_two_servers_through_redis(
    start_server: Callable[..., LiveServer], scaleout_database: str, redis_prefix: str
) -> None:
    """The post limit is enforced exactly across two servers through Redis."""
    limit = 4
    env = server_env(scaleout_database, redis_prefix, COMMENTSVC_RATELIMIT_POST=f"{limit}/minute")
    servers = [start_server(env=env, workers=2), start_server(env=env, workers=2)]

    answers = [post_once(servers[n % 2].port, f"post {n} {uuid.uuid4().hex}") for n in range(3 * limit)]

    assert [status for status, _, _ in answers] == [201] * limit + [429] * (2 * limit)
    for _, data, retry_after in answers[limit:]:
        assert data["error"]["code"] == "rate_limited"
        assert retry_after is not None and 0 < int(retry_after) <= 60, retry_after


def test_gunicorn_workers_on_sqlite_never_hit_database_is_locked(
    start_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    """Two gunicorn workers on the embedded SQLite file never answer "database is locked"."""
    # An empty file: both workers migrate it on start, taking turns under the write lock.
    database_url = f"sqlite:///{tmp_path / 'embedded.sqlite3'}"
    server = start_server(env=server_env(database_url), workers=2)

    ledger = run_workload([server.port], seconds=10)

    assert_nothing_lost(ledger, database_url, [server.port], tmp_path)
    assert not server_log_problems(server)


@pytest.mark.postgres
@pytest.mark.redis
def test_killing_one_app_server_loses_no_acknowledged_comment(
    start_server: Callable[..., LiveServer], scaleout_database: str, redis_prefix: str, tmp_path: Path
) -> None:
    """Killing one app server mid-run loses no acknowledged comment, and the other keeps serving."""
    env = server_env(scaleout_database, redis_prefix)
    doomed, survivor = start_server(env=env, workers=2), start_server(env=env, workers=2)

    def kill(ledger: Ledger) -> None:
        kill_server(doomed)
        with ledger.lock:
            ledger.killed_at = time.monotonic()

    ledger = run_workload([doomed.port, survivor.port], seconds=12, halfway=kill)

    assert doomed.process.returncode == -signal.SIGKILL
    assert ledger.killed_at is not None
    after_kill = ledger.served_after(ledger.killed_at)
    assert ledger.served_by[doomed.port] > 20
    assert after_kill[survivor.port] > 30, after_kill
    assert after_kill[doomed.port] == 0
    assert_nothing_lost(ledger, scaleout_database, [survivor.port], tmp_path)
    assert not server_log_problems(survivor)


def posted_at_once(servers: list[LiveServer], payloads: list[dict[str, Any]], *, network: int) -> list[int]:
    """Each payload posted from an address of its own, all released together, to the servers in turn;
    the statuses they were answered with."""
    barrier = threading.Barrier(len(payloads))
    statuses: list[int] = []
    lock = threading.Lock()

    def post(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", servers[number % len(servers)].port, timeout=30)
        barrier.wait()
        try:
            connection.request(
                "POST",
                "/api/v1/comments",
                body=json.dumps(payloads[number]),
                headers={"Content-Type": "application/json", "X-Forwarded-For": f"10.{network}.{number}.1"},
            )
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        with lock:
            statuses.append(response.status)

    posters = [threading.Thread(target=post, args=(number,)) for number in range(len(payloads))]
    for poster in posters:
        poster.start()
    for poster in posters:
        poster.join(timeout=60)
    return statuses


@pytest.mark.postgres
@pytest.mark.redis
def test_one_form_token_posted_at_once_on_two_servers_publishes_one_comment(
    start_server: Callable[..., LiveServer], scaleout_database: str, redis_prefix: str
) -> None:
    """The comment rows' unique nonce decides between concurrent uses of one token, on any server; every
    use is answered 201, and all but the first are kept as spam."""
    env = server_env(scaleout_database, redis_prefix, COMMENTSVC_TRUSTED_PROXIES="1")
    servers = [start_server(env=env, workers=2), start_server(env=env, workers=2)]
    author = FailoverClient([servers[0].port], random.Random(0))
    _, form, _ = author.send("POST", "/api/v1/form-tokens", {"site": SITE, "article": "one-token"})
    author.close()
    uses = 6
    payloads = [
        {"site": SITE, "article": "one-token", "body": own_words(f"use {number}"), **form_fields(form)}
        for number in range(uses)
    ]
    statuses = posted_at_once(servers, payloads, network=77)

    engine = create_engine(scaleout_database)
    with engine.connect() as connection:
        stored = connection.execute(
            select(Comment.status, Comment.hold_reasons)
            .join(Thread, Thread.id == Comment.thread_id)
            .where(Thread.article == "one-token")
        ).all()
    engine.dispose()
    assert statuses == [201] * uses
    assert sorted(status for status, _ in stored) == ["approved"] + ["spam"] * (uses - 1)
    assert all(reasons.startswith("form_token_replayed") for status, reasons in stored if status == "spam")


@pytest.mark.postgres
@pytest.mark.redis
def test_posts_at_once_on_two_servers_each_count_in_the_articles_rate(
    start_server: Callable[..., LiveServer], scaleout_database: str, redis_prefix: str
) -> None:
    """The article's rate row is read locked, so concurrent posts through two servers into one article
    all count, none overwriting another's count."""
    env = server_env(scaleout_database, redis_prefix, COMMENTSVC_TRUSTED_PROXIES="1")
    servers = [start_server(env=env, workers=2), start_server(env=env, workers=2)]
    author = FailoverClient([servers[0].port], random.Random(0))
    while time.gmtime().tm_sec > 40:  # all of it within one minute: the rate counts per minute
        time.sleep(1)
    forms = [author.send("POST", "/api/v1/form-tokens", {"site": SITE, "article": "rated"})[1] for _ in range(9)]
    status, _, _ = author.send(
        "POST",
        "/api/v1/comments",
        {"site": SITE, "article": "rated", "body": own_words("first"), **form_fields(forms[0])},
    )
    author.close()
    assert status == 201
    payloads = [
        {"site": SITE, "article": "rated", "body": own_words(f"at once {number}"), **form_fields(form)}
        for number, form in enumerate(forms[1:])
    ]
    statuses = posted_at_once(servers, payloads, network=78)

    engine = create_engine(scaleout_database)
    with engine.connect() as connection:
        counted = connection.execute(
            select(ArticleRate.minute_count)
            .join(Thread, Thread.id == ArticleRate.thread_id)
            .where(Thread.article == "rated")
        ).scalar_one()
    engine.dispose()
    assert statuses == [201] * len(payloads)
    assert counted == len(payloads) + 1


@pytest.mark.postgres
@pytest.mark.redis
def test_concurrent_reports_on_two_servers_hide_a_comment_once(
    start_server: Callable[..., LiveServer], scaleout_database: str, redis_prefix: str, tmp_path: Path
) -> None:
    """Readers reporting one comment at once on two servers hide it once."""
    # Concurrent reports that cross the threshold together must take the comment out of the count once.
    threshold, readers, rounds = 3, 6, 12
    env = server_env(
        scaleout_database, redis_prefix, COMMENTSVC_TRUSTED_PROXIES="1", COMMENTSVC_REPORT_THRESHOLD=str(threshold)
    )
    servers = [start_server(env=env, workers=2), start_server(env=env, workers=2)]
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def report(port: int, comment_id: int, reader_ip: str, barrier: threading.Barrier) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        try:
            connection.request(
                "POST",
                f"/api/v1/comments/{comment_id}/report",
                body=json.dumps({"reason": "spam"}),
                headers={"Content-Type": "application/json", "X-Forwarded-For": reader_ip},
            )
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        with lock:
            statuses[response.status] += 1

    author = FailoverClient([servers[0].port], random.Random(0))
    for round_number in range(rounds):
        _, form, _ = author.send("POST", "/api/v1/form-tokens", {"site": SITE, "article": "reported"})
        status, data, _ = author.send(
            "POST",
            "/api/v1/comments",
            {"site": SITE, "article": "reported", "body": f"round {round_number}", **form_fields(form)},
            {"X-Forwarded-For": "203.0.113.1", "Idempotency-Key": uuid.uuid4().hex},
        )
        assert status == 201, data
        barrier = threading.Barrier(readers)
        reporters = [
            threading.Thread(
                target=report,
                # Every reader on a network of their own: one network's reports count once.
                args=(servers[n % 2].port, data["id"], f"10.{round_number * readers + n}.0.1", barrier),
            )
            for n in range(readers)
        ]
        for reporter in reporters:
            reporter.start()
        for reporter in reporters:
            reporter.join(timeout=60)

    # A reader whose report arrives after the comment went to review finds it gone (404).
    assert set(statuses) <= {202, 404} and statuses[202] >= rounds * threshold, statuses
    status, data, _ = author.send("GET", f"/api/v1/counts?site={SITE}&article=reported")
    author.close()
    assert data["counts"] == {"reported": 0}
    recount = run_cli(["recount"], cli_env(scaleout_database, tmp_path))
    assert "recount: 0 drift(s) fixed." in recount.stdout, recount.stdout
    # Every stored comment's HTML is what its source renders to (issue 17 R1: concurrent renders broke it).
    assert "whose stored HTML differs" not in recount.stdout, recount.stdout


@pytest.mark.postgres
@pytest.mark.redis
def test_readers_posting_and_deleting_at_once_on_two_servers_keep_participants_exact(
    start_server: Callable[..., LiveServer], scaleout_database: str, redis_prefix: str, tmp_path: Path
) -> None:
    """One reader posting many comments at once on two servers is one participant; when their last
    visible comment goes, while others post and delete at the same moment, they are none."""
    env = server_env(scaleout_database, redis_prefix)
    servers = [start_server(env=env, workers=2), start_server(env=env, workers=2)]
    article, names, burst = "participants", ("读者甲", "读者乙", "读者丙"), 6
    posted: dict[str, list[tuple[int, str, str]]] = {name: [] for name in names}
    problems: list[str] = []
    lock = threading.Lock()

    def at_once(jobs: list[Callable[[FailoverClient], None]]) -> None:
        barrier = threading.Barrier(len(jobs))

        def run(number: int, job: Callable[[FailoverClient], None]) -> None:
            client = FailoverClient([servers[number % 2].port], random.Random(number))
            try:
                barrier.wait()
                job(client)
            finally:
                client.close()

        workers = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)

    def post_as(name: str) -> Callable[[FailoverClient], None]:
        def job(client: FailoverClient) -> None:
            _, form, _ = client.send("POST", "/api/v1/form-tokens", {"site": SITE, "article": article})
            payload = {"site": SITE, "article": article, "name": name, "body": own_words(name), **form_fields(form)}
            status, data, _ = client.send("POST", "/api/v1/comments", payload)
            with lock:
                if status == 201:
                    posted[name].append((data["id"], data["edit_token"], data["status"]))
                else:
                    problems.append(f"post {status}: {data!r}"[:200])

        return job

    def delete(comment_id: int, token: str) -> Callable[[FailoverClient], None]:
        def job(client: FailoverClient) -> None:
            status, data, _ = client.send(
                "DELETE", f"/api/v1/comments/{comment_id}", None, {"Authorization": f"Bearer {token}"}
            )
            if status != 200:
                with lock:
                    problems.append(f"delete {status}: {data!r}"[:200])

        return job

    at_once([post_as(name) for name in names for _ in range(burst)])
    first, second, third = (list(posted[name]) for name in names)
    # 读者甲 deletes every comment, 读者乙 all but one, while 读者丙 posts more: all at once.
    at_once(
        [delete(comment_id, token) for comment_id, token, _ in first + second[1:]]
        + [post_as(names[2]) for _ in range(burst)]
    )
    assert not problems, problems[:5]
    visible = {
        names[1]: [second[0]],
        names[2]: posted[names[2]],
    }
    expected_count = sum(1 for comments in visible.values() for *_, status in comments if status == "approved")
    expected_people = sum(1 for comments in visible.values() if any(s == "approved" for *_, s in comments))
    assert expected_count > burst  # nothing held for review: the numbers below are the readers'
    for server in servers:
        client = FailoverClient([server.port], random.Random(0))
        status, data, _ = client.send("GET", f"/api/v1/counts?site={SITE}&article={article}")
        client.close()
        assert status == 200
        assert (data["counts"][article], data["participants"][article]) == (expected_count, expected_people)
    recount = run_cli(["recount"], cli_env(scaleout_database, tmp_path))
    assert "recount: 0 drift(s) fixed." in recount.stdout, recount.stdout
    assert not server_log_problems(*servers)
