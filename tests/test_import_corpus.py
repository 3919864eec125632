"""Every export file in ../shared/corpus/imports imports with the outcome its README gives."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import shared_path
from import_support import CORPUS, comments_by_article, row_counts, run_import
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Comment, CommentStatus

SKIPPED_NONE = {"deleted": 0, "spam": 0, "ping": 0, "orphan": 0, "empty": 0, "invalid": 0}

# (format, file, comments, replies, threads, pending, reparented, skipped)
GOOD_FILES = [
    ("disqus", "isso/disqus.xml", 4, 1, 2, 0, 1, {"deleted": 1, "orphan": 1}),
    ("disqus", "artransfer/Disqus.sample", 4, 2, 1, 0, 0, {}),
    ("disqus", "comentario/disqus-ok-single.xml.gz", 1, 0, 1, 0, 0, {}),
    ("disqus", "comentario/disqus-ok-empty.xml.gz", 0, 0, 0, 0, 0, {}),
    ("wordpress", "isso/wordpress.xml", 8, 3, 2, 0, 0, {}),
    ("wordpress", "artransfer/WordPress.sample", 5, 2, 1, 0, 0, {}),
    ("wordpress", "wordpress-importer/theme-unit-test-data.xml", 29, 10, 7, 3, 0, {"ping": 4}),
    ("wordpress", "wordpress-importer/slashes.xml", 1, 0, 1, 0, 0, {}),
    ("wordpress", "wordpress-importer/valid-wxr-1.0.xml", 1, 0, 1, 0, 0, {}),
    ("wordpress", "wordpress-importer/test-serialized-comment-meta.xml", 1, 0, 1, 0, 0, {}),
    ("wordpress", "wordpress-importer/wxr-with-sub-data.xml", 1, 0, 1, 1, 0, {}),
    ("wordpress", "comentario/wordpress-ok-single.zip", 1, 0, 1, 0, 0, {}),
    ("wordpress", "comentario/wordpress-ok-long.zip", 1, 0, 1, 0, 0, {}),
    ("wordpress", "comentario/wordpress-ok-empty.zip", 0, 0, 0, 0, 0, {}),
    ("isso", "isso/generic.json", 2, 0, 2, 0, 0, {}),
    ("commento", "remark42/commento.json", 3, 1, 2, 0, 0, {}),
    ("commento", "remark42/commento-api-testdata.json", 0, 0, 0, 0, 0, {"empty": 7}),
    ("commento", "comentario/comentario-ok-single-v1.json.gz", 1, 0, 1, 0, 0, {}),
    ("commento", "comentario/comentario-ok-single-v3.json.gz", 1, 0, 1, 0, 0, {}),
    ("commento", "comentario/comentario-ok-empty-v1.json.gz", 0, 0, 0, 0, 0, {}),
    ("commento", "comentario/comentario-ok-empty-v3.json.gz", 0, 0, 0, 0, 0, {}),
    ("artrans", "artransfer/Disqus.artrans", 4, 2, 1, 0, 0, {}),
    ("artrans", "artransfer/WordPress.artrans", 5, 2, 1, 0, 0, {}),
    ("artrans", "artransfer/Valine.artrans", 2, 1, 1, 0, 0, {}),
    ("artrans", "artransfer/Twikoo.artrans", 6, 0, 1, 0, 0, {"invalid": 1}),
]

BAD_FILES = [
    ("disqus", "remark42/disqus.xml", "line 1, column 0"),
    ("disqus", "remark42/disqus-deleted-post.xml", "line 1, column 0"),
    ("disqus", "remark42/disqus-deleted-thread.xml", "line 1, column 0"),
    ("disqus", "comentario/disqus-bad-format.xml.gz", "XML syntax error"),
    ("wordpress", "wordpress-importer/malformed.xml", "line 90, column 2"),
    ("wordpress", "comentario/wordpress-bad-format.zip", "XML syntax error"),
    ("wordpress", "comentario/wordpress-bad-no-files.zip", "exactly one WXR file"),
    ("wordpress", "comentario/wordpress-bad-two-files.zip", "2 XML files"),
    ("commento", "comentario/comentario-bad-format.json.gz", "JSON syntax error"),
    ("commento", "comentario/comentario-bad-version.json.gz", "unsupported"),
    ("disqus", "isso/generic.json", "XML syntax error"),
    ("wordpress", "isso/disqus.xml", "not a WordPress WXR export"),
    ("remark42", "remark42/commento.json", "not a Remark42"),
]


@pytest.mark.parametrize(
    ("format_name", "name", "comments", "replies", "threads", "pending", "reparented", "skipped"),
    GOOD_FILES,
    ids=[name for _, name, *_ in GOOD_FILES],
)
def test_corpus_file_imports_as_its_readme_says(
    runner: Any,
    format_name: str,
    name: str,
    comments: int,
    replies: int,
    threads: int,
    pending: int,
    reparented: int,
    skipped: dict[str, int],
) -> None:
    """Counts, replies, threads, pending, re-parented and skipped, as ../shared/corpus/README.md gives them."""
    code, report, stderr = run_import(runner, format_name, shared_path(*CORPUS, *name.split("/")))
    assert code == 0, stderr
    assert (report["comments"], report["replies"], report["threads"]) == (comments, replies, threads)
    assert (report["pending"], report["reparented"], report["already_present"]) == (pending, reparented, 0)
    assert report["skipped"] == {**SKIPPED_NONE, **skipped}


@pytest.mark.parametrize(("format_name", "name", "message"), BAD_FILES, ids=[name for _, name, _ in BAD_FILES])
def test_unreadable_file_is_refused_and_changes_nothing(
    app: Any, runner: Any, format_name: str, name: str, message: str
) -> None:
    """One clear line on stderr naming the file; no row anywhere, the audit log included."""
    before = row_counts(app)
    code, _report, stderr = run_import(runner, format_name, shared_path(*CORPUS, *name.split("/")))
    assert code != 0
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and name.split("/")[-1] in lines[0] and message in lines[0], stderr
    assert row_counts(app) == before


@pytest.mark.parametrize(
    ("format_name", "name"), [(f, n) for f, n, *_ in GOOD_FILES if n.endswith(("xml", "json"))][:6]
)
def test_second_import_adds_nothing(app: Any, runner: Any, format_name: str, name: str) -> None:
    path = shared_path(*CORPUS, *name.split("/"))
    _, first, _ = run_import(runner, format_name, path)
    before = row_counts(app)
    code, second, _ = run_import(runner, format_name, path)
    assert code == 0
    assert second["comments"] == 0 and second["already_present"] == first["comments"]
    assert {k: v for k, v in row_counts(app).items() if k != "audit_entries"} == {
        k: v for k, v in before.items() if k != "audit_entries"
    }


def test_isso_disqus_keys_threads_by_link_path(app: Any, runner: Any) -> None:
    """Threads with empty <id/> are keyed by the path of their <link>, as the widget keys pages."""
    run_import(runner, "disqus", shared_path(*CORPUS, "isso", "disqus.xml"))
    assert comments_by_article(app) == {"/": 3, "/blog/2013/02/12/redacted/index.html": 1}


def test_whole_link_keys_threads_with_article_key_url(app: Any, runner: Any) -> None:
    run_import(runner, "disqus", shared_path(*CORPUS, "isso", "disqus.xml"), "--article-key", "url")
    assert set(comments_by_article(app)) == {
        "http://example.org/",
        "http://localhost:4000/blog/2013/02/12/redacted/index.html",
    }


def test_wordpress_emails_are_trimmed_and_newlines_kept(app: Any, runner: Any) -> None:
    run_import(runner, "wordpress", shared_path(*CORPUS, "isso", "wordpress.xml"))
    with app.app_context():
        comments = db.session.scalars(select(Comment)).all()
        assert all(c.author_email is None or c.author_email == c.author_email.strip() for c in comments)
        assert any("<br>" in c.body_html for c in comments)


def test_slashes_round_trip_byte_for_byte(app: Any, runner: Any) -> None:
    run_import(runner, "wordpress", shared_path(*CORPUS, "wordpress-importer", "slashes.xml"))
    with app.app_context():
        (comment,) = db.session.scalars(select(Comment)).all()
        assert comment.body_source == "\\o/ ¯\\_(ツ)_/¯" and comment.body_format == "html"


def test_theme_unit_test_keeps_pending_and_sanitizes_rich_html(app: Any, runner: Any) -> None:
    """Unapproved comments arrive pending; h1, table and img become our allowed subset."""
    run_import(runner, "wordpress", shared_path(*CORPUS, "wordpress-importer", "theme-unit-test-data.xml"))
    with app.app_context():
        comments = db.session.scalars(select(Comment)).all()
        statuses = [c.status for c in comments]
        assert statuses.count(CommentStatus.PENDING.value) == 3
        assert statuses.count(CommentStatus.APPROVED.value) == 26
        html = "".join(c.body_html for c in comments)
        assert "<h1" not in html and "<table" not in html and "<img" not in html and "style=" not in html
        assert max(c.depth for c in comments) == 4  # the depth-10 chain placed at COMMENTSVC_MAX_DEPTH (5 levels)


def test_entities_in_names_are_decoded_once(app: Any, runner: Any) -> None:
    run_import(runner, "wordpress", shared_path(*CORPUS, "wordpress-importer", "theme-unit-test-data.xml"))
    with app.app_context():
        names = set(db.session.scalars(select(Comment.author_name)))
    assert not any("&#039;" in name or "&amp;" in name for name in names)


def test_recount_finds_no_drift_after_imports(runner: Any) -> None:
    for format_name, name in (
        ("wordpress", "wordpress-importer/theme-unit-test-data.xml"),
        ("artrans", "artransfer/WordPress.artrans"),
    ):
        run_import(runner, format_name, shared_path(*CORPUS, *name.split("/")))
    result = runner.invoke(args=["recount"])
    assert "recount: 0 drift(s) fixed." in result.stdout and "differs" not in result.stdout
