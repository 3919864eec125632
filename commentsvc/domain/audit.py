"""The audit log: who did what to which comment or setting, when and from where; written, never edited."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditEntry, Moderator


def record(
    session: Session,
    *,
    moderator_id: int | None,
    action: str,
    target_type: str,
    target_id: object = "",
    detail: dict[str, Any] | None = None,
    client_ip: str = "",
    now: datetime,
) -> AuditEntry:
    """Added to the caller's transaction, so the action and its entry commit (or roll back) together."""
    entry = AuditEntry(
        moderator_id=moderator_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
        client_ip=client_ip,
        created_at=now,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    moderator: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


def list_entries(
    session: Session, filters: AuditFilter, *, limit: int, offset: int
) -> list[tuple[AuditEntry, str | None]]:
    """Newest first, each with the moderator's username (None for the system)."""
    query = select(AuditEntry, Moderator.username).outerjoin(Moderator, Moderator.id == AuditEntry.moderator_id)
    if filters.moderator:
        query = query.where(Moderator.username == filters.moderator)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.target_type:
        query = query.where(AuditEntry.target_type == filters.target_type)
    if filters.target_id:
        query = query.where(AuditEntry.target_id == filters.target_id)
    if filters.since:
        query = query.where(AuditEntry.created_at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.created_at < filters.until)
    rows = session.execute(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    return list(rows)


def detail_of(entry: AuditEntry) -> dict[str, Any]:
    try:
        value = json.loads(entry.detail or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def last_status_before_hiding(session: Session, comment_id: int) -> str | None:
    """The status a comment had before a moderator last hid it, if the log knows."""
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.target_type == "comment", AuditEntry.target_id == str(comment_id))
        .order_by(AuditEntry.id.desc())
        .limit(20)
    )
    for entry in entries:
        detail = detail_of(entry)
        if "from" in detail and "to" in detail and detail["to"] in {"rejected", "spam", "deleted"}:
            return str(detail["from"])
    return None
