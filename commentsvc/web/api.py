"""JSON API v1 for site developers and the widget: parse the request, call one service, commit, serialize."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.wrappers import Response as BaseResponse

from ..clock import isoformat, utcnow
from ..config import anonymous_names
from ..domain import article_tokens, flood, form_checks, participants, posting, reading, reports, threads, votes
from ..domain.closing import closed_by_time, closes_at
from ..domain.form_tokens import issue_form_token
from ..domain.posting import Client
from ..domain.screening_lists import known_lists
from ..domain.submission import (
    is_valid_id,
    normalise_article,
    normalise_author,
    normalise_body,
    normalise_language,
    normalise_page_size,
    normalise_page_url,
    normalise_site,
    normalise_sort,
    normalise_title,
    notify_language,
    optional_id,
    validate_all,
)
from ..domain.tokens import issue_edit_token
from ..errors import NotFound, ValidationError
from ..extensions import db, limiter
from ..models import Comment
from ..storage import statements
from ..storage.engine import begin_write, read_outside_transaction
from ..storage.memos import ResponseCache, kept_per_key
from . import caching, fastpath, form_gate
from .context import current_client, identity_token, posting_settings, read_settings
from .errors import json_error
from .openapi import openapi_document
from .serialize import comment_json, floors_json, replies_json, thread_json
from .sso import (
    check_writer,
    pseudonym,
    signed_article,
    site_of_comment,
    site_of_payload,
    sso_author,
    thread_sso_json,
    write_limit_key,
    writer_client,
    writer_settings,
)

api = Blueprint("api", __name__, url_prefix="/api/v1")
health = Blueprint("health", __name__)

MAX_IDEMPOTENCY_KEY_LENGTH = 128
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@api.url_value_preprocessor
def refuse_impossible_ids(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    # <int:> accepts any size; past the 32-bit id column (PostgreSQL INTEGER) the drivers raise (a 500).
    comment_id = (values or {}).get("comment_id")
    if isinstance(comment_id, int) and not is_valid_id(comment_id):
        raise NotFound(f"Comment {comment_id} does not exist.", code="comment_not_found")


# A post takes the lock itself once it has screened the body; POST /counts only reads.
NOT_LOCKED_UP_FRONT = frozenset({"api.create_comment", "api.count_comments", "api.create_form_token"})


@api.before_request
def take_write_lock_early() -> None:
    if request.method in WRITE_METHODS and request.endpoint not in NOT_LOCKED_UP_FRONT:
        begin_write()


def _limit(setting: str) -> Any:
    return lambda: current_app.config[setting]


def _served(response: Response) -> bool:
    """A write the server failed (5xx, e.g. the database was down) does not use up the reader's limit."""
    return response.status_code < 500


