"""The `commentsvc api-key` commands: keys for server-to-server clients (see domain/api_keys.py)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .clock import isoformat, utcnow
from .domain import api_keys
from .domain.submission import normalise_site
from .errors import CommentsvcError
from .extensions import db


@click.group("api-key")
def api_key_group() -> None:
    """Per-site API keys: a CMS or import script posts with X-Commentsvc-Key instead of a form token."""


@api_key_group.command("create")
@click.option("--site", required=True, help="The site the key may post to.")
@click.option("--label", default="", help="What the key is for (shown in lists).")
@with_appcontext
def api_key_create_command(site: str, label: str) -> None:
    """Create a key for SITE and print it; it is shown this once (only its SHA-256 is kept)."""
    try:
        row, key = api_keys.create_api_key(db.session(), site=normalise_site(site), label=label, now=utcnow())
        db.session.commit()
    except CommentsvcError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(key)
    click.echo(f"commentsvc: API key {row.id} for site {row.site}; keep it now, it is not shown again.", err=True)


@api_key_group.command("list")
@with_appcontext
def api_key_list_command() -> None:
    """List keys: id, site, label, created and revoked (UTC)."""
    rows = api_keys.list_api_keys(db.session())
    if not rows:
        click.echo("no API keys.")
    for row in rows:
        revoked = f"revoked {isoformat(row.revoked_at)}" if row.revoked_at else "active"
        click.echo(f"{row.id}\t{row.site}\t{row.label or '-'}\tcreated {isoformat(row.created_at)}\t{revoked}")


@api_key_group.command("revoke")
@click.argument("key_id", type=int)
@with_appcontext
def api_key_revoke_command(key_id: int) -> None:
    """Revoke key KEY_ID: posts with it are refused from now on."""
    try:
        row = api_keys.revoke_api_key(db.session(), key_id, now=utcnow())
        db.session.commit()
    except CommentsvcError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"API key {row.id} for site {row.site} revoked.")
