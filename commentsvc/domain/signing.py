"""Signed tokens for readers (form, edit and identity tokens): itsdangerous' URL-safe serializer
without its attempt to zlib-compress every payload, and with one signer kept for its salt. Ours are a
few dozen bytes, which deflate never shortens, and setting deflate up cost more than the rest of
signing; itsdangerous also builds a signer and derives its key (a SHA-1) for every token it signs or
reads, three times a post, and its HMAC, given SHA-1 as a function, runs in Python where OpenSSL
computes the same HMAC in one call, and its compact JSON builds an encoder for every token it signs
(bench/README.md). A token compressed by an earlier version still loads: loading is itsdangerous' own."""

from __future__ import annotations

import hmac
import json
from typing import Any

from itsdangerous import Serializer, Signer, URLSafeSerializer, base64_encode
from itsdangerous.encoding import want_bytes
from itsdangerous.signer import HMACAlgorithm


class _OneCallSha1HMAC(HMACAlgorithm):
    """itsdangerous' default signature, HMAC-SHA1, the same bytes."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, "sha1")


class _KeyKeptSigner(Signer):
    """Derives each secret's key once; the derivation depends only on the secret and the salt."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("digest_method") is None and kwargs.get("algorithm") is None:
            kwargs["algorithm"] = _OneCallSha1HMAC()
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        secret = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        derived = self._derived.get(secret)
        if derived is None:
            derived = self._derived[secret] = super().derive_key(secret)
        return derived


class _CompactJSON:
    """itsdangerous' compact JSON, the same text, from one encoder built once."""

    loads = staticmethod(json.loads)
    dumps = staticmethod(json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode)


class UncompressedURLSafeSerializer(URLSafeSerializer):
    default_signer = _KeyKeptSigner
    default_serializer = _CompactJSON

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept_signer = super().make_signer(self.salt)

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        if salt is None or want_bytes(salt) == self.salt:
            return self._kept_signer
        return super().make_signer(salt)

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))

    def loads(self, s: str | bytes, salt: str | bytes | None = None, **kwargs: Any) -> Any:
        """itsdangerous' loads, without its generator of signers when the kept one is the only one."""
        if salt is not None or kwargs or self.fallback_signers:
            return super().loads(s, salt, **kwargs)
        return self.load_payload(self._kept_signer.unsign(want_bytes(s)))
