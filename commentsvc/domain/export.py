"""The operator's backup: every site setting, thread, comment (emails and IPs included), vote, ban and
sensitive word as one versioned JSON document, written as a stream so memory stays flat.

Format `commentsvc-export`, version 1: an object with `format`, `version`, `exported_at` and the lists
`sites`, `sensitive_words`, `bans`, `threads` and `comments` (in id order, so parents come first); each
comment has `votes` (voter key, value, time). Times are ISO-8601 UTC. `commentsvc import commentsvc`
reads it back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import isoformat
from ..models import Ban, Comment, SensitiveWord, SiteSetting, Thread, ThreadPin, Vote

EXPORT_FORMAT = "commentsvc-export"
EXPORT_VERSION = 1


def _sites(session: Session, site: str | None) -> Iterator[dict[str, Any]]:
    query = select(SiteSetting).order_by(SiteSetting.site)
    if site is not None:
        query = query.where(SiteSetting.site == site)
    for setting in session.scalars(query):
        yield {"site": setting.site, "moderation": setting.moderation, "closed": setting.closed}


def _words(session: Session) -> Iterator[dict[str, Any]]:
    for word in session.scalars(select(SensitiveWord).order_by(SensitiveWord.id)):
        yield {"word": word.word, "action": word.action, "created_at": isoformat(word.created_at)}


def _bans(session: Session) -> Iterator[dict[str, Any]]:
    for ban in session.scalars(select(Ban).order_by(Ban.id)):
        yield {
            "kind": ban.kind,
            "value": ban.value,
            "note": ban.note,
            "expires_at": isoformat(ban.expires_at),
            "created_at": isoformat(ban.created_at),
        }


def _threads(session: Session, site: str | None) -> Iterator[dict[str, Any]]:
    query = select(Thread).order_by(Thread.id)
    if site is not None:
        query = query.where(Thread.site == site)
    for thread in session.scalars(query.execution_options(yield_per=500)):
        yield {
            "id": thread.id,
            "site": thread.site,
            "article": thread.article,
            "title": thread.title,
            "url": thread.url,
            "closed": thread.closed,
            "moderation": thread.moderation,
            "created_at": isoformat(thread.created_at),
            "comment_count": thread.comment_count,
        }


_COMMENT_COLUMNS = (
    Comment.id,
    Comment.thread_id,
    Comment.parent_id,
    Comment.reply_to_id,
    Comment.status,
    Comment.author_name,
    Comment.author_email,
    Comment.author_website,
    Comment.author_hash,
    Comment.client_ip,
    Comment.client_ip_key,
    Comment.user_agent,
    Comment.region_zh,
    Comment.region_en,
    Comment.body_source,
    Comment.body_format,
    Comment.created_at,
    Comment.edited_at,
    Comment.is_staff,
    Comment.hold_reasons,
    Comment.likes,
    Comment.dislikes,
    Comment.reply_count,
    Comment.picked_at,
    ThreadPin.pinned_at,
)


def _comments(session: Session, site: str | None) -> Iterator[dict[str, Any]]:
    query = select(*_COMMENT_COLUMNS).outerjoin(ThreadPin, ThreadPin.comment_id == Comment.id).order_by(Comment.id)
    votes = select(Vote.comment_id, Vote.voter_key, Vote.value, Vote.created_at).order_by(Vote.comment_id, Vote.id)
    if site is not None:
        in_site = select(Thread.id).where(Thread.site == site)
        query = query.where(Comment.thread_id.in_(in_site))
        votes = votes.join(Comment, Comment.id == Vote.comment_id).where(Comment.thread_id.in_(in_site))
    vote_rows = iter(session.execute(votes.execution_options(yield_per=2000)))
    pending_vote = next(vote_rows, None)
    # A second connection would see another snapshot on PostgreSQL; both cursors share the session's.
    for row in session.execute(query.execution_options(yield_per=1000)).mappings():
        record: dict[str, Any] = dict(row)
        record["created_at"] = isoformat(record["created_at"])
        record["edited_at"] = isoformat(record["edited_at"])
        record["picked_at"] = isoformat(record["picked_at"])
        record["pinned_at"] = isoformat(record["pinned_at"])
        record["votes"] = []
        while pending_vote is not None and pending_vote[0] <= record["id"]:
            if pending_vote[0] == record["id"]:
                record["votes"].append(
                    {"voter_key": pending_vote[1], "value": pending_vote[2], "created_at": isoformat(pending_vote[3])}
                )
            pending_vote = next(vote_rows, None)
        yield record


def write_export(session: Session, out: TextIO, *, site: str | None, now: datetime) -> dict[str, int]:
    """Writes the document to `out` and returns how many of each kind it holds. With `site`, only that
    site's settings, threads and comments (bans and words are global and always included)."""
    counts: dict[str, int] = {}
    out.write(f'{{"format": "{EXPORT_FORMAT}", "version": {EXPORT_VERSION}, "exported_at": "{isoformat(now)}"')
    out.write(f', "site": {json.dumps(site)}')
    sections: tuple[tuple[str, Iterator[dict[str, Any]]], ...] = (
        ("sites", _sites(session, site)),
        ("sensitive_words", _words(session)),
        ("bans", _bans(session)),
        ("threads", _threads(session, site)),
        ("comments", _comments(session, site)),
    )
    for name, records in sections:
        out.write(f',\n"{name}": [')
        count = 0
        for record in records:
            out.write(("\n" if count == 0 else ",\n") + json.dumps(record, ensure_ascii=False, sort_keys=True))
            count += 1
        out.write("\n]")
        counts[name] = count
    out.write("\n}\n")
    return counts
