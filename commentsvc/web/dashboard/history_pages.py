"""A reader's full history (by author email, identity or address) and "reject all from this reader"."""

from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...clock import utcnow
from ...domain.identity import identity_tag
from ...domain.reader_history import BY, reader_history, reject_all_from
from ...extensions import db
from .core import actor, commit_or_flash, dashboard
from .labels import label


def _reader() -> tuple[str, str]:
    by, value = request.values.get("by", ""), request.values.get("value", "").strip()
    if by not in BY or not value:
        abort(400, "A history is by author, identity or ip, with a value.")
    return by, value


@dashboard.get("/history")
def history() -> str:
    by, value = _reader()
    items, total = reader_history(db.session(), by=by, value=value, secret=current_app.config["SECRET_KEY"])
    shown = identity_tag(current_app.config["SECRET_KEY"], value) if by == "identity" else value
    return render_template("dashboard/history.html", by=by, value=value, shown=shown, items=items, total=total)


@dashboard.post("/history/reject-all")
def reject_all() -> BaseResponse:
    by, value = _reader()

    def work() -> str:
        rejected = reject_all_from(
            db.session(),
            by=by,
            value=value,
            actor=actor(),
            now=utcnow(),
            default_mode=current_app.config["COMMENTSVC_MODERATION"],
            secret=current_app.config["SECRET_KEY"],
        )
        return label("rejected_all", g.language).format(n=rejected)

    commit_or_flash(work)
    return redirect(url_for("dashboard.history", by=by, value=value))
