"""JSON API v1 for site developers and the widget: parse the request, call one service, commit, serialize."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import UnsupportedMediaType

from . import comments, reports, threads, votes
from .auth import issue_edit_token
from .clock import isoformat, utcnow
from .database import begin_write
from .errors import ValidationError, json_error
from .extensions import db, limiter
from .moderation import is_closed
from .openapi import openapi_document
from .serialize import comment_json, replies_json, thread_json
from .submission import (
    normalise_article,
    normalise_author,
    normalise_body,
    normalise_page_url,
    normalise_site,
    normalise_title,
    optional_int,
    validate_all,
)

api = Blueprint("api", __name__, url_prefix="/api/v1")
health = Blueprint("health", __name__)

MAX_IDEMPOTENCY_KEY_LENGTH = 128
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@api.before_request
def take_write_lock_early() -> None:
    if request.method in WRITE_METHODS and request.endpoint != "api.count_comments":
        begin_write()


def _limit(setting: str) -> Any:
    return lambda: current_app.config[setting]


read_limit = limiter.limit(_limit("COMMENTSVC_RATELIMIT_READ"), methods=["GET", "POST"])


def rules() -> comments.CommentRules:
    config = current_app.config
    return comments.CommentRules(
        moderation=config["COMMENTSVC_MODERATION"],
        edit_window=config["COMMENTSVC_EDIT_WINDOW"],
        max_depth=config["COMMENTSVC_MAX_DEPTH"],
        body_max_length=config["COMMENTSVC_BODY_MAX_LENGTH"],
        secret=config["SECRET_KEY"],
    )


def current_client() -> comments.Client:
    """request.remote_addr is already the client as ProxyFix saw it through the trusted hops."""
    return comments.Client(ip=request.remote_addr or "0.0.0.0", user_agent=request.user_agent.string or "")


def avatar_base() -> str:
    return url_for("widget.avatar", seed="", _external=True).removesuffix(".svg")


def json_payload() -> dict[str, Any]:
    """Only JSON objects; malformed or absurdly nested JSON is a 400, never a 500."""
    if not request.is_json:
        raise UnsupportedMediaType("Send the request body as JSON with Content-Type: application/json.")
    raw = request.get_data(cache=False)
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):
        raise ValidationError("The request body is not valid JSON.", code="json_invalid") from None
    if not isinstance(payload, dict):
        raise ValidationError("The request body must be a JSON object.", code="json_not_object")
    return payload


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationError(f"{name} must be a positive integer.", code=f"{name}_invalid", fields={name: "invalid"})
    return int(raw)


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _own_comment_response(comment: Any, status: int) -> Response:
    """The author's view of their comment: includes the edit token and pending status."""
    config_rules = rules()
    body = comment_json(comment, avatar_base=avatar_base(), reply_to_names={}, public=False)
    if comment.reply_to_id is not None:
        answered = db.session.get(type(comment), comment.reply_to_id)
        body["reply_to"]["name"] = answered.author_name if answered is not None else None
    body["count"] = comment.thread.comment_count
    body["edit_token"] = issue_edit_token(config_rules.secret, comment.id)
    body["editable_until"] = isoformat(comments.editable_until(comment, config_rules))
    response = jsonify(body)
    response.status_code = status
    return response


@api.get("/comments")
@read_limit
def list_comments() -> Response:
    site = normalise_site(request.args.get("site"))
    article = normalise_article(request.args.get("article"))
    config = current_app.config
    page = comments.list_thread(
        db.session,
        site=site,
        article=article,
        sort=request.args.get("sort", "oldest"),
        limit=_int_arg("limit", config["COMMENTSVC_PAGE_SIZE"]),
        cursor=request.args.get("cursor"),
        reply_limit=config["COMMENTSVC_REPLY_PAGE_SIZE"],
    )
    closed = is_closed(db.session, page.thread) if page.thread else False
    return jsonify(thread_json(page, site=site, article=article, closed=closed, avatar_base=avatar_base()))


@api.get("/comments/<int:comment_id>/replies")
@read_limit
def list_replies(comment_id: int) -> Response:
    page = comments.list_replies(
        db.session, comment_id,
        limit=_int_arg("limit", current_app.config["COMMENTSVC_REPLY_PAGE_SIZE"]),
        cursor=request.args.get("cursor"),
    )
    return jsonify(replies_json(page, avatar_base=avatar_base()))


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationError(f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters.",
                              code="idempotency_key_invalid")
    return key


