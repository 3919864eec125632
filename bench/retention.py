"""What IP retention and region labels cost: one `purge-ips` over N old comments (and as many audit
entries), and one region lookup in an mmdb file (tests/geo_support.py's, or --mmdb a real GeoLite2 City).

Run from the repository root: `python bench/retention.py [--comments 100000] [--database-url URL] [--mmdb FILE]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from geo_support import JIANGSU_IP, build_mmdb  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from commentsvc.domain.regions import RegionLookup  # noqa: E402
from commentsvc.domain.retention import purge_batch  # noqa: E402
from commentsvc.models import AuditEntry, Comment, Thread  # noqa: E402
from commentsvc.storage.engine import configure_engine  # noqa: E402
from commentsvc.storage.migrations import upgrade_database  # noqa: E402

START = datetime(2026, 1, 1)


def seed(session: Session, n: int) -> None:
    session.execute(insert(Thread).values(id=1, site="default", article="a", created_at=START, comment_count=n))
    for first in range(0, n, 5000):
        count = min(5000, n - first)
        session.execute(
            insert(Comment.__table__),
            [
                {
                    "thread_id": 1,
                    "author_name": "r",
                    "author_hash": "0" * 32,
                    "body_source": "x",
                    "body_html": "<p>x</p>",
                    "status": "approved",
                    "created_at": START + timedelta(seconds=first + i),
                    "client_ip": f"203.0.{(first + i) // 256 % 256}.{(first + i) % 256}",
                    "user_agent": f"Mozilla/5.0 bench {(first + i) % 50}",
                }
                for i in range(count)
            ],
        )
        session.execute(
            insert(AuditEntry.__table__),
            [
                {"action": "login", "target_type": "moderator", "client_ip": "198.51.100.7", "created_at": START}
                for _ in range(count)
            ],
        )
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--mmdb", help="an mmdb file (default: the tests' small one)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{folder}/retention.sqlite3"
        engine = create_engine(url)
        configure_engine(engine)
        upgrade_database(engine)
        with Session(engine) as session:
            seed(session, options.comments)
            for label in ("purge", "purge again"):
                started, purged, longest, after = time.perf_counter(), 0, 0.0, (0, 0)
                while True:
                    batch_started = time.perf_counter()
                    batch = purge_batch(session, secret="bench", now=START + timedelta(days=60), days=30, after=after)
                    session.commit()
                    longest = max(longest, time.perf_counter() - batch_started)
                    purged, after = purged + batch.purged, batch.after
                    if batch.done:
                        break
                took = time.perf_counter() - started
                print(
                    f"{label}: {purged} rows in {took:.2f} s ({purged / max(took, 1e-9):,.0f} rows/s), "
                    f"longest write transaction {longest * 1000:.0f} ms, on {engine.dialect.name}"
                )
        engine.dispose()
        lookup = RegionLookup.open(options.mmdb or str(build_mmdb(Path(folder) / "city.mmdb")))
        rounds = 100_000
        started = time.perf_counter()
        for _ in range(rounds):
            lookup.region_of(JIANGSU_IP)
        print(f"region lookup: {(time.perf_counter() - started) / rounds * 1e6:.1f} µs each")


if __name__ == "__main__":
    main()
