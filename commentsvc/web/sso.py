"""The reader-identity checks every write view makes first: the SSO token, then the site's mode.

Order is part of the API: an invalid X-Commentsvc-SSO token is 401 sso_invalid whatever else the
request lacks, then an anonymous write on an sso-required site is 401 login_required; only then
are bodies validated. Checks that come after these (form tokens) go right after check_writer.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from flask import current_app, g, request
from sqlalchemy import select

from ..clock import isoformat, utcnow
from ..domain.article_tokens import SignedArticle, verify_article_token
from ..domain.bans import refuse_banned
from ..domain.identity import identity_tag
from ..domain.posting import Client, PostingSettings
from ..domain.sites import SiteIdentity, site_identity
from ..domain.sso import SsoReader, claimed_site, verify_sso_token
from ..domain.submission import Author, normalise_language, normalise_site
from ..domain.users import find_user_id, upsert_user
from ..errors import Unauthorized, ValidationError
from ..extensions import db
from ..models import Comment, SsoMode, Thread
from ..storage.statements import ThreadState
from .context import current_client, posting_settings, settings_token

SSO_HEADER = "X-Commentsvc-SSO"
PSEUDONYM_PREFIXES = {"zh-CN": "网友·", "en": "Reader·"}


@dataclasses.dataclass(frozen=True)
class Writer:
    """Who writes, as far as the site's identity rules go: the verified SSO reader, if any."""

    site: SiteIdentity
    reader: SsoReader | None


def thread_sso_json(answer: dict[str, Any], state: ThreadState, closing: datetime | None) -> dict[str, Any]:
    """What the widget needs before the reader writes: the site's mode and login URL, and when the
    thread closes by itself. They are part of the page's ETag (caching.thread_etag)."""
    answer["sso"] = {"mode": state.sso_mode, "login_url": state.login_url}
    answer["closes_at"] = isoformat(closing) if closing is not None else None
    return answer


def write_limit_key() -> str:
    """Write limits count per SSO user when the request carries a valid token (readers behind one office
    address are many people), per client address otherwise; a bad token counts against the address."""
    token = sso_token()
    site = claimed_site(token) if token else None
    if token and site:
        try:
            reader = verify_sso_token(
                token, site=site, key=site_identity(db.session(), site, settings_token()).key, now=utcnow()
            )
        except (Unauthorized, ValidationError):
            return request.remote_addr or "0.0.0.0"
        return f"sso:{reader.site}:{reader.sub}"
    return request.remote_addr or "0.0.0.0"


def sso_token() -> str | None:
    token = request.headers.get(SSO_HEADER, "").strip()
    return token or None


def site_of_comment(comment_id: int) -> str | None:
    return db.session.scalar(
        select(Thread.site).join(Comment, Comment.thread_id == Thread.id).where(Comment.id == comment_id)
    )


def site_of_payload(payload: object) -> str:
    """The site a new comment names; a site the body gets wrong is refused later, with the body's other faults."""
    raw = payload.get("site") if isinstance(payload, dict) else None
    try:
        return normalise_site(raw)
    except ValidationError:
        return normalise_site(None)


def check_writer(site: str | None) -> Writer:
    """The first check of every write: `site` is the one written to (None when the target is unknown,
    then the token's own site is asked for its key and the later 404 stands)."""
    token = sso_token()
    now = utcnow()
    if token is not None:
        target = site or claimed_site(token) or normalise_site(None)
        identity = site_identity(db.session(), target, settings_token())
        reader = verify_sso_token(token, site=target, key=identity.key, now=now)
        g.commentsvc_sso_reader = reader
        return Writer(identity, reader)
    identity = site_identity(db.session(), site or normalise_site(None), settings_token())
    if identity.sso_mode == SsoMode.REQUIRED.value:
        raise Unauthorized(f"Log in on {identity.site} to comment, vote or report.", code="login_required")
    return Writer(identity, None)


def writer_client(writer: Writer, *, create_user: bool = True) -> Client:
    """The client with the SSO user's row id; a user or identity ban refuses every write here. With
    create_user false (before the write lock) only an existing row is looked up."""
    client = current_client()
    reader = writer.reader
    if reader is not None:
        if create_user:
            user_id: int | None = upsert_user(db.session(), reader, now=utcnow()).id
        else:
            user_id = find_user_id(db.session(), reader.site, reader.sub)
        client = dataclasses.replace(client, user_id=user_id)
    if client.user_id is not None or client.identity_key is not None:
        refuse_banned(
            db.session(),
            email=None,
            client_ip=client.ip,
            now=utcnow(),
            user_id=client.user_id,
            identity_key=client.identity_key,
        )
    return client


def writer_settings(writer: Writer) -> PostingSettings:
    """An SSO user edits their own comments within the site's SSO edit window, not the edit-token one."""
    settings = posting_settings(writer.site.site)
    if writer.reader is None:
        return settings
    return dataclasses.replace(settings, edit_window=writer.site.sso_edit_window)


def sso_author(reader: SsoReader) -> Author:
    """The token's name, email and website: a name in the request body is ignored."""
    return Author(reader.name, reader.email, reader.url, avatar_url=reader.avatar, staff=reader.staff)


def signed_article(writer: Writer, payload: dict[str, Any], *, site: str, article: str) -> SignedArticle | None:
    """The post's `article_token`, verified with the site's SSO key; None when the post has none."""
    token = payload.get("article_token")
    if token is None or token == "":
        return None
    return verify_article_token(token, site=site, article=article, key=writer.site.key, now=utcnow())


def pseudonym(language: object, client: Client) -> str | None:
    """网友·3F9A / Reader·3F9A for a reader who gave no name but carries an identity; None without one."""
    if client.identity_key is None:
        return None
    prefix = PSEUDONYM_PREFIXES.get(normalise_language(language), PSEUDONYM_PREFIXES["zh-CN"])
    return prefix + identity_tag(current_app.config["SECRET_KEY"], client.identity_key)
