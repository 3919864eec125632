"""Posting comments and replies: what is accepted, how it is normalised, and every way it is refused."""

import json

import pytest
from conftest import ARTICLE

URL = "/api/v1/comments"


def post(client, headers=None, **payload):
    body = {"article": ARTICLE, "name": "读者", "body": "hello"}
    body.update(payload)
    return client.post(URL, json=body, headers=headers or {})


def test_posting_returns_201_with_comment_token_and_count(client):
    """Posting returns 201 with the comment, an edit token and the new count."""
    response = post(client, body="第一条评论", title="Blinken condemns Russia", url="https://news.example.com/a/1")

    assert response.status_code == 201
    comment = response.get_json()
    assert comment["name"] == "读者"
    assert comment["html"] == "<p>第一条评论</p>"
    assert comment["status"] == "approved"
    assert comment["parent_id"] is None
    assert comment["count"] == 1
    assert comment["edit_token"]
    assert comment["editable_until"].endswith("Z")
    assert comment["avatar"].startswith("http://localhost/avatar/")


def test_thread_remembers_the_first_posters_title(client):
    post(client, body="one", title="First title")
    post(client, body="two", title="Another title")

    thread = client.get(URL, query_string={"article": ARTICLE}).get_json()
    assert thread["title"] == "First title"


def test_articles_may_be_long_paths_with_slashes_and_cjk(client):
    article = "/新闻/国际/" + "长" * 500
    response = post(client, article=article, body="ok")

    assert response.status_code == 201
    thread = client.get(URL, query_string={"article": article}).get_json()
    assert thread["count"] == 1
    assert thread["article"] == article


def test_an_article_id_over_512_characters_is_refused(client):
    response = post(client, article="a" * 513)
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"article": "article_invalid"}


def test_sites_keep_separate_threads_for_the_same_article(client):
    post(client, site="zh.example", body="zh")
    thread = client.get(URL, query_string={"article": ARTICLE, "site": "en.example"}).get_json()
    assert thread["count"] == 0


def test_chinese_characters_count_once_each_against_the_body_limit(client):
    assert post(client, body="中" * 5000).status_code == 201
    response = post(client, body="文" * 5001)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "body_too_long"


def test_the_body_is_trimmed_and_nfc_normalised(client):
    decomposed = "Cafe\u0301 "
    comment = post(client, body=f"  {decomposed}\n").get_json()
    thread = client.get(URL, query_string={"article": ARTICLE}).get_json()
    assert comment["html"] == "<p>Caf\u00e9</p>"
    assert thread["comments"][0]["html"] == "<p>Caf\u00e9</p>"


@pytest.mark.parametrize(
    "payload, field, code",
    [
        ({"body": "   "}, "body", "body_empty"),
        ({"body": "bell\x07"}, "body", "body_control_characters"),
        ({"body": 42}, "body", "wrong_type"),
        ({"name": "a\u200bdmin"}, "name", "name_invalid_characters"),
        ({"name": "x" * 65}, "name", "name_too_long"),
        ({"name": "tab\tname"}, "name", "name_invalid_characters"),
        ({"email": "not-an-email"}, "email", "email_invalid"),
        ({"website": "javascript:alert(1)"}, "website", "website_invalid"),
        ({"website": "ftp://example.com"}, "website", "website_invalid"),
        ({"article": ""}, "article", "missing_field"),
        ({"parent_id": "1"}, "parent_id", "wrong_type"),
        ({"site": "bad site"}, "site", "site_invalid"),
        ({"url": "javascript:alert(1)"}, "url", "url_invalid"),
    ],
)
def test_invalid_fields_are_refused_with_400_naming_the_field(client, payload, field, code):
    response = post(client, **payload)

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == code
    assert field in error["fields"]
    assert error["message"]


def test_every_invalid_field_is_reported_at_once(client):
    response = post(client, body="", email="nope", website="javascript:x")
    assert set(response.get_json()["error"]["fields"]) == {"body", "email", "website"}


def test_newlines_and_tabs_are_allowed_in_the_body(client):
    comment = post(client, body="line one\n\tline two").get_json()
    assert comment["html"] == "<p>line one<br>\nline two</p>"


def test_an_empty_name_becomes_the_configured_anonymous_name(client):
    assert post(client, name="").get_json()["name"] == "网友"


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_ANONYMOUS_NAME": ""}], indirect=True)
def test_an_empty_name_is_refused_without_an_anonymous_name(client):
    """An empty name is refused when no anonymous name is configured."""
    response = post(client, name="  ")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "name_empty"


def test_email_is_stored_but_never_returned(client, db_session):
    comment = post(client, email="Reader@Example.COM").get_json()

    assert "email" not in comment
    assert "Example" not in json.dumps(comment)
    from commentsvc.models import Comment

    assert db_session.get(Comment, comment["id"]).author_email == "Reader@example.com"


