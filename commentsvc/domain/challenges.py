"""Proof of work (ALTCHA): asked only of clients that look suspicious, of everyone when the site says
always, or on an article in surge; created and verified by the altcha library, each solution single use."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from altcha.v1 import ChallengeOptions, verify_solution
from altcha.v1 import create_challenge as create_altcha_challenge
from sqlalchemy.orm import Session

from ..models import CommentStatus
from ..storage.crowd_statements import client_activity
from .nonces import spend_nonce
from .posting import Client

MAX_PAYLOAD_LENGTH = 2048
# An address looks suspicious at this many times the posts that make one identity suspicious.
ADDRESS_FACTOR = 10


@dataclass(frozen=True)
class ChallengeSettings:
    """COMMENTSVC_CHALLENGE*, for one site (site_overrides.py)."""

    mode: str = "suspicious"
    max_number: int = 5000
    after: int = 5
    window: int = 600


@functools.lru_cache(maxsize=8)
def _hmac_key(secret: str) -> str:
    return hmac.new(secret.encode(), b"commentsvc.altcha", hashlib.sha256).hexdigest()


def challenge_needed(
    session: Session, *, client: Client, site: str, article: str, now: datetime, settings: ChallengeSettings
) -> bool:
    """Everyone on an article in surge or when the site says always; otherwise a reader (its identity,
    or its address when it has none) with `after` posts in the window, an identity-bearing address
    with ten times that, or either with a post kept as spam among those recent posts. It is one
    statement of index ranges with a LIMIT each, so a busy address costs no more than a quiet one."""
    if settings.mode == "off":
        return False
    if settings.mode == "always":
        return True
    address_limit = settings.after if client.identity_key is None else settings.after * ADDRESS_FACTOR
    activity = client_activity(
        session.connection(),
        site=site,
        article=article,
        identity_key=client.identity_key,
        ip=client.ip,
        since=now - timedelta(seconds=settings.window),
        own_most=settings.after,
        address_most=address_limit,
    )
    if activity.surge_until is not None and activity.surge_until > now:
        return True
    spam = CommentStatus.SPAM.value
    return (
        len(activity.own) >= settings.after
        or len(activity.by_address) >= address_limit
        or spam in activity.own
        or spam in activity.by_address
    )


def create_challenge(secret: str, *, now: datetime, settings: ChallengeSettings) -> dict[str, Any]:
    """The challenge as the widget gets it: algorithm, challenge, maxNumber, salt, signature."""
    expires = now.replace(tzinfo=UTC) + timedelta(seconds=settings.window)
    options = ChallengeOptions(hmac_key=_hmac_key(secret), max_number=settings.max_number, expires=expires)
    challenge = create_altcha_challenge(options)
    answer: dict[str, Any] = challenge.to_dict()
    return answer


def spend_solution(session: Session, secret: str, payload: Any, *, now: datetime) -> bool:
    """True for a correct, unexpired solution of a challenge we signed, the first time it is presented."""
    if not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD_LENGTH:
        return False
    try:
        verified, _problem = verify_solution(payload, _hmac_key(secret), check_expires=True)
    except (ValueError, TypeError, KeyError, AttributeError):
        return False  # base64 that decodes to JSON of the wrong shape
    if not verified:
        return False
    salt = _salt_of(payload)
    return salt is not None and spend_nonce(session, "pow:" + hashlib.sha256(salt.encode()).hexdigest(), now=now)


def _salt_of(payload: str) -> str | None:
    try:
        salt = json.loads(base64.b64decode(payload)).get("salt")
    except (ValueError, TypeError, AttributeError):
        return None
    return salt if isinstance(salt, str) else None
