"""Surge mode (先审后发 on demand): an article commented on far faster than usual is pre-moderated for a
while and back on its own when the surge passes; a site can also be pre-moderated during set hours."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import statements
from dashboard_support import log_in, make_moderator, post

from commentsvc.clock import utcnow
from commentsvc.config import load_settings

URL = "/api/v1/comments"
ARTICLE = "news/hot"
START = datetime(2026, 3, 2, 6, 0)
# The article's usual pace: one comment every two minutes for six hours.
USUAL_GAP = timedelta(minutes=2)
USUAL_HOURS = 6


class Reader:
    """Posts numbered short comments (never a flood) from many addresses on injected time."""

    def __init__(self, client: Any, clock: Any) -> None:
        self.client, self.clock, self.number = client, clock, 0

    def post(self, article: str = ARTICLE) -> dict[str, Any]:
        self.number += 1
        response = self.client.post(
            URL,
            json={"article": article, "name": "读者", "body": f"第{self.number}条"},
            headers={"X-Forwarded-For": f"203.0.{self.number // 250}.{self.number % 250 + 1}"},
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def at_pace(self, gap: timedelta, until: datetime, article: str = ARTICLE) -> list[dict[str, Any]]:
        posted = []
        while self.now + gap <= until:
            self.clock.move_to(self.now + gap, tick=False)
            posted.append(self.post(article))
        return posted

    @property
    def now(self) -> datetime:
        return utcnow()


@pytest.fixture
def reader(make_app, time_machine) -> Reader:
    time_machine.move_to(START, tick=False)
    app = make_app(COMMENTSVC_TRUSTED_PROXIES=1, COMMENTSVC_SURGE_MIN_PER_MINUTE=5, COMMENTSVC_SURGE_MINUTES=5)
    usual = Reader(app.test_client(), time_machine)
    usual.app = app
    usual.at_pace(USUAL_GAP, START + timedelta(hours=USUAL_HOURS))
    return usual


def test_twenty_times_the_usual_rate_pre_moderates_the_article_within_a_minute(reader):
    surge_start = reader.now
    posted = reader.at_pace(USUAL_GAP / 20, surge_start + timedelta(minutes=10))

    first_pending = next(comment for comment in posted if comment["status"] == "pending")
    assert datetime.fromisoformat(first_pending["created_at"].rstrip("Z")) - surge_start <= timedelta(minutes=1)
    assert all(comment["status"] == "pending" for comment in posted[posted.index(first_pending) :])


def test_the_article_publishes_again_once_the_surge_has_passed(reader):
    surge_end = reader.now + timedelta(minutes=10)
    reader.at_pace(USUAL_GAP / 20, surge_end)
    after = reader.at_pace(USUAL_GAP, surge_end + timedelta(minutes=20))

    assert after[0]["status"] == "pending"
    assert after[-1]["status"] == "approved"


def test_five_times_the_usual_rate_is_not_a_surge(reader):
    posted = reader.at_pace(USUAL_GAP / 5, reader.now + timedelta(minutes=10))

    assert {comment["status"] for comment in posted} == {"approved"}


def test_other_articles_are_not_pre_moderated_by_one_articles_surge(reader):
    reader.at_pace(USUAL_GAP / 20, reader.now + timedelta(minutes=3))

    assert reader.post("news/quiet")["status"] == "approved"


def test_an_article_in_surge_asks_every_writer_for_proof_of_work(reader):
    def challenged() -> bool:
        form = reader.client.post(
            "/api/v1/form-tokens", json={"article": ARTICLE}, headers={"X-Forwarded-For": "198.51.100.77"}
        )
        return form.get_json()["challenge"] is not None

    before = challenged()
    reader.at_pace(USUAL_GAP / 20, reader.now + timedelta(minutes=2))
    during = challenged()
    reader.clock.move_to(reader.now + timedelta(hours=1), tick=False)

    assert (before, during, challenged()) == (False, True, False)


@pytest.fixture
def quiet(make_app, time_machine) -> Reader:
    time_machine.move_to(START, tick=False)
    return Reader(
        make_app(COMMENTSVC_TRUSTED_PROXIES=1, COMMENTSVC_SURGE_MIN_PER_MINUTE=30).test_client(), time_machine
    )


def test_the_proof_of_work_decision_reads_the_surge_with_the_readers_recent_posts(reader):
    """One statement, not a read of the article's surge and then one or two of the reader's posts."""
    reader.post()
    with statements(reader.app) as seen:
        reader.post()

    surge_reads = [sql for sql, _ in seen if "surge_until" in sql and "JOIN threads" in sql]
    assert surge_reads and all("FROM comments" in sql for sql in surge_reads)


def test_a_new_article_needs_the_minimum_per_minute_before_a_surge(quiet):
    statuses = [quiet.post()["status"] for _ in range(31)]

    assert statuses[:29] == ["approved"] * 29
    assert statuses[29:] == ["pending", "pending"]


@pytest.mark.parametrize(
    ("utc_time", "status"), [(datetime(2026, 3, 2, 20, 0), "pending"), (datetime(2026, 3, 2, 2, 0), "approved")]
)
def test_the_pre_moderation_hours_hold_comments_in_the_sites_time_zone(make_app, time_machine, utc_time, status):
    time_machine.move_to(utc_time, tick=False)
    app = make_app(
        COMMENTSVC_PREMODERATION_HOURS=load_settings({"COMMENTSVC_PREMODERATION_HOURS": "0-7"}, None)[
            "COMMENTSVC_PREMODERATION_HOURS"
        ],
        COMMENTSVC_PREMODERATION_TIMEZONE="Asia/Shanghai",
    )
    response = app.test_client().post(URL, json={"article": ARTICLE, "name": "读者", "body": "夜里的评论"})

    assert response.get_json()["status"] == status


@pytest.mark.parametrize(("raw", "hours"), [("22-6", (22, 6)), ("0-24", (0, 24)), ("", None), ("off", None)])
def test_pre_moderation_hours_are_read_from_the_environment(raw, hours):
    assert load_settings({"COMMENTSVC_PREMODERATION_HOURS": raw}, None)["COMMENTSVC_PREMODERATION_HOURS"] == hours


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("COMMENTSVC_PREMODERATION_HOURS", "night"),
        ("COMMENTSVC_PREMODERATION_HOURS", "7-7"),
        ("COMMENTSVC_PREMODERATION_HOURS", "0-25"),
        ("COMMENTSVC_PREMODERATION_TIMEZONE", "Mars/Olympus"),
        ("COMMENTSVC_SURGE_FACTOR", "0"),
    ],
)
def test_a_bad_flood_or_surge_setting_is_one_clear_error(name, raw):
    with pytest.raises(RuntimeError, match=name):
        load_settings({name: raw}, None)


def surge_moderator(reader: Reader) -> Any:
    reader.at_pace(USUAL_GAP / 20, reader.now + timedelta(minutes=2))
    make_moderator(reader.app)
    log_in(reader.client)
    return reader.client


def audit_actions(client: Any, **query: str) -> list[str]:
    html = client.get("/dashboard/audit", query_string=query).get_data(as_text=True)
    return re.findall(r'data-audit-action="([a-z_]+)"', html)


def test_the_overview_flags_a_surging_article_with_its_rate(reader):
    client = surge_moderator(reader)
    html = client.get("/dashboard/?lang=en").get_data(as_text=True)

    item = html.split("data-commentsvc-surge=", 1)[1].split("</li>", 1)[0]
    assert ARTICLE in item
    assert re.search(r"\d+ comments this minute \(peak \d+, usual 0\.\d a minute\)", item)


def test_a_moderator_ends_a_surge_and_comments_publish_again(reader):
    client = surge_moderator(reader)
    thread_id = re.search(r'data-commentsvc-surge="(\d+)"', client.get("/dashboard/").get_data(as_text=True))[1]
    post(client, f"/dashboard/articles/{thread_id}/surge", {"action": "end"})

    assert reader.post()["status"] == "approved"
    assert "data-commentsvc-no-surges" in client.get("/dashboard/").get_data(as_text=True)


def test_every_surge_switch_is_in_the_audit_log(reader):
    client = surge_moderator(reader)
    thread_id = re.search(r'data-commentsvc-surge="(\d+)"', client.get("/dashboard/").get_data(as_text=True))[1]
    post(client, f"/dashboard/articles/{thread_id}/surge", {"action": "extend"})
    post(client, f"/dashboard/articles/{thread_id}/surge", {"action": "end"})

    assert audit_actions(client, target_type="thread") == ["surge_end", "surge_extend", "surge_start"]


def test_ending_a_surge_that_is_over_says_so(reader):
    client = surge_moderator(reader)
    thread_id = re.search(r'data-commentsvc-surge="(\d+)"', client.get("/dashboard/").get_data(as_text=True))[1]
    post(client, f"/dashboard/articles/{thread_id}/surge", {"action": "end"})
    response = post(client, f"/dashboard/articles/{thread_id}/surge", {"action": "end"}, follow_redirects=True)

    assert "not in surge mode" in response.get_data(as_text=True)
