"""Atom feeds of a thread and of a site, parsed with feedparser; cacheable like thread pages; no private data."""

from __future__ import annotations

from typing import Any

import feedparser
from conftest import ARTICLE

URL = "https://news.example/a"


def post(client: Any, **fields: Any) -> dict[str, Any]:
    payload = {
        "article": ARTICLE,
        "title": "标题",
        "url": URL,
        "name": "读者",
        "email": "r@example.org",
        "body": "hi",
        **fields,
    }
    response = client.post("/api/v1/comments", json=payload)
    assert response.status_code == 201
    return response.get_json()


def test_thread_feed_lists_newest_approved_comments(client: Any, app: Any) -> None:
    first = post(client, body="first *one*")
    second = post(client, body="second")
    app.config["COMMENTSVC_MODERATION"] = "pre"
    post(client, body="held back")
    response = client.get(f"/feeds/thread.atom?site=default&article={ARTICLE}")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10" and feed.feed.title == "标题"
    assert [entry.link for entry in feed.entries] == [f"{URL}#comment-{second['id']}", f"{URL}#comment-{first['id']}"]
    assert "<em>one</em>" in feed.entries[1].content[0].value
    assert all("held back" not in entry.content[0].value for entry in feed.entries)


def test_thread_feed_answers_304_until_the_thread_changes(client: Any) -> None:
    post(client)
    url = f"/feeds/thread.atom?site=default&article={ARTICLE}"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    post(client, body="new")
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_site_feed_covers_every_article(client: Any) -> None:
    post(client, body="on one")
    post(client, article="another", title="Another", body="on two")
    response = client.get("/feeds/recent.atom?site=default")
    feed = feedparser.parse(response.data)
    assert not feed.bozo
    assert [entry.title for entry in feed.entries] == ["读者: Another", "读者: 标题"]
    assert (
        client.get("/feeds/recent.atom?site=default", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )


def test_feed_of_unknown_thread_is_404(client: Any) -> None:
    assert client.get("/feeds/thread.atom?site=default&article=nothing-here").status_code == 404


def test_demo_page_links_its_threads_feed(client: Any) -> None:
    page = client.get("/demo/").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in page and "/feeds/thread.atom?site=default" in page