def _write_limit(setting: str, method: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return limiter.limit(_limit(setting), methods=[method], deduct_when=_served, key_func=write_limit_key)


_read_limit = limiter.limit(_limit("COMMENTSVC_RATELIMIT_READ"), methods=["GET", "POST"])


def read_limit(view: Callable[..., Any]) -> Callable[..., Any]:
    return form_gate.skipped_when_limits_are_off(_read_limit(view), view)


def avatar_base() -> str:
    """Depends only on the URL the request came in on; url_for is costly on a hot read, so
    the answer is kept per app and per the environ keys that make up request.host_url (ProxyFix has
    already applied the trusted forwarded ones). Bounded: the Host header is the client's."""
    environ = request.environ
    key = (
        environ["wsgi.url_scheme"],
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME"),
    )
    bases = current_app.extensions.setdefault("commentsvc_avatar_bases", {})
    base = bases.get(key)
    if base is None:
        base = url_for("widget.avatar", seed="", _external=True).removesuffix(".svg")
        if len(bases) >= 64:
            bases.clear()
        bases[key] = base
    return str(base)


def public_json(body: bytes) -> Response:
    """The public reads' JSON is encoded by orjson: a thread page holds hundreds of comments, and the
    standard encoder is much slower at that. Same JSON as jsonify, UTF-8 unescaped."""
    return current_app.response_class(body, mimetype="application/json")


def response_cache() -> ResponseCache:
    cache: ResponseCache = current_app.extensions["commentsvc_response_cache"]
    return cache


def _whole_body() -> bytes:
    """The body exactly as declared, or an error: never act on part of a request. A chunked body is cut
    at the request limit by Werkzeug, so one byte more on the wire means it was too large (413); a
    body shorter than its Content-Length means the client hung up (gunicorn hands the app whatever
    arrived), and nothing is done with it."""
    raw = request.get_data(cache=False)
    declared = request.content_length
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if declared is None and len(raw) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge(f"The request body is over {limit // 1024} KB.")
    if declared is not None and len(raw) != declared:
        raise ClientDisconnected("The request body ended before its declared Content-Length.")
    return raw


def anonymous_name(language: Any, client: Client | None = None) -> str:
    """A reader with an identity who gives no name is 网友·3F9A (sso.pseudonym); one without, as configured."""
    named = pseudonym(language, client) if client is not None else None
    if named is not None:
        return named
    names = anonymous_names(current_app.config["COMMENTSVC_ANONYMOUS_NAME"])
    return names.get(normalise_language(language), "")


def json_payload() -> dict[str, Any]:
    """Only JSON objects; malformed or absurdly nested JSON is a 400, never a 500."""
    if not request.is_json:
        raise UnsupportedMediaType("Send the request body as JSON with Content-Type: application/json.")
    raw = _whole_body()
    try:
        # orjson refuses what no database driver could store: lone surrogates ("\ud800"), NaN, and
        # nesting deeper than 1,024 levels.
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValidationError("The request body is not valid JSON.", code="json_invalid") from None
    if not isinstance(payload, dict):
        raise ValidationError("The request body must be a JSON object.", code="json_not_object")
    return payload


def per_query_string(parse: Callable[[MultiDict[str, str]], Any]) -> Callable[[], Any]:
    """Turns `parse(args)` into a function of the current request that keeps its answer per query
    string (storage.memos.kept_per_key): readers of a viral article and a listing page's count script
    send the same one every time."""
    kept = kept_per_key(256)
    return lambda: kept(request.query_string, lambda: parse(request.args))


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _own_comment_response(
    comment: Any,
    count: int,
    status: int,
    shown_status: str | None = None,
    settings: Any = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The author's view of their comment: includes the edit token and pending status."""
    settings = settings or posting_settings()
    body = comment_json(comment, avatar_base=avatar_base(), reply_to_names={}, public=False)
    if shown_status is not None:
        body["status"] = shown_status
    if comment.reply_to_id is not None:
        answered = db.session.get(Comment, comment.reply_to_id)
        body["reply_to"]["name"] = answered.author_name if answered is not None else None
    body["count"] = count
    body["edit_token"] = issue_edit_token(settings.secret, comment.id)
    body["editable_until"] = isoformat(posting.editable_until(comment, settings))
    body.update(extra or {})
    response = jsonify(body)
    response.status_code = status
    return response


@per_query_string
def _thread_query(args: MultiDict[str, str]) -> tuple[str, str, str, int | None, str | None]:
    """site, article, sort, limit (None: the configured page size) and cursor of a thread request."""
    return (
        normalise_site(args.get("site")),
        normalise_article(args.get("article")),
        normalise_sort(args.get("sort")),
        normalise_page_size(args.get("limit")),
        args.get("cursor"),
    )


def thread_state_now(engine: Engine, site: str, article: str) -> tuple[statements.ThreadState, datetime | None]:
    """The stored state with the thread closed once its time has come, and when it closes."""
    state = statements.thread_state(engine, site, article)
    closing = closes_at(state.close_at, state.auto_close_days, state.first_comment_at)
    return state._replace(closed=state.closed or closed_by_time(closing, utcnow())), closing


def validated_thread_state(site: str, article: str) -> tuple[statements.ThreadState, datetime | None]:
    """thread_state_now, offered to the fast path (fastpath.validated): it compares the closed state
    too, so a kept page stops being served the moment the thread closes by itself. Only for public
    answers that are the same for every reader. The engine is taken here: the fast path runs the check
    again in front of Flask, where no application context is."""
    engine = db.engine
    return fastpath.validated(lambda: thread_state_now(engine, site, article))


@api.get("/comments")
@read_limit
def list_comments() -> BaseResponse:
    """A conditional re-request costs one query on the thread row, and so does an unchanged page
    this worker has sent before: see caching.py."""
    site, article, sort, limit, cursor = _thread_query()
    config = current_app.config
    limit = config["COMMENTSVC_PAGE_SIZE"] if limit is None else limit
    reply_limit = config["COMMENTSVC_FIRST_PAGE_REPLIES"]
    base = avatar_base()
    max_age = config["COMMENTSVC_CACHE_MAX_AGE"]
    state, closing = validated_thread_state(site, article)
    etag = caching.thread_etag(state, request_parts=(site, article, sort, limit, cursor, reply_limit, base, closing))

    def build() -> bytes:
        page = reading.list_thread(
            read_outside_transaction(db.session()),
            thread=state,
            sort=sort,
            limit=limit,
            cursor=cursor,
            reply_limit=reply_limit,
            floors=read_settings(state._replace(site=site)),
        )
        answer = thread_json(page, site=site, article=article, closed=state.closed, avatar_base=base)
        return orjson.dumps(thread_sso_json(answer, state, closing))

    return _kept_page(etag, build, max_age)


def _kept_page(etag: str, build: Callable[[], bytes], max_age: int) -> BaseResponse:
    """A page kept under its version's ETag, gzipped for clients that accept it (one validator each)."""
    gzipped = caching.accepts_gzip(request.headers.get("Accept-Encoding", ""))
    sent_etag = caching.encoded_etag(etag, gzipped)
    if caching.is_not_modified(request, sent_etag):
        return caching.not_modified(sent_etag, max_age)
    cache = response_cache()
    return _encoded(cache.gzipped(etag, build) if gzipped else cache.body(etag, build), sent_etag, max_age, gzipped)


def _encoded(body: bytes, etag: str, max_age: int, gzipped: bool) -> Response:
    response = public_json(body)
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    caching.mark_cacheable(response, etag, max_age)
    return response


@per_query_string
def _replies_query(args: MultiDict[str, str]) -> tuple[int | None, str | None]:
    return normalise_page_size(args.get("limit")), args.get("cursor")


@api.get("/comments/<int:comment_id>/replies")
@read_limit
def list_replies(comment_id: int) -> BaseResponse:
    limit, cursor = _replies_query()
    limit = current_app.config["COMMENTSVC_REPLY_PAGE_SIZE"] if limit is None else limit
    base = avatar_base()
    max_age = current_app.config["COMMENTSVC_CACHE_MAX_AGE"]
    engine = db.engine
    state = fastpath.validated(lambda: statements.root_thread_state(engine, comment_id))

    def build() -> bytes:
        floors = None if state is None else read_settings(state)
        session = read_outside_transaction(db.session())
        page = reading.list_replies(session, comment_id, limit=limit, cursor=cursor, floors=floors)
        return orjson.dumps(replies_json(page, avatar_base=base))

    if state is None:  # an unknown comment: the service answers why (404, or 400 for bad paging)
        return public_json(build())
    etag = caching.thread_etag(state, request_parts=("replies", comment_id, limit, cursor, base))
    return _kept_page(etag, build, max_age)


@api.get("/comments/<int:comment_id>/floors")
@read_limit
def list_floors(comment_id: int) -> BaseResponse:
    """Every floor above a reply, the folded middle included: "show k more floors" without a reload."""
    max_age = current_app.config["COMMENTSVC_CACHE_MAX_AGE"]
    engine = db.engine
    state = fastpath.validated(lambda: statements.root_thread_state(engine, comment_id))

    def build() -> bytes:
        return orjson.dumps(floors_json(reading.list_floors(read_outside_transaction(db.session()), comment_id)))

    if state is None:  # an unknown comment: the service answers 404
        return public_json(build())
    return _kept_page(caching.thread_etag(state, request_parts=("floors", comment_id)), build, max_age)


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationError(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters.",
            code="idempotency_key_invalid",
        )
    return key


@api.post("/form-tokens")
@form_gate.form_token_limit
def create_form_token() -> BaseResponse:
    """Asked when a reader starts writing, never with a cacheable read: see form_checks.open_form."""
    payload = json_payload()
    values = validate_all(
        (
            ("site", lambda: normalise_site(payload.get("site"))),
            ("article", lambda: normalise_article(payload.get("article"))),
        )
    )
    client = current_client()
    answer = form_checks.open_form(
        db.session(),
        site=values["site"],
        article=values["article"],
        client=client,
        secret=current_app.config["SECRET_KEY"],
        now=utcnow(),
        settings=form_gate.form_settings(values["site"]),
    )
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


@api.post("/comments")
@form_gate.post_limits
def create_comment() -> BaseResponse:
    payload = json_payload()
    result, settings = store_post(payload, _idempotency_key())
    return _posted_response(result, settings)


def store_post(payload: dict[str, Any], key: str | None) -> tuple[posting.PostResult, posting.PostingSettings]:
    """The one posting path, for the API and the plain thread page's form: the writer's checks, the
    form checks, screening, moderation and storing, committed."""
    writer = check_writer(site_of_payload(payload))
    config = current_app.config
    client = writer_client(writer, create_user=False)
    values = validate_all(
        (
            ("site", lambda: normalise_site(payload.get("site"))),
            ("article", lambda: normalise_article(payload.get("article"))),
            ("title", lambda: normalise_title(payload.get("title"))),
            ("url", lambda: normalise_page_url(payload.get("url"))),
            ("parent_id", lambda: optional_id(payload, "parent_id")),
            (
                "author",
                lambda: (
                    sso_author(writer.reader)
                    if writer.reader
                    else normalise_author(payload, anonymous_name=anonymous_name(payload.get("lang"), client))
                ),
            ),
            ("body", lambda: normalise_body(payload.get("body"), max_length=config["COMMENTSVC_BODY_MAX_LENGTH"])),
            ("notify", lambda: notify_language(payload.get("notify"), payload.get("lang"))),
        )
    )
    now, settings = utcnow(), writer_settings(writer)
    signed = signed_article(writer, payload, site=values["site"], article=values["article"])
    if signed is not None:  # the CMS's title and URL, not the client's
        values["title"], values["url"] = signed.title or values["title"], signed.url or values["url"]
    # Screening is where a post's CPU goes, so it runs before the write lock, with the bans and words
    # this worker knows; post_comment checks under the lock that they are still the current ones.
    screening = posting.screen_new_comment(
        db.session(),
        known_lists(db.engine),
        author=values["author"],
        body=values["body"],
        client=client,
        now=now,
        settings=settings,
    )
    similarity = flood.fingerprint(screening.text, settings.flood)
    if db.session().in_transaction():
        db.session.rollback()  # the rules were read afresh; the write starts its own transaction, locked
    begin_write()
    if writer.reader is not None:
        client = writer_client(writer)
    article_tokens.prepare_signed_thread(
        db.session(),
        site=values["site"],
        article=values["article"],
        signed=signed,
        required=writer.site.require_signed_articles,
        now=now,
    )
    if signed is not None:
        # The CMS's policy is kept even when it refuses this very post (a newer token closed the article).
        db.session.commit()
        begin_write()
    try:
        form = form_gate.form_settings(values["site"])
        form_check = form_gate.form_caught(
            payload,
            site=values["site"],
            article=values["article"],
            client=client,
            now=now,
            idempotency_key=key,
            settings=form,
        )
        result = posting.post_comment(
            db.session(),
            site=values["site"],
            article=values["article"],
            title=values["title"],
            url=values["url"],
            parent_id=values["parent_id"],
            author=values["author"],
            body=values["body"],
            client=client,
            now=now,
            settings=settings,
            idempotency_key=key,
            screening=screening,
            notify=values["notify"],
            similarity=similarity,
            caught=form_check.caught,
            form_nonce=form_check.form_nonce,
            trust_first=form.trust_first,
        )
        db.session.commit()
    except IntegrityError:
        # Two retries with one Idempotency-Key raced; the loser answers with the winner's comment.
        db.session.rollback()
        fingerprint = posting.request_hash(
            article=values["article"], parent_id=values["parent_id"], author=values["author"], body=values["body"]
        )
        replayed = key and posting.find_replayed_comment(
            db.session(), site=values["site"], idempotency_key=key, request=fingerprint, now=utcnow()
        )
        if not replayed:
            raise
        result = posting.PostResult.of_replay(replayed)
    return result, settings


def _posted_response(result: posting.PostResult, settings: posting.PostingSettings) -> Response:
    comment = result.comment
    # The next post's token, so a reader's second comment needs no request of its own.
    next_token = issue_form_token(
        current_app.config["SECRET_KEY"], site=result.site, article=result.article, now=utcnow()
    )
    response = _own_comment_response(
        comment, result.count, 201, result.shown_status, settings, extra={"form_token": next_token}
    )
    response.headers["Location"] = (
        url_for("api.list_comments", site=result.site, article=result.article) + f"#comment-{comment.id}"
    )
    return response


@api.patch("/comments/<int:comment_id>")
@_write_limit("COMMENTSVC_RATELIMIT_EDIT", "PATCH")
def edit_comment(comment_id: int) -> BaseResponse:
    writer = check_writer(site_of_comment(comment_id))
    payload = json_payload()
    body = normalise_body(payload.get("body"), max_length=current_app.config["COMMENTSVC_BODY_MAX_LENGTH"])
    settings = writer_settings(writer)
    comment, count = posting.edit_comment(
        db.session(),
        comment_id,
        body=body,
        token=_bearer_token(),
        client=writer_client(writer),
        now=utcnow(),
        settings=settings,
    )
    # Built before the commit from what the transaction knows: a reload failing after a stored
    # change would otherwise report a saved edit as failed.
    response = _own_comment_response(comment, count, 200, settings=settings)
    db.session.commit()
    return response


@api.delete("/comments/<int:comment_id>")
@_write_limit("COMMENTSVC_RATELIMIT_EDIT", "DELETE")
def delete_comment(comment_id: int) -> BaseResponse:
    writer = check_writer(site_of_comment(comment_id))
    comment, count = posting.delete_comment(
        db.session(),
        comment_id,
        token=_bearer_token(),
        client=writer_client(writer),
        now=utcnow(),
        settings=writer_settings(writer),
    )
    response = jsonify({"id": comment.id, "status": comment.status, "count": count})
    db.session.commit()
    return response


@api.post("/comments/<int:comment_id>/vote")
@_write_limit("COMMENTSVC_RATELIMIT_VOTE", "POST")
def vote_comment(comment_id: int) -> BaseResponse:
    client = writer_client(check_writer(site_of_comment(comment_id)))
    payload = json_payload()
    result = votes.vote_comment(
        db.session(),
        comment_id,
        voter_id=identity_token(),
        secret=posting_settings().secret,
        value=payload.get("value"),
        client_ip=client.ip,
        now=utcnow(),
    )
    comment = result.comment
    body: dict[str, Any] = {"id": comment.id, "likes": comment.likes, "dislikes": comment.dislikes}
    if result.issued_voter_id:
        body["voter"] = result.issued_voter_id
    db.session.commit()
    return jsonify(body)


@api.post("/comments/<int:comment_id>/report")
@_write_limit("COMMENTSVC_RATELIMIT_REPORT", "POST")
def report_comment(comment_id: int) -> tuple[Response, int]:
    client = writer_client(check_writer(site_of_comment(comment_id)))
    payload = json_payload()
    reports.report_comment(
        db.session(),
        comment_id,
        client=client,
        secret=posting_settings().secret,
        reason=payload.get("reason"),
        note=payload.get("note"),
        now=utcnow(),
        threshold=current_app.config["COMMENTSVC_REPORT_THRESHOLD"],
    )
    db.session.commit()
    return jsonify({"id": comment_id, "reported": True}), 202


def _count_request() -> tuple[str, Sequence[str]]:
    if request.method == "GET":
        query: tuple[str, Sequence[str]] = _count_query()
        return query
    payload = json_payload()
    articles = payload.get("articles")
    if not isinstance(articles, list):
        raise ValidationError("articles must be a list of article ids.", code="wrong_type", field="articles")
    return _normalise_count_request(payload.get("site"), articles, "articles")


@per_query_string
def _count_query(args: MultiDict[str, str]) -> tuple[str, tuple[str, ...]]:
    return _normalise_count_request(args.get("site"), args.getlist("article"), "article")


def _normalise_count_request(site: Any, articles: list[Any], field: str) -> tuple[str, tuple[str, ...]]:
    if not articles:
        raise ValidationError("Name at least one article.", code="missing_field", field=field)
    if len(articles) > threads.MAX_ARTICLES_PER_COUNT:
        raise ValidationError(
            f"At most {threads.MAX_ARTICLES_PER_COUNT} articles per request.", code="too_many_articles", field=field
        )
    return normalise_site(site), tuple(normalise_article(article, field) for article in articles)


def _counts_json(engine: Any, site: str, articles: Sequence[str]) -> dict[str, Any]:
    """`counts` keeps its shape; `participants` sits beside it, keyed the same way."""
    counts, people = participants.count_participation(engine, site, articles)
    return {"site": site, "counts": counts, "participants": people}


@api.route("/counts", methods=["GET", "POST"])
@read_limit
def count_comments() -> BaseResponse:
    """Keys are the article ids after normalisation (NFC, trimmed), as they are stored."""
    site, articles = _count_request()
    if request.method != "GET":
        return jsonify(_counts_json(db.engine, site, articles))
    max_age = current_app.config["COMMENTSVC_CACHE_MAX_AGE"]
    # A listing page asks for the same articles on every view: the answer is kept per site counts token.
    engine = db.engine
    token = fastpath.validated(lambda: threads.counts_token(engine, site))
    key = ("counts", site, token, articles)
    cache = response_cache()

    def build() -> bytes:
        return orjson.dumps(_counts_json(engine, site, articles))

    body = cache.body(key, build)
    gzipped = caching.accepts_gzip(request.headers.get("Accept-Encoding", ""))
    etag = caching.encoded_etag(caching.counts_etag(body), gzipped)
    if caching.is_not_modified(request, etag):
        return caching.not_modified(etag, max_age)
    return _encoded(cache.gzipped(key, lambda: body) if gzipped else body, etag, max_age, gzipped)


@api.get("/openapi.json")
def openapi() -> BaseResponse:
    return jsonify(openapi_document())


@health.get("/healthz")
def healthz() -> BaseResponse:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver failure means "not healthy", never a 500
        db.session.rollback()
        current_app.logger.error("health check: database unavailable: %s", exc)
        return json_error(503, "database_unavailable", "The database is not answering.")
    return jsonify({"status": "ok", "database": "ok", "ratelimit_storage": _ratelimit_storage_state()})


def _ratelimit_storage_state() -> str:
    """In-process limits are "memory"; a shared storage (Redis) is "ok" or "unreachable". Unreachable
    does not fail health: limits then count per process (COMMENTSVC_RATELIMIT_FALLBACK=memory) or are
    off, and the app still serves."""
    if current_app.config["COMMENTSVC_RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return "memory"
    try:
        return "ok" if limiter.storage.check() else "unreachable"
    except Exception:  # a storage that cannot even be asked is unreachable, never a 500
        return "unreachable"
