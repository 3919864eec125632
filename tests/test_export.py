"""`commentsvc export` and `commentsvc import commentsvc`: the operator's backup gives back the same data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import shared_path
from import_support import CORPUS, run_import


def _shape(document: dict[str, Any]) -> tuple[Any, ...]:
    """Everything but ids: threads by key, and each comment with its parent's text standing for the parent."""
    threads = {t["id"]: (t["site"], t["article"]) for t in document["threads"]}
    by_id = {c["id"]: c for c in document["comments"]}
    comments = sorted(
        (
            threads[c["thread_id"]],
            c["status"],
            c["body_source"],
            c["body_format"],
            c["author_name"],
            c["author_email"],
            c["client_ip"],
            c["created_at"],
            by_id[c["parent_id"]]["body_source"] if c["parent_id"] else None,
            c["likes"],
            c["dislikes"],
            c["reply_count"],
            c["picked_at"],
            c["pinned_at"],
            sorted((v["voter_key"], v["value"]) for v in c["votes"]),
        )
        for c in document["comments"]
    )
    thread_rows = sorted(
        (t["site"], t["article"], t["title"], t["url"], t["closed"], t["comment_count"]) for t in document["threads"]
    )
    return thread_rows, comments, document["sensitive_words"], document["bans"], document["sites"]


def test_export_then_import_gives_back_the_same_data(make_app: Any, tmp_path: Path, database_url: str) -> None:
    """Every status (deleted, spam, rejected too), votes per voter, settings, words and bans survive."""
    source = make_app()
    runner = source.test_cli_runner()
    run_import(runner, "wordpress", shared_path(*CORPUS, "wordpress-importer", "theme-unit-test-data.xml"))
    run_import(runner, "artrans", shared_path(*CORPUS, "artransfer", "Twikoo.artrans"))
    # States no import file gives (spam, rejected, deleted, a word); recount then makes the counts exact again.
    with source.app_context():
        from sqlalchemy import text

        from commentsvc.extensions import db

        db.session.execute(text("UPDATE comments SET status = 'spam' WHERE id = 2"))
        db.session.execute(text("UPDATE comments SET status = 'rejected' WHERE id = 3"))
        db.session.execute(text("UPDATE comments SET status = 'deleted' WHERE id = 4"))
        # An editors' pick and a pinned staff comment (the dashboard's pick and pin store these).
        db.session.execute(text("UPDATE comments SET picked_at = '2024-02-01 08:00:00' WHERE id = 5"))
        db.session.execute(text("UPDATE comments SET is_staff = true WHERE id = 6"))
        db.session.execute(
            text(
                "INSERT INTO thread_pins (thread_id, comment_id, pinned_at)"
                " SELECT thread_id, id, '2024-02-01 09:00:00' FROM comments WHERE id = 6"
            )
        )
        db.session.execute(
            text("INSERT INTO sensitive_words (word, action, created_at) VALUES ('kw', 'mask', '2024-01-01 00:00:00')")
        )
        db.session.commit()
    runner.invoke(args=["recount"])
    exported = tmp_path / "backup.json"
    assert runner.invoke(args=["export", str(exported)]).exit_code == 0
    document = json.loads(exported.read_text())
    assert document["format"] == "commentsvc-export" and document["version"] == 1
    assert [c["id"] for c in document["comments"] if c["picked_at"]] == [5]
    assert [c["id"] for c in document["comments"] if c["pinned_at"]] == [6]

    # An empty database of the same engine.
    with source.app_context():
        from commentsvc.extensions import db

        for table in reversed(db.metadata.sorted_tables):
            if table.name != "alembic_version":
                db.session.execute(table.delete())
        db.session.commit()
    code, report, stderr = run_import(runner, "commentsvc", exported)
    assert code == 0, stderr
    assert report["comments"] == len(document["comments"]) and report["reparented"] == 0
    again = tmp_path / "again.json"
    runner.invoke(args=["export", str(again)])
    assert _shape(json.loads(again.read_text())) == _shape(document)
    assert "0 drift(s) fixed" in runner.invoke(args=["recount"]).stdout


def test_export_to_stdout_holds_emails_and_ips(runner: Any) -> None:
    run_import(runner, "disqus", shared_path(*CORPUS, "isso", "disqus.xml"))
    document = json.loads(runner.invoke(args=["export"]).stdout)
    assert {c["author_email"] for c in document["comments"]} >= {"foo@bar.com"}
    assert {c["client_ip"] for c in document["comments"]} == {"127.0.0.1"}
