"""Flood detection across a site: the same or nearly the same text posted K times within W minutes,
from any number of addresses, is spam from the K-th copy on, and the earlier copies go with it.

Each comment's similarity bands (text/fingerprint.py) are stored with the site and time, so every app
server finds the copies by index in the database, never in its own memory. Copies are grouped into a
cluster (FloodCluster) that moderators release or purge in one action (flood_clusters.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ClusterStatus, Comment, CommentStatus, FloodCluster, FloodMember
from ..storage import crowd_statements
from ..text.fingerprint import band_keys
from ..text.sanitize import VisibleText
from . import audit
from .notifications import outbox
from .status import set_comment_status

# Shared bands that make two texts copies: near copies (one word changed) share about half of the
# sixteen, unrelated texts none (the estimate is in bench/README.md).
SHARED_BANDS = 3
FLOOD_REASON = "flood"
# The latest copies a post looks at: older ones were found (and held) by the copies that came since,
# so a long flood costs each post the same.
RECENT_COPIES = 50
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
    """A new text's bands, the earlier copies found on its site, and whether this copy is a flood's."""

    bands: tuple[int, ...] = ()
    copies: tuple[int, ...] = ()
    is_flood: bool = False


NOT_CHECKED = FloodCheck()


def check_flood(session: Session, *, site: str, html: str, now: datetime, settings: FloodSettings) -> FloodCheck:
    """Looks for earlier copies of a sanitized body's visible text on the site; copies == 0 turns it off."""
    if settings.copies < 1:
        return NOT_CHECKED
    bands = band_keys(VisibleText.of(html).text, settings.min_chars)
    if not bands:
        return NOT_CHECKED
    copies = crowd_statements.similar_comments(
        session.connection(),
        site=site,
        bands=bands,
        since=now - timedelta(minutes=settings.minutes),
        shared=SHARED_BANDS,
        most=max(RECENT_COPIES, settings.copies),
    )
    return FloodCheck(bands, tuple(copies), len(copies) + 1 >= settings.copies)


def record_flood(session: Session, check: FloodCheck, *, site: str, comment_id: int, now: datetime) -> None:
    """Stores the new comment's bands; for a flood's copy, puts it and its earlier copies in one cluster
    and moves those still visible or pending to the Spam queue."""
    if not check.bands:
        return
    connection = session.connection()
    crowd_statements.insert_bands(connection, site=site, comment_id=comment_id, bands=check.bands, created_at=now)
    if not check.is_flood:
        return
    memberships: dict[int, str] = dict(
        session.execute(
            select(FloodMember.comment_id, FloodCluster.status)
            .join(FloodCluster, FloodCluster.id == FloodMember.cluster_id)
            .where(FloodMember.comment_id.in_(check.copies))
        ).all()
    )
    cluster_id = session.scalar(
        select(FloodMember.cluster_id)
        .join(FloodCluster, FloodCluster.id == FloodMember.cluster_id)
        .where(FloodMember.comment_id.in_(check.copies), FloodCluster.status == ClusterStatus.OPEN.value)
        .order_by(FloodMember.cluster_id)
        .limit(1)
    )
    if cluster_id is None:
        cluster = FloodCluster(site=site, status=ClusterStatus.OPEN.value, created_at=now, last_seen_at=now)
        session.add(cluster)
        session.flush()
        cluster_id = cluster.id
    else:
        found = session.get(FloodCluster, cluster_id)
        assert found is not None
        found.last_seen_at = now
    newcomers = [copy for copy in check.copies if copy not in memberships]
    crowd_statements.add_members(connection, cluster_id, [*newcomers, comment_id])
    # A copy a moderator already released (or purged) stays as the moderator left it.
    moved = _hold_as_spam(
        session, sorted(copy for copy in check.copies if memberships.get(copy, "open") == "open"), now
    )
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
