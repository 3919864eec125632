"""The hot statements by name: what a read or a post asks the database, prepared once (see prepared.py).

Domain code calls these functions and never sees how they run; each builds its statement on its own
table aliases. Measurements of what this bought are in bench/README.md.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Engine, String, Table, and_, bindparam, case, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..models import Comment, CountsVersion, OverridesVersion, RulesVersion, SiteSetting, Thread
from .prepared import PreparedStatement

MAX_ARTICLES_PER_COUNT = 200


def table(model: type[Any]) -> Table:
    """A model's Core table: statements on it skip the ORM's per-statement work."""
    return cast(Table, model.__table__)


_threads = table(Thread).c
_sites = table(SiteSetting).c
_comments = table(Comment).c
_counts_versions = table(CountsVersion).c
_rules_version = table(RulesVersion).c

RULES_TOKEN = select(_rules_version.token).where(_rules_version.id == 1).scalar_subquery()
# Renewed whenever any site's settings change (site_overrides.py): pages that show per-site settings
# (floors) check it with the thread's version, in the same statement.
_OVERRIDES_TOKEN = select(table(OverridesVersion).c.token).where(table(OverridesVersion).c.id == 1).scalar_subquery()


# --- what a cached public read checks -------------------------------------------------------------


class ThreadState(NamedTuple):
    """What a thread page depends on besides the request, and the few thread fields the page shows.
    The site's SSO mode and login URL travel with it: the widget needs them before a first comment."""

    thread_id: int | None
    version: int
    closed: bool
    title: str | None = None
    comment_count: int = 0
    sso_mode: str = "anonymous"
    login_url: str | None = None
    # When the thread closes by itself: its own close_at, or its site's auto-close after the first comment.
    close_at: datetime | None = None
    auto_close_days: int | None = None
    first_comment_at: datetime | None = None
    # The per-site settings' version, and the thread's site (the replies listing needs it for its settings).
    overrides_token: str | None = None
    site: str | None = None
    participant_count: int = 0


_requested_site = select(bindparam("site", type_=String).label("site")).subquery("requested")
# The first comment of a thread is top-level, so ix_comments_thread_top finds it; asked only when the
# site closes threads by themselves.
_FIRST_COMMENT_AT = (
    select(_comments.created_at)
    .where(_comments.thread_id == _threads.id, _comments.parent_id.is_(None))
    .order_by(_comments.parent_id, _comments.id)
    .limit(1)
    .correlate(table(Thread))
    .scalar_subquery()
)
_THREAD_STATE = PreparedStatement(
    select(
        _threads.id,
        _threads.version,
        _threads.closed,
        _sites.closed,
        _threads.title,
        _threads.comment_count,
        _sites.sso_mode,
        _sites.login_url,
        _threads.close_at,
        _sites.auto_close_days,
        case((_sites.auto_close_days.is_(None), None), else_=_FIRST_COMMENT_AT),
        _OVERRIDES_TOKEN,
        _threads.participant_count,
    )
    .select_from(_requested_site)
    .outerjoin(table(Thread), and_(_threads.site == _requested_site.c.site, _threads.article == bindparam("article")))
    .outerjoin(table(SiteSetting), _sites.site == _requested_site.c.site)
)
_ROOT_THREAD_STATE = PreparedStatement(
    select(_threads.id, _threads.version, _threads.closed, _OVERRIDES_TOKEN, _threads.site)
    .join(table(Comment), _comments.thread_id == _threads.id)
    .where(_comments.id == bindparam("comment_id"))
)


