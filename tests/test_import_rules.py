"""The rules every import keeps, on files made for the purpose: atomicity, dry runs, hostile XML, depth, formats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_path
from import_support import CORPUS, row_counts, run_import
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Comment

DISQUS_HEAD = '<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
THREAD = '<thread dsq:id="t1"><link>https://example.com/a/</link><title>A</title></thread>'


def _post(number: int, parent: int | None = None, *, body: str = "<p>hi</p>") -> str:
    parent_xml = f'<parent dsq:id="p{parent}"/>' if parent is not None else ""
    return (
        f'<post dsq:id="p{number}"><message><![CDATA[{body}]]></message><createdAt>2024-01-0{1 + number % 9}T10:00:00+02:00'
        f"</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>R{number}</name>"
        f'<email> r@example.com </email></author><thread dsq:id="t1"/>{parent_xml}</post>'
    )


def test_bad_file_halfway_loses_no_existing_comment(app: Any, runner: Any, make_comment: Any, tmp_path: Path) -> None:
    """A file broken after 50 good posts leaves earlier comments and every table as they were."""
    make_comment()
    make_comment()
    before = row_counts(app)
    broken = tmp_path / "broken.xml"
    broken.write_text(DISQUS_HEAD + THREAD + "".join(_post(n) for n in range(50)) + "<post><oops></post>")
    code, _, stderr = run_import(runner, "disqus", broken)
    assert code != 0 and "broken.xml" in stderr and "line" in stderr
    assert row_counts(app) == before


def test_dry_run_reports_and_writes_nothing(app: Any, runner: Any) -> None:
    before = row_counts(app)
    code, report, _ = run_import(runner, "disqus", shared_path(*CORPUS, "isso", "disqus.xml"), "--dry-run")
    assert code == 0 and report["dry_run"] is True and report["comments"] == 4
    assert row_counts(app) == before


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE d [<!ENTITY x SYSTEM "http://127.0.0.1:9/evil">]>',
    ],
    ids=["billion-laughs", "file-xxe", "network-xxe"],
)
def test_entity_declarations_are_refused(app: Any, runner: Any, tmp_path: Path, doctype: str) -> None:
    hostile = tmp_path / "hostile.xml"
    hostile.write_text('<?xml version="1.0"?>\n' + doctype + "\n<disqus>" + THREAD + "</disqus>")
    before = row_counts(app)
    code, _, stderr = run_import(runner, "disqus", hostile)
    assert code != 0 and "refused" in stderr
    assert row_counts(app) == before


def test_deep_replies_are_placed_as_new_replies(app: Any, runner: Any, tmp_path: Path) -> None:
    """A chain of 8 lands at the depth cap, each naming whom it answers; times keep their zone."""
    chain = tmp_path / "chain.xml"
    posts = [_post(0)] + [_post(n, n - 1) for n in range(1, 8)]
    chain.write_text(DISQUS_HEAD + THREAD + "".join(posts) + "</disqus>")
    code, report, _ = run_import(runner, "disqus", chain)
    assert code == 0 and report["replies"] == 7 and report["reparented"] == 0
    with app.app_context():
        comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
        assert [c.depth for c in comments] == [0, 1, 2, 3, 4, 4, 4, 4]
        assert comments[5].reply_to_id == comments[4].id and comments[5].parent_id == comments[3].id
        assert comments[0].created_at.hour == 8 and comments[0].author_email == "r@example.com"


def test_replies_before_their_parents_wait_for_them(app: Any, runner: Any, tmp_path: Path) -> None:
    out_of_order = tmp_path / "order.xml"
    out_of_order.write_text(DISQUS_HEAD + THREAD + _post(2, 1) + _post(1) + _post(3, 99) + "</disqus>")
    code, report, _ = run_import(runner, "disqus", out_of_order)
    assert (report["comments"], report["replies"], report["reparented"]) == (3, 1, 1)


def test_long_bodies_are_imported_whole_and_flagged(app: Any, runner: Any, tmp_path: Path) -> None:
    long = tmp_path / "long.xml"
    long.write_text(DISQUS_HEAD + THREAD + _post(1, body="<p>" + "word " * 2000 + "</p>") + "</disqus>")
    code, report, _ = run_import(runner, "disqus", long)
    assert code == 0 and any("COMMENTSVC_BODY_MAX_LENGTH" in w for w in report["warnings"])
    with app.app_context():
        assert db.session.scalars(select(Comment.body_source)).one().count("word") == 2000


def test_merged_source_pages_are_named_in_warnings(app: Any, runner: Any, tmp_path: Path) -> None:
    """http and https copies of a page become one thread."""
    twin = '<thread dsq:id="t2"><link>http://example.com/a/</link><title>A again</title></thread>'
    merged = tmp_path / "merged.xml"
    second = _post(2).replace('thread dsq:id="t1"', 'thread dsq:id="t2"')
    merged.write_text(DISQUS_HEAD + THREAD + twin + _post(1) + second + _post(3) + "</disqus>")
    code, report, _ = run_import(runner, "disqus", merged)
    assert report["threads"] == 1 and any("merged 2 source pages into /a/" in w for w in report["warnings"])


def test_remark42_backup_imports_votes_and_skips_deleted(app: Any, runner: Any, tmp_path: Path) -> None:
    lines = [
        {"version": 1, "users": [], "posts": [{"url": "https://radio-t.com/p/1/", "read_only": False}]},
        {
            "id": "c1",
            "pid": "",
            "text": "<p>first</p>",
            "user": {"name": "umputun", "id": "u1"},
            "locator": {"site": "radio-t", "url": "https://radio-t.com/p/1/"},
            "votes": {"u2": True, "u3": False},
            "time": "2018-05-01T10:00:00-05:00",
        },
        {
            "id": "c2",
            "pid": "c1",
            "text": "<p>gone</p>",
            "user": {"name": "x", "id": "u2"},
            "locator": {"site": "radio-t", "url": "https://radio-t.com/p/1/"},
            "delete": True,
            "time": "2018-05-01T11:00:00Z",
        },
        {
            "id": "c3",
            "pid": "c2",
            "text": "<p>reply</p>",
            "user": {"name": "y", "id": "u3"},
            "locator": {"site": "radio-t", "url": "https://radio-t.com/p/1/"},
            "time": "2018-05-01T12:00:00Z",
        },
    ]
    backup = tmp_path / "remark42.json"
    backup.write_text("\n".join(json.dumps(line) for line in lines))
    code, report, stderr = run_import(runner, "remark42", backup)
    assert code == 0, stderr
    assert (report["comments"], report["reparented"], report["skipped"]["deleted"]) == (2, 1, 1)
    with app.app_context():
        first = db.session.scalars(select(Comment).where(Comment.author_name == "umputun")).one()
        assert (first.likes, first.dislikes, first.reply_count) == (1, 1, 1)


def test_missing_path_is_a_clear_error(runner: Any, tmp_path: Path) -> None:
    code, _, stderr = run_import(runner, "isso", tmp_path / "nowhere.db")
    assert code != 0 and "nowhere.db: no such file" in stderr


def test_isso_sqlite_database_imports(app: Any, runner: Any, tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "comments.db"
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR, title VARCHAR);"
        "CREATE TABLE comments (tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER, created FLOAT,"
        " modified FLOAT, mode INTEGER, remote_addr VARCHAR, text VARCHAR, author VARCHAR, email VARCHAR,"
        " website VARCHAR, likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB);"
        "INSERT INTO threads VALUES (1, '/post/1/', 'One');"
        "INSERT INTO comments VALUES (1, 1, NULL, 1700000000.5, NULL, 1, '1.2.3.0', 'hello', 'a', NULL, NULL, 2, 0, NULL);"
        "INSERT INTO comments VALUES (1, 2, 1, 1700000100, NULL, 2, '1.2.3.0', 'held', 'b', NULL, NULL, 0, 0, NULL);"
        "INSERT INTO comments VALUES (1, 3, 1, 1700000200, NULL, 4, '1.2.3.0', '', 'c', NULL, NULL, 0, 0, NULL);"
    )
    connection.commit()
    connection.close()
    code, report, stderr = run_import(runner, "isso", path)
    assert code == 0, stderr
    assert (report["comments"], report["replies"], report["pending"], report["skipped"]["deleted"]) == (2, 1, 1, 1)
