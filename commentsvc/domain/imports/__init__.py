"""Importing another system's comment export (or our own): one parser per format, one shared writer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from . import artrans, commento, disqus, isso, remark42, restore, wordpress
from .rendering import prerendered
from .source import SourceItem, UnreadableFile, reading_progress
from .writer import ImportReport, ImportSettings, ImportWriter

__all__ = ["FORMATS", "ImportReport", "ImportSettings", "UnreadableFile", "import_file"]

FORMATS: dict[str, Callable[[Path], Iterator[SourceItem]]] = {
    "disqus": disqus.parse,
    "wordpress": wordpress.parse,
    "isso": isso.parse,
    "remark42": remark42.parse,
    "commento": commento.parse,
    "artrans": artrans.parse,
    "commentsvc": restore.parse,
}

# Big XML exports render their bodies on every core; small files are not worth starting processes for.
_STREAMED = frozenset({"disqus", "wordpress"})
PRERENDER_FROM_BYTES = 2_000_000


def import_file(
    session: Session,
    *,
    format_name: str,
    path: Path,
    settings: ImportSettings,
    now: datetime,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Reads `path` as `format_name` into the session's transaction; the caller commits, or rolls back for
    a dry run or an UnreadableFile, so a file that cannot be read changes nothing. `progress` hears how
    many bytes of the file were read."""
    if format_name not in FORMATS:
        raise UnreadableFile(path, f"unknown format {format_name!r}; use one of {', '.join(FORMATS)}")
    site = settings.site or ("*" if format_name == "commentsvc" else "default")
    report = ImportReport(format=format_name, site=site, dry_run=dry_run)
    writer = ImportWriter(session, source=format_name, settings=settings, now=now, report=report)
    token = reading_progress.set(progress)
    try:
        items = FORMATS[format_name](path)
        if format_name in _STREAMED and path.is_file() and path.stat().st_size > PRERENDER_FROM_BYTES:
            items = prerendered(items)
        for item in items:
            writer.add(item)
    finally:
        reading_progress.reset(token)
    return writer.finish()
