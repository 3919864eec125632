"""A site's reader-identity settings: SSO key and mode, login URL, signed articles, edit window, auto-close.

Thread pages carry the mode and login URL, and their ETags are made from them (storage.statements
thread_state), so a change here reaches every reader's next request without touching any thread.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ValidationError
from ..models import SiteSetting, SsoMode
from ..storage import statements
from ..storage.memos import TokenMemo
from .sso import SiteKey, check_secret, site_key
from .submission import normalise_page_url, normalise_site

UNCHANGED: Any = object()
DEFAULT_SSO_EDIT_WINDOW = 86400
MAX_AUTO_CLOSE_DAYS = 3650


@dataclass(frozen=True)
class SiteIdentity:
    """What the write path needs of a site's settings, with defaults for a site that has no row."""

    site: str
    sso_mode: str = SsoMode.ANONYMOUS.value
    login_url: str | None = None
    key: SiteKey | None = None
    require_signed_articles: bool = False
    sso_edit_window: int = DEFAULT_SSO_EDIT_WINDOW


_identities: TokenMemo[Mapping[str, SiteIdentity]] = TokenMemo()


def site_identity(session: Session, site: str, token: str | None) -> SiteIdentity:
    """From this worker's copy of every site's row, reloaded when the settings token moved (`token`:
    statements.settings_token(), read once per request by the caller)."""
    identities = _identities.with_token(session.get_bind().engine, token, lambda: _load_identities(session))
    return identities.get(site) or SiteIdentity(site)


def _load_identities(session: Session) -> Mapping[str, SiteIdentity]:
    return MappingProxyType(
        {
            setting.site: SiteIdentity(
                setting.site,
                setting.sso_mode,
                setting.login_url,
                site_key(secret=setting.sso_secret, public_key=setting.sso_public_key),
                setting.require_signed_articles,
                setting.sso_edit_window,
            )
            for setting in session.scalars(select(SiteSetting))
        }
    )


def list_site_settings(session: Session) -> list[SiteSetting]:
    return list(session.scalars(select(SiteSetting).order_by(SiteSetting.site)))


def normalise_sso_mode(raw: str) -> str:
    try:
        return SsoMode(raw).value
    except ValueError:
        raise ValidationError(
            "The SSO mode is anonymous, sso-optional or sso-required.", code="sso_mode_invalid", field="sso_mode"
        ) from None


def _positive(raw: Any, field: str, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < raw <= high:
        raise ValidationError(f"{field} must be a whole number from 1 to {high}.", code="number_invalid", field=field)
    return raw


def update_site_identity(
    session: Session,
    site: str,
    *,
    sso_secret: str | None = UNCHANGED,
    sso_public_key: str | None = UNCHANGED,
    sso_mode: str | None = None,
    login_url: str | None = UNCHANGED,
    require_signed_articles: bool | None = None,
    sso_edit_window: int | None = None,
    auto_close_days: int | None = UNCHANGED,
) -> SiteSetting:
    """Only the given settings change. One key at a time: a secret replaces a public key and the other
    way round; a key on an anonymous site makes it sso-optional; SSO modes need a key."""
    site = normalise_site(site)
    setting = session.get(SiteSetting, site)
    if setting is None:
        setting = SiteSetting(site=site, closed=False, sso_mode=SsoMode.ANONYMOUS.value, sso_edit_window=86400)
        session.add(setting)
    had_key = bool(setting.sso_secret or setting.sso_public_key)
    if sso_secret is not UNCHANGED and sso_public_key is not UNCHANGED and sso_secret and sso_public_key:
        raise ValidationError("Give an SSO secret or a public key, not both.", code="sso_key_conflict")
    if sso_secret is not UNCHANGED:
        setting.sso_secret = check_secret(sso_secret) if sso_secret else None
        if sso_secret:
            setting.sso_public_key = None
    if sso_public_key is not UNCHANGED:
        if sso_public_key:
            site_key(secret=None, public_key=sso_public_key)  # refuses what is not an RSA or P-256 key
        setting.sso_public_key = sso_public_key or None
        if sso_public_key:
            setting.sso_secret = None
    has_key = bool(setting.sso_secret or setting.sso_public_key)
    if sso_mode is not None:
        setting.sso_mode = normalise_sso_mode(sso_mode)
    elif has_key and not had_key and setting.sso_mode == SsoMode.ANONYMOUS.value:
        setting.sso_mode = SsoMode.OPTIONAL.value
    if setting.sso_mode != SsoMode.ANONYMOUS.value and not has_key:
        raise ValidationError(
            f"Site {site} needs an SSO secret or public key before it can be {setting.sso_mode}.",
            code="sso_key_missing",
            field="sso_mode",
        )
    if login_url is not UNCHANGED:
        try:
            setting.login_url = normalise_page_url(login_url) if login_url else None
        except ValidationError:
            raise ValidationError(
                "The login URL must be an http(s) address.", code="login_url_invalid", field="login_url"
            ) from None
    if require_signed_articles is not None:
        if require_signed_articles and not has_key:
            raise ValidationError(
                "Signed articles need the site's SSO key to verify them.", code="sso_key_missing", field="sso_mode"
            )
        setting.require_signed_articles = require_signed_articles
    if sso_edit_window is not None:
        setting.sso_edit_window = _positive(sso_edit_window, "sso_edit_window", 365 * 86400)
    if auto_close_days is not UNCHANGED:
        setting.auto_close_days = (
            None if auto_close_days is None else _positive(auto_close_days, "auto_close_days", MAX_AUTO_CLOSE_DAYS)
        )
    session.flush()
    statements.renew_settings_token(session.connection(), secrets.token_hex(16))
    return setting


def describe_site(setting: SiteSetting) -> dict[str, str]:
    """A site's settings as people read them; keys are only ever "set" or "not set"."""
    if setting.sso_public_key:
        key = "public key set"
    elif setting.sso_secret:
        key = "secret set"
    else:
        key = "not set"
    return {
        "site": setting.site,
        "sso_mode": setting.sso_mode,
        "sso_key": key,
        "login_url": setting.login_url or "-",
        "require_signed_articles": "on" if setting.require_signed_articles else "off",
        "sso_edit_window": str(setting.sso_edit_window),
        "auto_close_days": "never" if setting.auto_close_days is None else str(setting.auto_close_days),
    }
