"""The domain error hierarchy: a broken rule, with a stable code for programs and a message for people."""

from __future__ import annotations


class CommentsvcError(Exception):
    """A rule was broken; status and code say which, message says it to a person."""

    status = 400
    code = "bad_request"
    # More members of the answer's `error` object beside code, message and fields (e.g. `challenge`).
    extra: dict[str, object] = {}

    def __init__(
        self, message: str, *, code: str | None = None, field: str | None = None, fields: dict[str, str] | None = None
    ) -> None:
        """`field` names the one request field at fault: its entry in `fields` is this error's code,
        a stable code the widget maps to its own label (never prose to parse)."""
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = dict(fields or {})
        if field:
            self.fields[field] = self.code


class ValidationError(CommentsvcError):
    status = 400
    code = "invalid"


class Unauthorized(CommentsvcError):
    status = 401
    code = "unauthorized"


class Forbidden(CommentsvcError):
    status = 403
    code = "forbidden"


class NotFound(CommentsvcError):
    status = 404
    code = "not_found"


class Conflict(CommentsvcError):
    status = 409
    code = "conflict"


class Unprocessable(CommentsvcError):
    status = 422
    code = "unprocessable"


class Unavailable(CommentsvcError):
    status = 503
    code = "unavailable"
