"""Per-site values of registered COMMENTSVC_* settings: one registry of what a site may override, and the
effective value for a site, read from a per-worker snapshot checked against a version token."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ..config import SETTINGS, Setting
from ..errors import NotFound, ValidationError
from ..models import SiteOverride
from ..storage import statements
from ..storage.memos import TokenMemo
from . import flood, floors

# The one list of settings a site may give its own value in the dashboard; other branches add theirs here.
OVERRIDABLE: tuple[str, ...] = (
    "COMMENTSVC_FORM_TOKENS",
    "COMMENTSVC_FORM_MIN_SECONDS",
    "COMMENTSVC_FORM_TOKEN_TTL",
    "COMMENTSVC_CHALLENGE",
    "COMMENTSVC_CHALLENGE_MAX_NUMBER",
    "COMMENTSVC_CHALLENGE_AFTER",
    "COMMENTSVC_CHALLENGE_WINDOW",
    "COMMENTSVC_TRUST_FIRST",
    "COMMENTSVC_SHOW_REGION",
    *flood.PER_SITE_SETTINGS,
    *floors.PER_SITE_SETTINGS,
)


@dataclass(frozen=True)
class Overrides:
    """Every site's overrides as parsed values, {site: {name: value}}, with the token they were read under."""

    token: str | None
    by_site: Mapping[str, Mapping[str, Any]]

    def for_site(self, site: str) -> Mapping[str, Any]:
        return self.by_site.get(site, MappingProxyType({}))


def registered_settings() -> tuple[Setting, ...]:
    """The overridable settings in registry order, each with its parser, default and help."""
    by_name = {setting.name: setting for setting in SETTINGS}
    return tuple(by_name[name] for name in OVERRIDABLE)


def _setting(name: str) -> Setting:
    for setting in registered_settings():
        if setting.name == name:
            return setting
    raise NotFound(f"{name} cannot be set per site.", code="setting_not_overridable", field="name")


_overrides: TokenMemo[Overrides] = TokenMemo()


class _Unread:
    """The token was not read by the caller."""


_UNREAD = _Unread()


def _load(session: Session, token: str | None) -> Overrides:
    parsers = {setting.name: setting.parse for setting in registered_settings()}
    by_site: dict[str, dict[str, Any]] = {}
    for site, name, value in session.execute(select(SiteOverride.site, SiteOverride.name, SiteOverride.value)):
        parse = parsers.get(name)
        if parse is None:
            continue  # a setting no longer registered keeps its row but has no effect
        try:
            by_site.setdefault(site, {})[name] = parse(value)
        except ValueError:
            continue  # stored through the service, so valid then; a parser made stricter since ignores it
    return Overrides(token, MappingProxyType({site: MappingProxyType(values) for site, values in by_site.items()}))


def current_overrides(session: Session, token: str | None | _Unread = _UNREAD) -> Overrides:
    """Every site's overrides as they are now: the rows only when the settings token moved. A caller
    that read statements.settings_token() already (once per request, or with a thread page's state)
    passes it, saving the statement."""
    known = statements.settings_token(session.connection()) if isinstance(token, _Unread) else token
    return _overrides.with_token(session.get_bind().engine, known, lambda: _load(session, known))


def effective_settings(
    session: Session, site: str, config: Mapping[str, Any], *, token: str | None | _Unread = _UNREAD
) -> dict[str, Any]:
    """The registered settings' values for `site`: its overrides over the configured ones."""
    values = {name: config[name] for name in OVERRIDABLE if name in config}
    values.update(current_overrides(session, token).for_site(site))
    return values


def set_override(session: Session, *, site: str, name: str, value: str | None) -> None:
    """Stores `site`'s value for `name` (checked by the setting's own parser); None or "" removes it."""
    setting = _setting(name)
    session.execute(delete(SiteOverride).where(SiteOverride.site == site, SiteOverride.name == name))
    if value is not None and value.strip():
        try:
            setting.parse(value.strip())
        except ValueError as exc:
            raise ValidationError(f"{name}: {exc}", code="setting_invalid", field="value") from None
        session.execute(insert(SiteOverride).values(site=site, name=name, value=value.strip()))
    statements.renew_settings_token(session.connection(), secrets.token_hex(16))
