"""Rebuilds every stored counter from the rows it summarises; the stored ones are a fast cache of these."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from ..models import Comment, CommentStatus, Participant, Thread, Vote
from ..storage.events import counts_changed
from ..storage.statements import table as statements_table
from .participants import participant_key
from .ranking import hot_score
from .screening import render_screened
from .screening_lists import current_lists
from .threads import touch_thread


@dataclass(frozen=True)
class Drift:
    what: str
    row_id: int
    stored: int
    actual: int


def recount(session: Session) -> list[Drift]:
    """Fixes thread counts, reply counts and vote tallies that disagree with the rows, and says which."""
    drifts: list[Drift] = []
    stale_threads: set[int] = set()
    approved = CommentStatus.APPROVED.value

    thread_counts = dict(
        session.execute(
            select(Comment.thread_id, func.count()).where(Comment.status == approved).group_by(Comment.thread_id)
        ).all()
    )
    for thread in session.scalars(select(Thread)):
        actual = thread_counts.get(thread.id, 0)
        if thread.comment_count != actual:
            drifts.append(Drift("thread.comment_count", thread.id, thread.comment_count, actual))
            thread.comment_count = actual
            thread.version += 1
            counts_changed(session, thread.site)

    drifts.extend(_recount_participants(session))

    reply = aliased(Comment)
    reply_counts = dict(
        session.execute(
            select(reply.root_id, func.count())
            .where(reply.status == approved, reply.root_id.is_not(None))
            .group_by(reply.root_id)
        ).all()
    )
    for comment in session.scalars(select(Comment).where(Comment.parent_id.is_(None))):
        actual = reply_counts.get(comment.id, 0)
        if comment.reply_count != actual:
            drifts.append(Drift("comment.reply_count", comment.id, comment.reply_count, actual))
            comment.reply_count = actual
            stale_threads.add(comment.thread_id)

    tallies: dict[int, dict[int, int]] = {}
    for comment_id, value, count in session.execute(
        select(Vote.comment_id, Vote.value, func.count()).group_by(Vote.comment_id, Vote.value)
    ):
        tallies.setdefault(comment_id, {})[value] = count
    voted_or_counted = select(Comment).where(
        (Comment.likes != 0) | (Comment.dislikes != 0) | Comment.id.in_(select(Vote.comment_id))
    )
    for comment in session.scalars(voted_or_counted):
        likes = tallies.get(comment.id, {}).get(1, 0)
        dislikes = tallies.get(comment.id, {}).get(-1, 0)
        for what, stored, actual in (
            ("comment.likes", comment.likes, likes),
            ("comment.dislikes", comment.dislikes, dislikes),
        ):
            if stored != actual:
                drifts.append(Drift(what, comment.id, stored, actual))
        if (comment.likes, comment.dislikes) != (likes, dislikes):
            comment.likes, comment.dislikes = likes, dislikes
            stale_threads.add(comment.thread_id)
            comment.hot_score = hot_score(likes, dislikes, comment.created_at)
    for thread_id in stale_threads:  # readers' cached pages (ETags) must not outlive a fixed counter
        touch_thread(session, thread_id)
    session.flush()
    return drifts


def _recount_participants(session: Session) -> list[Drift]:
    """Each commenter's approved comments per thread, and each thread's count of commenters above zero."""
    actual: Counter[tuple[int, str]] = Counter()
    rows = session.execute(
        select(Comment.thread_id, Comment.user_id, Comment.identity_key, Comment.author_hash)
        .where(Comment.status == CommentStatus.APPROVED.value)
        .execution_options(yield_per=1000)
    )
    for row in rows:
        actual[row.thread_id, participant_key(row)] += 1
    stored = {
        (thread_id, key): count
        for thread_id, key, count in session.execute(
            select(Participant.thread_id, Participant.participant_key, Participant.approved_count)
        )
    }
    table = statements_table(Participant)
    for pair in stored.keys() - actual.keys():
        if stored[pair] != 0:
            session.execute(delete(table).where(table.c.thread_id == pair[0], table.c.participant_key == pair[1]))
    for pair, count in actual.items():
        if pair not in stored:
            session.execute(insert(table).values(thread_id=pair[0], participant_key=pair[1], approved_count=count))
        elif stored[pair] != count:
            session.execute(
                update(table)
                .where(table.c.thread_id == pair[0], table.c.participant_key == pair[1])
                .values(approved_count=count)
            )
    people: Counter[int] = Counter(thread_id for thread_id, _key in actual)
    drifts = []
    for thread in session.scalars(select(Thread)):
        if thread.participant_count != people[thread.id]:
            drifts.append(Drift("thread.participant_count", thread.id, thread.participant_count, people[thread.id]))
            thread.participant_count = people[thread.id]
            thread.version += 1
            counts_changed(session, thread.site)
    return drifts


def stale_html(session: Session) -> list[int]:
    """Comments whose stored HTML is not what their source renders to with today's rules (a renderer
    that went wrong, a sanitizer or word list changed since): `commentsvc rerender` rebuilds them."""
    stale = []
    matcher = current_lists(session).matcher
    rows = session.execute(
        select(Comment.id, Comment.body_source, Comment.body_format, Comment.body_html)
        .order_by(Comment.id)
        .execution_options(yield_per=500)
    )
    for comment_id, source, body_format, html in rows:
        if render_screened(matcher, source, body_format).html != html:
            stale.append(comment_id)
    return stale
