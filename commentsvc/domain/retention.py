"""IP retention: after COMMENTSVC_IP_RETENTION_DAYS a comment keeps a keyed hash of its address and
user agent and the address's /24 or /48 prefix, never the raw values (README: Privacy).

Raw addresses live in comments.client_ip (with the user agent beside it) and in
audit_entries.client_ip (the moderator's) and, for "reject all from this address", in the audit
entry's target "ip:<address>". Votes, reports and form tokens only ever store keyed hashes. Bans
are kept as a moderator entered them (a ban is a decision about an address, and removing it or
letting it expire is how it ends). Purging is idempotent: a purged row holds a prefix, which is
never purged again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, bindparam, not_, or_, select, update
from sqlalchemy.orm import Session

from ..models import AuditEntry, Comment
from ..storage.statements import table
from .addresses import KEY_MARK, address_key, address_prefix, is_purged, normalised, text_key

BATCH = 500
_comments = table(Comment)
_audit = table(AuditEntry)


def _raw(column: Any) -> ColumnElement[bool]:
    """A stored address that is still raw: not empty and not yet a prefix."""
    return and_(column != "", not_(column.contains("/")))


def _update_rows(session: Session, target: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(update(target).where(target.c.id == bindparam("row_id")), rows)


def purge_addresses(session: Session, *, secret: str, now: datetime, days: int) -> int:
    """Rows older than `days` lose their raw address and user agent; returns how many rows changed.
    Newer comments without an address key (stored before keys existed) get theirs, so counts by
    address stay whole."""
    cutoff = now - timedelta(days=days)
    purged = 0
    old_comment = and_(
        _comments.c.created_at < cutoff,
        or_(
            _raw(_comments.c.client_ip),
            and_(_comments.c.user_agent != "", not_(_comments.c.user_agent.startswith(KEY_MARK))),
        ),
    )
    missing_key = and_(_comments.c.client_ip_key.is_(None), _raw(_comments.c.client_ip))
    last_id = 0
    while True:
        rows = session.execute(
            select(
                _comments.c.id,
                _comments.c.client_ip,
                _comments.c.client_ip_key,
                _comments.c.user_agent,
                _comments.c.created_at,
            )
            .where(_comments.c.id > last_id, or_(old_comment, missing_key))
            .order_by(_comments.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        changes = []
        for row_id, client_ip, key, agent, created_at in rows:
            key = key or (address_key(secret, client_ip) if not is_purged(client_ip) else None)
            if created_at < cutoff:
                purged += 1
                changes.append(
                    {
                        "row_id": row_id,
                        "client_ip": client_ip if is_purged(client_ip) else address_prefix(client_ip),
                        "client_ip_key": key,
                        "user_agent": agent if not agent or agent.startswith(KEY_MARK) else text_key(secret, agent),
                    }
                )
            else:
                changes.append({"row_id": row_id, "client_ip": client_ip, "client_ip_key": key, "user_agent": agent})
        _update_rows(session, _comments, changes)
        last_id = rows[-1][0]
    last_id = 0
    old_entry = and_(
        _audit.c.created_at < cutoff,
        or_(_raw(_audit.c.client_ip), and_(_audit.c.target_type == "reader", _audit.c.target_id.startswith("ip:"))),
    )
    while True:
        entries = session.execute(
            select(_audit.c.id, _audit.c.client_ip, _audit.c.target_id)
            .where(_audit.c.id > last_id, old_entry)
            .order_by(_audit.c.id)
            .limit(BATCH)
        ).all()
        if not entries:
            break
        changes = []
        for row_id, client_ip, target_id in entries:
            target = target_id
            if target_id.startswith("ip:") and normalised(target_id[3:]) is not None:
                target = "ip:" + address_key(secret, target_id[3:])
            ip = client_ip if is_purged(client_ip) else address_prefix(client_ip)
            if (ip, target) != (client_ip, target_id):
                purged += 1
                changes.append({"row_id": row_id, "client_ip": ip, "target_id": target})
        _update_rows(session, _audit, changes)
        last_id = entries[-1][0]
    return purged
