"""Artalk's interchange format (artrans), which Artalk's converters make from Twikoo, Valine, Waline and others."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .jsonfile import expect, load_document, text
from .source import SourceComment, SourceItem, SourceThread, SourceVote, clean_email, clean_name, paragraphs, parse_time


def _votes(up: object, down: object) -> tuple[SourceVote, ...]:
    ups = up if isinstance(up, int) and not isinstance(up, bool) and up > 0 else 0
    downs = down if isinstance(down, int) and not isinstance(down, bool) and down > 0 else 0
    return tuple(SourceVote(f"import:artrans:up:{n}", 1) for n in range(ups)) + tuple(
        SourceVote(f"import:artrans:down:{n}", -1) for n in range(downs)
    )


def parse(path: Path) -> Iterator[SourceItem]:
    document = load_document(path, "Artalk (artrans)")
    expect(isinstance(document, list), path, "not an artrans export: expected a JSON array of comments")
    return _items(document, path)


def _items(document: list[object], path: Path) -> Iterator[SourceItem]:
    pages: set[str] = set()
    for record in document:
        expect(isinstance(record, dict), path, "not an artrans export: a comment is not an object")
        assert isinstance(record, dict)
        page = text(record, "page_key").strip() or "/"
        if page not in pages:
            pages.add(page)
            yield SourceThread(ref=page, link=page, title=text(record, "page_title").strip() or None)
        parent = text(record, "rid").strip()
        comment = SourceComment(
            source_id=text(record, "id").strip(),
            thread_ref=page,
            parent_ref=None if parent in ("", "0") else parent,
            author_name=clean_name(text(record, "nick")),
            author_email=clean_email(text(record, "email")),
            author_website=text(record, "link").strip() or None,
            client_ip=text(record, "ip").strip(),
            user_agent=text(record, "ua"),
            body=paragraphs(text(record, "content")),
            body_format="html",
            created_at=parse_time(text(record, "created_at")),
            votes=_votes(record.get("vote_up"), record.get("vote_down")),
        )
        if not comment.body.strip():
            comment.skip = "empty"
        elif record.get("is_pending") in (True, "true", 1):
            comment.status = "pending"
        yield comment
