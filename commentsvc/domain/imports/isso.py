"""Isso: its SQLite database file, or its JSON export (a list of threads with their comments)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .jsonfile import expect, load_document, text
from .source import (
    SourceComment,
    SourceItem,
    SourceThread,
    SourceVote,
    UnreadableFile,
    clean_email,
    clean_name,
    epoch_time,
    paragraphs,
    parse_time,
)

_SQLITE_MAGIC = b"SQLite format 3\x00"
_MODES = {1: "approved", 2: "pending"}


def _votes(likes: object, dislikes: object) -> tuple[SourceVote, ...]:
    """Isso keeps tallies, not voters: each vote becomes one anonymous voter, so counts stay exact."""
    up = likes if isinstance(likes, int) and likes > 0 else 0
    down = dislikes if isinstance(dislikes, int) and dislikes > 0 else 0
    return tuple(SourceVote(f"import:isso:up:{n}", 1) for n in range(up)) + tuple(
        SourceVote(f"import:isso:down:{n}", -1) for n in range(down)
    )


def _comment(record: dict[str, Any], thread_ref: str, created: object) -> SourceComment:
    parent = record.get("parent")
    comment = SourceComment(
        source_id=f"{thread_ref}:{text(record, 'id')}",
        thread_ref=thread_ref,
        parent_ref=f"{thread_ref}:{parent}" if parent not in (None, "") else None,
        author_name=clean_name(text(record, "author")),
        author_email=clean_email(text(record, "email")),
        author_website=text(record, "website").strip() or None,
        client_ip=text(record, "remote_addr").strip(),
        body=paragraphs(text(record, "text")),
        body_format="html",
        created_at=epoch_time(created) if not isinstance(created, str) else parse_time(created),
        votes=_votes(record.get("likes"), record.get("dislikes")),
    )
    mode = record.get("mode", 1)
    if mode == 4:
        comment.skip = "deleted"
    elif not comment.body.strip():
        comment.skip = "empty"
    else:
        comment.status = _MODES.get(mode if isinstance(mode, int) else 1, "pending")
    return comment


def _from_json(path: Path) -> Iterator[SourceItem]:
    document = load_document(path, "Isso")
    expect(isinstance(document, list), path, "not an Isso export: expected a list of threads")
    for thread in document:
        expect(isinstance(thread, dict) and "id" in thread, path, "not an Isso export: a thread has no id")
        ref = text(thread, "id")
        yield SourceThread(ref=ref, link=ref, title=text(thread, "title") or None, article=None)
        for record in thread.get("comments") or []:
            expect(isinstance(record, dict), path, "not an Isso export: a comment is not an object")
            yield _comment(record, ref, record.get("created"))


def _from_sqlite(path: Path) -> Iterator[SourceItem]:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise UnreadableFile(path, f"cannot open the Isso database: {error}") from None
    connection.row_factory = sqlite3.Row
    try:
        for row in connection.execute("SELECT id, uri, title FROM threads ORDER BY id"):
            yield SourceThread(ref=str(row["id"]), link=row["uri"], title=row["title"] or None)
        for row in connection.execute("SELECT * FROM comments ORDER BY id"):
            record = dict(row)
            yield _comment(record, str(record["tid"]), record.get("created"))
    except sqlite3.Error as error:
        raise UnreadableFile(path, f"not an Isso database: {error}") from None
    finally:
        connection.close()


def parse(path: Path) -> Iterator[SourceItem]:
    if not path.is_file():
        raise UnreadableFile(path, "no such file")
    with path.open("rb") as probe:
        is_sqlite = probe.read(16) == _SQLITE_MAGIC
    return _from_sqlite(path) if is_sqlite else _from_json(path)
