"""The OpenAPI 3.1 description of API v1; a test fails when a route is missing from it."""

from __future__ import annotations

from typing import Any

from ..domain.reports import REPORT_REASONS
from ..domain.submission import (
    MAX_ARTICLE_LENGTH,
    MAX_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_PAGE_SIZE,
    MAX_SITE_LENGTH,
)
from ..domain.threads import MAX_ARTICLES_PER_COUNT
from ..models import MAX_ID


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _feed(operation: str, summary: str, parameters: list[tuple[str, bool]]) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation,
            "summary": summary,
            "parameters": [
                {"name": name, "in": "query", "required": required, "schema": {"type": "string"}}
                for name, required in parameters
            ],
            "responses": {
                "200": {
                    "description": "Atom 1.0.",
                    "content": {"application/atom+xml": {"schema": {"type": "string"}}},
                },
                "304": {"description": "Not modified (If-None-Match)."},
                # Outside /api/ errors are readable pages, not JSON (one error shape per audience).
                "400": {
                    "description": "A bad site or article.",
                    "content": {"text/html": {"schema": {"type": "string"}}},
                },
                "404": {"description": "No such thread.", "content": {"text/html": {"schema": {"type": "string"}}}},
            },
        }
    }


def _errors(*statuses: int) -> dict[str, Any]:
    reasons = {
        400: "Validation failed; `fields` says which (`form_token_required`, `form_token_expired` among them).",
        401: "An X-Commentsvc-Key that is not an active API key for this site (`api_key_invalid`).",
        403: "Forbidden: wrong or expired edit token, comments are closed, or `challenge_required` (with "
        "`error.challenge`, an ALTCHA challenge to solve and send as `altcha`).",
        404: "No such comment, or the parent is not in this thread.",
        409: "The same comment from the same client in this thread within 10 minutes.",
        413: "Request body over 64 KB.",
        415: "The body is not JSON.",
        422: "The Idempotency-Key was already used for a different comment (`idempotency_key_reused`).",
        429: "Rate limited; see Retry-After.",
        503: "The database is not answering.",
    }
    responses = {str(status): _json(_ref("Error"), reasons[status]) for status in statuses}
    if 429 in statuses:
        responses["429"]["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    return responses


_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag of a copy you have; 304 with no body when it is still current.",
}


