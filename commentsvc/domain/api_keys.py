"""Per-site API keys for server-to-server clients (a CMS, an import script, a moderation bot): a key
skips the form checks, never the rate limits or moderation. Only the key's SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound, Unauthorized, ValidationError
from ..models import MAX_ID, ApiKey

KEY_PREFIX = "csk_"
MAX_KEY_LENGTH = 128
MAX_LABEL_LENGTH = 128


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(session: Session, *, site: str, label: str, now: datetime) -> tuple[ApiKey, str]:
    """The stored key and the key itself, which is shown this once and never again."""
    label = label.strip()
    if len(label) > MAX_LABEL_LENGTH:
        raise ValidationError(
            f"A label is at most {MAX_LABEL_LENGTH} characters.", code="label_too_long", field="label"
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(site=site, key_hash=_hash(key), label=label, created_at=now, revoked_at=None)
    session.add(row)
    session.flush()
    return row, key


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.site, ApiKey.id)))


def revoke_api_key(session: Session, key_id: int, *, now: datetime) -> ApiKey:
    """Revoking twice keeps the first time."""
    row = session.get(ApiKey, key_id) if 0 < key_id < MAX_ID else None
    if row is None:
        raise NotFound(f"There is no API key {key_id}.", code="api_key_not_found")
    if row.revoked_at is None:
        row.revoked_at = now
    return row


def check_api_key(session: Session, key: str, *, site: str) -> ApiKey:
    """The active key for this site; anything else is refused, with no hint which part was wrong."""
    row = None
    if key and len(key) <= MAX_KEY_LENGTH:
        row = session.scalars(select(ApiKey).where(ApiKey.key_hash == _hash(key))).first()
    if row is None or row.revoked_at is not None or row.site != site:
        raise Unauthorized(
            "This X-Commentsvc-Key is not an active API key for this site.", code="api_key_invalid", field=None
        )
    return row
