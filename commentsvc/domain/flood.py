"""Flood detection across a site: the same or nearly the same text posted K times within W minutes,
from any number of addresses, is spam from the K-th copy on, and the earlier copies go with it.

Each comment's similarity band keys (text/fingerprint.py) are stored, a row per key with the site, the
time and the whole sketch, so every app server finds the candidates by index in the database, never in
its own memory, and keeps those whose sketch says they are near copies. Copies are grouped into a
cluster (FloodCluster) that moderators release or purge in one action (flood_clusters.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ClusterStatus, Comment, CommentStatus, FloodCluster, FloodMember
from ..storage import crowd_statements
from ..text.fingerprint import Sketch, near_copies, sketch_of
from . import audit
from .notifications import outbox
from .screening import Screening
from .status import set_comment_status

FLOOD_REASON = "flood"
# The latest copies a post looks at: older ones were found (and held) by the copies that came since,
# so a long flood costs each post the same.
RECENT_COPIES = 50
# Every this many comments, keys older than the window are deleted (one pass over a table the
# pruning keeps to about the window's size).
PRUNE_EVERY = 500
# Every flood and surge setting by name, for registering them as per-site settings in one place.
PER_SITE_SETTINGS = (
    "COMMENTSVC_FLOOD_COPIES",
    "COMMENTSVC_FLOOD_MINUTES",
    "COMMENTSVC_FLOOD_MIN_CHARS",
    "COMMENTSVC_SURGE_FACTOR",
    "COMMENTSVC_SURGE_MIN_PER_MINUTE",
    "COMMENTSVC_SURGE_MINUTES",
    "COMMENTSVC_PREMODERATION_HOURS",
    "COMMENTSVC_PREMODERATION_TIMEZONE",
)


@dataclass(frozen=True)
class FloodSettings:
    """K copies within W minutes make a flood; texts shorter than min_chars letters and digits never do."""

    copies: int = 3
    minutes: int = 60
    min_chars: int = 12


@dataclass(frozen=True)
class FloodCheck:
    """A new text's sketch, the earlier copies found on its site, and whether this copy is a flood's."""

    sketch: Sketch | None = None
    copies: tuple[int, ...] = ()
    is_flood: bool = False
    # The start of the window the copies were looked for in.
    since: datetime | None = None


NOT_CHECKED = FloodCheck()


@dataclass(frozen=True)
class Fingerprint:
    """The sketch of one screened body's visible text (None: too short to be a flood): the CPU part of
    the check, so callers compute it before they take the write lock, as they screen the body."""

    text: str
    sketch: Sketch | None


def fingerprint(text: str, settings: FloodSettings) -> Fingerprint:
    return Fingerprint(text, sketch_of(text, settings.min_chars) if settings.copies >= 1 else None)


def check_flood(
    session: Session,
    *,
    site: str,
    screening: Screening,
    now: datetime,
    settings: FloodSettings,
    known: Fingerprint | None = None,
) -> FloodCheck:
    """Looks for earlier copies of a screened body's visible text on the site; copies == 0 turns it off.
    `known` is fingerprint()'s result when the caller computed it already (used if it is of this text)."""
    if settings.copies < 1:
        return NOT_CHECKED
    text = screening.text
    sketch = (known if known is not None and known.text == text else fingerprint(text, settings)).sketch
    if sketch is None:
        return NOT_CHECKED
    since = now - timedelta(minutes=settings.minutes)
    most = max(RECENT_COPIES, settings.copies)
    candidates = crowd_statements.candidate_copies(
        session.connection(), site=site, keys=sketch.keys, since=since, most=most
    )
    copies = near_copies(sketch.bins, candidates)[:most]
    return FloodCheck(sketch, tuple(copies), len(copies) + 1 >= settings.copies, since)


def record_flood(session: Session, check: FloodCheck, *, site: str, comment_id: int, now: datetime) -> None:
    """Stores the new comment's band keys; for a flood's copy, puts it and its earlier copies in one cluster
    and moves those still visible or pending to the Spam queue."""
    if check.sketch is None:
        return
    connection = session.connection()
    crowd_statements.insert_keys(
        connection, site=site, comment_id=comment_id, keys=check.sketch.keys, sketch=check.sketch.bins, created_at=now
    )
    if comment_id % PRUNE_EVERY == 0 and check.since is not None:
        crowd_statements.prune_keys(connection, before=check.since)
    if not check.is_flood:
        return
    memberships = {
        member: (cluster, status)
        for member, cluster, status in session.execute(
            select(FloodMember.comment_id, FloodMember.cluster_id, FloodCluster.status)
            .join(FloodCluster, FloodCluster.id == FloodMember.cluster_id)
            .where(FloodMember.comment_id.in_(check.copies))
        )
    }
    open_clusters = [cluster for cluster, status in memberships.values() if status == ClusterStatus.OPEN.value]
    if open_clusters:
        cluster_id = min(open_clusters)
    else:
        cluster = FloodCluster(site=site, status=ClusterStatus.OPEN.value, created_at=now)
        session.add(cluster)
        session.flush()
        cluster_id = cluster.id
    # Copies already in a cluster were held when they joined it; a moderator's decision since then stands.
    newcomers = sorted(copy for copy in check.copies if copy not in memberships)
    crowd_statements.add_members(connection, cluster_id, [*newcomers, comment_id])
    moved = _hold_as_spam(session, newcomers, now)
    if moved:
        audit.record(
            session,
            moderator_id=None,
            action="flood_hold",
            target_type="cluster",
            target_id=cluster_id,
            detail={"comments": moved, "site": site},
            now=now,
        )


def _hold_as_spam(session: Session, comment_ids: list[int], now: datetime) -> list[int]:
    moved: list[int] = []
    if not comment_ids:
        return moved
    for comment in session.scalars(
        select(Comment)
        .where(
            Comment.id.in_(comment_ids),
            Comment.status.in_((CommentStatus.APPROVED.value, CommentStatus.PENDING.value)),
        )
        .order_by(Comment.id)
    ):
        reasons = [reason for reason in comment.hold_reasons.split(",") if reason and reason != FLOOD_REASON]
        comment.hold_reasons = ",".join([FLOOD_REASON, *reasons])[:128]
        outbox.record_change(session, comment, None, CommentStatus.SPAM, now=now)
        set_comment_status(session, comment, CommentStatus.SPAM)
        moved.append(comment.id)
    return moved
