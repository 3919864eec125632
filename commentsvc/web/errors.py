"""The one place that turns any error into the response its audience expects: JSON under /api/, a page elsewhere."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import Flask, Response, jsonify, render_template_string, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from ..errors import CommentsvcError
from ..extensions import db, limiter

log = logging.getLogger(__name__)

# Stable codes for the HTTP errors Werkzeug and Flask-Limiter raise.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def error_body(
    code: str, message: str, fields: dict[str, str] | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    error.update(extra or {})
    return {"error": error}


def json_error(
    status: int, code: str, message: str, fields: dict[str, str] | None = None, extra: dict[str, Any] | None = None
) -> Response:
    response = jsonify(error_body(code, message, fields, extra))
    response.status_code = status
    return response


_ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ status }} {{ title }}</title></head>
<body><h1>{{ title }}</h1><p>{{ message }}</p></body></html>"""


def retry_after_seconds() -> int:
    """Only a 429 says when to retry: rate-limit headers on every response would be cached by CDNs."""
    current = limiter.current_limit
    return max(1, math.ceil(current.window[0] - time.time())) if current is not None else 60


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _release_session(_error: BaseException | None) -> None:
    """Ends the request's database session without letting a dead connection turn a finished answer
    into the server's HTML 500: a PostgreSQL restart leaves pooled connections that fail the ROLLBACK.
    Registered after Flask-SQLAlchemy's own teardown, so it runs first and leaves it nothing to do."""
    try:
        db.session.remove()
    except Exception as error:  # the pool has already discarded the broken connection
        log.warning("database connection lost while ending a request: %s", error)
        db.session.registry.clear()


def register_error_handlers(app: Flask) -> None:
    """JSON under /api/, a plain readable page elsewhere; never a stack trace."""
    app.teardown_appcontext(_release_session)

    @app.errorhandler(CommentsvcError)
    def handle_domain_error(error: CommentsvcError) -> Response | tuple[str, int]:
        if _wants_json():
            return json_error(error.status, error.code, error.message, error.fields, error.extra)
        return render_template_string(
            _ERROR_PAGE, status=error.status, title=error.code, message=error.message
        ), error.status

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Response:
        status = error.code or 500
        message = error.description or error.name
        if status == 429:
            message = f"Too many requests: the limit is {error.description}. Try again later."
        if _wants_json():
            response = json_error(status, _HTTP_CODES.get(status, "http_error"), message)
        else:
            response = Response(
                render_template_string(_ERROR_PAGE, status=status, title=error.name, message=message),
                status=status,
                mimetype="text/html",
            )
        allow = dict(error.get_headers()).get("Allow")
        if allow:
            response.headers["Allow"] = allow
        if status == 429:
            response.headers["Retry-After"] = str(retry_after_seconds())
        return response

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception) -> Response | tuple[str, int]:
        if isinstance(error, (OperationalError, InterfaceError)):
            log.error("database unavailable: %s", error)
            status, code, message = (
                503,
                "database_unavailable",
                "The comment database could not serve this request right now. Try again shortly.",
            )
        else:
            log.exception("unhandled error on %s %s", request.method, request.path)
            status, code, message = 500, "internal_error", "Something went wrong on our side. Try again later."
        if _wants_json():
            return json_error(status, code, message)
        return render_template_string(_ERROR_PAGE, status=status, title=code, message=message), status
