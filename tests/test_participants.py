"""Participants: distinct commenters among a thread's approved comments, beside the count in /counts,
exact after every change and whoever the commenter is (SSO user, reader identity, email, name and address)."""

from datetime import datetime

import pytest
from conftest import ARTICLE, TEST_SECRET
from dashboard_support import log_in, make_moderator, post
from import_support import comments_by_article, run_import
from sqlalchemy import create_engine, text, update
from sso_support import SECRET, sso_headers

from commentsvc.domain.identity import issue_identity
from commentsvc.extensions import db
from commentsvc.models import Thread
from commentsvc.storage.engine import configure_engine
from commentsvc.storage.migrations import upgrade_database

COUNTS = "/api/v1/counts"


def counted(client, article=ARTICLE):
    data = client.get(COUNTS, query_string={"article": article}).get_json()
    return data["counts"][article], data["participants"][article]


def act(client, ids, action):
    return post(client, "/dashboard/comments/action", {"ids": [str(i) for i in ids], "action": action})


@pytest.fixture
def moderator_client(app, client):
    make_moderator(app)
    log_in(client)
    return client


def test_one_reader_commenting_twice_is_one_participant_and_another_reader_makes_two(client, make_comment):
    top = make_comment(name="老王")
    make_comment(name="老王", parent_id=top["id"])
    assert counted(client) == (2, 1)
    make_comment(name="小李")
    assert counted(client) == (3, 2)


def test_one_email_under_two_names_is_one_participant(client, make_comment):
    make_comment(name="老王", email="wang@example.com")
    make_comment(name="王先生", email="WANG@example.com")
    assert counted(client) == (2, 1)


def test_one_name_from_two_addresses_is_two_participants(client, make_comment):
    make_comment(name="读者")
    make_comment(name="读者")
    response = client.post(
        "/api/v1/comments",
        json={"article": ARTICLE, "name": "读者", "body": "来自另一个地址的评论"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 201
    assert counted(client) == (3, 2)


def test_one_reader_identity_under_two_names_and_emails_is_one_participant(client, make_comment):
    identity, _key = issue_identity(TEST_SECRET)
    headers = {"X-Commentsvc-Identity": identity}
    make_comment(name="甲", email="a@example.com", headers=headers)
    make_comment(name="乙", email="b@example.com", headers=headers)
    assert counted(client) == (2, 1)


def test_one_sso_user_under_two_display_names_is_one_participant(client, runner, make_comment):
    result = runner.invoke(args=["sites", "set", "default", "--sso-secret", SECRET])
    assert result.exit_code == 0, result.output
    make_comment(body="第一条", headers=sso_headers(name="王小明"))
    make_comment(body="第二条", headers=sso_headers(name="小明"))
    make_comment(body="第三条", headers=sso_headers(sub="reader-43", name="小明"))
    assert counted(client) == (3, 2)


def test_participants_follow_reject_restore_and_the_authors_delete(moderator_client, make_comment):
    client = moderator_client
    first = make_comment(name="老王")
    second = make_comment(name="老王")
    other = make_comment(name="小李")
    assert counted(client) == (3, 2)
    act(client, [first["id"]], "reject")
    assert counted(client) == (2, 2)  # 老王 still has a visible comment
    act(client, [second["id"]], "reject")
    assert counted(client) == (1, 1)
    act(client, [first["id"], second["id"]], "restore")
    assert counted(client) == (3, 2)
    deleted = client.delete(
        f"/api/v1/comments/{other['id']}", headers={"Authorization": f"Bearer {other['edit_token']}"}
    )
    assert deleted.status_code == 200
    assert counted(client) == (2, 1)


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MODERATION": "pre"}])
def test_a_pending_comment_makes_no_participant_until_approved(moderator_client, make_comment):
    client = moderator_client
    held = make_comment(name="新读者")
    assert counted(client) == (0, 0)
    act(client, [held["id"]], "approve")
    assert counted(client) == (1, 1)


def test_the_thread_answer_carries_its_participants(client, make_comment):
    make_comment(name="甲")
    make_comment(name="乙")
    make_comment(name="甲")
    thread = client.get("/api/v1/comments", query_string={"article": ARTICLE}).get_json()
    assert (thread["count"], thread["participants"]) == (3, 2)


def test_recount_repairs_a_drifted_participant_count(app, runner, client, make_comment):
    make_comment(name="甲")
    make_comment(name="乙")
    with app.app_context():
        db.session.execute(update(Thread).values(participant_count=9))
        db.session.commit()
    result = runner.invoke(args=["recount"])
    assert "thread.participant_count" in result.output and "stored 9, actual 2" in result.output
    assert counted(client) == (2, 2)
    assert "recount: 0 drift(s) fixed." in runner.invoke(args=["recount"]).output


def test_an_import_counts_its_commenters_once_each(app, runner, client, tmp_path):
    head = '<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
    thread = '<thread dsq:id="t1"><link>https://example.com/a/</link><title>A</title></thread>'

    def post(number, email):
        return (
            f'<post dsq:id="p{number}"><message><![CDATA[<p>第{number}条</p>]]></message>'
            f"<createdAt>2024-01-0{number}T10:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"
            f'<author><name>R{number}</name><email>{email}</email></author><thread dsq:id="t1"/></post>'
        )

    export = tmp_path / "disqus.xml"
    posts = post(1, "r@example.com") + post(2, "r@example.com") + post(3, "s@example.com")
    export.write_text(head + thread + posts + "</disqus>")
    code, _report, stderr = run_import(runner, "disqus", export)
    assert code == 0, stderr
    (article,) = comments_by_article(app)
    assert counted(client, article) == (3, 2)
    assert "recount: 0 drift(s) fixed." in runner.invoke(args=["recount"]).output


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def old_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite3'}"
    return request.getfixturevalue("empty_postgres_database")


def test_the_migration_counts_the_participants_of_existing_comments(old_database_url):
    engine = create_engine(old_database_url)
    configure_engine(engine)
    upgrade_database(engine, "0009")
    now = datetime(2026, 11, 30)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO threads (id, site, article, created_at) VALUES (1, 'default', 'a', :now)"), {"now": now}
        )
        connection.execute(
            text(
                "INSERT INTO users (id, site, sub, name, is_staff, created_at, updated_at)"
                " VALUES (7, 'default', 'u7', '王', false, :now, :now)"
            ),
            {"now": now},
        )
        # user 7 twice, one identity twice, one email hash twice, a pending newcomer: three participants.
        for user_id, identity, author_hash, status in [
            (7, None, "h1", "approved"),
            (7, "k1", "h2", "approved"),
            (None, "k1", "h3", "approved"),
            (None, "k1", "h4", "approved"),
            (None, None, "email-hash", "approved"),
            (None, None, "email-hash", "approved"),
            (None, None, "newcomer", "pending"),
        ]:
            connection.execute(
                text(
                    "INSERT INTO comments (thread_id, author_name, author_hash, body_source, body_html, status,"
                    " created_at, client_ip, user_id, identity_key)"
                    " VALUES (1, 'x', :hash, 'b', '<p>b</p>', :status, :now, '192.0.2.1', :user_id, :identity)"
                ),
                {"hash": author_hash, "status": status, "now": now, "user_id": user_id, "identity": identity},
            )
    upgrade_database(engine)
    with engine.connect() as connection:
        participants = connection.execute(text("SELECT participant_count FROM threads WHERE id = 1")).scalar_one()
    engine.dispose()
    assert participants == 3
