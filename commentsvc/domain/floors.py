"""盖楼 (building floors): a reply at a site's floor depth or deeper is shown with its ancestors as
numbered, quoted floors instead of ever-deeper indentation; a long chain shows its first and last floors
and folds the middle, which the widget asks for when the reader opens it. The stored tree and the API's
nesting stay as they are: floors are a view of a reply's ancestors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The floor settings by name, for registering them as per-site settings in one place.
PER_SITE_SETTINGS = ("COMMENTSVC_FLOOR_DEPTH", "COMMENTSVC_FLOORS_FIRST", "COMMENTSVC_FLOORS_LAST")


@dataclass(frozen=True)
class FloorSettings:
    """Replies at `depth` or deeper show their floors; a chain of more than first + last floors folds."""

    depth: int = 3
    first: int = 2
    last: int = 2


def floor_settings(config: Mapping[str, Any]) -> FloorSettings:
    return FloorSettings(
        depth=config["COMMENTSVC_FLOOR_DEPTH"],
        first=config["COMMENTSVC_FLOORS_FIRST"],
        last=config["COMMENTSVC_FLOORS_LAST"],
    )


@dataclass(frozen=True)
class Chain:
    """A reply's ancestors as floors, root first: `count` in all, the first and last shown, `hidden` between."""

    count: int
    first: tuple[Any, ...]
    last: tuple[Any, ...]
    hidden: int


def ancestors(row: Any, by_id: Mapping[int, Any], known: dict[int, list[Any]] | None = None) -> list[Any]:
    """The chain from the top-level comment down to `row`'s parent; stops where an ancestor is unknown.
    `known` keeps the chains found so far by comment id: replies of one chain share their upper floors,
    so a page of rows in id order walks each link once."""
    known = {} if known is None else known
    path: list[Any] = []
    parent_id = row.parent_id
    while parent_id is not None and parent_id not in known and len(path) <= row.depth:
        parent = by_id.get(parent_id)
        if parent is None:
            break
        path.append(parent)
        parent_id = parent.parent_id
    above = [*known[parent_id], by_id[parent_id]] if parent_id in known else []
    path.reverse()
    chain = above + path
    known[row.id] = chain
    return chain


def fold(chain: list[Any], settings: FloorSettings) -> Chain:
    """All floors when they fit in first + last; otherwise the first and the last, and how many between."""
    count = len(chain)
    if count <= settings.first + settings.last:
        return Chain(count, tuple(chain), (), 0)
    last = tuple(chain[count - settings.last :]) if settings.last else ()
    return Chain(count, tuple(chain[: settings.first]), last, count - settings.first - settings.last)
