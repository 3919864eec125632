"""Prints the SQL each benchmarked read sends and the plan the database picks for it.

`python bench/plans.py` builds the bench data set into a temporary SQLite file;
`--database-url postgresql+psycopg://postgres@127.0.0.1:5432/commentsvc_plans` does the same in
a PostgreSQL database that it creates and drops. Every statement of a hot-thread page, a
5,000-comment thread page, a 304 revalidation and a 50-article count is shown with its plan:
each should seek through an index, whatever the thread's size.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import dataset  # noqa: E402
from run import create_postgres, drop_postgres, thread_path  # noqa: E402
from sqlalchemy import event  # noqa: E402

from commentsvc import create_app  # noqa: E402
from commentsvc.extensions import db  # noqa: E402


def capture(app: Any, path: str, headers: dict[str, str] | None = None) -> tuple[int, list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        status = app.test_client().get(path, headers=headers or {}).status_code
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return status, seen


def shorten(statement: str) -> str:
    """One line; a long select list and a long IN list are abbreviated for reading."""
    text = " ".join(statement.split())
    text = re.sub(
        r"^SELECT ((?:\w+\.\w+(?: AS \w+)?, ){6,}\w+\.\w+(?: AS \w+)?) FROM",
        lambda m: f"SELECT {m.group(1).split(', ')[0]}, … ({m.group(1).count(',') + 1} columns) FROM",
        text,
    )
    return re.sub(r"((?:\?|%\(\w+\)s), ){3,}(\?|%\(\w+\)s)", r"\1…, \2", text)


def explain(app: Any, statement: str, parameters: Any) -> list[str]:
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if db.engine.dialect.name == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
                return [row[-1] for row in cursor.fetchall()]
            cursor.execute(f"EXPLAIN ANALYZE {statement}", parameters)
            return [row[0] for row in cursor.fetchall()]
        finally:
            raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL database on 127.0.0.1 to create, fill and drop")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/plans.sqlite3"
        if args.database_url:
            create_postgres(url, replace=False)
        try:
            info = dataset.build(url, log=lambda message: print(f"plans: {message}", file=sys.stderr))
            app = create_app(
                {
                    "COMMENTSVC_DATABASE_URL": url,
                    "COMMENTSVC_INSTANCE_PATH": f"{folder}/instance",
                    "COMMENTSVC_SECRET_KEY": "plans",
                    "COMMENTSVC_RATELIMIT_ENABLED": False,
                    "COMMENTSVC_AUTO_MIGRATE": False,
                }
            )
            site = info["site"]
            hot = thread_path(site, info["hot"])
            counts = "/api/v1/counts?" + urllib.parse.urlencode(
                [("site", site)] + [("article", a) for a in info["count_articles"]]
            )
            etag = app.test_client().get(hot).headers["ETag"]
            cases = [
                ("W2: first page of the hot thread", hot, None),
                (
                    "S5000: first 10 comments of a 5,000-comment thread",
                    thread_path(site, info["sized"]["5000"], limit=str(dataset.SIZED_HEAD)),
                    None,
                ),
                ("W2, newest first", thread_path(site, info["hot"], sort="newest"), None),
                ("W2, hot first", thread_path(site, info["hot"], sort="hot"), None),
                ("R304: revalidation of W2", hot, {"If-None-Match": etag}),
                ("W1: counts for 50 articles", counts, None),
            ]
            for title, path, headers in cases:
                status, statements = capture(app, path, headers)
                print(f"\n## {title} — HTTP {status}, {len(statements)} statement(s)\n")
                for statement, parameters in statements:
                    print("```sql\n" + shorten(statement) + "\n```")
                    print("\n".join(f"    {line}" for line in explain(app, statement, parameters)) + "\n")
            with app.app_context():
                db.engine.dispose()
        finally:
            if args.database_url:
                drop_postgres(url)


if __name__ == "__main__":
    main()
