"""Readers' reports: they feed the Reported queue and, past a threshold, send a comment back to review."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..models import CommentStatus, Report, ReportReason
from .comments import get_comment_for_change
from .status import set_comment_status
from .submission import normalise_note

REPORT_REASONS = tuple(reason.value for reason in ReportReason)


def report_comment(
    session: Session, comment_id: int, *, reporter_key: str, reason: object, note: object, now: datetime, threshold: int
) -> Report:
    """One report per reader per comment; repeating it changes nothing."""
    if reason not in REPORT_REASONS:
        raise ValidationError(
            "reason must be one of: " + ", ".join(REPORT_REASONS) + ".", code="reason_invalid", field="reason"
        )
    note_text = normalise_note(note)
    comment = get_comment_for_change(session, comment_id)
    if comment.status != CommentStatus.APPROVED.value:
        raise NotFound("This comment is not available.", code="comment_not_found")
    existing = session.scalars(
        select(Report).where(Report.comment_id == comment_id, Report.reporter_key == reporter_key)
    ).first()
    if existing is not None:
        return existing
    report = Report(
        comment_id=comment_id,
        reporter_key=reporter_key,
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
    open_reports = session.scalar(
        select(func.count()).select_from(Report).where(Report.comment_id == comment_id, Report.resolved.is_(False))
    )
    if (open_reports or 0) >= threshold:
        set_comment_status(session, comment, CommentStatus.PENDING)
    return report