@api.post("/comments")
@limiter.limit(_limit("COMMENTSVC_RATELIMIT_POST"), methods=["POST"])
def create_comment() -> Response:
    payload = json_payload()
    config = current_app.config
    key = _idempotency_key()
    client = current_client()
    values = validate_all((
        ("site", lambda: normalise_site(payload.get("site"))),
        ("article", lambda: normalise_article(payload.get("article"))),
        ("title", lambda: normalise_title(payload.get("title"))),
        ("url", lambda: normalise_page_url(payload.get("url"))),
        ("parent_id", lambda: optional_int(payload, "parent_id")),
        ("author", lambda: normalise_author(payload, anonymous_name=config["COMMENTSVC_ANONYMOUS_NAME"])),
        ("body", lambda: normalise_body(payload.get("body"), max_length=config["COMMENTSVC_BODY_MAX_LENGTH"])),
    ))
    try:
        result = comments.post_comment(
            db.session, site=values["site"], article=values["article"], title=values["title"], url=values["url"],
            parent_id=values["parent_id"], author=values["author"], body=values["body"], client=client,
            now=utcnow(), rules=rules(), idempotency_key=key,
        )
        db.session.commit()
    except IntegrityError:
        # Two retries with one Idempotency-Key raced; the loser answers with the winner's comment.
        db.session.rollback()
        replayed = key and comments.find_replayed_comment(
            db.session, client=client, idempotency_key=key, secret=rules().secret, now=utcnow())
        if not replayed:
            raise
        result = comments.PostResult(replayed, replayed=True)
    response = _own_comment_response(result.comment, 201)
    response.headers["Location"] = url_for("api.list_comments", site=result.comment.thread.site,
                                           article=result.comment.thread.article) + f"#comment-{result.comment.id}"
    return response


@api.patch("/comments/<int:comment_id>")
@limiter.limit(_limit("COMMENTSVC_RATELIMIT_EDIT"), methods=["PATCH"])
def edit_comment(comment_id: int) -> Response:
    payload = json_payload()
    body = normalise_body(payload.get("body"), max_length=current_app.config["COMMENTSVC_BODY_MAX_LENGTH"])
    comment = comments.edit_comment(db.session, comment_id, body=body, token=_bearer_token(), now=utcnow(),
                                    rules=rules())
    db.session.commit()
    return _own_comment_response(comment, 200)


@api.delete("/comments/<int:comment_id>")
@limiter.limit(_limit("COMMENTSVC_RATELIMIT_EDIT"), methods=["DELETE"])
def delete_comment(comment_id: int) -> Response:
    comment = comments.delete_comment(db.session, comment_id, token=_bearer_token(), now=utcnow(), rules=rules())
    db.session.commit()
    return jsonify({"id": comment.id, "status": comment.status, "count": comment.thread.comment_count})


@api.post("/comments/<int:comment_id>/vote")
@limiter.limit(_limit("COMMENTSVC_RATELIMIT_VOTE"), methods=["POST"])
def vote_comment(comment_id: int) -> Response:
    payload = json_payload()
    comment = votes.vote_comment(db.session, comment_id, voter_key=current_client().key(rules().secret),
                                 value=payload.get("value"), now=utcnow())
    db.session.commit()
    return jsonify({"id": comment.id, "likes": comment.likes, "dislikes": comment.dislikes})


@api.post("/comments/<int:comment_id>/report")
@limiter.limit(_limit("COMMENTSVC_RATELIMIT_REPORT"), methods=["POST"])
def report_comment(comment_id: int) -> Response | tuple[Response, int]:
    payload = json_payload()
    reports.report_comment(db.session, comment_id, reporter_key=current_client().key(rules().secret),
                           reason=payload.get("reason"), note=payload.get("note"), now=utcnow(),
                           threshold=current_app.config["COMMENTSVC_REPORT_THRESHOLD"])
    db.session.commit()
    return jsonify({"id": comment_id, "reported": True}), 202


def _count_request() -> tuple[str, list[str]]:
    if request.method == "GET":
        site_raw, articles_raw, field = request.args.get("site"), request.args.getlist("article"), "article"
    else:
        payload = json_payload()
        site_raw, articles_raw, field = payload.get("site"), payload.get("articles"), "articles"
        if not isinstance(articles_raw, list):
            raise ValidationError("articles must be a list of article ids.", code="wrong_type",
                                  fields={"articles": "must be a list"})
    if not articles_raw:
        raise ValidationError("Name at least one article.", code="missing_field", fields={field: "required"})
    if len(articles_raw) > threads.MAX_ARTICLES_PER_COUNT:
        raise ValidationError(f"At most {threads.MAX_ARTICLES_PER_COUNT} articles per request.",
                              code="too_many_articles", fields={field: f"at most {threads.MAX_ARTICLES_PER_COUNT}"})
    return normalise_site(site_raw), [normalise_article(article, field) for article in articles_raw]


@api.route("/counts", methods=["GET", "POST"])
@read_limit
def count_comments() -> Response:
    """Keys are the article ids after normalisation (NFC, trimmed), as they are stored."""
    site, articles = _count_request()
    return jsonify({"site": site, "counts": threads.count_comments(db.session, site, articles)})


@api.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@health.get("/healthz")
def healthz() -> Response:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver failure means "not healthy", never a 500
        db.session.rollback()
        current_app.logger.error("health check: database unavailable: %s", exc)
        return json_error(503, "database_unavailable", "The database is not answering.")
    return jsonify({"status": "ok", "database": "ok"})
