"""What every blueprint reads from the current request and app: the client, and the configured posting settings."""

from __future__ import annotations

from flask import current_app, request

from ..domain.flood import FloodSettings
from ..domain.identity import identity_key
from ..domain.posting import Client, PostingSettings
from ..domain.screening import ScreeningSettings
from ..domain.submission import strip_line_controls
from ..domain.surge import SurgeSettings


def posting_settings() -> PostingSettings:
    config = current_app.config
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
        surge=surge_settings(),
    )


def surge_settings() -> SurgeSettings:
    config = current_app.config
    return SurgeSettings(
        factor=config["COMMENTSVC_SURGE_FACTOR"],
        min_per_minute=config["COMMENTSVC_SURGE_MIN_PER_MINUTE"],
        minutes=config["COMMENTSVC_SURGE_MINUTES"],
        schedule=config["COMMENTSVC_PREMODERATION_HOURS"],
        timezone=config["COMMENTSVC_PREMODERATION_TIMEZONE"],
    )


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
        identity_key=identity_key(current_app.config["SECRET_KEY"], identity_token()),
    )
