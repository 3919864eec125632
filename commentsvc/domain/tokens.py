"""Edit tokens: the signed proof that a reader wrote a comment, handed out when it was posted."""

from __future__ import annotations

import functools

from itsdangerous import BadSignature

from ..errors import Forbidden
from .signing import UncompressedURLSafeSerializer

_EDIT_SALT = "commentsvc.edit-token"


@functools.lru_cache(maxsize=8)
def _edit_token_serializer(secret: str) -> UncompressedURLSafeSerializer:
    """One per secret: building it is most of what issuing a token costs."""
    return UncompressedURLSafeSerializer(secret, salt=_EDIT_SALT)


def issue_edit_token(secret: str, comment_id: int) -> str:
    return _edit_token_serializer(secret).dumps({"c": comment_id})


def check_edit_token(secret: str, token: str | None, comment_id: int) -> None:
    """Only the token issued for this very comment opens it; the window is checked by the caller."""
    if not token:
        raise Forbidden("Editing needs the edit token you got when you posted this comment.", code="edit_token_missing")
    try:
        payload = _edit_token_serializer(secret).loads(token)
    except BadSignature:
        raise Forbidden("This edit token is not valid.", code="edit_token_invalid") from None
    if not isinstance(payload, dict) or payload.get("c") != comment_id:
        raise Forbidden("This edit token belongs to another comment.", code="edit_token_wrong_comment")
