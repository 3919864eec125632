"""Flood clusters (look, release, purge) and surge mode (end, extend): the moderators' side of flood.py and surge.py."""

from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...clock import utcnow
from ...domain import flood_clusters, queues, surge
from ...extensions import db
from ..context import surge_settings
from .core import actor, commit_or_flash, dashboard, safe_next
from .labels import label


@dashboard.get("/clusters/<int:cluster_id>")
def cluster(cluster_id: int) -> str:
    view = flood_clusters.get_cluster(db.session(), cluster_id)
    return render_template(
        "dashboard/cluster.html",
        cluster=view.cluster,
        items=queues.queue_items(db.session(), view.comments),
        highlights={},
    )


@dashboard.post("/clusters/<int:cluster_id>/release")
def release_cluster(cluster_id: int) -> BaseResponse:
    return _decide_cluster(cluster_id, "release")


@dashboard.post("/clusters/<int:cluster_id>/purge")
def purge_cluster(cluster_id: int) -> BaseResponse:
    return _decide_cluster(cluster_id, "purge")


def _decide_cluster(cluster_id: int, decision: str) -> BaseResponse:
    """One action for the whole cluster; each comment's change is audited, and the cluster's too."""
    decide = flood_clusters.release_cluster if decision == "release" else flood_clusters.purge_cluster

    def work() -> str:
        changed = decide(
            db.session(),
            cluster_id,
            actor=actor(),
            now=utcnow(),
            default_mode=current_app.config["COMMENTSVC_MODERATION"],
        )
        return label(f"cluster_{decision}_done", g.language).format(n=changed)

    commit_or_flash(work)
    return redirect(url_for("dashboard.cluster", cluster_id=cluster_id))


@dashboard.post("/articles/<int:thread_id>/surge")
def change_surge(thread_id: int) -> BaseResponse:
    action = request.form.get("action", "")
    if action not in ("end", "extend"):
        abort(400, "The action must be end or extend.")
    change = surge.end_surge if action == "end" else surge.extend_surge
    current = actor()

    def work() -> str:
        change(
            db.session(),
            thread_id,
            moderator_id=current.moderator_id,
            client_ip=current.client_ip,
            now=utcnow(),
            settings=surge_settings(),
        )
        return label("surge_ended" if action == "end" else "surge_extended", g.language)

    commit_or_flash(work)
    return redirect(safe_next(url_for("dashboard.overview")))
