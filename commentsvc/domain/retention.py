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

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, bindparam, not_, or_, select, update
from sqlalchemy.orm import Session

from ..models import AuditEntry, Comment
from ..storage.statements import table
from .addresses import KEY_MARK, address_key, address_prefix, is_purged, text_key

BATCH = 200
_comments = table(Comment)
_audit = table(AuditEntry)


@dataclass(frozen=True)
class PurgeBatch:
    """`purged`: rows that lost a raw address or agent (keys filled in are not counted); `after`: the
    last comment and audit entry looked at, where the next batch goes on; `done`: nothing was left."""

    purged: int
    after: tuple[int, int]
    done: bool


def _raw(column: Any) -> ColumnElement[bool]:
    """A stored address that is still raw: not empty and not yet a prefix."""
    return and_(column != "", not_(column.contains("/")))


def _update_rows(session: Session, target: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(update(target).where(target.c.id == bindparam("row_id")), rows)


def purge_batch(
    session: Session, *, secret: str, now: datetime, days: int, after: tuple[int, int] = (0, 0), limit: int = BATCH
) -> PurgeBatch:
    """At most `limit` comments and `limit` audit entries older than `days` lose their raw address and
    user agent; comments of any age without an address key (stored before keys existed) get theirs, so
    counts by address stay whole. The caller commits each batch and asks again with its `after` until
    it is done: a short write transaction each, so posting never waits long for the lock."""
    cutoff = now - timedelta(days=days)
    c = _comments.c
    old_comment = and_(
        c.created_at < cutoff,
        or_(_raw(c.client_ip), and_(c.user_agent != "", not_(c.user_agent.startswith(KEY_MARK)))),
    )
    missing_key = and_(c.client_ip_key.is_(None), _raw(c.client_ip))
    rows = session.execute(
        select(c.id, c.client_ip, c.client_ip_key, c.user_agent, c.created_at)
        .where(c.id > after[0], or_(old_comment, missing_key))
        .order_by(c.id)
        .limit(limit)
    ).all()
    purged = 0
    changes = []
    for row_id, client_ip, key, agent, created_at in rows:
        change = {"row_id": row_id, "client_ip": client_ip, "user_agent": agent}
        change["client_ip_key"] = key or (None if is_purged(client_ip) else address_key(secret, client_ip))
        if created_at < cutoff:
            purged += 1
            change["client_ip"] = client_ip if is_purged(client_ip) else address_prefix(client_ip)
            if agent and not agent.startswith(KEY_MARK):
                change["user_agent"] = text_key(secret, agent)
        changes.append(change)
    _update_rows(session, _comments, changes)

    a = _audit.c
    # "ip:<address>" targets of "reject all from this IP": an address has a dot or a second colon, a key neither.
    address_target = and_(a.target_id.startswith("ip:"), or_(a.target_id.contains("."), a.target_id.like("ip:%:%")))
    entries = session.execute(
        select(a.id, a.client_ip, a.target_id)
        .where(a.id > after[1], a.created_at < cutoff, or_(_raw(a.client_ip), address_target))
        .order_by(a.id)
        .limit(limit)
    ).all()
    entry_changes = []
    for row_id, client_ip, target_id in entries:
        target = target_id
        if target_id.startswith("ip:") and ("." in target_id or ":" in target_id[3:]):
            target = "ip:" + address_key(secret, target_id[3:])
        entry_changes.append(
            {
                "row_id": row_id,
                "client_ip": client_ip if is_purged(client_ip) else address_prefix(client_ip),
                "target_id": target,
            }
        )
    _update_rows(session, _audit, entry_changes)
    return PurgeBatch(
        purged + len(entry_changes),
        (rows[-1][0] if rows else after[0], entries[-1][0] if entries else after[1]),
        not rows and not entries,
    )
