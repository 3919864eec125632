"""Imports seen in Chromium: the dashboard's upload, preview and import, and an imported deep chain in the real widget."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import LiveServer, shared_path
from dashboard_support import PASSWORD
from import_support import CORPUS
from test_widget_browser import HostSite

pytestmark = pytest.mark.browser
THEME_TEST = ("wordpress-importer", "theme-unit-test-data.xml")


def _server_with_database(
    start_server: Callable[..., LiveServer], tmp_path: Path, sqlite_template: Path
) -> tuple[LiveServer, dict[str, str]]:
    path = tmp_path / "imported.sqlite3"
    shutil.copyfile(sqlite_template, path)
    env = {"COMMENTSVC_DATABASE_URL": f"sqlite:///{path}", "COMMENTSVC_SECRET_KEY": "browser-import-secret"}
    server = start_server(env=env)
    cli_env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTSVC_")}
    cli_env.update(env, COMMENTSVC_INSTANCE_PATH=str(tmp_path / "cli"), COMMENTSVC_AUTO_MIGRATE="false")
    return server, cli_env


def _commentsvc(env: dict[str, str], *args: str, stdin: str = "") -> str:
    command = Path(sys.executable).with_name("commentsvc")
    result = subprocess.run([command, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_admin_previews_then_imports_an_export(
    page: Any, start_server: Any, tmp_path: Path, sqlite_template: Path
) -> None:
    """The preview writes nothing; the import button stores it and the audit log has one entry."""
    server, env = _server_with_database(start_server, tmp_path, sqlite_template)
    _commentsvc(env, "create-moderator", "editor", stdin=PASSWORD + "\n")
    page.goto(f"{server.url}/dashboard/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("Export file").set_input_files(str(shared_path(*CORPUS, "isso", "disqus.xml")))
    page.get_by_label("Format").select_option("disqus")
    page.get_by_role("button", name="Preview (dry run)").click()
    assert "nothing written yet" in page.locator("[data-import-report] h2").inner_text()
    assert page.locator("[data-report-comments]").inner_text() == "4"
    assert page.locator("[data-report-skipped-orphan]").inner_text() == "1"
    database = env["COMMENTSVC_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM comments").fetchone() == (0,)
    page.locator("[data-import-confirm]").click()
    assert page.locator("[data-import-report] h2").inner_text() == "Imported"
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM comments").fetchone() == (4,)
        assert connection.execute("SELECT count(*) FROM audit_entries WHERE action = 'import'").fetchone() == (1,)
    assert page.console_errors == []


def test_imported_depth_ten_chain_renders_in_the_widget(
    page: Any, start_server: Any, tmp_path: Path, sqlite_template: Path
) -> None:
    """The Theme Unit Test's ten-level chain shows every reply, the deepest at the cap naming whom it answers."""
    server, env = _server_with_database(start_server, tmp_path, sqlite_template)
    _commentsvc(env, "import", "wordpress", str(shared_path(*CORPUS, *THEME_TEST)))
    database = env["COMMENTSVC_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        article, total = connection.execute(
            "SELECT t.article, count(*) FROM comments c JOIN threads t ON t.id = c.thread_id "
            "WHERE c.status = 'approved' GROUP BY t.article ORDER BY max(c.depth) DESC, count(*) DESC LIMIT 1"
        ).fetchone()
        bodies = [
            row[0]
            for row in connection.execute(
                "SELECT body_html FROM comments c JOIN threads t ON t.id = c.thread_id WHERE t.article = ? AND depth = 4",
                (article,),
            )
        ]
    host = HostSite(server.url)
    try:
        page.goto(host.page_url(article))
        cards = page.locator("[data-commentsvc] article.commentsvc-comment")
        cards.first.wait_for()
        for _ in range(50):  # open every "more replies" the widget offers until all comments show
            if cards.count() >= total:
                break
            more = page.locator("[data-commentsvc] button:visible", has_text=re.compile(r"more|更多|repl|回复", re.I))
            more = more.filter(has_not_text=re.compile(r"^(Reply|回复)$"))
            if more.count():
                more.first.click()
            page.wait_for_timeout(200)
        assert cards.count() == total
        nested = ".commentsvc-replies " * 4 + "article.commentsvc-comment"
        assert page.locator(f"[data-commentsvc] {nested}").count() >= len(bodies) >= 1
        page.screenshot(
            path=str(
                Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots" / "import-depth-chain.png"
            ),
            full_page=True,
        )
        assert page.console_errors == []
    finally:
        host.stop()
