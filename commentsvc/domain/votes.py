"""Likes and dislikes: one vote per reader per comment, counters moved by in-database increments.

A reader is a browser, not an address: readers behind one NAT share an IP but not an identity
(identity.py); the per-IP rate limit bounds what a client
that throws its id away can do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..models import Comment, CommentStatus, Vote
from .bans import refuse_banned
from .comments import get_comment_for_change
from .identity import identity_key, issue_identity
from .ranking import hot_score
from .threads import touch_thread

_COUNTER = {1: "likes", -1: "dislikes"}


@dataclass(frozen=True)
class VoteResult:
    comment: Comment
    # The voter id to keep, when the request brought none that this server signed.
    issued_voter_id: str | None


def _shift(previous: int, value: int) -> dict[str, int]:
    delta = {"likes": 0, "dislikes": 0}
    if previous in _COUNTER:
        delta[_COUNTER[previous]] -= 1
    if value in _COUNTER:
        delta[_COUNTER[value]] += 1
    return delta


def vote_comment(
    session: Session,
    comment_id: int,
    *,
    voter_id: str | None,
    secret: str,
    value: object,
    client_ip: str,
    now: datetime,
) -> VoteResult:
    """A reader's second vote replaces their first and 0 withdraws it; counters never go through Python.
    Without a valid voter id the vote is a new reader's, and the result carries the id issued for it."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, -1, 0):
        raise ValidationError("value must be 1, -1 or 0.", code="vote_invalid", field="value")
    refuse_banned(session, email=None, client_ip=client_ip, now=now)
    issued = None
    key = identity_key(secret, voter_id)
    if key is None:
        issued, key = issue_identity(secret)
    return VoteResult(_vote(session, comment_id, key=key, value=value, now=now), issued)


def _vote(session: Session, comment_id: int, *, key: str, value: int, now: datetime) -> Comment:
    comment = get_comment_for_change(session, comment_id)
    if comment.status != CommentStatus.APPROVED.value:
        raise NotFound("This comment is not available.", code="comment_not_found")
    vote = session.scalars(select(Vote).where(Vote.comment_id == comment_id, Vote.voter_key == key)).first()
    previous = vote.value if vote else 0
    if vote is None and value != 0:
        try:
            with session.begin_nested():
                session.add(Vote(comment_id=comment_id, voter_key=key, value=value, created_at=now))
        except IntegrityError:
            # The same reader's other request won the race; treat this one as a change of that vote.
            vote = session.scalars(select(Vote).where(Vote.comment_id == comment_id, Vote.voter_key == key)).one()
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
