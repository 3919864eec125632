"""Reply emails end to end: double opt-in, the reply email's parts and headers, bursts, unsubscribing,
against a real SMTP server (aiosmtpd), with every link followed through the test client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ARTICLE, free_port
from notifications_support import PUBLIC_URL, Clock, SmtpServer, local, make_worker, parts

from commentsvc.delivery.mail import SmtpTransport

READER = "reader@example.org"
URL = "https://news.example/2024/09/16/blinken"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    yield server
    server.stop()


@pytest.fixture
def app_config(smtp: SmtpServer) -> dict[str, Any]:
    return {
        "COMMENTSVC_SMTP_URL": smtp.url,
        "COMMENTSVC_PUBLIC_URL": PUBLIC_URL,
        "COMMENTSVC_MAIL_FROM": "comments@news.example",
        "COMMENTSVC_REPLY_DIGEST_SECONDS": 0,
    }


def post(client: Any, **fields: Any) -> dict[str, Any]:
    payload = {"article": ARTICLE, "title": "Blinken <condemns>", "url": URL, "name": "读者", "body": "first", **fields}
    response = client.post("/api/v1/comments", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def link(text: str, path: str) -> str:
    found = re.search(rf"{re.escape(PUBLIC_URL)}{re.escape(path)}\?token=[\w.\-%]+", text)
    assert found, text
    return found.group(0)


def confirm(client: Any, message: Any) -> None:
    text, _ = parts(message)
    response = client.post(local(link(text, "/notifications/confirm")))
    assert response.status_code == 200


def subscribed_reader(client: Any, app: Any, smtp: SmtpServer, **fields: Any) -> tuple[dict[str, Any], Any]:
    """A reader who asked for reply emails and confirmed; returns their comment and a worker."""
    comment = post(client, email=READER, notify=True, lang=fields.pop("lang", "en"), **fields)
    worker = make_worker(app)
    worker.drain()
    confirm(client, smtp.messages[-1])
    return comment, worker


def test_first_request_sends_only_a_confirmation(client: Any, app: Any, smtp: SmtpServer) -> None:
    """Until the address confirms, a reply to it sends nothing."""
    comment = post(client, email=READER, notify=True, lang="en")
    worker = make_worker(app)
    worker.drain()
    post(client, parent_id=comment["id"], name="Other", body="a reply")
    worker.drain()
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == READER
    assert message["Subject"] == "Confirm reply notifications"
    text, markup = parts(message)
    assert link(text, "/notifications/confirm") in markup.replace("&amp;", "&")


def test_confirm_link_only_shows_a_button(client: Any, app: Any, smtp: SmtpServer) -> None:
    """A GET (a mail scanner following the link) confirms nothing; the page's POST button does."""
    comment = post(client, email=READER, notify=True, lang="en")
    worker = make_worker(app)
    worker.drain()
    text, _ = parts(smtp.messages[0])
    page = client.get(local(link(text, "/notifications/confirm")))
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    post(client, parent_id=comment["id"], name="Other", body="reply one")
    worker.drain()
    assert len(smtp.messages) == 1
    action = re.search(r'action="([^"]+)"', page.get_data(as_text=True))
    assert action
    assert client.post(action.group(1).replace("&amp;", "&")).status_code == 200
    post(client, parent_id=comment["id"], name="Other", body="reply two")
    worker.drain()
    assert [m["Subject"] for m in smtp.messages][1:] == ["Other replied to your comment"]


def test_reply_email_carries_both_parts_and_unsubscribe(client: Any, app: Any, smtp: SmtpServer) -> None:
    """Text and HTML parts, the comment's link, RFC 8058 headers, a Message-ID from the event id."""
    comment, worker = subscribed_reader(client, app, smtp)
    reply = post(client, parent_id=comment["id"], name="<b>Eve</b>", body="Hi **there** <script>x</script>")
    worker.drain()
    message = smtp.messages[-1]
    text, markup = parts(message)
    assert f"{URL}#comment-{reply['id']}" in text
    assert f'href="{URL}#comment-{reply["id"]}"' in markup
    assert "Hi there <script>x</script>" in text  # plain text shows what was typed, rendering nothing
    assert "<script>" not in markup
    assert "&lt;b&gt;Eve&lt;/b&gt;" in markup and "<strong>there</strong>" in markup
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith(f"{PUBLIC_URL}/notifications/unsubscribe?token=")
    assert re.fullmatch(r"<[0-9a-f]{32}@news\.example>", message["Message-ID"])


def test_own_and_pending_replies_send_nothing(client: Any, app: Any, smtp: SmtpServer) -> None:
    """Not for the reader's own reply, not while a reply waits in Pending."""
    comment, worker = subscribed_reader(client, app, smtp)
    post(client, parent_id=comment["id"], name="Me", email=READER, body="my own follow-up")
    app.config["COMMENTSVC_MODERATION"] = "pre"
    post(client, parent_id=comment["id"], name="Other", body="held reply")
    worker.drain()
    assert len(smtp.messages) == 1  # the confirmation only


