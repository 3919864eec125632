"""Remark42's backup: a first line with the site's users and posts, then one comment per line (JSON Lines)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .jsonfile import expect, load_lines, text
from .source import SourceComment, SourceItem, SourceThread, SourceVote, clean_name, parse_time


def parse(path: Path) -> Iterator[SourceItem]:
    values = load_lines(path, "Remark42")
    expect(
        bool(values) and isinstance(values[0], dict) and "version" in values[0],
        path,
        "not a Remark42 backup: its first line must be the header with a version",
    )
    expect(values[0]["version"] == 1, path, f"unsupported Remark42 backup version {values[0]['version']!r} (1 is)")
    return _items(values, path)


def _items(values: list[Any], path: Path) -> Iterator[SourceItem]:
    read_only = {
        text(post, "url") for post in values[0].get("posts") or [] if isinstance(post, dict) and post.get("read_only")
    }
    pages: set[str] = set()
    for record in values[1:]:
        expect(isinstance(record, dict), path, "not a Remark42 backup: a comment line is not an object")
        locator = record.get("locator") if isinstance(record.get("locator"), dict) else {}
        url = text(locator, "url").strip()
        if url not in pages:
            pages.add(url)
            yield SourceThread(ref=url, link=url or None, title=text(record, "title") or None, closed=url in read_only)
        user = record.get("user") if isinstance(record.get("user"), dict) else {}
        votes = record.get("votes") if isinstance(record.get("votes"), dict) else {}
        comment = SourceComment(
            source_id=text(record, "id"),
            thread_ref=url,
            parent_ref=text(record, "pid") or None,
            author_name=clean_name(text(user, "name")),
            body=text(record, "text"),
            body_format="html",
            created_at=parse_time(text(record, "time")),
            votes=tuple(
                SourceVote(f"remark42:{voter}"[:64], 1 if up else -1)
                for voter, up in votes.items()
                if isinstance(up, bool)
            ),
        )
        if record.get("delete") is True:
            comment.skip = "deleted"
        elif not comment.body.strip():
            comment.skip = "empty"
        yield comment
