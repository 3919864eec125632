"""Reads whose cost does not grow with the thread: SQL statements per request, and the plans they use."""

import random

import pytest
from conftest import ARTICLE, statements

URL = "/api/v1/comments"
SMALL, BIG = "thread-of-10", "thread-of-1000"


def grow(make_comment, article, size, *, reply_share=3, seed=7):
    """Every third comment replies to an earlier top-level one: same shape at any size."""
    rng = random.Random(seed)
    top = []
    for n in range(size):
        if top and n % reply_share == reply_share - 1:
            make_comment(article=article, parent_id=rng.choice(top[:20]), body=f"reply {n} 回复")
        else:
            top.append(make_comment(article=article, body=f"comment {n} 评论")["id"])
    return top


@pytest.fixture
def threads(make_comment):
    grow(make_comment, SMALL, 10)
    return grow(make_comment, BIG, 1000)


def page_statements(app, client, article, **headers):
    with statements(app) as seen:
        response = client.get(URL, query_string={"article": article}, headers=headers)
    assert response.status_code in (200, 304)
    return response, seen


@pytest.mark.slow
def test_thread_page_statements_are_flat_up_to_1000_comments(app, client, threads):
    """A thread page costs the same statements for 10 and 1000 comments."""
    small, small_sql = page_statements(app, client, SMALL)
    big, big_sql = page_statements(app, client, BIG)
    assert len(small.get_json()["comments"]) == 7
    assert len(big.get_json()["comments"]) == 20
    assert any(node["replies"] for node in big.get_json()["comments"])
    assert len(small_sql) == len(big_sql) <= 2, [s for s, _ in big_sql]


def test_revalidating_an_unchanged_page_is_one_statement(app, client, make_comment):
    """A conditional request for an unchanged page is one statement."""
    grow(make_comment, ARTICLE, 30)
    etag = client.get(URL, query_string={"article": ARTICLE}).headers["ETag"]
    response, seen = page_statements(app, client, ARTICLE, **{"If-None-Match": etag})
    assert response.status_code == 304
    assert len(seen) == 1, [s for s, _ in seen]


def test_an_unchanged_page_this_worker_sent_is_one_statement(app, client, make_comment):
    """An unchanged page this worker sent before is one statement."""
    grow(make_comment, ARTICLE, 30)
    first = client.get(URL, query_string={"article": ARTICLE})
    response, seen = page_statements(app, client, ARTICLE)
    assert response.status_code == 200
    assert response.data == first.data
    assert len(seen) == 1, [s for s, _ in seen]


def test_counts_for_fifty_articles_take_two_statements_then_one(app, client, make_comment):
    """Counts for fifty articles are two statements, then one until a count changes.

    The site's counts token, then the counts in one statement; the answer is kept under the token."""
    articles = [f"article-{n}" for n in range(50)]
    for article in articles[:5]:
        make_comment(article=article)

    def counts_statements():
        with statements(app) as seen:
            response = client.get("/api/v1/counts", query_string=[("article", article) for article in articles])
        assert response.status_code == 200
        return sum(response.get_json()["counts"].values()), [statement for statement, _ in seen]

    total, first = counts_statements()
    assert total == 5 and len(first) == 2, first
    total, again = counts_statements()
    assert total == 5 and again == first[:1], again
    make_comment(article=articles[-1])
    total, after_a_post = counts_statements()
    assert total == 6 and after_a_post == first


def test_deep_nesting_and_deleted_ancestors_keep_a_fixed_bound(app, client, make_comment):
    """Deep nesting and deleted ancestors stay within a fixed bound."""
    top = make_comment()
    parent = top
    chain = []
    for depth in range(8):  # deeper than the cap: later replies attach at the cap
        parent = make_comment(parent_id=parent["id"], body=f"depth {depth}")
        chain.append(parent)
    for comment in chain[:3]:
        client.delete(f"{URL}/{comment['id']}", headers={"Authorization": f"Bearer {comment['edit_token']}"})
    with statements(app) as seen:
        response = client.get(URL, query_string={"article": ARTICLE})
    assert response.status_code == 200
    # thread state + thread + top-level page + replies + hidden ancestors (one per level) + names
    assert len(seen) <= 5 + app.config["COMMENTSVC_MAX_DEPTH"], [s for s, _ in seen]


def test_the_replies_listing_is_bounded(app, client, make_comment):
    top = make_comment()
    for n in range(30):
        make_comment(parent_id=top["id"], body=f"reply {n}")
    with statements(app) as seen:
        response = client.get(f"{URL}/{top['id']}/replies")
    assert response.status_code == 200
    assert len(response.get_json()["comments"]) == 20
    assert len(seen) <= 3, [s for s, _ in seen]


