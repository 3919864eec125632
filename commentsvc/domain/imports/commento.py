"""Commento (v1) and Comentario (v1, v3) JSON exports: comments with their pages and commenters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .jsonfile import expect, load_document, text
from .source import SourceComment, SourceItem, SourceThread, SourceVote, clean_email, clean_name, parse_time

_ROOT = ("", "root", "00000000-0000-0000-0000-000000000000")


def _score_votes(score: object) -> tuple[SourceVote, ...]:
    """A net score, not voters: each point becomes one anonymous voter, so counts stay exact."""
    if not isinstance(score, int) or isinstance(score, bool) or score == 0:
        return ()
    value = 1 if score > 0 else -1
    return tuple(SourceVote(f"import:commento:{n}", value) for n in range(min(abs(score), 10_000)))


def _body(record: dict[str, Any]) -> tuple[str, str]:
    markdown = text(record, "markdown")
    return (markdown, "markdown") if markdown.strip() else (text(record, "html"), "html")


def _v1(document: dict[str, Any]) -> Iterator[SourceItem]:
    commenters = {text(c, "commenterHex"): c for c in document.get("commenters") or [] if isinstance(c, dict)}
    threads: set[str] = set()
    for record in document.get("comments") or []:
        if not isinstance(record, dict):
            continue
        domain = text(record, "domain") or text(record, "host")
        page = text(record, "url") or text(record, "path") or "/"
        ref = f"{domain}{page}"
        if ref not in threads:
            threads.add(ref)
            yield SourceThread(ref=ref, link=f"https://{domain}{page}" if domain else page)
        commenter = commenters.get(text(record, "commenterHex"), {})
        body, body_format = _body(record)
        parent = text(record, "parentHex")
        comment = SourceComment(
            source_id=text(record, "commentHex"),
            thread_ref=ref,
            parent_ref=None if parent in _ROOT else parent,
            author_name=clean_name(text(commenter, "name")),
            author_email=clean_email(text(commenter, "email")),
            author_website=text(commenter, "link").strip() or None,
            body=body,
            body_format=body_format,
            created_at=parse_time(text(record, "creationDate")),
            votes=_score_votes(record.get("score")),
        )
        state = text(record, "state") or "approved"
        if record.get("deleted") is True:
            comment.skip = "deleted"
        elif not body.strip():
            comment.skip = "empty"
        elif state != "approved":
            comment.status = "pending"
        yield comment


def _v3(document: dict[str, Any]) -> Iterator[SourceItem]:
    commenters = {text(c, "id"): c for c in document.get("commenters") or [] if isinstance(c, dict)}
    for page in document.get("pages") or []:
        if isinstance(page, dict):
            path = text(page, "path") or "/"
            yield SourceThread(ref=text(page, "id"), link=path, title=text(page, "title") or None)
    for record in document.get("comments") or []:
        if not isinstance(record, dict):
            continue
        commenter = commenters.get(text(record, "userCreated"), {})
        body, body_format = _body(record)
        parent = text(record, "parentId")
        comment = SourceComment(
            source_id=text(record, "id"),
            thread_ref=text(record, "pageId"),
            parent_ref=None if parent in _ROOT else parent,
            author_name=clean_name(text(commenter, "name")),
            author_email=clean_email(text(commenter, "email")),
            author_website=text(commenter, "websiteUrl").strip() or None,
            body=body,
            body_format=body_format,
            created_at=parse_time(text(record, "createdTime")),
            votes=_score_votes(record.get("score")),
        )
        if record.get("isDeleted") is True:
            comment.skip = "deleted"
        elif not body.strip():
            comment.skip = "empty"
        elif record.get("isApproved") is not True:
            comment.status = "pending"
        yield comment


def parse(path: Path) -> Iterator[SourceItem]:
    document = load_document(path, "Commento")
    expect(isinstance(document, dict) and "version" in document, path, "not a Commento export: no version")
    version = document["version"]
    expect(version in (1, 3), path, f"unsupported Commento/Comentario export version {version!r} (1 and 3 are)")
    return _v1(document) if version == 1 else _v3(document)
