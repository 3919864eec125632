"""Flood detection across a site: near copies from many addresses are caught from the K-th on, and
the earlier copies leave the threads too; short common comments and different texts never are."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta
from typing import Any

import pytest
from dashboard_support import log_in, make_moderator

URL = "/api/v1/comments"
AD = "Make $5000 a week working from home, easy money! Visit https://cheap-deals.example/offer now"
START = datetime(2026, 3, 2, 9, 0)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def post(client: Any, body: str, *, article: str, address: str, site: str | None = None, key: str | None = None):
    payload = {"article": article, "name": "读者", "body": body}
    if site:
        payload["site"] = site
    headers = {"X-Forwarded-For": address}
    if key:
        headers["Idempotency-Key"] = key
    return client.post(URL, json=payload, headers=headers)


def visible_ids(client: Any, article: str, site: str | None = None) -> list[int]:
    query = {"article": article, **({"site": site} if site else {})}
    return [comment["id"] for comment in client.get(URL, query_string=query).get_json()["comments"]]


def proxied(make_app: Any, **settings: Any) -> Any:
    return make_app(COMMENTSVC_TRUSTED_PROXIES=1, **settings).test_client()


def test_the_third_copy_across_articles_is_answered_as_published_but_kept_out_of_its_thread(make_app, frozen):
    client = proxied(make_app)
    answers = [post(client, AD, article=f"news/{n}", address=f"198.51.100.{n}") for n in range(1, 4)]

    assert [answer.status_code for answer in answers] == [201, 201, 201]
    assert answers[2].get_json()["status"] == "approved"
    assert visible_ids(client, "news/3") == []


def test_the_earlier_copies_leave_their_threads_when_the_flood_is_found(make_app, frozen):
    client = proxied(make_app)
    for n in range(1, 4):
        post(client, AD, article=f"news/{n}", address=f"198.51.100.{n}")

    assert visible_ids(client, "news/1") == [] and visible_ids(client, "news/2") == []
    assert client.get("/api/v1/counts", query_string={"article": ["news/1", "news/2"]}).get_json()["counts"] == {
        "news/1": 0,
        "news/2": 0,
    }


def test_one_changed_word_and_other_punctuation_still_make_a_copy(make_app, frozen):
    client = proxied(make_app)
    post(client, AD, article="news/1", address="198.51.100.1")
    post(client, AD.replace("easy", "quick"), article="news/2", address="198.51.100.2")
    post(client, AD.replace("!", "!!!").replace("Make", "ＭＡＫＥ"), article="news/3", address="198.51.100.3")

    assert visible_ids(client, "news/1") == visible_ids(client, "news/2") == visible_ids(client, "news/3") == []


def test_two_copies_are_not_yet_a_flood(make_app, frozen):
    client = proxied(make_app)
    first = post(client, AD, article="news/1", address="198.51.100.1").get_json()
    post(client, AD, article="news/2", address="198.51.100.2")

    assert visible_ids(client, "news/1") == [first["id"]]


@pytest.mark.parametrize("word", ["顶", "沙发", "支持", "+1", "谢谢分享！"])
def test_short_common_comments_from_many_readers_are_never_a_flood(make_app, frozen, word):
    client = proxied(make_app)
    ids = [post(client, word, article=f"news/{n}", address=f"203.0.113.{n}").get_json()["id"] for n in range(1, 8)]

    assert [visible_ids(client, f"news/{n}") for n in range(1, 8)] == [[comment_id] for comment_id in ids]


def test_different_comments_on_the_same_story_are_not_copies(make_app, frozen):
    client = proxied(make_app)
    bodies = [
        "The treaty between Russia and North Korea changes the security picture in the whole region.",
        "Blinken said the right thing, but words will not stop the ammunition flowing to Moscow.",
        "我觉得韩美同盟这次表态很重要，但朝俄合作的细节还不清楚。",
        "Seoul should talk to Beijing as well, not only to Washington, before this escalates.",
    ]
    for n, body in enumerate(bodies, start=1):
        post(client, body, article="news/1", address=f"203.0.113.{n}")

    assert len(visible_ids(client, "news/1")) == 4


def test_a_short_comment_with_one_changed_word_is_still_a_copy(make_app, frozen):
    """Twenty characters, one two-character word changed: only three of its four band keys' rows
    differ, and the whole sketch still agrees in most bins."""
    client = proxied(make_app, COMMENTSVC_FLOOD_COPIES=2)
    post(client, "环境农村问题病人政策家长学生安全消费医疗", article="news/1", address="198.51.100.1")
    post(client, "环境空气问题病人政策家长学生安全消费医疗", article="news/2", address="198.51.100.2")

    assert visible_ids(client, "news/1") == visible_ids(client, "news/2") == []


def test_comments_that_share_a_phrase_and_some_words_are_not_copies(make_app, frozen):
    """They can share a band key; their sketches agree in fewer bins than near copies do."""
    client = proxied(make_app, COMMENTSVC_FLOOD_COPIES=2)
    first = "感谢记者的深入调查. energy exports exports alliance history pensions bridge alliance numbers"
    second = "感谢记者的深入调查. schools treaty energy airport pensions bridge schools alliance bridge"
    post(client, first, article="news/1", address="203.0.113.1")
    post(client, second, article="news/2", address="203.0.113.2")

    assert [len(visible_ids(client, f"news/{n}")) for n in (1, 2)] == [1, 1]


def test_key_rows_of_the_release_before_are_never_copies(make_app, frozen):
    """During a rolling upgrade, servers still on the release before store key rows without a sketch."""
    from sqlalchemy import update

    from commentsvc.extensions import db
    from commentsvc.models import FloodKey

    app = make_app(COMMENTSVC_TRUSTED_PROXIES=1, COMMENTSVC_FLOOD_COPIES=2)
    client = app.test_client()
    first = post(client, AD, article="news/1", address="198.51.100.1").get_json()
    with app.app_context():
        db.session.execute(update(FloodKey).values(sketch=None))
        db.session.commit()
    answers = [post(client, AD, article=f"news/{n}", address=f"198.51.100.{n}") for n in (2, 3)]

    assert [answer.status_code for answer in answers] == [201, 201]
    assert visible_ids(client, "news/1") == [first["id"]]
    assert visible_ids(client, "news/2") == visible_ids(client, "news/3") == []


def test_copies_further_apart_than_the_window_are_not_a_flood(make_app, frozen):
    client = proxied(make_app, COMMENTSVC_FLOOD_MINUTES=30)
    for n in range(1, 4):
        post(client, AD, article=f"news/{n}", address=f"198.51.100.{n}")
        frozen.shift(timedelta(minutes=31))

    assert [len(visible_ids(client, f"news/{n}")) for n in range(1, 4)] == [1, 1, 1]


def test_sites_are_flooded_separately(make_app, frozen):
    client = proxied(make_app)
    for n in range(1, 4):
        post(client, AD, article="news/1", address=f"198.51.100.{n}", site=f"site{n}.example")

    assert [len(visible_ids(client, "news/1", site=f"site{n}.example")) for n in range(1, 4)] == [1, 1, 1]


def test_flood_copies_zero_turns_detection_off(make_app, frozen):
    client = proxied(make_app, COMMENTSVC_FLOOD_COPIES=0)
    for n in range(1, 4):
        post(client, AD, article=f"news/{n}", address=f"198.51.100.{n}")

    assert [len(visible_ids(client, f"news/{n}")) for n in range(1, 4)] == [1, 1, 1]


def test_a_retry_of_a_caught_copy_is_answered_as_the_first_answer_was(make_app, frozen):
    client = proxied(make_app)
    for n in range(1, 3):
        post(client, AD, article=f"news/{n}", address=f"198.51.100.{n}")
    first = post(client, AD, article="news/3", address="198.51.100.3", key="retry-1").get_json()
    again = post(client, AD, article="news/3", address="198.51.100.3", key="retry-1")

    assert again.status_code == 201
    assert again.get_json()["id"] == first["id"] and again.get_json()["status"] == "approved"


def test_the_spam_queue_shows_a_flood_copy_with_why_and_its_cluster(make_app, frozen):
    app = make_app(COMMENTSVC_TRUSTED_PROXIES=1)
    client = app.test_client()
    ids = [post(client, AD, article=f"news/{n}", address=f"198.51.100.{n}").get_json()["id"] for n in range(1, 4)]
    make_moderator(app)
    log_in(client)

    html = client.get("/dashboard/queue/spam").get_data(as_text=True)
    for comment_id in ids:
        item = html.split(f'data-comment-id="{comment_id}"', 1)[1].split("</article>", 1)[0]
        assert 'data-reason="flood"' in item
        assert "刷屏" in item or "flood" in item
        assert 'href="/dashboard/clusters/' in item


def lookup_cost(app: Any, text: str) -> int:
    """What the near-copies lookup of `text` reads, counted so that no other load moves it: SQLite's
    virtual-machine steps, or the rows PostgreSQL's plan takes from the key table."""
    from commentsvc.domain.flood import RECENT_COPIES, FloodSettings
    from commentsvc.extensions import db
    from commentsvc.storage.crowd_statements import _similar_statement
    from commentsvc.text.fingerprint import sketch_of

    settings = FloodSettings()
    sketch = sketch_of(text, settings.min_chars)
    assert sketch is not None
    keys = sketch.keys
    params = {f"k{number}": key for number, key in enumerate(keys)}
    since = START - timedelta(minutes=settings.minutes)
    params.update(site="default", since=since, most=max(RECENT_COPIES, settings.copies))
    statement = _similar_statement(len(keys))
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    with app.app_context(), db.engine.connect() as connection:
        compiled = statement._compile(db.engine)
        if db.engine.dialect.name == "sqlite":
            connection.connection.dbapi_connection.set_progress_handler(count, 1)
            connection.exec_driver_sql(compiled.sql, compiled.arguments(params)).all()
            return steps
        (plan,) = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + compiled.sql, compiled.arguments(params)
        ).scalar_one()
    return rows_from(plan["Plan"], "flood_keys")


