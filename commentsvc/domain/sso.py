"""Publisher single sign-on: a token the publisher signed for its reader becomes an SsoReader, or 401.

The algorithm follows the site's key, never the token's header: a shared secret is HS256, an RSA
public key RS256, an EC P-256 key ES256. So `alg: none` and algorithm confusion (an HS256 token
signed with an RS256 site's public key) fail like any bad signature. Times are checked here against
the caller's `now`, with a few seconds of leeway for clocks that drift.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from ..errors import Unauthorized, ValidationError
from .submission import MAX_NAME_LENGTH, MAX_URL_LENGTH, normalise_email

LEEWAY = timedelta(seconds=5)
MAX_LIFETIME = timedelta(hours=24)
MAX_TOKEN_LENGTH = 8192
MAX_SUB_LENGTH = 255
MIN_SECRET_LENGTH = 32  # RFC 7518 3.2: an HS256 key as long as the hash
REQUIRED_CLAIMS = ("sub", "name", "exp", "site")


@dataclass(frozen=True)
class SsoReader:
    """Who the publisher says the reader is; `sub` and `email` are for moderators only."""

    site: str
    sub: str
    name: str
    email: str | None = None
    avatar: str | None = None
    url: str | None = None
    staff: bool = False


@dataclass(frozen=True)
class SiteKey:
    """What verifies a site's tokens: the key and the one algorithm its type implies."""

    key: Any
    algorithm: str


def site_key(*, secret: str | None, public_key: str | None) -> SiteKey | None:
    """None when the site has no SSO key; a public key wins over a secret (only one is ever stored)."""
    if public_key:
        return SiteKey(*_public_key(public_key))
    if secret:
        return SiteKey(secret, "HS256")
    return None


def _public_key(pem: str) -> tuple[Any, str]:
    try:
        key = load_pem_public_key(pem.encode())
    except ValueError:
        raise ValidationError(
            "The SSO public key is not a PEM public key.", code="sso_key_invalid", field="sso_public_key"
        ) from None
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise ValidationError(
                "An RSA SSO key must have at least 2048 bits.", code="sso_key_invalid", field="sso_public_key"
            )
        return key, "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key, "ES256"
    raise ValidationError(
        "The SSO public key must be RSA (RS256) or EC P-256 (ES256).", code="sso_key_invalid", field="sso_public_key"
    )


def check_secret(secret: str) -> str:
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValidationError(
            f"The SSO secret must be at least {MIN_SECRET_LENGTH} characters.",
            code="sso_key_invalid",
            field="sso_secret",
        )
    return secret


def claimed_site(token: str) -> str | None:
    """The site a token names, unverified: only to find which site's key must verify it."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    site = claims.get("site")
    return site if isinstance(site, str) else None


def _refuse(rule: str) -> Unauthorized:
    return Unauthorized(f"The SSO token was refused: {rule}.", code="sso_invalid")


def _timestamp(claims: dict[str, Any], name: str) -> datetime | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refuse(f"{name} must be a number of seconds since 1970")
    try:
        return datetime(1970, 1, 1) + timedelta(seconds=value)
    except OverflowError:
        raise _refuse(f"{name} is out of range") from None


def _optional_url(claims: dict[str, Any], name: str, schemes: frozenset[str]) -> str | None:
    value = claims.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH:
        raise _refuse(f"{name} must be a URL")
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in schemes or not parts.hostname or any(c.isspace() for c in value):
        raise _refuse(f"{name} must be an {' or '.join(sorted(schemes))} URL")
    return value


def _name(claims: dict[str, Any]) -> str:
    value = claims.get("name")
    name = unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else ""
    if not name or any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise _refuse("name must be non-empty text")
    return name[:MAX_NAME_LENGTH]


def verify_sso_token(token: str, *, site: str, key: SiteKey | None, now: datetime) -> SsoReader:
    """Every rule broken is 401 sso_invalid naming it: bad signature, wrong site, expired, missing claim…"""
    if key is None:
        raise _refuse(f"site {site} has no SSO key")
    if len(token) > MAX_TOKEN_LENGTH:
        raise _refuse("the token is too long")
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[key.algorithm],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False},
        )
    except jwt.InvalidAlgorithmError:
        raise _refuse(f"the token must be signed with {key.algorithm}") from None
    except jwt.InvalidSignatureError:
        raise _refuse("bad signature") from None
    except jwt.exceptions.InvalidSubjectError:
        raise _refuse(f"sub must be text of at most {MAX_SUB_LENGTH} characters") from None
    except jwt.PyJWTError:
        raise _refuse("not a well-formed signed token") from None
    for claim in REQUIRED_CLAIMS:
        if claims.get(claim) in (None, ""):
            raise _refuse(f"missing claim {claim}")
    if claims["site"] != site:
        raise _refuse("wrong site")
    expires = _timestamp(claims, "exp")
    assert expires is not None
    if expires < now - LEEWAY:
        raise _refuse("expired")
    if expires > now + MAX_LIFETIME + LEEWAY:
        raise _refuse("exp is more than 24 hours ahead")
    issued = _timestamp(claims, "iat")
    if issued is not None and issued > now + LEEWAY:
        raise _refuse("iat is in the future")
    sub = claims["sub"]
    if not isinstance(sub, str) or len(sub) > MAX_SUB_LENGTH or not sub.isprintable():
        raise _refuse(f"sub must be text of at most {MAX_SUB_LENGTH} characters")
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise _refuse("roles must be a list of strings")
    try:
        email = normalise_email(claims.get("email"))
    except ValidationError:
        raise _refuse("email is not a valid address") from None
    return SsoReader(
        site=site,
        sub=sub,
        name=_name(claims),
        email=email,
        avatar=_optional_url(claims, "avatar", frozenset({"https"})),
        url=_optional_url(claims, "url", frozenset({"http", "https"})),
        staff="staff" in roles,
    )
