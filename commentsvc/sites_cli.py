"""The `commentsvc sites` commands: a site's SSO key and mode, login URL, signed articles and auto-close."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from .domain import sites
from .errors import CommentsvcError
from .extensions import db

_COLUMNS = (
    "site",
    "sso_mode",
    "sso_key",
    "login_url",
    "require_signed_articles",
    "sso_edit_window",
    "auto_close_days",
)


@click.group("sites")
def sites_group() -> None:
    """Per-site reader identity: publisher SSO, site modes, signed articles, auto-close."""


def _read_key(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read the public key file {path}: {exc}") from None


def _auto_close(raw: str) -> int | None:
    if raw == "never":
        return None
    if not raw.isdecimal():
        raise click.ClickException("--auto-close-days takes a number of days or 'never'.")
    return int(raw)


@sites_group.command("set")
@click.argument("site")
@click.option("--sso-secret", default=None, help="HS256 shared secret (at least 32 characters); '' removes it.")
@click.option(
    "--sso-public-key",
    "public_key_file",
    default=None,
    help="PEM file of an RSA (RS256) or EC P-256 (ES256) public key.",
)
@click.option("--sso-mode", type=click.Choice(["anonymous", "sso-optional", "sso-required"]), default=None)
@click.option("--login-url", default=None, help="Where the widget's Log in link goes; '' removes it.")
@click.option("--require-signed-articles", type=click.Choice(["on", "off"]), default=None)
@click.option("--sso-edit-window", type=int, default=None, help="Seconds an SSO user may edit their comments.")
@click.option("--auto-close-days", default=None, help="Close threads N days after their first comment, or 'never'.")
@with_appcontext
def sites_set_command(
    site: str,
    sso_secret: str | None,
    public_key_file: str | None,
    sso_mode: str | None,
    login_url: str | None,
    require_signed_articles: str | None,
    sso_edit_window: int | None,
    auto_close_days: str | None,
) -> None:
    """Change SITE's settings; a key on an anonymous site makes it sso-optional."""
    if sso_secret and public_key_file:
        raise click.ClickException("give --sso-secret or --sso-public-key, not both.")
    changes: dict[str, Any] = {}
    if sso_secret is not None:
        changes["sso_secret"] = sso_secret
    if public_key_file is not None:
        changes["sso_public_key"] = _read_key(public_key_file)
    if login_url is not None:
        changes["login_url"] = login_url
    if auto_close_days is not None:
        changes["auto_close_days"] = _auto_close(auto_close_days)
    try:
        setting = sites.update_site_identity(
            db.session(),
            site,
            sso_mode=sso_mode,
            require_signed_articles=None if require_signed_articles is None else require_signed_articles == "on",
            sso_edit_window=sso_edit_window,
            **changes,
        )
        db.session.commit()
    except CommentsvcError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(_line(sites.describe_site(setting)))


def _line(described: dict[str, str]) -> str:
    return "\t".join(described[column] for column in _COLUMNS)


@sites_group.command("list")
@with_appcontext
def sites_list_command() -> None:
    """Every site with settings; keys show only as set or not set."""
    settings = sites.list_site_settings(db.session())
    if not settings:
        click.echo("no site settings.")
        return
    click.echo("\t".join(_COLUMNS))
    for setting in settings:
        click.echo(_line(sites.describe_site(setting)))
