"""The outbox's proof on PostgreSQL: replies with notifications while two delivery workers (and, in the
1,000-reply run, the app servers too) are SIGKILLed at random points and restarted; every acknowledged
reply reaches its reader in exactly one message, and nothing is sent for anything else."""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLE, ROOT, TEST_SECRET, LiveServer, app_settings, child_pids, free_port
from form_filling import form_fields
from notifications_support import PUBLIC_URL, SmtpServer, local, make_worker, parts
from sqlalchemy import Engine, create_engine, func, select, text, update

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.models import Comment, Delivery, DeliveryStatus, Subscriber
from commentsvc.storage.migrations import upgrade_database

READERS = 20
REPLIES = 200


def start_worker(env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from commentsvc.cli import main; main()", "worker", "--lease-seconds", "2"]
    command += ["--poll-seconds", "0.05"]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


@pytest.mark.slow
@pytest.mark.postgres
def test_killed_workers_lose_and_repeat_no_reply(empty_postgres_database: str, tmp_path: Path) -> None:
    """SIGKILL at random points: 0 replies lost; none told in two messages. A message whose SMTP
    exchange finished just before a kill is sent again under the same Message-ID (at least once);
    the test counts those resends and a mail store folds them into one."""
    url = empty_postgres_database
    engine = create_engine(url)
    upgrade_database(engine)
    engine.dispose()
    smtp = SmtpServer(free_port())
    settings = app_settings(url, tmp_path / "instance", COMMENTSVC_SMTP_URL=smtp.url, COMMENTSVC_REPLY_DIGEST_SECONDS=0)
    app = create_app(settings)
    client = app.test_client()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTSVC_")}
    env.update({k: str(v) for k, v in settings.items() if k.startswith("COMMENTSVC_")})
    env["COMMENTSVC_SECRET_KEY"] = TEST_SECRET
    log = (tmp_path / "workers.log").open("ab")
    parents = []
    for n in range(READERS):
        response = client.post(
            "/api/v1/comments",
            json={
                "article": ARTICLE,
                "name": f"r{n}",
                "email": f"r{n}@example.org",
                "body": f"top {n}",
                "notify": True,
            },
        )
        parents.append(response.get_json()["id"])
    with app.app_context():
        db.session.execute(update(Subscriber).values(confirmed_at=func.now()))
        db.session.execute(update(Delivery).values(status=DeliveryStatus.SKIPPED.value))  # the confirmations
        db.session.commit()
    rng = random.Random(20)
    workers = [start_worker(env, log), start_worker(env, log)]
    kills = 0
    try:
        next_kill = time.monotonic() + rng.uniform(0.03, 0.2)
        for n in range(REPLIES):
            response = client.post(
                "/api/v1/comments",
                json={"article": ARTICLE, "parent_id": rng.choice(parents), "name": "other", "body": f"reply-{n}-end"},
            )
            assert response.status_code == 201
            # At random times, and every tenth of the run too, so a fast machine gets as many kills.
            if time.monotonic() >= next_kill or n % (REPLIES // 10) == REPLIES // 20:
                victim = rng.randrange(2)
                workers[victim].send_signal(signal.SIGKILL)
                workers[victim].wait()
                workers[victim] = start_worker(env, log)
                kills += 1
                next_kill = time.monotonic() + rng.uniform(0.03, 0.2)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with app.app_context():
                open_ = db.session.scalar(
                    select(func.count())
                    .select_from(Delivery)
                    .where(
                        Delivery.status != DeliveryStatus.SENT.value, Delivery.status != DeliveryStatus.SKIPPED.value
                    )
                )
                undispatched = db.session.execute(
                    db.text("SELECT count(*) FROM outbox_events WHERE NOT dispatched")
                ).scalar()
                db.session.rollback()
            if not open_ and not undispatched:
                break
            time.sleep(0.3)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        smtp.stop()
        log.close()
        with app.app_context():
            db.engine.dispose()
    messages_by_id: dict[str, Any] = {}
    raw = Counter(message["Message-ID"] for message in smtp.messages)
    for message in smtp.messages:
        messages_by_id[message["Message-ID"]] = message
    told: Counter[str] = Counter()
    for message in messages_by_id.values():
        told.update(re.findall(r"reply-\d+-end", parts(message)[0]))
    print(
        f"kills: {kills}, messages: {len(messages_by_id)}, resends under the same Message-ID: {sum(raw.values()) - len(raw)}"
    )
    assert kills >= 5, (tmp_path / "workers.log").read_text()
    assert set(told) == {f"reply-{n}-end" for n in range(REPLIES)}  # 0 lost
    assert max(told.values()) == 1  # 0 duplicates: no reply in two different messages


# --- 1,000 replies over two app servers, app servers and workers killed --------------------------

MANY_REPLIES = 1000
KILL_EVERY = MANY_REPLIES // 12
POSTERS = 4
THREAD_URL = "https://news.example/2024/09/16/durability"


def kill_app_server(server: LiveServer) -> None:
    """SIGKILL the gunicorn master and its workers at once: requests in flight get no answer."""
    master = server.process.pid
    for pid in (master, *child_pids(master)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    server.process.wait(timeout=10)


class Replies:
    """The posting side's ledger: which reply numbers were acknowledged, under which comment id."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports  # the live servers; a killed one's port is replaced by its successor's
        self.lock = threading.Lock()
        self.next = 0
        self.acknowledged: dict[int, int] = {}
        self.unexpected: list[str] = []
        self.connection_errors = 0

    def take(self) -> int | None:
        with self.lock:
            if self.next >= MANY_REPLIES:
                return None
            self.next += 1
            return self.next - 1


def post_until_answered(replies: Replies, rng: random.Random, payload: dict[str, Any]) -> tuple[int, Any]:
    """One Idempotency-Key (and one form token, fetched first as the widget does) for every try: a retry
    after a lost answer must not post the reply twice."""
    body = None
    headers = {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with replies.lock:
            port = rng.choice(replies.ports)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            if body is None:
                form = json.dumps({"article": payload["article"]})
                connection.request(
                    "POST", "/api/v1/form-tokens", body=form, headers={"Content-Type": "application/json"}
                )
                token = json.loads(connection.getresponse().read())
                body = json.dumps({**payload, **form_fields(token)}).encode()
            connection.request("POST", "/api/v1/comments", body=body, headers=headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        except (OSError, http.client.HTTPException):
            with replies.lock:
                replies.connection_errors += 1
            time.sleep(0.02)
        finally:
            connection.close()
    raise AssertionError(f"no app server answered for 60 s: {payload['body']}")


def poster(replies: Replies, parents: list[int], seed: int) -> None:
    rng = random.Random(seed)
    while (n := replies.take()) is not None:
        payload = {"article": ARTICLE, "parent_id": rng.choice(parents), "name": "other", "body": f"reply-{n}-end"}
        status, data = post_until_answered(replies, rng, payload)
        with replies.lock:
            if status == 201:
                replies.acknowledged[n] = data["id"]
            else:
                replies.unexpected.append(f"{payload['body']}: {status} {data!r}"[:300])


def subscribe_and_confirm_readers(app: Any, smtp: SmtpServer, readers: int) -> list[int]:
    """Each reader asks for reply emails and follows the confirmation link, as in the email tests."""
    client = app.test_client()
    parents = []
    for n in range(readers):
        payload = {"article": ARTICLE, "url": THREAD_URL, "name": f"r{n}", "email": f"r{n}@example.org"}
        response = client.post("/api/v1/comments", json={**payload, "body": f"top {n}", "notify": True})
        assert response.status_code == 201, response.get_json()
        parents.append(response.get_json()["id"])
    make_worker(app).drain()
    assert len(smtp.messages) == readers
    for message in smtp.messages:
        confirm = re.search(rf"{re.escape(PUBLIC_URL)}/notifications/confirm\?token=[\w.\-%]+", parts(message)[0])
        assert confirm is not None
        assert client.post(local(confirm.group(0))).status_code == 200
    return parents


def wait_until_delivered(engine: Engine, timeout: float, while_waiting: Callable[[], None]) -> bool:
    """True once every event is dispatched and every delivery sent (or skipped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            open_ = connection.execute(
                text("SELECT count(*) FROM deliveries WHERE status NOT IN ('sent', 'skipped')")
            ).scalar()
            undispatched = connection.execute(text("SELECT count(*) FROM outbox_events WHERE NOT dispatched")).scalar()
        if not open_ and not undispatched:
            return True
        while_waiting()
        time.sleep(0.2)
    return False


@pytest.mark.slow
@pytest.mark.postgres
def test_killed_app_servers_and_workers_lose_and_repeat_no_reply(
    empty_postgres_database: str, tmp_path: Path, start_server: Callable[..., LiveServer]
) -> None:
    """1,000 replies posted by four clients over two gunicorn servers, with Idempotency-Key retries on
    a connection error, while one app server is SIGKILLed and replaced at a random point and the two
    `commentsvc worker` processes are SIGKILLed and restarted at random points: every acknowledged
    reply arrives in exactly one message (by distinct Message-ID and by reply), nothing arrives for a
    comment no client was told of, and a resent message is the same message under the same Message-ID."""
    url = empty_postgres_database
    engine = create_engine(url)
    upgrade_database(engine)
    smtp = SmtpServer(free_port())
    common = {
        "COMMENTSVC_SMTP_URL": smtp.url,
        "COMMENTSVC_PUBLIC_URL": PUBLIC_URL,
        "COMMENTSVC_REPLY_DIGEST_SECONDS": 0,
    }
    settings = app_settings(url, tmp_path / "instance", **common)
    app = create_app(settings)
    parents = subscribe_and_confirm_readers(app, smtp, READERS)
    confirmations = len(smtp.messages)
    with app.app_context():
        db.engine.dispose()

    server_env = {"COMMENTSVC_DATABASE_URL": url, "COMMENTSVC_AUTO_MIGRATE": "false"}
    server_env.update({key: str(value) for key, value in common.items()})
    servers = [start_server(env=server_env), start_server(env=server_env)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTSVC_")}
    env.update({k: str(v) for k, v in settings.items() if k.startswith("COMMENTSVC_")})
    log = (tmp_path / "workers.log").open("ab")
    rng = random.Random(1000)
    replies = Replies([server.port for server in servers])
    kill_server_at = rng.randint(MANY_REPLIES // 5, MANY_REPLIES * 3 // 5)
    server_kills = worker_kills = 0
    workers = [start_worker(env, log), start_worker(env, log)]
    next_worker_kill = time.monotonic() + rng.uniform(0.3, 1.5)

    # Kills come every 0.3-1.5 s and, so that a fast machine gets as many, every KILL_EVERY replies too.
    next_kill_at_reply = KILL_EVERY

    def maybe_kill_a_worker(progress: int = 0) -> None:
        nonlocal next_worker_kill, worker_kills, next_kill_at_reply
        if progress >= next_kill_at_reply:
            next_kill_at_reply += KILL_EVERY
        elif time.monotonic() < next_worker_kill:
            return
        victim = rng.randrange(2)
        workers[victim].send_signal(signal.SIGKILL)
        workers[victim].wait()
        workers[victim] = start_worker(env, log)
        worker_kills += 1
        next_worker_kill = time.monotonic() + rng.uniform(0.3, 1.5)

    started = time.monotonic()
    posters = [threading.Thread(target=poster, args=(replies, parents, seed)) for seed in range(POSTERS)]
    try:
        for thread in posters:
            thread.start()
        while any(thread.is_alive() for thread in posters):
            with replies.lock:
                progress = len(replies.acknowledged)
            if not server_kills and progress >= kill_server_at:
                victim = rng.randrange(2)
                kill_app_server(servers[victim])
                server_kills += 1
                successor = start_server(env=server_env)
                with replies.lock:
                    replies.ports[victim] = successor.port
                servers[victim] = successor
            maybe_kill_a_worker(progress)
            time.sleep(0.02)
        posted_in = time.monotonic() - started
        kills_end = time.monotonic() + 8  # kills go on into the delivery backlog, then the workers finish it

        def while_delivering() -> None:
            if time.monotonic() < kills_end:
                maybe_kill_a_worker()

        delivered = wait_until_delivered(engine, 60, while_delivering)
    finally:
        for thread in posters:
            thread.join(timeout=90)
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        smtp.stop()
        log.close()
    with engine.connect() as connection:
        stored = Counter(
            connection.execute(
                select(Comment.body_html).where(Comment.parent_id.is_not(None), Comment.author_name == "other")
            ).scalars()
        )
    engine.dispose()

    received = smtp.messages[confirmations:]
    copies = Counter(message["Message-ID"] for message in received)
    first: dict[str, Any] = {}
    for message in received:
        first.setdefault(message["Message-ID"], message)
        assert parts(message) == parts(first[message["Message-ID"]]), "a resend must be the same message"
    told_replies: Counter[int] = Counter()
    told_ids: Counter[int] = Counter()
    for message in first.values():
        body = parts(message)[0]
        told_replies.update(int(n) for n in re.findall(r"reply-(\d+)-end", body))
        told_ids.update(int(i) for i in re.findall(r"#comment-(\d+)", body))
    print(
        f"posted {len(replies.acknowledged)} in {posted_in:.1f} s ({replies.connection_errors} connection errors "
        f"retried); app server kills: {server_kills}, worker kills: {worker_kills}; messages: {len(first)}, "
        f"resends under the same Message-ID: {len(received) - len(first)} "
        f"(most copies of one: {max(copies.values())}); drained in {time.monotonic() - started - posted_in:.1f} s"
    )
    assert server_kills == 1 and worker_kills >= 10, (tmp_path / "workers.log").read_text()
    assert delivered, "deliveries still open after 60 s"
    assert replies.unexpected == []
    assert sorted(replies.acknowledged) == list(range(MANY_REPLIES))  # every client got an answer
    assert len(set(replies.acknowledged.values())) == MANY_REPLIES  # a retried post replayed, not reposted
    assert sum(stored.values()) == MANY_REPLIES and max(stored.values()) == 1
    assert set(told_replies) == set(replies.acknowledged)  # 0 lost
    assert max(told_replies.values()) == 1  # 0 duplicates: no reply in two different messages
    assert told_ids == Counter(replies.acknowledged.values())  # each acknowledged comment once; no other
