"""Likes and dislikes: one vote per reader per comment, counters moved by in-database increments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..models import Comment, CommentStatus, Vote
from .comments import get_comment_for_change
from .ranking import hot_score
from .threads import touch_thread

_COUNTER = {1: "likes", -1: "dislikes"}


def _shift(previous: int, value: int) -> dict[str, int]:
    delta = {"likes": 0, "dislikes": 0}
    if previous in _COUNTER:
        delta[_COUNTER[previous]] -= 1
    if value in _COUNTER:
        delta[_COUNTER[value]] += 1
    return delta


def vote_comment(session: Session, comment_id: int, *, voter_key: str, value: object, now: datetime) -> Comment:
    """A second vote replaces the first and 0 withdraws it; counters never go through Python."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, -1, 0):
        raise ValidationError("value must be 1, -1 or 0.", code="vote_invalid", field="value")
    comment = get_comment_for_change(session, comment_id)
    if comment.status != CommentStatus.APPROVED.value:
        raise NotFound("This comment is not available.", code="comment_not_found")
    vote = session.scalars(select(Vote).where(Vote.comment_id == comment_id, Vote.voter_key == voter_key)).first()
    previous = vote.value if vote else 0
    if vote is None and value != 0:
        try:
            with session.begin_nested():
                session.add(Vote(comment_id=comment_id, voter_key=voter_key, value=value, created_at=now))
        except IntegrityError:
            # The same reader's other request won the race; treat this one as a change of that vote.
            vote = session.scalars(select(Vote).where(Vote.comment_id == comment_id, Vote.voter_key == voter_key)).one()
            previous = vote.value
    if vote is not None:
        if value == 0:
            session.delete(vote)
        else:
            vote.value = value
            vote.created_at = now
    delta = _shift(previous, value)
    if any(delta.values()):
        session.flush()
        session.execute(
            update(Comment)
            .where(Comment.id == comment_id)
            .values(likes=Comment.likes + delta["likes"], dislikes=Comment.dislikes + delta["dislikes"])
            .execution_options(synchronize_session=False)
        )
        session.refresh(comment, ["likes", "dislikes"])
        comment.hot_score = hot_score(comment.likes, comment.dislikes, comment.created_at)
        touch_thread(session, comment.thread_id)
    return comment
