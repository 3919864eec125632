"""Trust: what moderators already decided about a reader's comments, found by identity and email.

Derived from the comments table (indexed by identity_key and author_email) rather than kept in a
table of standings: every moderator action, its undo and "this is not spam" change the comments'
status, so trust follows them with nothing to keep in step, and a reader with few comments costs
one short indexed query per post.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from ..models import Comment, CommentStatus
from .screening import Screening

# How many of a reader's comments are enough to judge them; a long history is read no further.
HISTORY_LIMIT = 200
_DISTRUSTED = (CommentStatus.REJECTED.value, CommentStatus.SPAM.value)


@dataclass(frozen=True)
class Standing:
    """A reader's record: comments stored, approved, and rejected or kept as spam."""

    comments: int = 0
    approved: int = 0
    distrusted: int = 0

    @property
    def trusted(self) -> bool:
        """Approved comments and no rejection: moderators have vouched for this reader."""
        return self.approved > 0 and self.distrusted == 0


def reader_standing(
    session: Session, *, identity_key: str | None, email: str | None, user_id: int | None = None
) -> Standing:
    """The record of the reader: a signed-in (SSO) user is that user on any browser; anyone else is
    their identity and, when given, their email (either one names them)."""
    who = []
    if user_id is not None:
        who.append(Comment.user_id == user_id)
    elif identity_key:
        who.append(Comment.identity_key == identity_key)
    if email:
        who.append(Comment.author_email == email)
    if not who:
        return Standing()
    history = select(Comment.status).where(or_(*who)).order_by(Comment.id.desc()).limit(HISTORY_LIMIT).subquery()
    comments, approved, distrusted = session.execute(
        select(
            func.count(),
            func.count(case((history.c.status == CommentStatus.APPROVED.value, 1))),
            func.count(case((history.c.status.in_(_DISTRUSTED), 1))),
        ).select_from(history)
    ).one()
    return Standing(comments, approved, distrusted)


def apply_trust(screening: Screening, standing: Standing, *, trust_first: int) -> Screening:
    """A trusted reader skips the link hold; a reader with fewer than `trust_first` comments is held."""
    reasons = list(screening.reasons)
    if standing.trusted and "too_many_links" in reasons:
        reasons.remove("too_many_links")
    if standing.comments < trust_first:
        reasons.append("trust")
    if tuple(reasons) == screening.reasons:
        return screening
    status = CommentStatus.PENDING if reasons else CommentStatus.APPROVED
    return replace(screening, status=status, reasons=tuple(reasons))