def test_approving_a_pending_reply_sends_it_once(client: Any, app: Any, smtp: SmtpServer) -> None:
    """Approval sends the email; rejecting and approving again sends nothing more."""
    from dashboard_support import make_moderator

    from commentsvc.domain.moderation import Actor, apply_action
    from commentsvc.extensions import db

    moderator = make_moderator(app)
    comment, worker = subscribed_reader(client, app, smtp)
    app.config["COMMENTSVC_MODERATION"] = "pre"
    reply = post(client, parent_id=comment["id"], name="Other", body="held reply")
    with app.app_context():
        for action in ("approve", "reject", "approve"):
            apply_action(
                db.session(),
                [reply["id"]],
                action,
                actor=Actor(moderator, "127.0.0.1"),
                now=Clock().now,
                default_mode="pre",
            )
            db.session.commit()
            worker.drain()
    assert [m["Subject"] for m in smtp.messages][1:] == ["Other replied to your comment"]


def test_a_burst_of_replies_arrives_as_one_email(client: Any, app: Any, smtp: SmtpServer) -> None:
    """With a digest window, replies within it are one email, sent once the window ends."""
    app.config["COMMENTSVC_REPLY_DIGEST_SECONDS"] = 60
    comment, _ = subscribed_reader(client, app, smtp)
    clock = Clock()
    worker = make_worker(app, clock)
    for n in range(3):
        post(client, parent_id=comment["id"], name=f"R{n}", body=f"reply {n}")
    worker.drain()
    assert len(smtp.messages) == 1
    clock.advance(seconds=61)
    worker.drain()
    assert len(smtp.messages) == 2
    assert smtp.messages[1]["Subject"] == "3 new replies to your comments"
    assert all(f"reply {n}" in parts(smtp.messages[1])[0] for n in range(3))


def test_one_click_unsubscribe_stops_every_email(client: Any, app: Any, smtp: SmtpServer) -> None:
    """The POST a mail client sends to List-Unsubscribe (RFC 8058) works without any form token."""
    comment, worker = subscribed_reader(client, app, smtp)
    post(client, parent_id=comment["id"], name="Other", body="reply one")
    worker.drain()
    target = local(smtp.messages[-1]["List-Unsubscribe"].strip().strip("<>"))
    assert client.get(target).status_code == 200  # shows a button, changes nothing
    response = client.post(target, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    post(client, parent_id=comment["id"], name="Other", body="reply two")
    worker.drain()
    assert len(smtp.messages) == 2


def test_thread_unsubscribe_link_stops_that_thread_only(client: Any, app: Any, smtp: SmtpServer) -> None:
    comment, worker = subscribed_reader(client, app, smtp)
    other = post(client, article="other-article", email=READER, notify=True, lang="en")
    post(client, parent_id=comment["id"], name="Other", body="reply one")
    worker.drain()
    text, _ = parts(smtp.messages[-1])
    thread_link = link(text.split("Stop emails about this article: ", 1)[1], "/notifications/unsubscribe")
    assert client.post(local(thread_link)).status_code == 200
    post(client, parent_id=comment["id"], name="Other", body="reply two")
    post(client, article="other-article", parent_id=other["id"], name="Other", body="elsewhere")
    worker.drain()
    assert "elsewhere" in parts(smtp.messages[-1])[0]
    assert len(smtp.messages) == 3


def test_emails_follow_the_widgets_language(client: Any, app: Any, smtp: SmtpServer) -> None:
    comment, worker = subscribed_reader(client, app, smtp, lang="zh-CN")
    post(client, parent_id=comment["id"], name="网友", body="回复")
    worker.drain()
    assert smtp.messages[0]["Subject"] == "确认回复通知"
    assert smtp.messages[-1]["Subject"] == "网友 回复了您的评论"


def test_notify_must_be_a_boolean(client: Any) -> None:
    response = client.post("/api/v1/comments", json={"article": ARTICLE, "name": "a", "body": "b", "notify": "yes"})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"notify": "wrong_type"}


def test_tls_required_refuses_a_server_without_starttls(smtp: SmtpServer) -> None:
    """aiosmtpd here offers no STARTTLS, so ?tls=required must not send in the clear."""
    from email.message import EmailMessage

    from commentsvc.delivery.mail import PermanentMailError

    transport = SmtpTransport(smtp.url + "?tls=required")
    message = EmailMessage()
    message["To"], message["From"], message["Subject"] = READER, "a@b.example", "x"
    with pytest.raises(PermanentMailError):
        transport.send(message)
    assert smtp.messages == []


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_SMTP_URL": ""}])
def test_without_smtp_url_no_email_is_sent(client: Any, app: Any) -> None:
    """No SMTP server configured: posting with notify still works; the worker sends nothing."""
    post(client, email=READER, notify=True)
    make_worker(app).drain()
