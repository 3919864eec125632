"""The `commentsvc webhooks` and `commentsvc worker` commands."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from .clock import utcnow
from .delivery.worker import Worker, WorkerSettings
from .domain import webhooks
from .errors import CommentsvcError
from .extensions import db


@click.group("webhooks")
def webhooks_group() -> None:
    """Webhook endpoints: signed JSON POSTs on comment events."""


@webhooks_group.command("add")
@click.argument("url")
@click.option("--secret", required=True, help="Signs every delivery (X-Commentsvc-Signature); at least 16 characters.")
@click.option("--site", default=None, help="Only this site's events (default: every site).")
@click.option("--events", default="", help="Comma-separated event types (default: every event).")
@with_appcontext
def webhooks_add_command(url: str, secret: str, site: str | None, events: str) -> None:
    """Add an endpoint that hears SITE's (or every site's) EVENTS (or every event)."""
    try:
        endpoint = webhooks.add_endpoint(db.session(), url=url, secret=secret, site=site, events=events, now=utcnow())
        db.session.commit()
    except CommentsvcError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"webhook {endpoint.id}: {endpoint.url} ({_hears(endpoint)})")


def _hears(endpoint: Any) -> str:
    return f"site {endpoint.site or '*'}, events {endpoint.events or '*'}"


@webhooks_group.command("list")
@with_appcontext
def webhooks_list_command() -> None:
    """List endpoints with what they hear and whether they are active."""
    endpoints = webhooks.list_endpoints(db.session())
    if not endpoints:
        click.echo("no webhooks.")
    for endpoint in endpoints:
        state = "active" if endpoint.active else f"disabled: {endpoint.disabled_reason}"
        click.echo(f"{endpoint.id}\t{endpoint.url}\t{_hears(endpoint)}\t{state}")


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--lease-seconds", default=60.0, show_default=True, help="How long a claimed delivery is this worker's.")
@click.option("--poll-seconds", default=0.5, show_default=True, help="Pause between rounds with nothing to do.")
@click.option("--exit-with-parent", is_flag=True, hidden=True, help="Stop when the process that started it ends.")
@with_appcontext
def worker_command(once: bool, lease_seconds: float, poll_seconds: float, exit_with_parent: bool) -> None:
    """Deliver emails and webhooks from the outbox; run any number, on any hosts (they never take the same one)."""
    settings = WorkerSettings.from_config(current_app.config, lease_seconds=lease_seconds, poll_seconds=poll_seconds)
    worker = Worker(db.engine, settings)
    if not settings.smtp_url:
        click.echo("commentsvc: no COMMENTSVC_SMTP_URL: emails are not sent (webhooks are).", err=True)
    if once:
        worker.drain()
        worker.close()
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if exit_with_parent:
        parent = os.getppid()
        threading.Thread(target=_watch_parent, args=(parent, stop), daemon=True).start()
    click.echo(f"commentsvc: delivery worker {os.getpid()} running")
    worker.run(stop)


def _watch_parent(parent: int, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        if os.getppid() != parent:
            stop.set()
