"""Reading a thread as a paged tree: keyset pages of top-level comments, each with its first
replies, and the rest of a long reply list; cursors are opaque to clients."""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import CompoundSelect, Select, and_, bindparam, func, literal_column, or_, select, union_all
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..models import Comment, CommentStatus, ThreadPin
from ..storage.prepared import named_rows
from ..storage.statements import ThreadState
from .comments import get_comment
from .floors import Chain, FloorSettings, ancestors, fold
from .submission import SORTS, is_valid_id


@dataclass
class ThreadPage:
    thread: ThreadState
    top: list[Any]
    replies: list[Any]
    reply_to_names: dict[int, str | None]
    cursor: str | None
    floors: dict[int, Chain] = field(default_factory=dict)
    # First page only: the editors' picks in the order picked, and the staff comment pinned on top.
    picks: list[Any] = field(default_factory=list)
    pinned: Any = None


@dataclass
class RepliesPage:
    root: Comment
    replies: list[Any]
    reply_to_names: dict[int, str | None]
    cursor: str | None
    floors: dict[int, Chain] = field(default_factory=dict)


@dataclass
class FloorsPage:
    comment: Comment
    floors: list[Any]


# Read statements are built once, on Core columns, with bound parameters: building a statement
# and loading rows through the ORM cost more than the indexed queries themselves.

_c = Comment.__table__.c
APPROVED = CommentStatus.APPROVED.value

PUBLIC_COLUMNS = (
    _c.id,
    _c.parent_id,
    _c.root_id,
    _c.reply_to_id,
    _c.depth,
    _c.author_name,
    _c.author_website,
    _c.author_hash,
    _c.body_html,
    _c.status,
    _c.created_at,
    _c.edited_at,
    _c.likes,
    _c.dislikes,
    _c.reply_count,
    _c.is_staff,
    _c.hot_score,
    _c.author_avatar_url,
    _c.lang,
    _c.region_zh,
    _c.region_en,
    _c.picked_at,
)


def _top_level_statement(sort: str, after: bool) -> Select[Any]:
    """Keyset paging on ix_comments_thread_top / ix_comments_thread_hot: no OFFSET, whatever the page."""
    query = select(*PUBLIC_COLUMNS).where(
        _c.thread_id == bindparam("thread_id"),
        _c.parent_id.is_(None),
        or_(_c.status == APPROVED, _c.reply_count > 0),
    )
    # parent_id leads the ORDER BY although it is always NULL here: PostgreSQL does not treat
    # "IS NULL" as pinning a column, so without it the index order does not cover the ORDER BY and
    # the planner walks the primary key instead, filtering out every older comment of the table.
    if sort == "picks":
        return _picks_statement(after)
    if sort == "oldest":
        if after:
            query = query.where(_c.id > bindparam("after_id"))
        query = query.order_by(_c.parent_id.asc(), _c.id.asc())
    elif sort == "newest":
        if after:
            query = query.where(_c.id < bindparam("after_id"))
        query = query.order_by(_c.parent_id.desc(), _c.id.desc())
    else:
        if after:
            query = query.where(
                or_(
                    _c.hot_score < bindparam("after_score"),
                    and_(_c.hot_score == bindparam("after_score"), _c.id < bindparam("after_id")),
                )
            )
        query = query.order_by(_c.parent_id.desc(), _c.hot_score.desc(), _c.id.desc())
    return query.limit(bindparam("limit"))


def _picks_statement(after: bool) -> Select[Any]:
    """The editors' picks, replies included, in the order picked, on ix_comments_thread_picked."""
    query = select(*PUBLIC_COLUMNS).where(
        _c.thread_id == bindparam("thread_id"), _c.picked_at.is_not(None), _c.status == APPROVED
    )
    if after:
        query = query.where(
            or_(
                _c.picked_at > bindparam("after_time"),
                and_(_c.picked_at == bindparam("after_time"), _c.id > bindparam("after_id")),
            )
        )
    return query.order_by(_c.picked_at, _c.id).limit(bindparam("limit"))


