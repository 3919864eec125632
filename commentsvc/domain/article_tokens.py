"""Signed article policy, against thread squatting: the CMS signs {site, article, title, url, policy,
close_at?} with the site's SSO key, and the widget passes it on with a post (`article_token`).

With the site's require_signed_articles on, a thread is created only from a valid token, its title
and URL come from the token, and the token's policy and close_at are applied. A token issued later
(`iat`) than the last one applied updates them; an older one changes nothing, so replaying the
token of an open article cannot reopen it once the CMS closed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from sqlalchemy.orm import Session

from ..errors import Forbidden, ValidationError
from ..models import ModerationMode, Thread
from .sso import LEEWAY, SiteKey
from .submission import normalise_article, normalise_page_url, normalise_title
from .threads import create_thread, find_thread, touch_thread

POLICIES = ("open", "pre", "closed")
MAX_TOKEN_LENGTH = 8192


@dataclass(frozen=True)
class SignedArticle:
    site: str
    article: str
    title: str | None
    url: str | None
    policy: str
    close_at: datetime | None
    issued_at: datetime


def _refuse(rule: str) -> ValidationError:
    return ValidationError(
        f"The article token was refused: {rule}.", code="article_token_invalid", field="article_token"
    )


def _moment(value: object, name: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refuse(f"{name} must be a number of seconds since 1970")
    try:
        return datetime(1970, 1, 1) + timedelta(seconds=value)
    except OverflowError:
        raise _refuse(f"{name} is out of range") from None


def verify_article_token(
    token: object, *, site: str, article: str, key: SiteKey | None, now: datetime
) -> SignedArticle:
    """400 article_token_invalid naming the rule: bad signature, another site or article, bad policy…"""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise _refuse("it must be the signed token as a string")
    if key is None:
        raise _refuse(f"site {site} has no SSO key to verify it")
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[key.algorithm],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False},
        )
    except jwt.InvalidAlgorithmError:
        raise _refuse(f"it must be signed with {key.algorithm}") from None
    except jwt.InvalidSignatureError:
        raise _refuse("bad signature") from None
    except jwt.PyJWTError:
        raise _refuse("not a well-formed signed token") from None
    for claim in ("site", "article", "policy", "iat"):
        if claims.get(claim) in (None, ""):
            raise _refuse(f"missing claim {claim}")
    if claims["site"] != site:
        raise _refuse("wrong site")
    try:
        if normalise_article(claims["article"]) != article:
            raise _refuse("wrong article")
        title = normalise_title(claims.get("title"))
        url = normalise_page_url(claims.get("url"))
    except ValidationError as exc:
        if exc.code == "article_token_invalid":
            raise
        raise _refuse(f"its {next(iter(exc.fields), 'claims')} is not valid") from None
    if claims["policy"] not in POLICIES:
        raise _refuse("policy must be open, pre or closed")
    issued_at = _moment(claims["iat"], "iat")
    if issued_at > now + LEEWAY:
        raise _refuse("iat is in the future")
    if "exp" in claims and _moment(claims["exp"], "exp") < now - LEEWAY:
        raise _refuse("expired")
    close_at = _moment(claims["close_at"], "close_at") if claims.get("close_at") is not None else None
    return SignedArticle(site, article, title, url, claims["policy"], close_at, issued_at)


def prepare_signed_thread(
    session: Session, *, site: str, article: str, signed: SignedArticle | None, required: bool, now: datetime
) -> SignedArticle | None:
    """Before a post, under the write lock: the thread from the token (created, or its policy updated
    by a newer token); without a token, a site that requires them refuses to create the thread."""
    if signed is None:
        if required and find_thread(session, site, article) is None:
            raise Forbidden(
                "This site takes comments only on articles its CMS signed.",
                code="article_token_required",
                field="article_token",
            )
        return None
    thread = find_thread(session, site, article)
    if thread is None:
        create_thread(session, site=site, article=article, title=signed.title, url=signed.url, now=now)
        thread = find_thread(session, site, article)
        assert thread is not None
    _apply(session, thread, signed)
    return signed


def _apply(session: Session, thread: Thread, signed: SignedArticle) -> None:
    if thread.article_token_issued_at is not None and signed.issued_at <= thread.article_token_issued_at:
        return
    thread.article_token_issued_at = signed.issued_at
    thread.title = signed.title or thread.title
    thread.url = signed.url or thread.url
    thread.closed = signed.policy == "closed"
    thread.moderation = ModerationMode.PRE.value if signed.policy == "pre" else None
    thread.close_at = signed.close_at
    session.flush()
    touch_thread(session, thread.id)
