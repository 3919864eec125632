"""Public JSON shapes of comments and threads; nothing here ever reads an email, IP or user agent."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..domain.reading import APPROVED, PUBLIC_COLUMNS, RepliesPage, ThreadPage, encode_cursor
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
    """A page of rows carrying reading.PUBLIC_COLUMNS in order, unpacked once (a page can hold
    hundreds of comments). For the public, a hidden comment that still has visible replies becomes
    a bare placeholder."""
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
        picked_at,
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
                "picked_at": None if picked_at is None else picked_at.isoformat(timespec="seconds") + "Z",
                "replies": [],
            }
        )
    return result


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
    width = len(PUBLIC_COLUMNS)
    answer["picks"] = rows_json([row[:width] for row in page.picks], avatar_base=avatar_base, reply_to_names=names)
    pinned = rows_json([page.pinned[:width]], avatar_base=avatar_base, reply_to_names=names) if page.pinned else []
    answer["pinned"] = pinned[0] if pinned else None
    return answer


def replies_json(page: RepliesPage, *, avatar_base: str) -> dict[str, Any]:
    return {
        "root_id": page.root.id,
        "comments": rows_json(page.replies, avatar_base=avatar_base, reply_to_names=page.reply_to_names),
        "cursor": page.cursor,
    }