_PINNED_ID = select(ThreadPin.__table__.c.comment_id).where(ThreadPin.__table__.c.thread_id == bindparam("thread_id"))

_TOP_LEVEL = {(sort, after): _top_level_statement(sort, after) for sort in SORTS for after in (False, True)}


def _first_replies(roots: Any) -> Select[Any]:
    """The first `reply_limit` visible replies under each of `roots` (ids, or a query of them), ranked on
    ix_comments_root_status."""
    ranked = (
        select(_c.id, func.row_number().over(partition_by=_c.root_id, order_by=_c.id).label("rank"))
        .where(_c.root_id.in_(roots), _c.status == APPROVED)
        .subquery("ranked")
    )
    return select(*PUBLIC_COLUMNS).join(ranked, ranked.c.id == _c.id).where(ranked.c.rank <= bindparam("reply_limit"))


# The first replies under every top-level comment of a page, in one query.
_FIRST_REPLIES = _first_replies(bindparam("roots", expanding=True)).order_by(_c.id)


def _first_page_statement(sort: str) -> CompoundSelect[Any]:
    """A first page in one round trip: the top-level page, the first replies under each of its comments
    and the picks block with the pinned comment, told apart by `part`. The replies' roots are the page's
    own rows (ix_comments_root_status), so the cost still depends on the page size alone."""
    page = _TOP_LEVEL[sort, False].cte("page")
    shown = (_c.thread_id == bindparam("thread_id"), _c.status == APPROVED)
    return union_all(
        select(page, literal_column("'top'").label("part")),
        _first_replies(select(page.c.id).where(page.c.reply_count > 0)).add_columns(literal_column("'reply'")),
        # Picks and the pin apart: each one index range (ix_comments_thread_picked, the primary key).
        select(*PUBLIC_COLUMNS, literal_column("'pick'")).where(*shown, _c.picked_at.is_not(None)),
        select(*PUBLIC_COLUMNS, literal_column("'pin'")).where(*shown, _c.id == _PINNED_ID.scalar_subquery()),
    )


# Rows of a UNION come in no promised order: the first page puts each part in its own.
_PAGE_ORDER = {
    "oldest": lambda row: row.id,
    "newest": lambda row: -row.id,
    "hot": lambda row: (-row.hot_score, -row.id),
}
_FIRST_PAGE = {sort: _first_page_statement(sort) for sort in _PAGE_ORDER}
_HIDDEN_BY_ID = select(*PUBLIC_COLUMNS).where(_c.id.in_(bindparam("ids", expanding=True)), _c.status != APPROVED)
_ANY_BY_ID = select(*PUBLIC_COLUMNS).where(_c.id.in_(bindparam("ids", expanding=True)))
_NAMES_BY_ID = select(_c.id, _c.author_name, _c.status).where(_c.id.in_(bindparam("ids", expanding=True)))
_REPLIES_OF_ROOT = {
    after: select(*PUBLIC_COLUMNS)
    .where(
        _c.root_id == bindparam("root_id"), _c.status == APPROVED, *((_c.id > bindparam("after_id"),) if after else ())
    )
    .order_by(_c.id)
    .limit(bindparam("limit"))
    for after in (False, True)
}


def encode_cursor(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, kind: str) -> dict[str, Any]:
    """Cursors are opaque to clients; anything we did not issue for this listing is a 400."""
    invalid = ValidationError("The cursor is not valid for this listing.", code="cursor_invalid", field="cursor")
    if not isinstance(cursor, str) or len(cursor) > 200:
        raise invalid
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise invalid from None
    if not isinstance(payload, dict) or payload.get("k") != kind:
        raise invalid
    last_id = payload.get("id")
    if not is_valid_id(last_id):
        raise invalid
    if kind == "picks":
        try:
            payload["t"] = datetime.fromisoformat(str(payload["t"]))
        except (KeyError, ValueError):
            raise invalid from None
    score = payload.get("s")
    if kind == "hot" and (isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score)):
        raise invalid
    return payload


