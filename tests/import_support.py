"""Helpers for the import tests: run `commentsvc import` through the app's CLI runner and read the result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from commentsvc.extensions import db
from commentsvc.models import AuditEntry, Comment, ImportedComment, Thread, Vote

CORPUS = ("corpus", "imports")


def run_import(runner: Any, format_name: str, path: Path | str, *options: str) -> tuple[int, dict[str, Any], str]:
    """Exit code, the --json report ({} when none) and stderr."""
    result = runner.invoke(args=["import", format_name, str(path), "--json", *options])
    report = json.loads(result.stdout) if result.exit_code == 0 else {}
    return result.exit_code, report, result.stderr


def row_counts(app: Any) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Comment, Thread, ImportedComment, Vote, AuditEntry)
        }


def comments_by_article(app: Any) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(Thread.article, func.count(Comment.id)).join(Comment).group_by(Thread.article)
        ).all()
        return {str(row[0]): int(row[1]) for row in rows}
