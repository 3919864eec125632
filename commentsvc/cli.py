"""The `commentsvc` command: init, serve, create-moderator, recount, rerender, purge-ips, backup and db upgrade.

Whatever goes wrong ends in one line on stderr that says what to do, never a traceback."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from sqlalchemy import select

from .api_key_cli import api_key_group
from .clock import utcnow
from .config import load_settings
from .domain.accounts import create_moderator
from .domain.recount import recount, stale_html
from .domain.retention import purge_batch
from .domain.screening import publishable_html
from .domain.threads import touch_thread
from .errors import CommentsvcError
from .extensions import db
from .instance import copy_sqlite_database, explain_failure, init_instance
from .models import Comment
from .notify_cli import webhooks_group, worker_command
from .server import run_gunicorn
from .sites_cli import sites_group
from .storage.engine import begin_write
from .storage.migrations import upgrade_database
from .text.language import language_of_html
from .transfer_cli import export_command, import_command

log = logging.getLogger(__name__)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the data folder and secret key and bring the schema up to date (every command does this first)."""
    click.echo(f"commentsvc: data folder: {current_app.instance_path}")
    click.echo(f"commentsvc: database: {current_app.config['COMMENTSVC_DATABASE_URL']}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=None,
    type=int,
    help="Worker processes; default 1 with in-process rate limits, 2 x CPUs + 1 with Redis.",
)
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per worker.")
@with_appcontext
def serve_command(host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve with gunicorn (not the Flask debug server)."""
    in_process_limits = current_app.config["COMMENTSVC_RATELIMIT_STORAGE_URI"].startswith("memory://")
    if workers is None:
        workers = 1 if in_process_limits else 2 * (os.cpu_count() or 1) + 1
    if workers > 1 and in_process_limits:
        click.secho(
            f"WARNING: {workers} worker processes with COMMENTSVC_RATELIMIT_STORAGE_URI=memory:// means every "
            "process keeps its own rate-limit counts, so each limit is effectively multiplied by the number of "
            "workers. Use one worker with threads, or share limits through redis://.",
            fg="red",
            err=True,
        )
    base = f"http://{host}:{port}"
    click.echo(f"commentsvc: serving on {base}/ with {workers} worker(s) x {threads} threads")
    click.echo(f"commentsvc: demo article page: {base}/demo/  (English: {base}/demo/en/)")
    click.echo(f"commentsvc: data folder: {current_app.instance_path}")
    click.echo(f"commentsvc: database: {current_app.config['COMMENTSVC_DATABASE_URL']}")
    # The embedded default delivers too: a `commentsvc worker` child that ends with this process.
    delivery = subprocess.Popen(
        [sys.executable, "-c", "from commentsvc.cli import main; main()", "worker", "--exit-with-parent"]
    )
    try:
        run_gunicorn(host=host, port=port, workers=workers, threads=threads)
    finally:
        delivery.terminate()


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-moderator")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "moderator"]), default="admin", show_default=True)
@with_appcontext
def create_moderator_command(username: str, role: str) -> None:
    """Create a dashboard account; the password comes from stdin when it is not a terminal."""
    password = _read_password()
    try:
        create_moderator(db.session(), username=username, password=password, role=role, now=utcnow())
        db.session.commit()
    except CommentsvcError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"Created {role} {username!r}.")


@click.command("recount")
@with_appcontext
def recount_command() -> None:
    """Rebuild every stored count from the rows and report any drift fixed, and any stored HTML that a
    fresh render of its source would not give."""
    begin_write()
    drifts = recount(db.session())
    db.session.commit()
    for drift in drifts:
        click.echo(f"fixed {drift.what} of #{drift.row_id}: stored {drift.stored}, actual {drift.actual}")
    click.echo(f"recount: {len(drifts)} drift(s) fixed.")
    stale = stale_html(db.session())
    if stale:
        shown = ", ".join(f"#{comment_id}" for comment_id in stale[:20]) + (" …" if len(stale) > 20 else "")
        click.echo(
            f"recount: {len(stale)} comment(s) whose stored HTML differs from their source: {shown} "
            "(run `commentsvc rerender`)."
        )


@click.command("rerender")
@with_appcontext
def rerender_command() -> None:
    """Re-render every comment's HTML from its stored source with today's rules (masks included)."""
    begin_write()
    changed = total = 0
    touched: set[int] = set()
    for comment in db.session.scalars(select(Comment).execution_options(yield_per=500)):
        total += 1
        html = publishable_html(db.session(), comment.body_source, comment.body_format)
        if html != comment.body_html:
            comment.body_html = html
            comment.lang = language_of_html(html)
            touched.add(comment.thread_id)
            changed += 1
    for thread_id in touched:  # a new version, so no cached page (ETag) keeps the old HTML alive
        touch_thread(db.session(), thread_id)
    db.session.commit()
    click.echo(f"rerender: {total} comment(s) rendered, {changed} changed.")


@click.command("purge-ips")
@with_appcontext
def purge_ips_command() -> None:
    """Keep only a keyed hash and the /24 or /48 prefix of addresses and user agents older than
    COMMENTSVC_IP_RETENTION_DAYS (the delivery worker does it daily; run this from cron without one)."""
    days, purged, after, now = current_app.config["COMMENTSVC_IP_RETENTION_DAYS"], 0, (0, 0), utcnow()
    while True:  # one short write transaction per batch: posts go on meanwhile
        begin_write()
        batch = purge_batch(db.session(), secret=current_app.config["SECRET_KEY"], now=now, days=days, after=after)
        db.session.commit()
        purged, after = purged + batch.purged, batch.after
        if batch.done:
            break
    click.echo(f"purge-ips: {purged} row(s) purged of raw IP addresses and user agents older than {days} days.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Copy the SQLite database to PATH while it is serving (SQLite's online backup: the WAL is included)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "backup copies the embedded SQLite database; for PostgreSQL use pg_dump, e.g. "
            f"pg_dump --format=custom --file={path} {url.render_as_string(hide_password=True).replace('+psycopg', '')}"
        )
    if path.exists():
        raise click.ClickException(f"{path} already exists; name a new file (nothing was written).")
    pages = copy_sqlite_database(str(url.database), path)
    click.echo(f"backup: {url.database} copied to {path} ({pages} pages).")


@click.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade_command(revision: str) -> None:
    """Apply schema migrations (run this on deploy with PostgreSQL)."""
    upgrade_database(db.engine, revision)
    click.echo(f"database upgraded to {revision}.")


COMMANDS = (
    init_command,
    serve_command,
    create_moderator_command,
    recount_command,
    rerender_command,
    purge_ips_command,
    backup_command,
    db_group,
    import_command,
    export_command,
    webhooks_group,
    worker_command,
    sites_group,
    api_key_group,
)


def register_cli(app: Flask) -> None:
    """The same commands under `flask --app commentsvc …`."""
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app(*_args: Any) -> Flask:
    """Every command starts from an initialised data folder and schema (`commentsvc init`)."""
    from . import create_app

    init_instance(load_settings(os.environ, None))
    return create_app()


@click.group("commentsvc")
@click.option("-v", "--verbose", is_flag=True, help="Also show the schema migrations' and libraries' progress lines.")
def main_group(verbose: bool) -> None:
    """Self-hosted reader comments for news sites. Settings come from COMMENTSVC_* variables."""
    logging.getLogger("alembic").setLevel(logging.INFO if verbose else logging.WARNING)


for _command in COMMANDS:
    main_group.add_command(_command)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        # The app is created only when a command runs, through Flask's ScriptInfo.
        main_group(
            prog_name="commentsvc",
            obj=ScriptInfo(create_app=_create_app, set_debug_flag=False, load_dotenv_defaults=False),
        )
    except Exception as error:  # the last stop: every failure becomes one line that says what to do
        click.echo(f"commentsvc: {explain_failure(error, os.environ.get('COMMENTSVC_DATABASE_URL', ''))}", err=True)
        sys.exit(1)