def as_datetime(value: Any) -> datetime | None:
    """Prepared statements run on the DBAPI cursor, where SQLite hands back its stored text."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def thread_state(engine: Engine, site: str, article: str) -> ThreadState:
    """One query on the (site, article) unique index and the site's row; the site-wide switch joins in,
    because closing a whole site does not touch every thread's version. An unknown thread has no id."""
    for (
        thread_id,
        version,
        closed,
        site_closed,
        title,
        count,
        sso_mode,
        login_url,
        close_at,
        auto_close_days,
        first_comment_at,
        overrides_token,
        participant_count,
    ) in _THREAD_STATE.rows(engine, {"site": site, "article": article}):
        return ThreadState(
            thread_id,
            version or 0,
            bool(closed or site_closed),
            title,
            count or 0,
            sso_mode or "anonymous",
            login_url,
            as_datetime(close_at),
            auto_close_days,
            as_datetime(first_comment_at),
            overrides_token,
            participant_count=participant_count or 0,
        )
    return ThreadState(None, 0, False)


def root_thread_state(engine: Engine, comment_id: int) -> ThreadState | None:
    """The state of the thread a comment lives in; None for an unknown comment."""
    for thread_id, version, closed, overrides_token, site in _ROOT_THREAD_STATE.rows(
        engine, {"comment_id": comment_id}
    ):
        return ThreadState(thread_id, version, bool(closed), overrides_token=overrides_token, site=site)
    return None


_COUNTS_TOKEN = PreparedStatement(select(_counts_versions.token).where(_counts_versions.site == bindparam("site")))
_RENEW_COUNTS_TOKEN = PreparedStatement(
    update(table(CountsVersion))
    .where(_counts_versions.site == bindparam("site"))
    .values(token=bindparam("token"))
    .returning(_counts_versions.site)
)


def counts_token(engine: Engine, site: str) -> str | None:
    for (token,) in _COUNTS_TOKEN.rows(engine, {"site": site}):
        return str(token)
    return None


def renew_counts_token(connection: Connection, site: str, token: str) -> bool:
    """False when the site has no token row yet."""
    return bool(_RENEW_COUNTS_TOKEN.rows(connection, {"site": site, "token": token}))


_settings_version = table(OverridesVersion).c
_SETTINGS_TOKEN = PreparedStatement(select(_settings_version.token).where(_settings_version.id == 1))
_RENEW_SETTINGS_TOKEN = PreparedStatement(
    update(table(OverridesVersion))
    .where(_settings_version.id == 1)
    .values(token=bindparam("token"))
    .returning(_settings_version.id)
)


def settings_token(bind: Engine | Connection) -> str | None:
    """The token of every site's stored settings (overrides and identity rows): servers keep both in
    memory and reload them when it moves. On the Engine it is one statement outside any transaction."""
    for (token,) in _SETTINGS_TOKEN.rows(bind, {}):
        return str(token)
    return None


def renew_settings_token(connection: Connection, token: str) -> None:
    """In the transaction that changes a site's stored settings."""
    if not _RENEW_SETTINGS_TOKEN.rows(connection, {"token": token}):
        connection.execute(insert(table(OverridesVersion)).values(id=1, token=token))


_ARTICLE_PARAMETERS = tuple(f"a{n}" for n in range(MAX_ARTICLES_PER_COUNT))


@functools.lru_cache(maxsize=MAX_ARTICLES_PER_COUNT)
def _counts_statement(size: int) -> PreparedStatement:
    """One statement per list length, built once."""
    return PreparedStatement(
        select(_threads.article, _threads.comment_count).where(
            _threads.site == bindparam("site"),
            _threads.article.in_([bindparam(name) for name in _ARTICLE_PARAMETERS[:size]]),
        )
    )


def stored_counts(engine: Engine, site: str, articles: Sequence[str]) -> dict[str, int]:
    """The stored count of each article that has a thread; one read on its own."""
    if not articles:
        return {}
    params: dict[str, Any] = dict(zip(_ARTICLE_PARAMETERS, articles, strict=False))
    params["site"] = site
    return dict(_counts_statement(len(articles)).rows(engine, params))


# --- what a post writes under the write lock ------------------------------------------------------