def _top_level_page(
    session: Session, thread_id: int, sort: str, limit: int, cursor: dict[str, Any] | None
) -> tuple[list[Any], str | None]:
    params: dict[str, Any] = {"thread_id": thread_id, "limit": limit + 1}
    if cursor:
        params["after_id"] = cursor["id"]
        if sort == "hot":
            params["after_score"] = cursor["s"]
        if sort == "picks":
            params["after_time"] = cursor["t"]
    return _cut_page(list(session.execute(_TOP_LEVEL[sort, bool(cursor)], params)), sort, limit)


def _cut_page(rows: list[Any], sort: str, limit: int) -> tuple[list[Any], str | None]:
    """A page from `limit` + 1 rows in page order, and the cursor after it when the extra row says there is more."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    payload: dict[str, Any] = {"k": sort, "id": last.id}
    if sort == "hot":
        payload["s"] = last.hot_score
    if sort == "picks":
        payload["t"] = last.picked_at.isoformat()
    return rows, encode_cursor(payload)


def _first_page(
    session: Session, thread_id: int, sort: str, limit: int, reply_limit: int
) -> tuple[list[Any], str | None, list[Any], list[Any], Any]:
    """The top-level page, its cursor, the first replies, the picks and the pinned comment, in one statement."""
    # A cold page's hottest statement: the storage seam runs it without the Session's execution.
    rows = named_rows(
        session.connection(),
        _FIRST_PAGE[sort],
        {"thread_id": thread_id, "limit": limit + 1, "reply_limit": reply_limit},
    )
    top, next_cursor = _cut_page(sorted((row for row in rows if row.part == "top"), key=_PAGE_ORDER[sort]), sort, limit)
    shown_roots = {row.id for row in top}
    # The extra row that only tells whether there is a next page brought its replies too.
    replies = sorted(
        (row for row in rows if row.part == "reply" and row.root_id in shown_roots), key=lambda row: row.id
    )
    picks = sorted((row for row in rows if row.part == "pick"), key=_picked_order)
    pinned = next((row for row in rows if row.part == "pin"), None)
    return top, next_cursor, replies, picks[:limit], pinned


def _picked_order(row: Any) -> tuple[datetime, int]:
    return row.picked_at, row.id


def _with_hidden_ancestors(session: Session, rows: list[Any], known: set[int]) -> list[Any]:
    """Adds the hidden (deleted, rejected…) ancestors of visible replies, so replies keep their place.
    Visible ancestors have smaller ids and were sent already (replies go out in id order).
    Rarely needed, and bounded by the depth cap."""
    have = known | {row.id for row in rows}
    missing = {row.parent_id for row in rows if row.parent_id is not None and row.parent_id not in have}
    if not missing:
        return rows
    result = list(rows)
    while missing:
        found = list(session.execute(_HIDDEN_BY_ID, {"ids": sorted(missing)}))
        result.extend(found)
        have |= missing
        missing = {row.parent_id for row in found if row.parent_id is not None and row.parent_id not in have}
    result.sort(key=lambda row: row.id)
    return result


def _reply_to_names(session: Session, rows: list[Any]) -> dict[int, str | None]:
    """Names of the comments that capped replies answer; None when that comment is no longer shown."""
    wanted = {row.reply_to_id for row in rows if row.reply_to_id is not None}
    if not wanted:
        return {}
    names = {row.id: (row.author_name if row.status == APPROVED else None) for row in rows if row.id in wanted}
    missing = wanted - names.keys()
    if missing:
        for row in session.execute(_NAMES_BY_ID, {"ids": sorted(missing)}):
            names[row.id] = row.author_name if row.status == APPROVED else None
    return {comment_id: names.get(comment_id) for comment_id in wanted}


def _with_ancestors(session: Session, by_id: dict[int, Any], missing: set[int]) -> dict[int, Any]:
    """`by_id` with every ancestor of the `missing` ids read too, a level per query (bounded by the depth cap)."""
    while missing:
        found = list(session.execute(_ANY_BY_ID, {"ids": sorted(missing)}))
        by_id.update((row.id, row) for row in found)
        missing = {row.parent_id for row in found if row.parent_id is not None and row.parent_id not in by_id}
    return by_id


def _floor_chains(session: Session, rows: list[Any], settings: FloorSettings | None) -> dict[int, Chain]:
    """The folded floors of every row at the floor depth or deeper. On a thread page every ancestor is on
    the page already (replies go out in id order, hidden ancestors included); a later replies page may
    need its chains' upper floors read."""
    if settings is None:
        return {}
    deep = [row for row in rows if row.depth >= settings.depth and row.parent_id is not None]
    if not deep:
        return {}
    by_id = {row.id: row for row in rows}
    missing = {row.parent_id for row in rows if row.parent_id is not None and row.parent_id not in by_id}
    _with_ancestors(session, by_id, missing)
    known: dict[int, list[Any]] = {}
    return {row.id: fold(ancestors(row, by_id, known), settings) for row in sorted(deep, key=lambda row: row.id)}


