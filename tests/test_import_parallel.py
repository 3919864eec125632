"""Big files render their bodies in worker processes; what they store is what a serial import stores."""

from typing import Any

import pytest
from conftest import shared_path
from import_support import CORPUS, run_import
from sqlalchemy import select

from commentsvc.domain import imports
from commentsvc.extensions import db
from commentsvc.models import Comment


def stored_html(app: Any) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(select(Comment.body_source, Comment.body_html).order_by(Comment.id))
        ]


def test_rendering_in_worker_processes_stores_the_same_html(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The depth-10 WordPress theme file, imported serially and with every body rendered by the pool."""
    path = shared_path(*CORPUS, "wordpress-importer", "theme-unit-test-data.xml")
    serial_app = make_app()
    code, serial_report, _ = run_import(serial_app.test_cli_runner(), "wordpress", path, "--site", "serial")
    assert code == 0

    monkeypatch.setattr(imports, "PRERENDER_FROM_BYTES", 0)
    code, pooled_report, _ = run_import(serial_app.test_cli_runner(), "wordpress", path, "--site", "pooled")

    assert code == 0 and pooled_report["comments"] == serial_report["comments"] == 29
    rows = stored_html(serial_app)
    assert rows[:29] == rows[29:]
