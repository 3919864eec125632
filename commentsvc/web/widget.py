"""What readers' browsers load: avatars, the embed and count scripts, and the demo article pages."""

from __future__ import annotations

import hashlib
import secrets

from flask import Blueprint, Response, abort, render_template, request

from ..text.avatars import identicon_svg, is_avatar_seed
from . import scripts

widget = Blueprint("widget", __name__)

ONE_YEAR = 365 * 24 * 3600
ONE_DAY = 24 * 3600
ONE_WEEK = 7 * ONE_DAY

# Publishers paste an unversioned /embed.js, so a year of `immutable` would pin old code in every
# reader's cache; a day fresh plus a week of stale-while-revalidate (then ETag revalidation) keeps
# the script off the critical path while a new release still reaches everyone within a day.
SCRIPT_CACHE_CONTROL = f"public, max-age={ONE_DAY}, stale-while-revalidate={ONE_WEEK}"

# The demo pages load only our own script and talk only to our own API: no inline script, ever.
DEMO_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@widget.get("/avatar/<seed>.svg")
def avatar(seed: str) -> Response:
    if not is_avatar_seed(seed):
        abort(404)
    response = Response(identicon_svg(seed), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _script(filename: str) -> Response:
    """The modules of static/widget/ joined into one classic script; a strong ETag from the content, so a
    redeploy is picked up on revalidation; any origin may embed it."""
    data = scripts.bundle(filename)
    response = Response(data, mimetype="text/javascript")
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = SCRIPT_CACHE_CONTROL
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    response.make_conditional(request)
    return response


@widget.get("/embed.js")
def embed_js() -> Response:
    return _script("embed.js")


@widget.get("/embed-pow.js")
def embed_pow_js() -> Response:
    """The proof-of-work Web Worker; embed.js fetches it only when a challenge arrives."""
    return _script("embed-pow.js")


@widget.get("/count.js")
def count_js() -> Response:
    return _script("count.js")


def _demo_page(template: str) -> Response:
    """Scripts only from our own origin; the page's one inline <style> carries a fresh nonce."""
    nonce = secrets.token_urlsafe(16)
    response = Response(render_template(template, style_nonce=nonce), mimetype="text/html")
    response.headers["Content-Security-Policy"] = DEMO_CSP.format(nonce=nonce)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    return response


@widget.get("/demo/")
def demo_zh() -> Response:
    """A Chinese news article page embedding the widget exactly as a publisher would."""
    return _demo_page("demo/article_zh.html")


@widget.get("/demo/en/")
def demo_en() -> Response:
    """The same article page in English, so both languages of the widget can be seen."""
    return _demo_page("demo/article_en.html")