def _cacheable(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A public read: a strong ETag derived from what the answer depends on, Cache-Control and Vary, and
    304 Not Modified for a current If-None-Match; the same caching headers come with the 304."""
    headers = {
        "ETag": {"schema": {"type": "string"}, "description": "Strong validator of this answer."},
        "Cache-Control": {
            "schema": {"type": "string"},
            "description": "public, max-age=COMMENTSVC_CACHE_MAX_AGE, stale-while-revalidate=30.",
        },
        "Vary": {
            "schema": {"type": "string"},
            "description": "Origin, Accept-Encoding (public reads are sent gzipped to clients that accept it).",
        },
    }
    ok = _json(schema, description)
    ok["headers"] = headers
    return {
        "200": ok,
        "304": {"description": "Not modified: your copy (If-None-Match) is current.", "headers": headers},
    }


_SITE_PARAM = {
    "name": "site",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "maxLength": MAX_SITE_LENGTH, "default": "default"},
}
# Ids are 32-bit (PostgreSQL INTEGER); larger ones are a 404 (path) or a 400 (parent_id).
_COMMENT_ID = {
    "name": "comment_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID - 1},
}
_BEARER: list[dict[str, list[str]]] = [{"editToken": []}]
_IDENTITY_HEADER = {
    "name": "X-Commentsvc-Identity",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 128},
    "description": "The reader's signed identity (from a form-tokens or vote answer); one reader whatever the address.",
}

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {
                        "type": "string",
                        "description": "A stable snake_case code for programs, e.g. body_too_long; never parse message.",
                    },
                    "message": {"type": "string", "description": "For people; wording may change."},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": 'Each field at fault, with its error code, e.g. {"body": "body_too_long"}.',
                    },
                },
            }
        },
    },
    "ReplyTo": {
        "type": ["object", "null"],
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": ["string", "null"]}},
    },
    "Comment": {
        "type": "object",
        "required": [
            "id",
            "parent_id",
            "name",
            "website",
            "avatar",
            "html",
            "created_at",
            "edited_at",
            "status",
            "likes",
            "dislikes",
            "picked_at",
            "replies",
        ],
        "properties": {
            "id": {"type": "integer"},
            "parent_id": {"type": ["integer", "null"]},
            "reply_to": _ref("ReplyTo"),
            "name": {"type": ["string", "null"]},
            "website": {"type": ["string", "null"]},
            "avatar": {"type": ["string", "null"], "description": "Generated identicon URL; never the email."},
            "html": {"type": ["string", "null"], "description": "Sanitized HTML, safe for innerHTML."},
            "created_at": {"type": "string", "format": "date-time"},
            "edited_at": {"type": ["string", "null"], "format": "date-time"},
            "status": {"type": "string", "enum": ["approved", "pending", "rejected", "spam", "deleted"]},
            "staff": {"type": "boolean"},
            "likes": {"type": "integer"},
            "dislikes": {"type": "integer"},
            "region": {
                "type": ["object", "null"],
                "description": "Where the address was when posted (IP属地), on sites with COMMENTSVC_SHOW_REGION: "
                'label text per language, shown as "IP属地：{zh}" / "from {en}"; never the address.',
                "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
            },
            "picked_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "When a moderator made it an editors' pick; null when it is not one.",
            },
            "reply_count": {"type": "integer", "description": "Top-level only: visible replies below it."},
            "replies_cursor": {
                "type": ["string", "null"],
                "description": "Top-level only: pass to /comments/{id}/replies for the rest.",
            },
            "lang": {
                "type": ["string", "null"],
                "enum": ["zh-Hans", "zh-Hant", "en", "other", None],
                "description": "The body's language by script; null on a deleted placeholder.",
            },
            "floors": {
                "oneOf": [_ref("FoldedFloors"), {"type": "null"}],
                "description": "Replies at the site's floor depth or deeper: their ancestors as floors (盖楼).",
            },
            "replies": {"type": "array", "items": _ref("Comment")},
        },
    },
    "Floor": {
        "type": "object",
        "required": ["floor", "id", "name", "html", "lang", "status"],
        "properties": {
            "floor": {"type": "integer", "description": "1 is the top-level comment (1楼 / Floor 1)."},
            "id": {"type": "integer"},
            "name": {"type": ["string", "null"]},
            "html": {"type": ["string", "null"], "description": "Sanitized HTML; null when no longer shown."},
            "lang": {"type": ["string", "null"]},
            "status": {"type": "string", "enum": ["approved", "deleted"]},
        },
    },
    "FoldedFloors": {
        "type": "object",
        "required": ["count", "hidden", "first", "last"],
        "properties": {
            "count": {"type": "integer", "description": "Floors above the reply in all."},
            "hidden": {"type": "integer", "description": "Floors folded between first and last (GET …/floors)."},
            "first": {"type": "array", "items": _ref("Floor")},
            "last": {"type": "array", "items": _ref("Floor")},
        },
    },
    "Floors": {
        "type": "object",
        "required": ["id", "count", "floors"],
        "properties": {
            "id": {"type": "integer"},
            "count": {"type": "integer"},
            "floors": {"type": "array", "items": _ref("Floor"), "description": "Root first, the middle included."},
        },
    },
    "OwnComment": {
        "allOf": [
            _ref("Comment"),
            {
                "type": "object",
                "required": ["edit_token", "editable_until", "count"],
                "properties": {
                    "edit_token": {
                        "type": "string",
                        "description": "Send as `Authorization: Bearer …` to edit or delete.",
                    },
                    "editable_until": {"type": "string", "format": "date-time"},
                    "count": {"type": "integer", "description": "The thread's visible comments after this change."},
                    "form_token": {
                        "type": "string",
                        "description": "After a post: the form token for the reader's next post on this article.",
                    },
                },
            },
        ],
    },
    "Thread": {
        "type": "object",
        "required": ["site", "article", "title", "count", "closed", "comments", "cursor"],
        "properties": {
            "site": {"type": "string"},
            "article": {"type": "string"},
            "title": {"type": ["string", "null"]},
            "count": {"type": "integer"},
            "participants": {"type": "integer", "description": "Distinct commenters among the approved comments."},
            "closed": {"type": "boolean"},
            "comments": {"type": "array", "items": _ref("Comment")},
            "picks": {
                "type": "array",
                "items": _ref("Comment"),
                "description": "The editors' picks in the order picked, on the first page (no cursor); empty later.",
            },
            "pinned": {
                "oneOf": [_ref("Comment"), {"type": "null"}],
                "description": "The staff comment pinned to the top, on the first page; null otherwise.",
            },
            "cursor": {"type": ["string", "null"], "description": "Opaque; pass back for the next page."},
            "sso": {
                "type": "object",
                "description": "The site's mode and login URL, for the widget to show a form or a Log in link.",
                "properties": {
                    "mode": {"type": "string", "enum": ["anonymous", "sso-optional", "sso-required"]},
                    "login_url": {"type": ["string", "null"]},
                },
            },
            "closes_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "When the thread closes by itself (its close_at, or the site's auto-close).",
            },
        },
    },
    "Replies": {
        "type": "object",
        "required": ["root_id", "comments", "cursor"],
        "properties": {
            "root_id": {"type": "integer"},
            "comments": {
                "type": "array",
                "items": _ref("Comment"),
                "description": "Flat, oldest first; hang each under its parent_id.",
            },
            "cursor": {"type": ["string", "null"]},
        },
    },
    "NewComment": {
        "type": "object",
        "required": ["article", "body"],
        "properties": {
            "site": {"type": "string", "maxLength": MAX_SITE_LENGTH},
            "article": {"type": "string", "minLength": 1, "maxLength": MAX_ARTICLE_LENGTH},
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "parent_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID - 1},
            "name": {"type": "string", "maxLength": MAX_NAME_LENGTH},
            "email": {"type": "string", "format": "email"},
            "website": {"type": "string", "format": "uri"},
            "body": {"type": "string", "minLength": 1, "description": "Markdown subset; 1 to 5,000 characters."},
            "article_token": {
                "type": "string",
                "description": "The CMS's signed article policy (README, Single sign-on): required to create a "
                "thread when the site requires signed articles; its title, URL, policy and close_at apply.",
            },
            "notify": {
                "type": "boolean",
                "description": "Email me when someone replies (needs `email`; the first time an address asks, it "
                "gets a confirmation email and nothing else until it confirms).",
            },
            "form_token": {
                "type": ["string", "null"],
                "description": "From POST /api/v1/form-tokens or the last post's answer; required unless "
                "X-Commentsvc-Key carries an API key. A forged, reused or too quick one is answered like success "
                "and kept as spam.",
            },
            "homepage": {"type": "string", "description": "The honeypot: leave it empty (a bot fills it in)."},
            "altcha": {
                "type": "string",
                "description": "The solved proof-of-work challenge: base64 of JSON {algorithm, challenge, number, "
                "salt, signature}; needed only when a challenge was handed out.",
            },
        },
    },
    "FormTokens": {
        "type": "object",
        "required": ["form_token", "identity", "challenge"],
        "properties": {
            "form_token": {"type": "string", "description": "Send as `form_token` with the next post here."},
            "identity": {
                "type": ["string", "null"],
                "description": "A new reader identity to keep and send as X-Commentsvc-Identity; null when the "
                "request carried a valid one.",
            },
            "challenge": {
                "type": ["object", "null"],
                "description": "An ALTCHA challenge when a proof of work will be asked for: find n <= maxNumber "
                "with SHA-256(salt + n) == challenge.",
                "properties": {
                    "algorithm": {"type": "string"},
                    "challenge": {"type": "string"},
                    "maxNumber": {"type": "integer"},
                    "salt": {"type": "string"},
                    "signature": {"type": "string"},
                },
            },
        },
    },
    "Counts": {
        "type": "object",
        "required": ["site", "counts", "participants"],
        "properties": {
            "site": {"type": "string"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "participants": {
                "type": "object",
                "description": "Distinct commenters among each article's approved comments.",
                "additionalProperties": {"type": "integer"},
            },
        },
    },
}


_SSO_HEADER = {
    "name": "X-Commentsvc-SSO",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "The reader's token, signed by the publisher for this site (README, Single sign-on). Checked "
    "before anything else: a token breaking a rule is 401 `sso_invalid`; without one an sso-required site "
    "answers 401 `login_required`. With it, the author is the token's reader and their own comments need no "
    "edit token.",
}
_SSO_WRITES = (
    ("/api/v1/comments", "post"),
    ("/api/v1/comments/{comment_id}", "patch"),
    ("/api/v1/comments/{comment_id}", "delete"),
    ("/api/v1/comments/{comment_id}/vote", "post"),
    ("/api/v1/comments/{comment_id}/report", "post"),
)


def _with_sso(document: dict[str, Any]) -> dict[str, Any]:
    """Every write takes the SSO header and may answer 401 sso_invalid or login_required."""
    for path, method in _SSO_WRITES:
        operation = document["paths"][path][method]
        operation.setdefault("parameters", []).append(_SSO_HEADER)
        operation["responses"]["401"] = _json(
            _ref("Error"), "`sso_invalid` (the SSO token broke a rule) or `login_required` (sso-required site)."
        )
    return document


def openapi_document() -> dict[str, Any]:
    return _with_sso(_document())


def _document() -> dict[str, Any]:
    comment_errors = _errors(400, 403, 404, 409, 413, 415, 422, 429, 503)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "commentsvc API",
            "version": "1",
            "description": "Threaded reader comments and counts for news articles.",
        },
        "paths": {
            "/api/v1/comments": {
                "get": {
                    "operationId": "listComments",
                    "summary": "A page of a thread: top-level comments with their replies nested.",
                    "parameters": [
                        {
                            "name": "article",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_ARTICLE_LENGTH},
                        },
                        _SITE_PARAM,
                        {
                            "name": "sort",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["oldest", "newest", "hot", "picks"]},
                            "description": "picks: only the editors' picks, in the order picked.",
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                        },
                        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                        _IF_NONE_MATCH,
                    ],
                    "responses": {**_cacheable(_ref("Thread"), "The page."), **_errors(400, 429, 503)},
                },
                "post": {
                    "operationId": "postComment",
                    "summary": "Post a comment or a reply (parent_id).",
                    "parameters": [
                        _IDENTITY_HEADER,
                        {
                            "name": "X-Commentsvc-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 128},
                            "description": "A per-site API key (`commentsvc api-key create`) for server-to-server "
                            "clients: no form token needed; rate limits and moderation still apply.",
                        },
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 128},
                            "description": "A retry with the same key on the same site returns the first comment, "
                            "from whatever address it comes; the same key with another body is 422.",
                        },
                    ],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewComment")}}},
                    "responses": {"201": _json(_ref("OwnComment"), "Stored (or replayed)."), **comment_errors},
                },
            },
            "/api/v1/form-tokens": {
                "post": {
                    "operationId": "createFormToken",
                    "summary": "What a form needs before it posts: a form token, maybe an identity and a challenge.",
                    "description": "Ask when the reader starts writing; never cached (Cache-Control: no-store).",
                    "parameters": [_IDENTITY_HEADER],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["article"],
                                    "properties": {
                                        "site": {"type": "string", "maxLength": MAX_SITE_LENGTH},
                                        "article": {
                                            "type": "string",
                                            "minLength": 1,
                                            "maxLength": MAX_ARTICLE_LENGTH,
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json(_ref("FormTokens"), "The token, and the identity and challenge when due."),
                        **_errors(400, 413, 415, 429, 503),
                    },
                }
            },
            "/api/v1/comments/{comment_id}": {
                "patch": {
                    "operationId": "editComment",
                    "summary": "Edit your own comment within the edit window.",
                    "security": _BEARER,
                    "parameters": [_COMMENT_ID],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["body"],
                                    "properties": {"body": {"type": "string"}},
                                }
                            }
                        },
                    },
                    "responses": {"200": _json(_ref("OwnComment"), "Edited."), **comment_errors},
                },
                "delete": {
                    "operationId": "deleteComment",
                    "summary": "Delete your own comment within the edit window.",
                    "security": _BEARER,
                    "parameters": [_COMMENT_ID],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["id", "status", "count"],
                                "properties": {
                                    "id": {"type": "integer"},
                                    "status": {"type": "string"},
                                    "count": {"type": "integer"},
                                },
                            },
                            "Deleted.",
                        ),
                        **_errors(403, 404, 429, 503),
                    },
                },
            },
            "/api/v1/comments/{comment_id}/replies": {
                "get": {
                    "operationId": "listReplies",
                    "summary": "More replies under a top-level comment.",
                    "parameters": [
                        _COMMENT_ID,
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                        },
                        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                        _IF_NONE_MATCH,
                    ],
                    "responses": {**_cacheable(_ref("Replies"), "The replies."), **_errors(400, 404, 429, 503)},
                },
            },
            "/api/v1/comments/{comment_id}/floors": {
                "get": {
                    "operationId": "listFloors",
                    "summary": "Every floor above a reply, root first: what a folded chain hides.",
                    "parameters": [_COMMENT_ID, _IF_NONE_MATCH],
                    "responses": {**_cacheable(_ref("Floors"), "The floors."), **_errors(404, 429, 503)},
                },
            },
            "/api/v1/comments/{comment_id}/vote": {
                "post": {
                    "operationId": "voteComment",
                    "summary": "Like (1), dislike (-1) or withdraw (0); one vote per reader.",
                    "description": (
                        "A reader is the voter id the server issued to their browser, not their address: send it"
                        " back in X-Commentsvc-Voter. Without one (or with one this server did not sign) the vote"
                        " is a new reader's, and the answer carries `voter`, the id to keep."
                    ),
                    "parameters": [
                        _COMMENT_ID,
                        {
                            "name": "X-Commentsvc-Voter",
                            "in": "header",
                            "required": False,
                            "description": "The voter id an earlier vote's answer carried.",
                            "schema": {"type": "string", "maxLength": 128},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["value"],
                                    "properties": {"value": {"type": "integer", "enum": [1, -1, 0]}},
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["id", "likes", "dislikes"],
                                "properties": {
                                    "id": {"type": "integer"},
                                    "likes": {"type": "integer"},
                                    "dislikes": {"type": "integer"},
                                    "voter": {
                                        "type": "string",
                                        "description": "A new voter id, when the request brought no valid one.",
                                    },
                                },
                            },
                            "Current tallies.",
                        ),
                        **_errors(400, 404, 413, 415, 429, 503),
                        "403": _json(_ref("Error"), "A ban covers the reader's address (`banned`)."),
                    },
                },
            },
            "/api/v1/comments/{comment_id}/report": {
                "post": {
                    "operationId": "reportComment",
                    "summary": "Report a comment to the moderators.",
                    "description": (
                        "One report per reader. Reports send an approved comment back to review once their weight"
                        " reaches COMMENTSVC_REPORT_THRESHOLD: one network (/24, /48) counts once, at its"
                        " best-standing reporter's weight; staff comments stay published."
                    ),
                    "parameters": [_COMMENT_ID],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["reason"],
                                    "properties": {
                                        "reason": {"type": "string", "enum": list(REPORT_REASONS)},
                                        "note": {"type": "string", "maxLength": MAX_NOTE_LENGTH},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "202": _json(
                            {
                                "type": "object",
                                "required": ["id", "reported"],
                                "properties": {"id": {"type": "integer"}, "reported": {"type": "boolean"}},
                            },
                            "Accepted.",
                        ),
                        **_errors(400, 404, 413, 415, 429, 503),
                        "403": _json(_ref("Error"), "A ban covers the reader's address (`banned`)."),
                    },
                },
            },
            "/api/v1/counts": {
                "get": {
                    "operationId": "countComments",
                    "summary": f"Visible comments per article (at most {MAX_ARTICLES_PER_COUNT}).",
                    "parameters": [
                        {
                            "name": "article",
                            "in": "query",
                            "required": True,
                            "style": "form",
                            "explode": True,
                            "schema": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": MAX_ARTICLES_PER_COUNT,
                                "items": {"type": "string", "minLength": 1, "maxLength": MAX_ARTICLE_LENGTH},
                            },
                        },
                        _SITE_PARAM,
                        _IF_NONE_MATCH,
                    ],
                    "responses": {**_cacheable(_ref("Counts"), "Counts."), **_errors(400, 429, 503)},
                },
                "post": {
                    "operationId": "countCommentsPost",
                    "summary": "The same, with the article list in a JSON body.",
                    "description": "For lists too long for a URL. Not cacheable: browsers and CDNs do not "
                    "cache POST answers, so it carries no ETag or Cache-Control; use GET where caching matters.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["articles"],
                                    "properties": {
                                        "site": {"type": "string"},
                                        "articles": {
                                            "type": "array",
                                            "minItems": 1,
                                            "maxItems": MAX_ARTICLES_PER_COUNT,
                                            "items": {"type": "string"},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {"200": _json(_ref("Counts"), "Counts."), **_errors(400, 413, 415, 429, 503)},
                },
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                },
            },
            "/feeds/thread.atom": _feed(
                "threadFeed",
                "Atom feed of a thread's newest approved comments; ETag and 304 as for thread pages.",
                [("site", True), ("article", True)],
            ),
            "/feeds/recent.atom": _feed(
                "recentFeed", "Atom feed of a site's newest approved comments; ETag and 304.", [("site", True)]
            ),
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "summary": "200 when the database answers, 503 otherwise.",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["status"],
                                "properties": {
                                    "status": {"type": "string"},
                                    "database": {"type": "string"},
                                    "ratelimit_storage": {"type": "string", "enum": ["memory", "ok", "unreachable"]},
                                },
                            },
                            "Healthy.",
                        ),
                        **_errors(503),
                    },
                },
            },
        },
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {
                "editToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The edit_token returned when the comment was posted.",
                }
            },
        },
    }
