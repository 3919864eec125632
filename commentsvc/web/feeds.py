"""Atom feeds of a thread's and a site's newest approved comments, built with feedgen and cacheable with
the thread pages' ETag scheme (a thread's version; for a site, every thread's)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, current_app, request
from werkzeug.wrappers import Response as BaseResponse

from ..domain import feeds as feed_items
from ..domain.submission import normalise_article, normalise_site
from ..extensions import db
from ..models import Comment, Thread
from ..storage import statements
from . import caching

feeds = Blueprint("feeds", __name__, url_prefix="/feeds")
ATOM = "application/atom+xml"


def _public_url() -> str:
    return str(current_app.config["COMMENTSVC_PUBLIC_URL"]).rstrip("/")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def _tag(kind: str, value: object) -> str:
    host = urlsplit(_public_url()).hostname or "commentsvc.invalid"
    return f"tag:{host},2024:{kind}:{value}"


def _add_entries(feed: FeedGenerator, comments: list[Comment], threads: dict[int, Thread]) -> None:
    # feedgen lists entries in the order added, newest first when added oldest first.
    for comment in reversed(comments):
        thread = threads[comment.thread_id]
        entry = feed.add_entry()
        entry.id(_tag("comment", comment.id))
        title = thread.title or thread.article
        entry.title(f"{comment.author_name}: {title}")
        entry.author({"name": comment.author_name})
        entry.published(_utc(comment.created_at))
        entry.updated(_utc(comment.edited_at or comment.created_at))
        entry.content(comment.body_html, type="html")
        if thread.url:
            entry.link(href=f"{thread.url.split('#', 1)[0]}#comment-{comment.id}", rel="alternate")


def _feed(feed_id: str, title: str, self_url: str, comments: list[Comment], threads: dict[int, Thread]) -> bytes:
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.link(href=self_url, rel="self", type=ATOM)
    feed.author({"name": "commentsvc"})
    feed.generator("commentsvc")
    newest = max((c.edited_at or c.created_at for c in comments), default=datetime(2000, 1, 1))
    feed.updated(_utc(newest))
    _add_entries(feed, comments, threads)
    body: bytes = feed.atom_str(pretty=False)
    return body


def _answer(etag: str) -> BaseResponse | None:
    max_age = current_app.config["COMMENTSVC_CACHE_MAX_AGE"]
    if caching.is_not_modified(request, etag):
        return caching.not_modified(etag, max_age)
    return None


def _cacheable(body: bytes, etag: str) -> BaseResponse:
    response = Response(body, mimetype=ATOM)
    response.headers["Content-Type"] = f"{ATOM}; charset=utf-8"
    return caching.mark_cacheable(response, etag, current_app.config["COMMENTSVC_CACHE_MAX_AGE"])


@feeds.get("/thread.atom")
def thread_feed() -> BaseResponse:
    site = normalise_site(request.args.get("site"))
    article = normalise_article(request.args.get("article"))
    state = statements.thread_state(db.engine, site, article)
    etag = caching.thread_etag(state, request_parts=("feed", site, article, _public_url()))
    early = _answer(etag)
    if early is not None:
        return early
    thread, comments = feed_items.thread_comments(db.session(), site, article)
    self_url = f"{_public_url()}/feeds/thread.atom?{urlencode({'site': site, 'article': article})}"
    title = thread.title or article
    body = _feed(_tag("thread", thread.id), title, self_url, comments, {thread.id: thread})
    return _cacheable(body, etag)


@feeds.get("/recent.atom")
def recent_feed() -> BaseResponse:
    site = normalise_site(request.args.get("site"))
    version, count = feed_items.site_version(db.session(), site)
    etag = caching.make_etag("f", (site, version, count, _public_url()))
    early = _answer(etag)
    if early is not None:
        return early
    comments = feed_items.site_comments(db.session(), site)
    threads = {comment.thread_id: comment.thread for comment in comments}
    self_url = f"{_public_url()}/feeds/recent.atom?{urlencode({'site': site})}"
    return _cacheable(_feed(_tag("site", site), site, self_url, comments, threads), etag)