# PostgreSQL ignores indexes on tables this small; bench/plans.py shows its plans on the bench data.
@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_thread_page_queries_search_comments_by_index_on_sqlite(app, client, threads):
    """No statement of a page read scans the comments table; each one seeks through an index."""
    from commentsvc.extensions import db

    _, seen = page_statements(app, client, BIG)
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            for statement, parameters in seen:
                plan = [row[-1] for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
                for step in plan:
                    if "comments" in step or "threads" in step:
                        assert step.startswith("SEARCH"), (statement, plan)
        finally:
            raw.close()


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_pages_a_late_thread_through_its_index(app, client, db_session):
    """Regression: with ORDER BY id alone PostgreSQL walked pk_comments from the oldest comment of the
    whole table and filtered, so a page cost grew with everything posted before the thread began.

    PostgreSQL pages a late thread through its index, not the primary key.
    """
    from datetime import datetime, timedelta

    from sqlalchemy import insert, text

    from commentsvc.models import Comment, Thread

    start = datetime(2026, 1, 1)
    db_session.execute(
        insert(Thread.__table__),
        [
            {
                "id": n,
                "site": "default",
                "article": f"a-{n}",
                "created_at": start,
                "comment_count": 0,
                "version": 0,
                "closed": False,
            }
            for n in (1, 2)
        ],
    )
    rows = [
        {
            "thread_id": 1 if n < 6000 else 2,
            "author_name": "r",
            "author_hash": "0" * 32,
            "body_source": "x",
            "body_html": "<p>x</p>",
            "status": "approved",
            "created_at": start + timedelta(seconds=n),
            "client_ip": "192.0.2.1",
            "depth": 0,
            "likes": 0,
            "dislikes": 0,
            "reply_count": 0,
            "hot_score": 0.0,
            "is_staff": False,
        }
        for n in range(6100)
    ]
    db_session.execute(insert(Comment.__table__), rows)
    db_session.execute(text("SELECT setval(pg_get_serial_sequence('threads', 'id'), 2)"))
    db_session.commit()
    db_session.execute(text("ANALYZE comments"))
    db_session.commit()

    for sort in ("oldest", "newest", "hot"):
        with statements(app) as seen:
            response = client.get(URL, query_string={"article": "a-2", "sort": sort})
        assert len(response.get_json()["comments"]) == 20
        # The page's statement; the thread-state read also names top-level comments (the first one's time).
        [(statement, parameters)] = [(s, p) for s, p in seen if "parent_id IS NULL" in s and "body_html" in s]
        plan = [row[0] for row in db_session.connection().exec_driver_sql(f"EXPLAIN {statement}", parameters)]
        page_plan = "\n".join(_section(plan, "CTE page"))  # the first page is one statement: its page part
        assert "ix_comments_thread_" in page_plan and "pk_comments" not in page_plan, "\n".join(plan)


def _section(plan: list[str], title: str) -> list[str]:
    """The lines of an EXPLAIN that belong to the node titled `title` (indented below it)."""
    start = next(number for number, line in enumerate(plan) if line.strip() == title)
    depth = len(plan[start]) - len(plan[start].lstrip())
    section = [plan[start]]
    for line in plan[start + 1 :]:
        if len(line) - len(line.lstrip()) <= depth:
            break
        section.append(line)
    return section


def test_a_page_built_from_rows_matches_per_comment_json(app, client, make_comment):
    """A page built from rows matches the per-comment JSON.

    The page serializer unpacks rows for speed; it must say exactly what comment_json says."""
    from commentsvc.extensions import db
    from commentsvc.models import Comment
    from commentsvc.web.serialize import comment_json

    top = make_comment(name="甲", website="https://example.org/")
    hidden = make_comment(parent_id=top["id"], body="will be deleted")
    make_comment(parent_id=hidden["id"], body="keeps its place under a placeholder")
    edited = make_comment(parent_id=top["id"], body="before")
    client.patch(
        f"{URL}/{edited['id']}", json={"body": "after"}, headers={"Authorization": f"Bearer {edited['edit_token']}"}
    )
    client.delete(f"{URL}/{hidden['id']}", headers={"Authorization": f"Bearer {hidden['edit_token']}"})
    client.post(f"{URL}/{top['id']}/vote", json={"value": 1})
    page = client.get(URL, query_string={"article": ARTICLE}).get_json()

    def flatten(nodes):
        for node in nodes:
            yield node
            yield from flatten(node["replies"])

    sent = {node["id"]: node for node in flatten(page["comments"])}
    assert len(sent) == 4
    with app.test_request_context("/"):
        for comment_id, node in sent.items():
            expected = comment_json(
                db.session.get(Comment, comment_id), avatar_base="http://localhost/avatar/", reply_to_names={}
            )
            got = {key: value for key, value in node.items() if key not in ("replies", "reply_count", "replies_cursor")}
            assert got == {key: value for key, value in expected.items() if key != "replies"}
