"""Admins' import page (upload, dry-run preview, import) and the export download."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from flask import Response, current_app, g, render_template, request, stream_with_context
from werkzeug.datastructures import FileStorage

from ...clock import utcnow
from ...domain.export import write_export
from ...domain.imports import FORMATS, ImportSettings, UnreadableFile, import_file
from ...extensions import db
from ...storage.engine import begin_write
from .core import admin_required, dashboard, record_audit
from .labels import label

IMPORT_MAX_BYTES = 256 * 1024 * 1024
_TOKEN_LENGTH = 32


@dashboard.url_value_preprocessor
def _allow_large_imports(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Before CSRFProtect reads the form: only this upload may be larger than the app-wide 64 KiB.
    if endpoint == "dashboard.import_upload":
        request.max_content_length = IMPORT_MAX_BYTES


UPLOAD_KEEP_SECONDS = 24 * 3600


def _uploads() -> Path:
    """Uploads wait here between the preview and the import; ones nobody imported go after a day."""
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    stale = time.time() - UPLOAD_KEEP_SECONDS
    for kept in folder.iterdir():
        if kept.stat().st_mtime < stale:
            kept.unlink(missing_ok=True)
    return folder


def _page(**values: Any) -> str:
    return render_template("dashboard/import.html", formats=list(FORMATS), **values)


@dashboard.get("/import")
@admin_required
def import_page() -> str:
    return _page(report=None, token=None, chosen={})


@dashboard.post("/import")
@admin_required
def import_upload() -> tuple[str, int] | str:
    """A new upload is always previewed first (a dry run); the preview's button imports the kept file."""
    chosen = {
        "format": request.form.get("format", ""),
        "site": request.form.get("site", "").strip()[:128],
        "article_key": request.form.get("article_key", "path"),
    }
    token = request.form.get("token", "")
    upload = request.files.get("file")
    if isinstance(upload, FileStorage) and upload.filename:
        token = secrets.token_hex(_TOKEN_LENGTH // 2)
        suffix = "".join(Path(upload.filename).suffixes[-2:])[:16]
        upload.save(_uploads() / f"{token}{suffix}")
        dry_run = True
    elif len(token) == _TOKEN_LENGTH and all(c in "0123456789abcdef" for c in token):
        dry_run = False
    else:
        return _page(report=None, token=None, chosen=chosen, error=label("import_choose_file", g.language)), 400
    matches = sorted(_uploads().glob(f"{token}*"))
    if not matches or chosen["format"] not in FORMATS:
        return _page(report=None, token=None, chosen=chosen, error=label("import_upload_again", g.language)), 400
    path = matches[0]
    settings = ImportSettings.from_config(
        current_app.config, site=chosen["site"] or None, article_key=chosen["article_key"]
    )
    begin_write()
    try:
        report = import_file(
            db.session(), format_name=chosen["format"], path=path, settings=settings, now=utcnow(), dry_run=dry_run
        )
    except UnreadableFile as error:
        db.session.rollback()
        path.unlink(missing_ok=True)
        return _page(report=None, token=None, chosen=chosen, error=error.message.replace(str(path), path.name)), 400
    except BaseException:
        db.session.rollback()
        raise
    if dry_run:
        db.session.rollback()
        return _page(report=report.as_dict(), token=token, chosen=chosen)
    record_audit("import", "site", report.site, {"file": path.name, **report.as_dict()})
    db.session.commit()
    path.unlink(missing_ok=True)
    return _page(report=report.as_dict(), token=None, chosen=chosen)


@dashboard.get("/export")
@admin_required
def export_download() -> Response:
    """Every comment with emails and IPs: the operator's backup, for admins only."""
    now = utcnow()
    site = request.args.get("site") or None

    class _Chunks:
        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, text: str) -> int:
            self.parts.append(text)
            return len(text)

    def generate() -> Any:
        chunks = _Chunks()
        write_export(db.session(), chunks, site=site, now=now)  # type: ignore[arg-type]
        yield from chunks.parts

    name = f"commentsvc-export-{now:%Y%m%d-%H%M%S}.json"
    return Response(
        stream_with_context(generate()),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
