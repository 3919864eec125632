"""Kept public reads (web/fastpath.py): the same answer as Flask's, never one another server changed,
the read limit still counted, and gzip bodies kept beside the plain ones."""

import gzip

import pytest
from conftest import ARTICLE

URL = "/api/v1/comments"
COUNTS = "/api/v1/counts"
ORIGIN = {"Origin": "https://news.example"}


def thread(client, headers=None, **params):
    params.setdefault("article", ARTICLE)
    return client.get(URL, query_string=params, headers={**ORIGIN, **(headers or {})})


def post(client, body, **fields):
    payload = {"article": ARTICLE, "title": "t", "name": "读者", "body": body, **fields}
    response = client.post("/api/v1/comments", json=payload, headers=ORIGIN)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def bodies(response):
    return [comment["id"] for comment in response.get_json()["comments"]]


def test_a_kept_page_is_sent_again_with_the_same_body_and_headers(client, make_comment):
    make_comment()
    first = thread(client)
    again = thread(client)
    assert again.status_code == 200
    assert again.data == first.data
    assert sorted(again.headers.items()) == sorted(first.headers.items())


def test_a_kept_304_carries_the_same_headers_as_the_first_304(client, make_comment):
    make_comment()
    etag = thread(client).headers["ETag"]
    first = thread(client, headers={"If-None-Match": etag})
    thread(client)
    again = thread(client, headers={"If-None-Match": etag})
    assert (first.status_code, again.status_code) == (304, 304)
    assert again.data == b""
    assert sorted(again.headers.items()) == sorted(first.headers.items())


@pytest.mark.parametrize(
    "target",
    [(URL, {}), (URL, {"sort": "newest"}), ("/embed/thread.html", {}), (COUNTS, {}), ("REPLIES", None)],
    ids=["thread page", "thread page, another sort", "thread fragment", "counts", "reply page"],
)
def test_a_kept_answer_is_sent_again_without_flask(client, make_comment, monkeypatch, target):
    """Regression: a thread page's check read the engine through Flask's application context, which the
    fast path does not have, so every kept thread page went through Flask again, answered the same."""
    import flask

    top = make_comment()
    make_comment(parent_id=top["id"], body="a reply")
    path, query = target
    if path == "REPLIES":
        path = f"{URL}/{top['id']}/replies"
    else:
        query = {"article": ARTICLE, **query}
    first = client.get(path, query_string=query, headers=ORIGIN)
    dispatched = []
    dispatch = flask.Flask.full_dispatch_request
    monkeypatch.setattr(flask.Flask, "full_dispatch_request", lambda app: dispatched.append(1) or dispatch(app))

    again = client.get(path, query_string=query, headers=ORIGIN)
    not_modified = client.get(path, query_string=query, headers={**ORIGIN, "If-None-Match": first.headers["ETag"]})

    assert (first.status_code, again.status_code, not_modified.status_code) == (200, 200, 304)
    assert again.data == first.data
    assert dispatched == []


def test_a_post_on_another_server_is_seen_at_once_by_a_server_that_kept_the_page(make_app):
    reader_server, writer_server = make_app(), make_app()
    reader, writer = reader_server.test_client(), writer_server.test_client()
    post(writer, "the first word")
    assert len(bodies(thread(reader))) == 1
    assert len(bodies(thread(reader))) == 1
    post(writer, "a second word")
    assert len(bodies(thread(reader))) == 2


def test_a_reply_on_another_server_renews_a_kept_reply_page(make_app):
    reader_server, writer_server = make_app(), make_app()
    reader, writer = reader_server.test_client(), writer_server.test_client()
    top = post(writer, "top")
    post(writer, "reply one", parent_id=top["id"])
    replies_url = f"{URL}/{top['id']}/replies"
    assert len(reader.get(replies_url, headers=ORIGIN).get_json()["comments"]) == 1
    post(writer, "reply two", parent_id=top["id"])
    assert len(reader.get(replies_url, headers=ORIGIN).get_json()["comments"]) == 2


def test_kept_counts_follow_a_post_on_another_server(make_app):
    reader_server, writer_server = make_app(), make_app()
    reader, writer = reader_server.test_client(), writer_server.test_client()
    post(writer, "one")

    def count():
        return reader.get(COUNTS, query_string={"article": ARTICLE}, headers=ORIGIN).get_json()["counts"][ARTICLE]

    assert (count(), count()) == (1, 1)
    post(writer, "two")
    assert count() == 2


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_RATELIMIT_READ": "3/minute"}])
def test_the_read_limit_counts_kept_pages_too(client, make_comment):
    make_comment()
    statuses = [thread(client).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = thread(client)
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_RATELIMIT_READ": "2/minute"}])
def test_the_read_limit_counts_kept_counts_too(client, make_comment):
    make_comment()
    statuses = [client.get(COUNTS, query_string={"article": ARTICLE}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_client_that_accepts_gzip_gets_the_page_gzipped(client, make_comment):
    make_comment()
    plain = thread(client)
    for _ in range(2):  # built, then kept
        zipped = thread(client, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.data) == plain.data
        assert {"Origin", "Accept-Encoding"} <= {part.strip() for part in zipped.headers["Vary"].split(",")}


def test_a_gzipped_page_has_its_own_validator(client, make_comment):
    make_comment()
    plain = thread(client).headers["ETag"]
    zipped = thread(client, headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    assert zipped != plain
    again = thread(client, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped})
    assert again.status_code == 304
    assert thread(client, headers={"If-None-Match": zipped}).status_code == 200


def test_a_client_that_refuses_gzip_gets_the_plain_page(client, make_comment):
    make_comment()
    response = thread(client, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers
    assert len(response.get_json()["comments"]) == 1


def test_gzipped_counts_decompress_to_the_plain_counts(client, make_comment):
    make_comment()
    query = {"article": ARTICLE}
    plain = client.get(COUNTS, query_string=query)
    zipped = client.get(COUNTS, query_string=query, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data


def test_kept_pages_are_kept_per_origin(make_app, make_comment):
    server = make_app(COMMENTSVC_ALLOWED_ORIGINS="https://news.example")
    client = server.test_client()
    post(client, "hello")
    allowed = thread(client)
    thread(client)
    other = thread(client, headers={"Origin": "https://elsewhere.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Access-Control-Allow-Origin" not in other.headers