class PostTarget(NamedTuple):
    """The thread a new comment goes into, with what decides whether and how it is taken (its own and
    its site's settings, the screening lists' token), read as one row."""

    id: int
    title: str | None
    url: str | None
    closed: bool
    moderation: str | None
    site_closed: bool | None
    site_moderation: str | None
    rules_token: str | None
    # When the thread closes by itself, as in ThreadState.
    close_at: datetime | None = None
    auto_close_days: int | None = None
    first_comment_at: datetime | None = None


_POST_TARGET = PreparedStatement(
    select(
        _threads.id,
        _threads.title,
        _threads.url,
        _threads.closed,
        _threads.moderation,
        _sites.closed,
        _sites.moderation,
        RULES_TOKEN,
        _threads.close_at,
        _sites.auto_close_days,
        case((_sites.auto_close_days.is_(None), None), else_=_FIRST_COMMENT_AT),
    )
    .outerjoin(table(SiteSetting), _sites.site == _threads.site)
    .where(_threads.site == bindparam("site"), _threads.article == bindparam("article"))
)


def post_target(connection: Connection, site: str, article: str) -> PostTarget | None:
    for row in _POST_TARGET.rows(connection, {"site": site, "article": article}):
        target = PostTarget(*row)
        return target._replace(
            close_at=as_datetime(target.close_at), first_comment_at=as_datetime(target.first_comment_at)
        )
    return None


_ADJUST_COUNT = PreparedStatement(
    update(table(Thread))
    .where(_threads.id == bindparam("thread_id"))
    .values(comment_count=_threads.comment_count + bindparam("delta"), version=_threads.version + 1)
    .returning(_threads.comment_count, _threads.site)
)
_ADJUST_REPLY_COUNT = PreparedStatement(
    update(table(Comment))
    .where(_comments.id == bindparam("root_comment_id"))
    .values(reply_count=_comments.reply_count + bindparam("delta"))
)


def adjust_thread_count(connection: Connection, thread_id: int, delta: int) -> tuple[int, str]:
    """The thread's new count and its site, from the same row-locked UPDATE that bumps its version."""
    ((count, site),) = _ADJUST_COUNT.rows(connection, {"thread_id": thread_id, "delta": delta})
    return count, site


def adjust_reply_count(connection: Connection, root_id: int, delta: int) -> None:
    _ADJUST_REPLY_COUNT.rows(connection, {"root_comment_id": root_id, "delta": delta})


class NewComment(SimpleNamespace):
    """A comment as just inserted: its columns by attribute name, like a Comment, without loading it back."""


_NEW_COMMENT_COLUMNS = tuple(column.key for column in table(Comment).columns if column.key != "id")
# A second post with a form token's nonce inserts nothing (no other unique index can conflict).
_INSERT_COMMENT = {
    name: PreparedStatement(
        dialect_insert(table(Comment))
        .values({key: bindparam(key) for key in _NEW_COMMENT_COLUMNS})
        .on_conflict_do_nothing(index_elements=["form_nonce"], index_where=_comments.form_nonce.isnot(None))
        .returning(_comments.id)
    )
    for name, dialect_insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}
_RECENT_DUPLICATE = PreparedStatement(
    select(_comments.id)
    .where(
        _comments.client_ip == bindparam("client_ip"),
        _comments.created_at >= bindparam("since"),
        _comments.thread_id == bindparam("thread_id"),
        _comments.body_source == bindparam("body"),
    )
    .limit(1)
)


def insert_comment(connection: Connection, values: dict[str, Any]) -> NewComment | None:
    """`values` holds every column but the id; None when a stored comment carries its form_nonce already."""
    inserted = _INSERT_COMMENT[connection.dialect.name].rows(connection, values)
    if not inserted:
        return None
    ((comment_id,),) = inserted
    return NewComment(id=comment_id, **values)


def recent_duplicate(connection: Connection, *, thread_id: int, client_ip: str, body: str, since: datetime) -> bool:
    """Whether this address left this very body in this thread since `since` (an index covers it)."""
    return bool(
        _RECENT_DUPLICATE.rows(
            connection, {"client_ip": client_ip, "since": since, "thread_id": thread_id, "body": body}
        )
    )