def list_floors(session: Session, comment_id: int) -> FloorsPage:
    """Every floor above a reply, root first, the folded middle included: what "show k more floors" opens."""
    comment = get_comment(session, comment_id)
    if comment.parent_id is None:
        return FloorsPage(comment, [])
    by_id = _with_ancestors(session, {}, {comment.parent_id})
    return FloorsPage(comment, ancestors(comment, by_id))


def list_thread(
    session: Session,
    *,
    thread: ThreadState,
    sort: str,
    limit: int,
    cursor: str | None,
    reply_limit: int,
    floors: FloorSettings | None = None,
) -> ThreadPage:
    """One page of top-level comments plus the first replies under each (the first page, with the picks
    and the pin, in one statement): the cost depends on the page size, not on how big the thread has
    grown. `thread` is the state the caller read to validate its cache (storage.statements.thread_state),
    so the row is read once. sort and limit come checked by submission.py."""
    position = decode_cursor(cursor, kind=sort) if cursor else None
    if thread.thread_id is None:
        return ThreadPage(thread, [], [], {}, None)
    picks: list[Any] = []
    pinned = None
    if position is None and sort != "picks":
        top, next_cursor, replies, picks, pinned = _first_page(session, thread.thread_id, sort, limit, reply_limit)
    else:
        top, next_cursor = _top_level_page(session, thread.thread_id, sort, limit, position)
        roots = [row.id for row in top if row.reply_count > 0]
        replies = []
        if roots and sort != "picks":  # picks are a flat list: their replies are in the thread below
            replies = list(session.execute(_FIRST_REPLIES, {"roots": roots, "reply_limit": reply_limit}))
    if replies:
        replies = _with_hidden_ancestors(session, replies, {row.id for row in top})
    shown = top + replies + picks + ([pinned] if pinned is not None else [])
    return ThreadPage(
        thread,
        top,
        replies,
        _reply_to_names(session, shown),
        next_cursor,
        _floor_chains(session, top + replies, floors),
        picks,
        pinned,
    )


def list_replies(
    session: Session, root_id: int, *, limit: int, cursor: str | None, floors: FloorSettings | None = None
) -> RepliesPage:
    """The rest of a long reply list, oldest first, as a flat list the client hangs under parent_id."""
    position = decode_cursor(cursor, kind="replies") if cursor else None
    root = get_comment(session, root_id)
    if root.parent_id is not None:
        raise NotFound("Replies are listed under top-level comments only.", code="not_top_level")
    params: dict[str, Any] = {"root_id": root.id, "limit": limit + 1}
    if position:
        params["after_id"] = position["id"]
    rows = list(session.execute(_REPLIES_OF_ROOT[bool(position)], params))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor({"k": "replies", "id": rows[-1].id})
    rows = _with_hidden_ancestors(session, rows, {root.id})
    return RepliesPage(root, rows, _reply_to_names(session, rows), next_cursor, _floor_chains(session, rows, floors))
