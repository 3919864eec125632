"""What readers' browsers load: avatars now; the embed script and demo pages live here too."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from .avatars import identicon_svg, is_avatar_seed

widget = Blueprint("widget", __name__)

ONE_YEAR = 365 * 24 * 3600


@widget.get("/avatar/<seed>.svg")
def avatar(seed: str) -> Response:
    if not is_avatar_seed(seed):
        abort(404)
    response = Response(identicon_svg(seed), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
