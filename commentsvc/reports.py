"""Readers' reports: they feed the Reported queue and, past a threshold, send a comment back to review."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .comments import get_comment_for_change
from .errors import NotFound, ValidationError
from .models import CommentStatus, Report
from .moderation import set_comment_status

# Stable codes; the widget and dashboard show them as 违法违规 / 色情低俗 / 谩骂攻击 / 垃圾广告 / 不实信息 / 其他.
REPORT_REASONS = ("illegal", "sexual", "abuse", "spam", "misinformation", "other")
MAX_NOTE_LENGTH = 500


def report_comment(session: Session, comment_id: int, *, reporter_key: str, reason: object, note: object,
                   now: datetime, threshold: int) -> Report:
    """One report per reader per comment; repeating it changes nothing."""
    if reason not in REPORT_REASONS:
        raise ValidationError("reason must be one of: " + ", ".join(REPORT_REASONS) + ".", code="reason_invalid",
                              fields={"reason": "unknown reason"})
    if note is not None and not isinstance(note, str):
        raise ValidationError("note must be a string.", code="wrong_type", fields={"note": "must be a string"})
    note_text = (note or "").strip()
    # PostgreSQL refuses NUL in text (a 500), and no reader types control characters into a note.
    if any(ch < " " and ch not in "\t\n" or "\x7f" <= ch <= "\x9f" for ch in note_text):
        raise ValidationError("The note contains control characters.", code="note_control_characters",
                              fields={"note": "control characters"})
    if len(note_text) > MAX_NOTE_LENGTH:
        raise ValidationError(f"The note is longer than {MAX_NOTE_LENGTH} characters.", code="note_too_long",
                              fields={"note": f"at most {MAX_NOTE_LENGTH} characters"})
    comment = get_comment_for_change(session, comment_id)
    if comment.status != CommentStatus.APPROVED.value:
        raise NotFound("This comment is not available.", code="comment_not_found")
    existing = session.scalars(
        select(Report).where(Report.comment_id == comment_id, Report.reporter_key == reporter_key)
    ).first()
    if existing is not None:
        return existing
    report = Report(comment_id=comment_id, reporter_key=reporter_key, reason=str(reason), note=note_text,
                    created_at=now, resolved=False)
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
    if open_reports >= threshold:
        set_comment_status(session, comment, CommentStatus.PENDING)
    return report
