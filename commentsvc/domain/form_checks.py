"""The checks a post from a form faces before it is stored: form token, honeypot, speed and proof of
work. A post that fails one is not refused: it is stored as spam with the reason (posting.post_comment's
`caught`) and answered like any other, so a bot learns nothing. Only the documented answers
(form_token_required, form_token_expired, challenge_required) are errors, and an honest widget
handles each of them by itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Forbidden, ValidationError
from ..models import IdempotencyKey
from .challenges import ChallengeSettings, challenge_needed, create_challenge, spend_solution
from .form_tokens import issue_form_token, read_form_token
from .identity import issue_identity
from .nonces import prune_spent_nonces, spend_nonce
from .posting import FORM_TOKEN_REPLAYED, Client

DOCS_POINTER = "see 'Posting paths' in the commentsvc README"
# About one post in 32 also clears the nonces no token or challenge can carry any more.
PRUNE_WHEN_NONCE_STARTS = ("A", "B")


@dataclass(frozen=True)
class FormCheck:
    """The traps a post fell into, as hold-reason codes (empty: none), and the form token's nonce that
    the stored comment is to carry (posting.post_comment spends it with the comment's own insert)."""

    caught: tuple[str, ...] = ()
    form_nonce: str | None = None


NOT_CHECKED = FormCheck()


@dataclass(frozen=True)
class FormSettings:
    """The form checks' settings for one site: COMMENTSVC_FORM_*, _CHALLENGE*, _TRUST_FIRST."""

    tokens: bool = True
    token_ttl: int = 7200
    min_seconds: int = 2
    trust_first: int = 0
    challenge: ChallengeSettings = field(default_factory=ChallengeSettings)

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> FormSettings:
        """From a site's effective settings (site_overrides.effective_settings)."""
        return cls(
            tokens=values["COMMENTSVC_FORM_TOKENS"],
            token_ttl=values["COMMENTSVC_FORM_TOKEN_TTL"],
            min_seconds=values["COMMENTSVC_FORM_MIN_SECONDS"],
            trust_first=values["COMMENTSVC_TRUST_FIRST"],
            challenge=ChallengeSettings(
                mode=values["COMMENTSVC_CHALLENGE"],
                max_number=values["COMMENTSVC_CHALLENGE_MAX_NUMBER"],
                after=values["COMMENTSVC_CHALLENGE_AFTER"],
                window=values["COMMENTSVC_CHALLENGE_WINDOW"],
            ),
        )


def open_form(
    session: Session,
    *,
    site: str,
    article: str,
    client: Client,
    secret: str,
    now: datetime,
    settings: FormSettings,
) -> dict[str, Any]:
    """What a reader who starts writing gets: a form token, a new identity when the request carried
    none of ours, and a challenge when one will be asked for."""
    identity = None
    if client.identity_key is None:
        identity, key = issue_identity(secret)
        client = Client(client.ip, client.user_agent, key)
    needed = challenge_needed(session, client=client, site=site, article=article, now=now, settings=settings.challenge)
    return {
        "form_token": issue_form_token(secret, site=site, article=article, now=now),
        "identity": identity,
        "challenge": create_challenge(secret, now=now, settings=settings.challenge) if needed else None,
    }


def check_form(
    session: Session,
    *,
    site: str,
    article: str,
    form_token: Any,
    honeypot: Any,
    altcha: Any,
    client: Client,
    secret: str,
    now: datetime,
    settings: FormSettings,
    authenticated: bool,
) -> FormCheck:
    """Call it under the write lock, in the transaction that stores the post: it spends the solution
    (and a token issued before nonces moved into comments) there. `authenticated` (an API key, a
    signed-in reader) skips every check: there is no form."""
    if authenticated:
        return NOT_CHECKED
    caught: list[str] = []
    form_nonce = None
    if honeypot not in (None, "", False):
        caught.append("honeypot")
    if settings.tokens:
        token_caught, form_nonce = _check_token(
            session, site=site, article=article, form_token=form_token, secret=secret, now=now, settings=settings
        )
        caught.extend(token_caught)
    if altcha not in (None, ""):
        if not spend_solution(session, secret, altcha, now=now):
            caught.append("pow_failed")
    elif challenge_needed(session, client=client, site=site, article=article, now=now, settings=settings.challenge):
        error = Forbidden(
            f"Solve the proof-of-work challenge in error.challenge and send its payload as altcha ({DOCS_POINTER}).",
            code="challenge_required",
        )
        error.extra = {"challenge": create_challenge(secret, now=now, settings=settings.challenge)}
        raise error
    return FormCheck(tuple(caught), form_nonce)


def _check_token(
    session: Session, *, site: str, article: str, form_token: Any, secret: str, now: datetime, settings: FormSettings
) -> tuple[list[str], str | None]:
    if form_token is None or form_token == "":
        raise ValidationError(
            f"Posting needs a form token: ask POST /api/v1/form-tokens for one ({DOCS_POINTER}).",
            code="form_token_required",
            field="form_token",
        )
    token = read_form_token(secret, form_token) if isinstance(form_token, str) else None
    if token is None or token.site != site or token.article != article:
        return ["form_token_forged"], None
    age = now - token.issued_at
    if age > timedelta(seconds=settings.token_ttl):
        raise ValidationError(
            f"This form token has expired: ask POST /api/v1/form-tokens for a new one ({DOCS_POINTER}).",
            code="form_token_expired",
            field="form_token",
        )
    caught = []
    if not token.nonce_in_comment and not spend_nonce(session, "form:" + token.nonce, now=now):
        caught.append(FORM_TOKEN_REPLAYED)
    if age < timedelta(seconds=settings.min_seconds):
        caught.append("too_fast")
    if token.nonce.startswith(PRUNE_WHEN_NONCE_STARTS):
        horizon = max(settings.token_ttl, settings.challenge.window) + 60
        prune_spent_nonces(session, older_than=timedelta(seconds=horizon), now=now)
    return caught, token.nonce if token.nonce_in_comment else None


def idempotency_key_stored(session: Session, *, site: str, idempotency_key: str) -> bool:
    """Whether an earlier attempt stored a post under this key: a retry is that post, not a new form."""
    return (
        session.scalar(
            select(IdempotencyKey.comment_id).where(IdempotencyKey.site == site, IdempotencyKey.key == idempotency_key)
        )
        is not None
    )
