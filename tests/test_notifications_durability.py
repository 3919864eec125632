"""The outbox's proof: 200 replies with notifications while two workers on PostgreSQL are SIGKILLed at
random points and restarted; every reply reaches its reader in exactly one message."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLE, ROOT, TEST_SECRET, app_settings, free_port
from notifications_support import SmtpServer, parts
from sqlalchemy import create_engine, func, select, update

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.models import Delivery, DeliveryStatus, Subscriber
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
            if time.monotonic() >= next_kill:
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
