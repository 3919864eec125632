"""The bot-flood simulation at CI size: only flood detection can tell the bot, which posts like the widget."""

from __future__ import annotations

from typing import Any

import pytest
from flood_simulation import Scenario, run
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Comment

SMALL = Scenario(bot_comments=120, minutes=2, addresses=60, articles=15, honest_readers=40, short_readers=12)


def statuses_reader(app: Any):
    def read(ids: list[int]) -> dict[int, str]:
        with app.app_context():
            rows = db.session.execute(select(Comment.id, Comment.status).where(Comment.id.in_(ids)))
            return dict(rows.all())

    return read


# One run per database serves every test below: each asserts one behaviour of the same flood.
_RUNS: dict[str, dict[str, Any]] = {}


@pytest.fixture
def outcome(request, make_app, time_machine):
    backend = request.node.callspec.params["database_url"]
    if backend not in _RUNS:
        _RUNS[backend] = simulate(make_app, time_machine)
    return _RUNS[backend]


def simulate(make_app, time_machine) -> dict[str, Any]:
    app = make_app(COMMENTSVC_TRUSTED_PROXIES=1, COMMENTSVC_RATELIMIT_POST="5/minute;100/day")
    time_machine.move_to(SMALL.start, tick=False)
    return run(
        app.test_client(),
        SMALL,
        move_to=lambda at: time_machine.move_to(at, tick=False),
        read_statuses=statuses_reader(app),
    ).summary(SMALL)


def test_a_bot_flood_that_posts_like_the_widget_publishes_at_most_two_percent(outcome):
    assert outcome["bot_published_percent"] <= 2.0, outcome


def test_every_honest_reader_in_a_flood_is_published(outcome):
    assert outcome["honest_published_percent"] == 100.0, outcome


def test_honest_readers_are_told_their_comment_is_approved_and_never_refused(outcome):
    assert outcome["honest_told"] == {"approved": SMALL.honest_readers}
    assert outcome["honest_non_201"] == {}


def test_the_bot_is_never_told_what_was_caught(outcome):
    assert set(outcome["bot_non_201"]) <= {"429 rate_limited"}, outcome
