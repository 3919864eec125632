"""Public JSON shapes of comments and threads; nothing here ever reads an email, IP or user agent."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..domain.floors import Chain
from ..domain.reading import APPROVED, PUBLIC_COLUMNS, FloorsPage, RepliesPage, ThreadPage, encode_cursor
from ..models import CommentStatus

# A plain string: an Enum member's .value costs a descriptor call per comment on hot reads.
_DELETED = CommentStatus.DELETED.value


def comment_json(
    comment: Any, *, avatar_base: str, reply_to_names: dict[int, str | None], public: bool = True
) -> dict[str, Any]:
    """One comment (an ORM object) in the public shape; public=False is the author's own view, pending included."""
    row = tuple(getattr(comment, column.key) for column in PUBLIC_COLUMNS)
    return rows_json([row], avatar_base=avatar_base, reply_to_names=reply_to_names, public=public)[0]


def rows_json(
    rows: list[Any], *, avatar_base: str, reply_to_names: dict[int, str | None], public: bool = True
) -> list[dict[str, Any]]:
    """A page of rows carrying reading.PUBLIC_COLUMNS in order first (a first page's rows say which part
    of it they are after them), unpacked once (a page can hold hundreds of comments). For the public, a
    hidden comment that still has visible replies becomes a bare placeholder."""
    result = []
    for (
        comment_id,
        parent_id,
        _root_id,
        reply_to_id,
        _depth,
        name,
        website,
        author_hash,
        html,
        status,
        created_at,
        edited_at,
        likes,
        dislikes,
        _reply_count,
        is_staff,
        _hot_score,
        avatar_url,
        lang,
        region_zh,
        region_en,
        picked_at,
        *_part,
    ) in rows:
        if public and status != APPROVED:
            result.append(
                {
                    "id": comment_id,
                    "parent_id": parent_id,
                    "reply_to": None,
                    "name": None,
                    "website": None,
                    "avatar": None,
                    "html": None,
                    "created_at": created_at.isoformat(timespec="seconds") + "Z",
                    "edited_at": None if edited_at is None else edited_at.isoformat(timespec="seconds") + "Z",
                    "status": _DELETED,
                    "staff": False,
                    "likes": 0,
                    "dislikes": 0,
                    "lang": None,
                    "floors": None,
                    "region": None,
                    "picked_at": None,
                    "replies": [],
                }
            )
            continue
        result.append(
            {
                "id": comment_id,
                "parent_id": parent_id,
                "reply_to": None
                if reply_to_id is None
                else {"id": reply_to_id, "name": reply_to_names.get(reply_to_id)},
                "name": name,
                "website": website,
                "avatar": avatar_url or f"{avatar_base}{author_hash}.svg",
                "html": html,
                "created_at": created_at.isoformat(timespec="seconds") + "Z",
                "edited_at": None if edited_at is None else edited_at.isoformat(timespec="seconds") + "Z",
                "status": status,
                "staff": bool(is_staff),
                "likes": likes,
                "dislikes": dislikes,
                "lang": lang,
                "floors": None,
                # Label text per language (IP属地), shown by the widget; never the address.
                "region": None if region_zh is None else {"zh": region_zh, "en": region_en},
                "picked_at": None if picked_at is None else picked_at.isoformat(timespec="seconds") + "Z",
                "replies": [],
            }
        )
    return result


def _floor_json(row: Any) -> dict[str, Any]:
    """One floor of a chain: the ancestor's words and its number (1 is the top-level comment)."""
    shown = row.status == APPROVED
    return {
        "floor": row.depth + 1,
        "id": row.id,
        "name": row.author_name if shown else None,
        "html": row.body_html if shown else None,
        "lang": row.lang if shown else None,
        "status": row.status if shown else _DELETED,
    }


def _chain_json(chain: Chain, floors: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """`floors` keeps each floor's JSON for the page: the replies of one chain share their upper floors."""
    first = [floors[row.id] if row.id in floors else floors.setdefault(row.id, _floor_json(row)) for row in chain.first]
    last = [floors[row.id] if row.id in floors else floors.setdefault(row.id, _floor_json(row)) for row in chain.last]
    return {"count": chain.count, "hidden": chain.hidden, "first": first, "last": last}


def _add_floors(nodes: list[dict[str, Any]], chains: dict[int, Chain]) -> None:
    if not chains:
        return
    floors: dict[int, dict[str, Any]] = {}
    for node in nodes:
        chain = chains.get(node["id"])
        if chain is not None:
            node["floors"] = _chain_json(chain, floors)


def _hang_replies(top: list[dict[str, Any]], replies: list[dict[str, Any]]) -> None:
    """Replies arrive in id order, so every parent is placed before its children."""
    nodes = {node["id"]: node for node in top}
    for node in replies:
        nodes[node["id"]] = node
        parent = nodes.get(node["parent_id"])
        if parent is not None:
            parent["replies"].append(node)


def thread_json(page: ThreadPage, *, site: str, article: str, closed: bool, avatar_base: str) -> dict[str, Any]:
    names = page.reply_to_names
    top = rows_json(page.top, avatar_base=avatar_base, reply_to_names=names)
    replies = rows_json(page.replies, avatar_base=avatar_base, reply_to_names=names)
    _add_floors(replies, page.floors)
    _hang_replies(top, replies)
    sent: Counter[int] = Counter()
    last_sent: dict[int, int] = {}
    for row in page.replies:
        if row.status == APPROVED:
            sent[row.root_id] += 1
            last_sent[row.root_id] = row.id
    for row, node in zip(page.top, top, strict=False):
        node["reply_count"] = row.reply_count
        more = row.reply_count > sent[row.id] and row.id in last_sent
        node["replies_cursor"] = encode_cursor({"k": "replies", "id": last_sent[row.id]}) if more else None
    thread = page.thread
    answer: dict[str, Any] = {
        "site": site,
        "article": article,
        "title": thread.title,
        "count": thread.comment_count,
        "participants": thread.participant_count,
        "closed": closed,
        "comments": top,
        "cursor": page.cursor,
    }
    # The picks block and the pin travel with the first page (empty on later ones): one request for the widget.
    answer["picks"] = rows_json(page.picks, avatar_base=avatar_base, reply_to_names=names)
    pinned = rows_json([page.pinned], avatar_base=avatar_base, reply_to_names=names) if page.pinned else []
    answer["pinned"] = pinned[0] if pinned else None
    return answer


def replies_json(page: RepliesPage, *, avatar_base: str) -> dict[str, Any]:
    comments = rows_json(page.replies, avatar_base=avatar_base, reply_to_names=page.reply_to_names)
    _add_floors(comments, page.floors)
    return {"root_id": page.root.id, "comments": comments, "cursor": page.cursor}


def floors_json(page: FloorsPage) -> dict[str, Any]:
    """Every floor above a reply, root first: the folded middle included."""
    return {"id": page.comment.id, "count": len(page.floors), "floors": [_floor_json(row) for row in page.floors]}