def test_the_avatar_depends_on_the_email_without_revealing_it(client):
    """The avatar depends on the email but does not reveal it."""
    first = post(client, body="a", email="same@example.com", name="A").get_json()
    second = post(client, body="b", email="same@example.com", name="B").get_json()
    other = post(client, body="c", email="other@example.com", name="A").get_json()

    assert first["avatar"] == second["avatar"] != other["avatar"]
    assert "same" not in first["avatar"]


def test_the_avatar_url_serves_an_svg_identicon(client):
    avatar = post(client).get_json()["avatar"]
    response = client.get(avatar.removeprefix("http://localhost"))
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<script" not in response.data


def test_a_reply_names_its_parent(client, make_comment):
    parent = make_comment()
    reply = post(client, parent_id=parent["id"], body="reply").get_json()
    assert reply["parent_id"] == parent["id"]


def test_a_reply_to_an_unknown_comment_is_404(client):
    response = post(client, parent_id=999999)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "parent_not_in_thread"


def test_reply_to_comment_in_another_thread_is_404(client, make_comment):
    """A reply to a comment in another thread is a 404 and creates nothing."""
    parent = make_comment(article="other-article")
    response = post(client, article="third-article", parent_id=parent["id"])

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "parent_not_in_thread"
    counts = client.get("/api/v1/counts", query_string={"article": ["third-article"]}).get_json()
    assert counts["counts"] == {"third-article": 0}


def test_a_repeated_body_within_ten_minutes_is_409(client, time_machine):
    """The same body from the same client in the same thread within ten minutes is a 409."""
    time_machine.move_to("2026-01-01 12:00:00", tick=False)
    assert post(client, body="same words").status_code == 201
    repeat = post(client, body="same words")
    assert repeat.status_code == 409
    assert repeat.get_json()["error"]["code"] == "duplicate_comment"

    time_machine.move_to("2026-01-01 12:10:01", tick=False)
    assert post(client, body="same words").status_code == 201


def test_the_same_body_in_another_thread_is_fine(client):
    assert post(client, body="same words").status_code == 201
    assert post(client, body="same words", article="elsewhere").status_code == 201


def test_an_idempotency_key_retry_returns_the_first_comment(client):
    """A retry with the same idempotency key returns the first comment."""
    first = post(client, body="flaky network", headers={"Idempotency-Key": "k-1"})
    retry = post(client, body="flaky network", headers={"Idempotency-Key": "k-1"})

    assert first.status_code == retry.status_code == 201
    assert retry.get_json()["id"] == first.get_json()["id"]
    assert client.get(URL, query_string={"article": ARTICLE}).get_json()["count"] == 1


def test_an_idempotency_key_expires_after_a_day(client, time_machine):
    time_machine.move_to("2026-01-01 12:00:00", tick=False)
    first = post(client, body="day one", headers={"Idempotency-Key": "k-2"}).get_json()
    time_machine.move_to("2026-01-02 12:00:01", tick=False)
    later = post(client, body="day two", headers={"Idempotency-Key": "k-2"}).get_json()
    assert later["id"] != first["id"]


def test_an_overlong_idempotency_key_is_refused(client):
    response = post(client, headers={"Idempotency-Key": "x" * 129})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "idempotency_key_invalid"


def test_a_non_json_request_is_415(client):
    response = client.post(URL, data="article=x&body=y", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_malformed_json_is_400(client):
    response = client.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "json_invalid"


def test_deeply_nested_json_is_400_not_a_crash(client):
    response = client.post(URL, data="[" * 30000 + "]" * 30000, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "json_invalid"


def test_a_json_array_instead_of_an_object_is_400(client):
    response = client.post(URL, data="[]", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "json_not_object"


def test_a_request_over_64_kb_is_413(client):
    """A request over 64 KB is a 413 and stores nothing."""
    response = post(client, body="x" * (65 * 1024))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_too_large"
    assert client.get(URL, query_string={"article": ARTICLE}).get_json()["count"] == 0


def test_a_closed_thread_refuses_new_comments_with_403(client, make_comment, db_session):
    from commentsvc.models import Thread

    make_comment()
    db_session.query(Thread).update({"closed": True})
    db_session.commit()

    response = post(client, body="too late")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "thread_closed"
    assert client.get(URL, query_string={"article": ARTICLE}).get_json()["closed"] is True


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MODERATION": "pre"}], indirect=True)
def test_in_pre_moderation_a_new_comment_is_pending(client):
    """In pre-moderation a new comment is pending: returned to its author but not shown or counted."""
    comment = post(client, body="please approve").get_json()

    assert comment["status"] == "pending"
    assert comment["html"] == "<p>please approve</p>"
    thread = client.get(URL, query_string={"article": ARTICLE}).get_json()
    assert thread["count"] == 0
    assert thread["comments"] == []
