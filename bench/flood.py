"""The bot-flood simulation at full size: 400 comments in 5 minutes from 200 rotating addresses behind a
trusted proxy, one advertising text with small random edits and a link, over 50 articles, while 100
honest readers post (20 of them 顶/沙发/支持/+1, some with a news link). Time is injected, nothing
sleeps; the production defaults apply (rate limits included) apart from COMMENTSVC_TRUSTED_PROXIES=1 and
COMMENTSVC_FORM_MIN_SECONDS=0: every writer asks for its form token as the widget does (tests/form_filling.py),
at the simulated instant it posts, where a reader would have asked when they started writing.

Run from the repository root: `python bench/flood.py [--strategy widget] [--database-url URL]`.
The bot's strategies are in STRATEGIES; `widget` does what the widget does, so only flood detection
can tell it from a reader.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import time_machine
from sqlalchemy import create_engine, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from flood_simulation import Scenario, format_summary, run, widget_like  # noqa: E402
from form_filling import FormFilling  # noqa: E402

from commentsvc import create_app  # noqa: E402
from commentsvc.extensions import db  # noqa: E402
from commentsvc.models import Comment  # noqa: E402
from commentsvc.storage.engine import configure_engine  # noqa: E402
from commentsvc.storage.migrations import upgrade_database  # noqa: E402

STRATEGIES = {"widget": widget_like}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategy", choices=sorted(STRATEGIES), default="widget")
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--seed", type=int, default=18)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{folder}/flood.sqlite3"
        engine = create_engine(url)
        configure_engine(engine)
        upgrade_database(engine)
        engine.dispose()
        app = create_app(
            {
                "COMMENTSVC_DATABASE_URL": url,
                "COMMENTSVC_INSTANCE_PATH": f"{folder}/instance",
                "COMMENTSVC_SECRET_KEY": "bench-flood",
                "COMMENTSVC_TRUSTED_PROXIES": 1,
                "COMMENTSVC_FORM_MIN_SECONDS": 0,
                "COMMENTSVC_AUTO_MIGRATE": False,
            }
        )
        app.test_client_class = FormFilling
        scenario = Scenario(seed=options.seed)

        def read_statuses(ids: list[int]) -> dict[int, str]:
            with app.app_context():
                return dict(db.session.execute(select(Comment.id, Comment.status).where(Comment.id.in_(ids))).all())

        started = time.perf_counter()
        with time_machine.travel(scenario.start, tick=False) as traveller:
            outcome = run(
                app.test_client(),
                scenario,
                move_to=lambda at: traveller.move_to(at, tick=False),
                read_statuses=read_statuses,
                strategy=STRATEGIES[options.strategy],
            )
        elapsed = time.perf_counter() - started
        with app.app_context():
            db.engine.dispose()
    summary: dict[str, Any] = outcome.summary(scenario)
    print(f"strategy: {options.strategy}; {scenario.bot_comments} bot comments, {scenario.honest_readers} readers")
    print(format_summary(summary))
    print(f"({elapsed:.1f} s of real time for {scenario.minutes:g} simulated minutes)")


if __name__ == "__main__":
    main()
