"""Keys and signed tokens for the SSO tests: what a publisher's backend would sign."""

from __future__ import annotations

import functools
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

SECRET = "publisher-shared-secret-0123456789"


@functools.cache
def rsa_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def ec_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(private_key: Any) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def claims(site: str = "default", *, now: float | None = None, **overrides: Any) -> dict[str, Any]:
    issued = int(time.time() if now is None else now)
    values: dict[str, Any] = {"sub": "reader-42", "name": "王小明", "site": site, "exp": issued + 3600, "iat": issued}
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def sign(
    payload: dict[str, Any], key: Any = SECRET, algorithm: str = "HS256", headers: dict[str, Any] | None = None
) -> str:
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def sso_token(site: str = "default", **overrides: Any) -> str:
    return sign(claims(site, **overrides))


def sso_headers(site: str = "default", **overrides: Any) -> dict[str, str]:
    return {"X-Commentsvc-SSO": sso_token(site, **overrides)}
