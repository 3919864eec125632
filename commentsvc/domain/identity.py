"""Reader identities: a random id the server signs and the widget keeps, so a browser is one reader
whatever address it comes from, and one address is not one reader.

The signed id travels in `X-Commentsvc-Identity` (`X-Commentsvc-Voter` was its first name, for votes).
It is stored only as a keyed hash (`identity_key`), so a leaked database names no browser, and it is
pseudonymous: nothing in it comes from the address or the person. Clearing storage makes a new reader.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from itsdangerous import BadSignature

from .signing import UncompressedURLSafeSerializer

# The voter ids handed out before identities existed are identities: same salt, same key.
_IDENTITY_SALT = "commentsvc.voter-id"
MAX_IDENTITY_TOKEN_LENGTH = 128
TAG_LENGTH = 4


@functools.lru_cache(maxsize=8)
def _identity_serializer(secret: str) -> UncompressedURLSafeSerializer:
    return UncompressedURLSafeSerializer(secret, salt=_IDENTITY_SALT)


def _identity_key(secret: str, identity: str) -> str:
    return hmac.new(secret.encode(), f"voter:{identity}".encode(), hashlib.sha256).hexdigest()[:40]


def identity_key(secret: str, token: str | None) -> str | None:
    """The stored key of an identity token this server signed; None for a missing or forged one."""
    if not token or len(token) > MAX_IDENTITY_TOKEN_LENGTH:
        return None
    try:
        payload = _identity_serializer(secret).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, str) or not payload:
        return None
    return _identity_key(secret, payload)


def issue_identity(secret: str) -> tuple[str, str]:
    """A new reader: (the token to hand out, its stored key). Random, so it says nothing about the reader."""
    identity = secrets.token_urlsafe(12)
    return _identity_serializer(secret).dumps(identity), _identity_key(secret, identity)


def identity_tag(secret: str, key: str) -> str:
    """A short stable tag (3F9A) to tell anonymous readers apart in a conversation: a keyed hash of the
    identity, never of the address, and too short to find the identity by."""
    digest = hmac.new(secret.encode(), f"tag:{key}".encode(), hashlib.sha256).hexdigest()
    return digest[:TAG_LENGTH].upper()
