"""`commentsvc import` and `commentsvc export`: bringing a site's comments in from another system, and taking everything out."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .clock import utcnow
from .domain.audit import record
from .domain.export import write_export
from .domain.imports import FORMATS, ImportReport, ImportSettings, UnreadableFile, import_file
from .extensions import db
from .storage.engine import begin_write

log = logging.getLogger(__name__)


def _summary(report: ImportReport) -> str:
    skipped = ", ".join(f"{count} {reason}" for reason, count in report.skipped.items() if count) or "none"
    verb = "would import" if report.dry_run else "imported"
    lines = [
        f"{report.format}: {verb} {report.comments} comment(s) ({report.replies} replies, {report.pending} pending) "
        f"on {report.threads} thread(s) of site {report.site!r}.",
        f"already present: {report.already_present}; re-parented: {report.reparented}; skipped: {skipped}.",
    ]
    lines += [f"warning: {warning}" for warning in report.warnings]
    return "\n".join(lines)


@click.command("import")
@click.argument("format_name", metavar="FORMAT", type=click.Choice(list(FORMATS)))
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--site", default=None, help="Site to import into [default: default; commentsvc: the file's sites].")
@click.option(
    "--article-key",
    type=click.Choice(["path", "url"]),
    default="path",
    show_default=True,
    help="Key articles by their page's path (as the widget does) or by the whole link.",
)
@click.option("--dry-run", is_flag=True, help="Read and report, write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object on stdout.")
@with_appcontext
def import_command(
    format_name: str, path: Path, site: str | None, article_key: str, dry_run: bool, as_json: bool
) -> None:
    """Import another system's comment export (plain or .gz; WordPress also .zip) in one transaction."""
    settings = ImportSettings.from_config(current_app.config, site=site, article_key=article_key)
    begin_write()
    session = db.session()
    show_progress = not as_json and sys.stderr.isatty()
    size = path.stat().st_size if path.is_file() else 0
    try:
        with click.progressbar(length=size, label="importing", file=sys.stderr, hidden=not show_progress) as bar:
            seen = [0]

            def advance(position: int) -> None:
                if position > seen[0]:
                    bar.update(position - seen[0])
                    seen[0] = position

            report = import_file(
                session,
                format_name=format_name,
                path=path,
                settings=settings,
                now=utcnow(),
                dry_run=dry_run,
                progress=advance if show_progress else None,
            )
        if dry_run:
            session.rollback()
        else:
            record(
                session,
                moderator_id=None,
                action="import",
                target_type="site",
                target_id=report.site,
                detail=report.as_dict(),
                now=utcnow(),
            )
            session.commit()
    except UnreadableFile as error:
        session.rollback()
        click.echo(f"commentsvc import: {error.message}", err=True)
        sys.exit(1)
    except BaseException:
        session.rollback()
        raise
    for warning in report.warnings:
        log.warning("%s", warning)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, sort_keys=True))
    else:
        click.echo(_summary(report))


@click.command("export")
@click.option("--site", default=None, help="Only this site's settings, threads and comments.")
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=False))
@with_appcontext
def export_command(site: str | None, path: Path | None) -> None:
    """Write every comment, with emails and IPs, as a versioned JSON backup (stdout without PATH)."""
    session = db.session()
    if path is None:
        write_export(session, sys.stdout, site=site, now=utcnow())
        return
    temporary = path.with_name(path.name + ".partial")
    with temporary.open("w", encoding="utf-8") as out:
        counts = write_export(session, out, site=site, now=utcnow())
    temporary.replace(path)
    click.echo(f"exported {counts['comments']} comment(s) on {counts['threads']} thread(s) to {path}", err=True)


COMMANDS = (import_command, export_command)
