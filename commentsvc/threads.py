"""Threads, one per (site, article): finding, creating on first comment, and their stored counts."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Engine, bindparam, event, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .database import PreparedStatement
from .models import CountsVersion, SiteSetting, Thread
from .rules import TOKEN as RULES_TOKEN

MAX_ARTICLES_PER_COUNT = 200

_FIND_THREAD = select(Thread).where(Thread.site == bindparam("site"), Thread.article == bindparam("article"))
_t = Thread.__table__.c
_s = SiteSetting.__table__.c
# The statements of a post, which runs them under the write lock: prepared, so they hold it briefly.
_POST_TARGET = PreparedStatement(
    select(_t.id, _t.title, _t.url, _t.closed, _t.moderation, _s.closed, _s.moderation, RULES_TOKEN)
    .outerjoin(SiteSetting.__table__, _s.site == _t.site)
    .where(_t.site == bindparam("site"), _t.article == bindparam("article"))
)
_ADJUST_COUNT = PreparedStatement(
    update(Thread.__table__)
    .where(_t.id == bindparam("thread_id"))
    .values(comment_count=_t.comment_count + bindparam("delta"), version=_t.version + 1)
    .returning(_t.comment_count, _t.site)
)


def find_thread(session: Session, site: str, article: str) -> Thread | None:
    return session.scalars(_FIND_THREAD, {"site": site, "article": article}).first()


class PostTarget(NamedTuple):
    """The thread a new comment goes into, with what decides whether and how it is taken (its own and
    its site's settings, the screening rules' token), read as one row."""

    id: int
    title: str | None
    url: str | None
    closed: bool
    moderation: str | None
    site_closed: bool | None
    site_moderation: str | None
    rules_token: str | None


def thread_for_post(session: Session, *, site: str, article: str, title: str | None, url: str | None,
                    now: datetime) -> PostTarget:
    """Creates the thread on its first comment. The first poster's title and url are remembered; later
    ones fill only what is still empty."""
    params = {"site": site, "article": article}
    rows = _POST_TARGET.rows(session.connection(), params)
    if not rows:
        # A savepoint, so losing the creation race to another server costs nothing but a re-read.
        try:
            with session.begin_nested():
                session.execute(insert(Thread.__table__).values(
                    site=site, article=article, title=title, url=url, created_at=now, comment_count=0, version=0,
                    closed=False))
        except IntegrityError:
            pass
        rows = _POST_TARGET.rows(session.connection(), params)
    target = PostTarget(*rows[0])
    if (title and not target.title) or (url and not target.url):
        session.execute(update(Thread.__table__).where(_t.id == target.id).values(
            title=target.title or title, url=target.url or url))
    return target


def adjust_thread_count(session: Session, thread_id: int, delta: int) -> int:
    """Counts change by an in-database increment: a row-locked UPDATE, never read-modify-write,
    so concurrent writers on several app servers cannot lose an update on either engine.
    Returns the new count, read by the same statement."""
    session.flush()  # the prepared statement runs past the session's autoflush
    ((count, site),) = _ADJUST_COUNT.rows(session.connection(), {"thread_id": thread_id, "delta": delta})
    if delta:
        counts_changed(session, site)
    return count


# --- counts for listing pages ---------------------------------------------------------------------

_v = CountsVersion.__table__.c
_COUNTS_TOKEN = PreparedStatement(select(_v.token).where(_v.site == bindparam("site")))
_RENEW_COUNTS_TOKEN = PreparedStatement(
    update(CountsVersion.__table__).where(_v.site == bindparam("site")).values(token=bindparam("token"))
    .returning(_v.site)
)
_CHANGED_SITES = "commentsvc_counts_changed_sites"


def counts_changed(session: Session, site: str) -> None:
    """Call in a transaction that changes a stored thread count: its commit renews the site's counts
    token, so every server drops the counts it answered for that site. Counts changed with plain
    SQL, behind the services' back, are seen once the token changes (`commentsvc recount` does)."""
    session.info.setdefault(_CHANGED_SITES, set()).add(site)


@event.listens_for(Session, "before_commit")
def _renew_counts_tokens(session: Session) -> None:
    """At the commit, not at each change: a bulk moderation renews a site's token once, and the row
    is locked (PostgreSQL) only for the commit itself, after every thread row the transaction locks.
    Sites go in one order, so two commits never wait for each other's token rows in a circle.
    A transaction rolled back leaves its sites here: the next commit renews them needlessly, which
    costs one rebuilt answer and never a stale one."""
    for site in sorted(session.info.pop(_CHANGED_SITES, ())):
        params = {"site": site, "token": secrets.token_hex(16)}
        if _RENEW_COUNTS_TOKEN.rows(session.connection(), params):
            continue
        try:  # the site's first count (or a database older than the table): create its row
            with session.begin_nested():
                session.execute(insert(CountsVersion.__table__).values(params))
        except IntegrityError:  # another server created it meanwhile
            _RENEW_COUNTS_TOKEN.rows(session.connection(), params)


def counts_token(engine: Engine, site: str) -> str | None:
    """The site's counts token, None before its first counted comment. Read it before the counts
    it validates, so counts kept under a token are never older than the token."""
    for (token,) in _COUNTS_TOKEN.rows(engine, {"site": site}):
        return token
    return None


def touch_thread(session: Session, thread_id: int) -> None:
    """A change readers can see that leaves the count alone still invalidates cached pages."""
    adjust_thread_count(session, thread_id, 0)


_ARTICLE_PARAMETERS = tuple(f"a{n}" for n in range(MAX_ARTICLES_PER_COUNT))


@functools.lru_cache(maxsize=MAX_ARTICLES_PER_COUNT)
def _counts_statement(size: int) -> PreparedStatement:
    """One statement per list length, built once: building it, or expanding an IN parameter,
    costs more than running the indexed query for a listing page's 50 articles."""
    return PreparedStatement(select(_t.article, _t.comment_count).where(
        _t.site == bindparam("site"), _t.article.in_([bindparam(name) for name in _ARTICLE_PARAMETERS[:size]])))


def count_comments(engine: Engine, site: str, articles: Sequence[str]) -> dict[str, int]:
    """Visible (approved) comments per article, replies included; unknown articles count 0.
    Takes the engine, not a session: a listing page's counts are one read on their own."""
    counts = dict.fromkeys(articles, 0)
    if not counts:
        return counts
    params = dict(zip(_ARTICLE_PARAMETERS, counts))
    params["site"] = site
    for article, count in _counts_statement(len(counts)).rows(engine, params):
        counts[article] = count
    return counts
