"""What every blueprint reads from the current request and app: the client, and the configured posting settings."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from typing import Any

from flask import current_app, g, request

from ..domain.flood import FloodSettings
from ..domain.floors import FloorSettings, floor_settings
from ..domain.identity import identity_key
from ..domain.posting import Client, PostingSettings
from ..domain.screening import ScreeningSettings
from ..domain.site_overrides import effective_settings
from ..domain.submission import strip_line_controls
from ..domain.surge import SurgeSettings
from ..extensions import db
from ..storage.statements import ThreadState
from ..storage.statements import settings_token as stored_settings_token


def posting_settings(site: str | None = None) -> PostingSettings:
    """The configured settings; with `site`, its own flood and surge thresholds (site_overrides.py)."""
    config: Mapping[str, Any] = current_app.config
    if site is not None:
        config = ChainMap(site_settings(site), current_app.config)
    return PostingSettings(
        moderation=config["COMMENTSVC_MODERATION"],
        edit_window=config["COMMENTSVC_EDIT_WINDOW"],
        max_depth=config["COMMENTSVC_MAX_DEPTH"],
        body_max_length=config["COMMENTSVC_BODY_MAX_LENGTH"],
        secret=config["SECRET_KEY"],
        screening=ScreeningSettings(
            ban_action=config["COMMENTSVC_BAN_ACTION"], max_links=config["COMMENTSVC_MAX_LINKS"]
        ),
        flood=FloodSettings(
            copies=config["COMMENTSVC_FLOOD_COPIES"],
            minutes=config["COMMENTSVC_FLOOD_MINUTES"],
            min_chars=config["COMMENTSVC_FLOOD_MIN_CHARS"],
        ),
        surge=surge_settings(config),
        regions=current_app.extensions.get("commentsvc_regions") if config["COMMENTSVC_SHOW_REGION"] else None,
    )


def surge_settings(config: Mapping[str, Any] | None = None) -> SurgeSettings:
    config = current_app.config if config is None else config
    return SurgeSettings(
        factor=config["COMMENTSVC_SURGE_FACTOR"],
        min_per_minute=config["COMMENTSVC_SURGE_MIN_PER_MINUTE"],
        minutes=config["COMMENTSVC_SURGE_MINUTES"],
        schedule=config["COMMENTSVC_PREMODERATION_HOURS"],
        timezone=config["COMMENTSVC_PREMODERATION_TIMEZONE"],
    )


def site_settings(site: str) -> dict[str, Any]:
    """The site's values of the per-site settings (site_overrides.py), read once per request: the
    posting settings and the form checks both need them."""
    kept: dict[str, dict[str, Any]] = g.setdefault("commentsvc_site_settings", {})
    if site not in kept:
        kept[site] = effective_settings(db.session(), site, current_app.config, token=settings_token())
    return kept[site]


def settings_token() -> str | None:
    """The stored settings' token (site_overrides.py, sites.py), read once per request: the per-site
    settings and the site's identity both come from this worker's copy made under it. Read outside the
    session, so a post whose settings are all known opens no transaction before its write lock."""
    if "commentsvc_settings_token" not in g:
        g.commentsvc_settings_token = stored_settings_token(db.engine)
    token: str | None = g.commentsvc_settings_token
    return token


def read_settings(state: ThreadState) -> FloorSettings | None:
    """The floor settings of a page's site, under the overrides token its state was read with (no
    statement more when this worker holds that version); None without a site (an unknown comment)."""
    if state.site is None:
        return None
    config = ChainMap(
        effective_settings(db.session(), state.site, current_app.config, token=state.overrides_token),
        current_app.config,
    )
    return floor_settings(config)


def verified_identity_key() -> str | None:
    """The request's identity key, verified once per request (a forged header counts as none): the
    client, and the rate limits' key functions, ask for it."""
    if "commentsvc_identity_key" not in g:
        g.commentsvc_identity_key = identity_key(current_app.config["SECRET_KEY"], identity_token())
    key: str | None = g.commentsvc_identity_key
    return key


def identity_token() -> str | None:
    """The reader's signed identity as sent; X-Commentsvc-Voter is the name votes first used for it."""
    return request.headers.get("X-Commentsvc-Identity") or request.headers.get("X-Commentsvc-Voter")


def current_client() -> Client:
    """request.remote_addr is already the client as ProxyFix saw it through the trusted hops."""
    # A header may carry a NUL, which PostgreSQL refuses in text (a 500).
    user_agent = strip_line_controls(request.user_agent.string or "")
    return Client(
        ip=request.remote_addr or "0.0.0.0",
        user_agent=user_agent,
        identity_key=verified_identity_key(),
    )
