"""Signed tokens for readers (form, edit and identity tokens): itsdangerous' URL-safe serializer
without its attempt to zlib-compress every payload. Ours are a few dozen bytes, which deflate never
shortens, and setting deflate up cost more than the rest of signing (bench/README.md). A token
compressed by an earlier version still loads: loading is itsdangerous' own."""

from __future__ import annotations

from typing import Any

from itsdangerous import Serializer, URLSafeSerializer, base64_encode


class UncompressedURLSafeSerializer(URLSafeSerializer):
    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))
