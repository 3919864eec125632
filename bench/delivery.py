"""Delivery worker throughput: N queued emails sent by one worker to a local SMTP server (aiosmtpd).

    python bench/delivery.py                       # SQLite, 2,000 emails
    python bench/delivery.py --emails 5000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/commentsvc_bench_mail

Each email is a reader's reply notification: a confirmed subscriber, their comment and a reply to it,
dispatched from the outbox like any other (dispatch is timed separately from sending).
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from commentsvc import create_app  # noqa: E402
from commentsvc.clock import utcnow  # noqa: E402
from commentsvc.delivery.worker import Worker, WorkerSettings  # noqa: E402
from commentsvc.domain.posting import Client, PostingSettings, post_comment  # noqa: E402
from commentsvc.domain.submission import Author  # noqa: E402
from commentsvc.extensions import db  # noqa: E402
from commentsvc.models import Subscriber  # noqa: E402
from commentsvc.storage.migrations import upgrade_database  # noqa: E402

SERVER = """
import sys
from aiosmtpd.controller import Controller
class Counter:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Counter.count += 1
        return "250 OK"
controller = Controller(Counter(), hostname="127.0.0.1", port={port})
controller.start()
sys.stdin.read()
controller.stop()
print(Counter.count)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--batch", type=int, default=WorkerSettings.batch)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="commentsvc-bench-mail-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    if url.startswith("postgresql"):
        admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = url.rsplit("/", 1)[1]
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade_database(create_engine(url))
    port = free_port()
    # The SMTP server runs in a process of its own, as a real one would (not sharing this one's GIL).
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER.format(port=port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    app = create_app(
        {
            "COMMENTSVC_DATABASE_URL": url,
            "COMMENTSVC_INSTANCE_PATH": str(folder),
            "COMMENTSVC_SECRET_KEY": "bench-secret",
            "COMMENTSVC_SMTP_URL": f"smtp://127.0.0.1:{port}",
            "COMMENTSVC_REPLY_DIGEST_SECONDS": 0,
            "COMMENTSVC_AUTO_MIGRATE": False,
        }
    )
    settings = PostingSettings(secret="bench-secret")
    with app.app_context():
        session = db.session()
        now = utcnow()
        for n in range(args.emails):
            email = f"reader{n}@bench.example"
            parent = post_comment(
                session,
                site="bench",
                article=f"a{n % 100}",
                title="t",
                url="https://bench.example/a",
                parent_id=None,
                author=Author(name=f"r{n}", email=email, website=None),
                body=f"comment {n}",
                client=Client(ip=f"10.0.{n // 250}.{n % 250}"),
                now=now,
                settings=settings,
                notify="en",
            )
            post_comment(
                session,
                site="bench",
                article=f"a{n % 100}",
                title=None,
                url=None,
                parent_id=parent.comment.id,
                author=Author(name="other", email=None, website=None),
                body=f"reply {n} with some **text**",
                client=Client(ip="10.9.9.9"),
                now=now,
                settings=settings,
            )
        session.execute(db.update(Subscriber).values(confirmed_at=now))
        session.execute(text("UPDATE deliveries SET status = 'skipped' WHERE kind = 'confirmation'"))
        session.commit()
        worker = Worker(db.engine, WorkerSettings.from_config(app.config, batch=args.batch, alert_interval=3600))
        started = time.perf_counter()
        while worker.dispatch():
            pass
        dispatched = time.perf_counter() - started
        started = time.perf_counter()
        worker.drain(rounds=100_000)
        sent = time.perf_counter() - started
        worker.close()
    received = int(server.communicate("", timeout=30)[0].strip() or 0)
    backend = url.split(":", 1)[0]
    print(f"{backend}: {args.emails} reply events dispatched in {dispatched:.2f} s ({args.emails / dispatched:,.0f}/s)")
    print(
        f"{backend}: {received} emails received in {sent:.2f} s ({received / sent:,.0f} emails/s, batch {args.batch})"
    )
    assert received == args.emails, received


if __name__ == "__main__":
    main()
