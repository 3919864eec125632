"""Form tokens: a short-lived signed proof that a post came through a form that asked for it, bound to
one site and article, single use: its nonce is stored in the comment row it posts, whose unique index
refuses a second one (posting.post_comment)."""

from __future__ import annotations

import functools
import secrets
from datetime import UTC, datetime
from typing import NamedTuple

from itsdangerous import BadSignature

from .signing import UncompressedURLSafeSerializer

_FORM_SALT = "commentsvc.form-token"
# Longer than any token issued: a 128-character site and a 512-character article outside the BMP are
# 12 bytes a character as JSON escapes, base64 makes 4 of 3 (tests/test_form_checks.py issues one).
MAX_FORM_TOKEN_LENGTH = 16_384


@functools.lru_cache(maxsize=8)
def _form_token_serializer(secret: str) -> UncompressedURLSafeSerializer:
    return UncompressedURLSafeSerializer(secret, salt=_FORM_SALT)


class FormToken(NamedTuple):
    """`nonce_in_comment`: spent by the comment that carries the nonce (tokens this release issues);
    tokens issued before it are spent in spent_nonces, as the release that issued them did."""

    site: str
    article: str
    nonce: str
    issued_at: datetime
    nonce_in_comment: bool = True


def _millis(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def issue_form_token(secret: str, *, site: str, article: str, now: datetime) -> str:
    """Milliseconds, so "faster than a person" is measured from when the token was really issued."""
    payload = {"s": site, "a": article, "n": secrets.token_urlsafe(12), "t": _millis(now), "v": 2}
    return _form_token_serializer(secret).dumps(payload)


def read_form_token(secret: str, token: str) -> FormToken | None:
    """What a token this server signed says; None for anything else (forged, truncated, not ours)."""
    if len(token) > MAX_FORM_TOKEN_LENGTH:
        return None
    try:
        payload = _form_token_serializer(secret).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    site, article, nonce, issued = payload.get("s"), payload.get("a"), payload.get("n"), payload.get("t")
    if not (isinstance(site, str) and isinstance(article, str) and isinstance(nonce, str) and isinstance(issued, int)):
        return None
    issued_at = datetime.fromtimestamp(issued / 1000, UTC).replace(tzinfo=None)
    return FormToken(site, article, nonce, issued_at, payload.get("v") == 2)
