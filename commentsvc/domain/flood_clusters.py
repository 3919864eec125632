"""What moderators do with a flood cluster (flood.py): look at it, release it or purge it in one action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import ClusterStatus, Comment, FloodCluster, FloodMember
from . import audit
from .moderation import MAX_BULK, Actor, apply_action


@dataclass(frozen=True)
class ClusterView:
    cluster: FloodCluster
    comments: list[Comment]


def get_cluster(session: Session, cluster_id: int) -> ClusterView:
    """A cluster with its comments, oldest first (the first copy is where the flood began)."""
    cluster = session.get(FloodCluster, cluster_id)
    if cluster is None:
        raise NotFound(f"Flood cluster {cluster_id} does not exist.", code="cluster_not_found")
    comments = list(
        session.scalars(
            select(Comment)
            .join(FloodMember, FloodMember.comment_id == Comment.id)
            .where(FloodMember.cluster_id == cluster_id)
            .order_by(Comment.id)
        )
    )
    return ClusterView(cluster, comments)


def _decide(
    session: Session,
    cluster_id: int,
    action: str,
    status: ClusterStatus,
    *,
    actor: Actor,
    now: datetime,
    default_mode: str,
) -> int:
    view = get_cluster(session, cluster_id)
    ids = [comment.id for comment in view.comments]
    changed = 0
    # Each comment's change is audited and counted by moderation.apply_action, a bulk at a time.
    for start in range(0, len(ids), MAX_BULK):
        changed += len(
            apply_action(
                session, ids[start : start + MAX_BULK], action, actor=actor, now=now, default_mode=default_mode
            )
        )
    view.cluster.status = status.value
    audit.record(
        session,
        moderator_id=actor.moderator_id,
        action=f"cluster_{'release' if status == ClusterStatus.RELEASED else 'purge'}",
        target_type="cluster",
        target_id=cluster_id,
        detail={"comments": len(ids), "changed": changed, "site": view.cluster.site},
        client_ip=actor.client_ip,
        now=now,
    )
    session.flush()
    return changed


def release_cluster(session: Session, cluster_id: int, *, actor: Actor, now: datetime, default_mode: str) -> int:
    """Not a flood after all: every comment of the cluster is approved. Returns how many changed."""
    return _decide(
        session, cluster_id, "approve", ClusterStatus.RELEASED, actor=actor, now=now, default_mode=default_mode
    )


def purge_cluster(session: Session, cluster_id: int, *, actor: Actor, now: datetime, default_mode: str) -> int:
    """Every comment of the cluster is rejected, out of the Spam queue. Returns how many changed."""
    return _decide(session, cluster_id, "reject", ClusterStatus.PURGED, actor=actor, now=now, default_mode=default_mode)
