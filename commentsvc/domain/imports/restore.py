"""commentsvc's own export (domain/export.py), read back whole: every status, setting, vote, ban and word."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..export import EXPORT_FORMAT, EXPORT_VERSION
from .jsonfile import expect, load_document, text
from .source import SourceBan, SourceComment, SourceItem, SourceSite, SourceThread, SourceVote, SourceWord, parse_time


def parse(path: Path) -> Iterator[SourceItem]:
    document = load_document(path, "commentsvc")
    expect(
        isinstance(document, dict) and document.get("format") == EXPORT_FORMAT,
        path,
        f'not a commentsvc export (no "format": "{EXPORT_FORMAT}")',
    )
    expect(
        document.get("version") == EXPORT_VERSION,
        path,
        f"unsupported commentsvc export version {document.get('version')!r} ({EXPORT_VERSION} is)",
    )
    return _items(document)


def _optional(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return value if isinstance(value, str) else None


def _items(document: dict[str, Any]) -> Iterator[SourceItem]:
    for site in document.get("sites") or []:
        yield SourceSite(text(site, "site"), _optional(site, "moderation"), bool(site.get("closed")))
    for word in document.get("sensitive_words") or []:
        yield SourceWord(text(word, "word"), text(word, "action"), parse_time(_optional(word, "created_at")))
    for ban in document.get("bans") or []:
        yield SourceBan(
            text(ban, "kind"),
            text(ban, "value"),
            text(ban, "note"),
            parse_time(_optional(ban, "expires_at")),
            parse_time(_optional(ban, "created_at")),
        )
    for thread in document.get("threads") or []:
        yield SourceThread(
            ref=text(thread, "id"),
            link=_optional(thread, "url"),
            title=_optional(thread, "title"),
            article=text(thread, "article"),
            site=text(thread, "site"),
            closed=bool(thread.get("closed")),
            moderation=_optional(thread, "moderation"),
            created_at=parse_time(_optional(thread, "created_at")),
        )
    for record in document.get("comments") or []:
        parent = record.get("parent_id")
        reply_to = record.get("reply_to_id")
        yield SourceComment(
            source_id=text(record, "id"),
            thread_ref=text(record, "thread_id"),
            parent_ref=str(parent) if parent is not None else None,
            reply_to_ref=str(reply_to) if reply_to is not None else None,
            author_name=text(record, "author_name"),
            author_email=_optional(record, "author_email"),
            author_website=_optional(record, "author_website"),
            author_hash=_optional(record, "author_hash"),
            client_ip=text(record, "client_ip"),
            client_ip_key=_optional(record, "client_ip_key"),
            user_agent=text(record, "user_agent"),
            region_zh=_optional(record, "region_zh"),
            region_en=_optional(record, "region_en"),
            picked_at=parse_time(_optional(record, "picked_at")),
            pinned_at=parse_time(_optional(record, "pinned_at")),
            body=text(record, "body_source"),
            body_format=text(record, "body_format") or "markdown",
            status=text(record, "status"),
            created_at=parse_time(_optional(record, "created_at")),
            edited_at=parse_time(_optional(record, "edited_at")),
            is_staff=bool(record.get("is_staff")),
            hold_reasons=text(record, "hold_reasons"),
            votes=tuple(
                SourceVote(
                    text(vote, "voter_key"), int(vote.get("value", 0)), parse_time(_optional(vote, "created_at"))
                )
                for vote in record.get("votes") or []
            ),
        )
