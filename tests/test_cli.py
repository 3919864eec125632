"""The `commentsvc` command: moderators, recount, rerender and migrations."""

import pytest
from sqlalchemy import select, update

from commentsvc.extensions import db
from commentsvc.models import Comment, Moderator, Thread


def test_create_moderator_hashes_the_password_read_from_stdin(app, runner):
    """create-moderator reads the password from stdin and hashes it."""
    result = runner.invoke(args=["create-moderator", "editor"], input="correct horse battery\n")
    assert result.exit_code == 0, result.output
    assert "Created admin 'editor'" in result.output
    with app.app_context():
        moderator = db.session.scalars(select(Moderator)).one()
        assert moderator.username == "editor" and moderator.role == "admin"
        assert "correct horse" not in moderator.password_hash
        assert moderator.password_hash.startswith("scrypt:")


@pytest.mark.parametrize(
    "args, password, message",
    [
        (["create-moderator", "editor"], "short\n", "at least 8"),
        (["create-moderator", "  "], "long enough password\n", "username"),
    ],
)
def test_create_moderator_refuses_bad_input_with_a_message(runner, args, password, message):
    result = runner.invoke(args=args, input=password)
    assert result.exit_code != 0
    assert message in result.output


def test_create_moderator_refuses_a_taken_username(runner):
    runner.invoke(args=["create-moderator", "editor", "--role", "moderator"], input="long enough password\n")
    result = runner.invoke(args=["create-moderator", "editor"], input="another long password\n")
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_recount_finds_no_drift_after_normal_use(runner, make_comment, client):
    top = make_comment()
    make_comment(parent_id=top["id"])
    client.post(f"/api/v1/comments/{top['id']}/vote", json={"value": 1})

    result = runner.invoke(args=["recount"])
    assert result.exit_code == 0
    assert "recount: 0 drift(s) fixed." in result.output


def test_recount_repairs_and_reports_drifted_counts(app, runner, make_comment, client):
    top = make_comment()
    make_comment(parent_id=top["id"])
    with app.app_context():
        db.session.execute(update(Thread).values(comment_count=7))
        db.session.execute(update(Comment).where(Comment.id == top["id"]).values(reply_count=0, likes=3))
        db.session.commit()

    result = runner.invoke(args=["recount"])
    assert "thread.comment_count" in result.output and "stored 7, actual 2" in result.output
    assert "comment.reply_count" in result.output and "comment.likes" in result.output
    assert "recount: 3 drift(s) fixed." in result.output
    counts = client.get("/api/v1/counts", query_string={"article": top and "news/2024/09/16/blinken-condemns-russia"})
    assert counts.get_json()["counts"]["news/2024/09/16/blinken-condemns-russia"] == 2


def test_rerender_rebuilds_html_from_the_stored_source(app, runner, make_comment):
    comment = make_comment(body="*fresh*")
    with app.app_context():
        db.session.execute(update(Comment).values(body_html="<p>stale</p>"))
        db.session.commit()

    result = runner.invoke(args=["rerender"])
    assert "1 changed" in result.output
    with app.app_context():
        assert db.session.get(Comment, comment["id"]).body_html == "<p><em>fresh</em></p>"


def test_db_upgrade_does_nothing_on_a_current_database(runner):
    """db upgrade is a no-op on a database that is already current."""
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0
    assert "database upgraded to head" in result.output


def test_rerender_keeps_sensitive_words_masked(app, runner, client):
    from commentsvc.clock import utcnow
    from commentsvc.domain.words import add_word

    with app.app_context():
        add_word(db.session, word="坏词", action="mask", now=utcnow())
        db.session.commit()
    comment = client.post("/api/v1/comments", json={"article": "a", "body": "这是坏词"}).get_json()
    assert "坏词" not in comment["html"]

    runner.invoke(args=["rerender"])
    with app.app_context():
        assert "坏词" not in db.session.get(Comment, comment["id"]).body_html
