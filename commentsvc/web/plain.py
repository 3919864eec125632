"""Readers without JavaScript: the thread fragment a CMS includes at render time, and the plain thread page
with its HTML form, which posts through the API's own posting path (form checks, limits, moderation)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response as BaseResponse

from ..clock import utcnow
from ..domain import reading
from ..domain.form_tokens import issue_form_token
from ..domain.submission import normalise_article, normalise_site
from ..domain.threads import find_thread
from ..errors import CommentsvcError
from ..extensions import csrf, db
from ..models import CommentStatus
from ..storage.engine import read_outside_transaction
from . import caching, form_gate
from .api import (
    per_query_string,
    read_limit,
    response_cache,
    store_post,
    thread_state_now,
    validated_thread_state,
)
from .errors import retry_after_seconds
from .reader_labels import counted, error_text, label, pick_language
from .serialize import thread_json

plain = Blueprint("plain", __name__)

PLAIN_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cache-Control": "no-store",
}


@per_query_string
def _reader_query(args: MultiDict[str, str]) -> tuple[str, str, str, str | None]:
    """site, article, language and cursor of a fragment or plain-page request."""
    return (
        normalise_site(args.get("site")),
        normalise_article(args.get("article")),
        pick_language(args.get("lang")),
        args.get("cursor"),
    )


def _words(language: str) -> dict[str, Any]:
    return {
        "lang": language,
        "t": lambda key, **params: label(key, language, **params),
        "counted": lambda key, n: counted(key, n, language),
    }


def _plain_url(site: str, article: str, language: str, **extra: str) -> str:
    query = {"site": site, "article": article, "lang": language, **extra}
    return url_for("plain.thread_page", _external=True) + "?" + urlencode(query)


def _first_page(state: Any, site: str, article: str, cursor: str | None) -> dict[str, Any]:
    config = current_app.config
    page = reading.list_thread(
        read_outside_transaction(db.session()),
        thread=state,
        sort="newest",
        limit=config["COMMENTSVC_PAGE_SIZE"],
        cursor=cursor,
        reply_limit=config["COMMENTSVC_FIRST_PAGE_REPLIES"],
    )
    return thread_json(page, site=site, article=article, closed=state.closed, avatar_base="")


@plain.get("/embed/thread.html")
@read_limit
def thread_fragment() -> BaseResponse:
    """The first page as an HTML fragment, cached like the JSON page: one ETag per thread version."""
    site, article, language, _cursor = _reader_query()
    max_age = current_app.config["COMMENTSVC_CACHE_MAX_AGE"]
    state, closing = validated_thread_state(site, article)
    plain_url = _plain_url(site, article, language)
    etag = caching.thread_etag(state, request_parts=("fragment", site, article, language, plain_url, closing))
    gzipped = caching.accepts_gzip(request.headers.get("Accept-Encoding", ""))
    sent_etag = caching.encoded_etag(etag, gzipped)
    if caching.is_not_modified(request, sent_etag):
        return caching.not_modified(sent_etag, max_age)

    def build() -> bytes:
        thread = _first_page(state, site, article, None)
        return render_template("reader/fragment.html", thread=thread, plain_url=plain_url, **_words(language)).encode()

    cache = response_cache()
    response = Response(cache.gzipped(etag, build) if gzipped else cache.body(etag, build), mimetype="text/html")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return caching.mark_cacheable(response, sent_etag, max_age)


def _thread_page(
    site: str,
    article: str,
    language: str,
    cursor: str | None,
    *,
    message: str = "",
    error: str = "",
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    # Never offered to the fast path: the page carries this reader's CSRF and form tokens.
    state, _closing = thread_state_now(db.engine, site, article)
    thread = _first_page(state, site, article, cursor)
    stored = find_thread(db.session(), site, article)
    stored_url = stored.url if stored is not None else None
    body = render_template(
        "reader/thread.html",
        thread=thread,
        message=message,
        error=error,
        values=values or {"name": "", "email": "", "body": ""},
        action=_plain_url(site, article, language),
        older_url=_plain_url(site, article, language, cursor=thread["cursor"]) if thread["cursor"] else "",
        article_url=stored_url
        if isinstance(stored_url, str) and stored_url.startswith(("https://", "http://"))
        else "",
        form_token=issue_form_token(current_app.config["SECRET_KEY"], site=site, article=article, now=utcnow()),
        **_words(language),
    )
    response = Response(body, status=status, mimetype="text/html")
    response.headers.update(PLAIN_PAGE_HEADERS)
    return response


@plain.get("/thread")
@read_limit
def thread_page() -> BaseResponse:
    """The thread for readers without JavaScript, with a form that posts back here."""
    site, article, language, cursor = _reader_query()
    posted = request.args.get("posted")
    message = ""
    if posted == CommentStatus.PENDING.value:
        message = label("posted_pending", language)
    elif posted == CommentStatus.APPROVED.value:
        message = label("posted", language)
    return _thread_page(site, article, language, cursor, message=message)


def _form_values() -> dict[str, str]:
    form = request.form
    # The email address is never sent back, not even to the reader who typed it (shared computers, caches).
    return {"name": form.get("name", ""), "email": "", "body": form.get("body", "")}


@plain.post("/thread")
@form_gate.post_limits
def post_from_thread_page() -> BaseResponse:
    """CSRF-checked, then the API's posting path; then back to the page (post/redirect/get)."""
    site, article, language, _cursor = _reader_query()
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    form = request.form
    payload = {
        "site": site,
        "article": article,
        "name": form.get("name", ""),
        "email": form.get("email", ""),
        "body": form.get("body", ""),
        "lang": language,
        "form_token": form.get("form_token", ""),
        "homepage": form.get("homepage", ""),
    }
    try:
        result, _settings = store_post(payload, None)
    except CommentsvcError as error:
        db.session.rollback()
        text = (
            label("needs_script", language)
            if error.code == "challenge_required"
            else error_text(error.code, error.message, language)
        )
        if error.code == "form_token_expired":
            text = label("form_expired", language)
        return _thread_page(site, article, language, None, error=text, values=_form_values(), status=error.status)
    shown = result.shown_status or result.comment.status
    posted = CommentStatus.APPROVED.value if shown == CommentStatus.APPROVED.value else CommentStatus.PENDING.value
    return redirect(_plain_url(site, article, language, posted=posted) + f"#comment-{result.comment.id}", code=303)


@plain.errorhandler(CSRFError)
def _csrf_refused(_error: CSRFError) -> BaseResponse:
    site, article, language, _cursor = _reader_query()
    return _thread_page(
        site, article, language, None, error=label("form_expired", language), values=_form_values(), status=400
    )


@plain.errorhandler(TooManyRequests)
def _too_many(_error: TooManyRequests) -> BaseResponse:
    site, article, language, _cursor = _reader_query()
    wait = retry_after_seconds()
    response = _thread_page(
        site, article, language, None, error=counted("too_fast", wait, language), values=_form_values(), status=429
    )
    response.headers["Retry-After"] = str(wait)
    return response
