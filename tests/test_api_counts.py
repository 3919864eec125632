"""Counts for one article or many: visible comments including replies, exact after every change."""

import pytest
from conftest import ARTICLE

COUNTS = "/api/v1/counts"


def count(client, article=ARTICLE):
    return client.get(COUNTS, query_string={"article": article}).get_json()["counts"][article]


def bearer(comment):
    return {"Authorization": f"Bearer {comment['edit_token']}"}


def test_counts_for_several_articles_in_one_get_include_replies(client, make_comment):
    """Counts for several articles in one GET include replies and unknown articles."""
    top = make_comment(article="a")
    make_comment(article="a", parent_id=top["id"])
    make_comment(article="b")

    response = client.get(COUNTS, query_string={"article": ["a", "b", "unknown"]})
    assert response.status_code == 200
    assert response.get_json() == {
        "site": "default",
        "counts": {"a": 2, "b": 1, "unknown": 0},
        "participants": {"a": 1, "b": 1, "unknown": 0},
    }


def test_counts_by_post_take_a_json_list(client, make_comment):
    """Counts by POST take a JSON list of articles and a site."""
    make_comment(article="新闻/一", site="zh.example")
    response = client.post(COUNTS, json={"site": "zh.example", "articles": ["新闻/一", "新闻/二"]})
    assert response.get_json() == {
        "site": "zh.example",
        "counts": {"新闻/一": 1, "新闻/二": 0},
        "participants": {"新闻/一": 1, "新闻/二": 0},
    }


def test_two_hundred_articles_pass_and_201_are_400(client):
    """Two hundred articles are fine and two hundred and one are a 400."""
    assert client.post(COUNTS, json={"articles": [f"a{i}" for i in range(200)]}).status_code == 200
    response = client.post(COUNTS, json={"articles": [f"a{i}" for i in range(201)]})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "too_many_articles"
    query = client.get(COUNTS, query_string={"article": [f"a{i}" for i in range(201)]})
    assert query.status_code == 400


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "query_string": {}},
        {"method": "POST", "json": {"articles": []}},
        {"method": "POST", "json": {"articles": "a"}},
        {"method": "POST", "json": {"articles": [1, 2]}},
    ],
)
def test_malformed_count_requests_are_400(client, request_kwargs):
    response = client.open(COUNTS, **request_kwargs)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_the_count_follows_posts_replies_edits_and_deletes(client, make_comment):
    top = make_comment()
    assert count(client) == 1
    reply = make_comment(parent_id=top["id"])
    assert count(client) == 2
    client.patch(f"/api/v1/comments/{reply['id']}", json={"body": "edited"}, headers=bearer(reply))
    assert count(client) == 2
    client.delete(f"/api/v1/comments/{top['id']}", headers=bearer(top))
    assert count(client) == 1
    client.delete(f"/api/v1/comments/{reply['id']}", headers=bearer(reply))
    assert count(client) == 0


def test_the_count_follows_moderation_status_changes(client, make_comment, db_session):
    from commentsvc.domain.status import set_comment_status
    from commentsvc.models import Comment, CommentStatus

    comment = make_comment()
    row = db_session.get(Comment, comment["id"])
    set_comment_status(db_session, row, CommentStatus.REJECTED)
    db_session.commit()
    assert count(client) == 0
    set_comment_status(db_session, row, CommentStatus.APPROVED)
    db_session.commit()
    assert count(client) == 1


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MODERATION": "pre"}])
def test_pending_comments_are_not_counted(client, make_comment, app_config):
    make_comment()
    assert count(client) == 0
