"""Readers' reports: they feed the Reported queue and, past a threshold, send a comment back to review.

The threshold is not a head count, which any three readers (or one reader on three addresses) could
reach against anything. Reports from one network (/24 for IPv4, /48 for IPv6) count once, at the
weight of its best-standing reporter; a reporter weighs (upheld + 1) / (upheld + dismissed + 1) by how
moderators judged their earlier reports, so a new reader weighs 1 and one whose reports were dismissed
weighs less. Staff comments are never unpublished by reports; their reports still reach the queue.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from datetime import datetime
from fractions import Fraction

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..models import CommentStatus, EventType, Report, ReporterStanding, ReportReason
from .bans import refuse_banned
from .comments import get_comment_for_change
from .notifications import outbox
from .posting import Client
from .status import set_comment_status
from .submission import normalise_note

REPORT_REASONS = tuple(reason.value for reason in ReportReason)
_PREFIX = {4: 24, 6: 48}


def network_key(secret: str, client_ip: str) -> str:
    """A keyed hash of the client's /24 (IPv4) or /48 (IPv6): one household or office counts once."""
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        network = client_ip
    else:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        network = str(ipaddress.ip_network(f"{address}/{_PREFIX[address.version]}", strict=False))
    return hmac.new(secret.encode(), f"network:{network}".encode(), hashlib.sha256).hexdigest()[:40]


def reporter_weight(upheld: int, dismissed: int) -> Fraction:
    """New reporters weigh 1; every dismissed report lowers the weight, every upheld one restores it."""
    return Fraction(upheld + 1, upheld + dismissed + 1)


def report_weight(session: Session, comment_id: int) -> Fraction:
    """The open reports' weight: over distinct networks, the largest reporter weight in each."""
    rows = session.execute(
        select(
            Report.network_key,
            Report.reporter_key,
            func.coalesce(ReporterStanding.upheld, 0),
            func.coalesce(ReporterStanding.dismissed, 0),
        )
        .outerjoin(ReporterStanding, ReporterStanding.reporter_key == Report.reporter_key)
        .where(Report.comment_id == comment_id, Report.resolved.is_(False))
    )
    best: dict[str, Fraction] = {}
    for network, reporter, upheld, dismissed in rows:
        # Reports filed before networks were recorded count per reporter.
        where = network or f"reporter:{reporter}"
        best[where] = max(best.get(where, Fraction(0)), reporter_weight(upheld, dismissed))
    return sum(best.values(), Fraction(0))


def report_comment(
    session: Session,
    comment_id: int,
    *,
    client: Client,
    secret: str,
    reason: object,
    note: object,
    now: datetime,
    threshold: int,
) -> Report:
    """One report per reader per comment; repeating it changes nothing."""
    if reason not in REPORT_REASONS:
        raise ValidationError(
            "reason must be one of: " + ", ".join(REPORT_REASONS) + ".", code="reason_invalid", field="reason"
        )
    note_text = normalise_note(note)
    refuse_banned(session, email=None, client_ip=client.ip, now=now)
    comment = get_comment_for_change(session, comment_id)
    if comment.status != CommentStatus.APPROVED.value:
        raise NotFound("This comment is not available.", code="comment_not_found")
    reporter_key = client.key(secret)
    existing = session.scalars(
        select(Report).where(Report.comment_id == comment_id, Report.reporter_key == reporter_key)
    ).first()
    if existing is not None:
        return existing
    report = Report(
        comment_id=comment_id,
        reporter_key=reporter_key,
        network_key=network_key(secret, client.ip),
        reason=str(reason),
        note=note_text,
        created_at=now,
        resolved=False,
    )
    try:
        with session.begin_nested():
            session.add(report)
    except IntegrityError:
        return session.scalars(
            select(Report).where(Report.comment_id == comment_id, Report.reporter_key == reporter_key)
        ).one()
    held = not comment.is_staff and report_weight(session, comment_id) >= threshold
    target = CommentStatus.PENDING if held else CommentStatus.APPROVED
    outbox.record_change(session, comment, EventType.COMMENT_REPORTED, target, now=now)
    if held:
        set_comment_status(session, comment, CommentStatus.PENDING)
    return report


def move_standings(session: Session, reporter_keys: Iterable[str], *, upheld: bool) -> None:
    """Each reporter's standing after a moderator's decision on their report: upheld or dismissed."""
    column = ReporterStanding.upheld if upheld else ReporterStanding.dismissed

    def bump(key: str) -> int:
        moved = session.execute(
            update(ReporterStanding)
            .where(ReporterStanding.reporter_key == key)
            .values({column: column + 1})
            .execution_options(synchronize_session=False)
        )
        return int(getattr(moved, "rowcount", 0) or 0)

    for key in sorted(reporter_keys):
        if bump(key):
            continue
        try:
            with session.begin_nested():
                session.add(ReporterStanding(reporter_key=key, upheld=int(upheld), dismissed=int(not upheld)))
        except IntegrityError:
            bump(key)  # another moderator's decision created this reporter's standing meanwhile