def rows_from(node: dict[str, Any], table: str) -> int:
    own = node["Actual Rows"] * node["Actual Loops"] if node.get("Relation Name") == table else 0
    return own + sum(rows_from(child, table) for child in node.get("Plans", ()))


def test_a_long_floods_copies_cost_no_more_to_look_up_than_its_early_ones(make_app, frozen):
    """Each key gives only its latest rows: otherwise every copy reads every earlier copy's keys under the
    write lock, and a flood of thousands slows every honest post on the site."""
    app = make_app(COMMENTSVC_TRUSTED_PROXIES=1)
    client = app.test_client()
    answers = [post(client, AD, article=f"news/{n}", address=f"198.51.{n // 250}.{n % 250 + 1}") for n in range(60)]
    after_60 = lookup_cost(app, AD)
    answers += [
        post(client, AD, article=f"news/{n}", address=f"198.51.{n // 250}.{n % 250 + 1}") for n in range(60, 240)
    ]

    assert {answer.status_code for answer in answers} == {201}
    assert lookup_cost(app, AD) <= after_60 * 1.1


@pytest.mark.parametrize("changed", [0x00000001, 0x80000000, 0x7FFFFFFF, 0xFFFFFFFF])
def test_a_sketch_is_a_copy_from_the_number_of_agreeing_bins_on_whichever_bits_of_the_others_differ(changed):
    """Sketches are compared bin by bin all at once: a bin that differs in its lowest, its highest or
    every bit counts as one differing bin, and never spills into its neighbour."""
    from commentsvc.text.fingerprint import BINS, SIMILAR_BINS, near_copies

    own = [0x12345678 + number for number in range(BINS)]
    packed = struct.Struct(f"<{BINS}I").pack

    def differing_in(count: int) -> bytes:
        return packed(*(value ^ changed if number < count else value for number, value in enumerate(own)))

    at_the_line, one_more = BINS - SIMILAR_BINS, BINS - SIMILAR_BINS + 1
    candidates = [(1, differing_in(0)), (2, differing_in(at_the_line)), (3, differing_in(one_more))]
    assert near_copies(packed(*own), candidates) == [1, 2]
