"""Bans: email-domain bans work, a ban cannot be added twice, and bans apply to every write (issue 17 item 7)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import ARTICLE
from dashboard_support import log_in, make_moderator, post

from commentsvc.clock import utcnow
from commentsvc.domain import bans
from commentsvc.errors import Conflict
from commentsvc.extensions import db

URL = "/api/v1/comments"
BANNED_IP = "198.51.100.7"


def ban(app: Any, kind: str, value: str) -> str:
    with app.app_context():
        created = bans.create_ban(
            db.session, kind=kind, value=value, note="test", expires_at=None, moderator_id=None, now=utcnow()
        )
        db.session.commit()
        return created.value


def post_as(client: Any, email: str, ip: str = "203.0.113.1") -> Any:
    payload = {"article": ARTICLE, "title": "标题", "name": "读者", "email": email, "body": "一条普通的评论"}
    return client.post(URL, json=payload, environ_base={"REMOTE_ADDR": ip})


@pytest.mark.parametrize(
    "email, refused",
    [
        ("bob@spam-domain.com", True),
        ("Alice@SPAM-DOMAIN.com", True),
        ("bob@mail.spam-domain.com", False),
        ("bob@not-spam-domain.com", False),
        ("spam-domain.com@example.com", False),
    ],
)
def test_an_email_domain_ban_covers_that_domain_only(app: Any, client: Any, email: str, refused: bool) -> None:
    """Broke: a ban on @spam-domain.com was accepted but banned nothing."""
    assert ban(app, "email", " @Spam-Domain.COM ") == "@spam-domain.com"
    response = post_as(client, email)
    assert response.status_code == (403 if refused else 201)
    if refused:
        assert response.get_json()["error"]["code"] == "banned"


@pytest.mark.parametrize(
    "kind, first, again",
    [
        ("ip", "203.0.113.7", "203.0.113.7/32"),
        ("ip", "2001:db8::/32", "2001:DB8::1/32"),
        ("email", "Troll@Example.com", "troll@example.com"),
        ("email", "@spam-domain.com", "@SPAM-domain.com"),
    ],
)
def test_the_same_ban_twice_is_refused_as_ban_exists(app: Any, kind: str, first: str, again: str) -> None:
    """Broke: adding an existing ban again ended in an IntegrityError instead of a clear refusal."""
    ban(app, kind, first)
    with app.app_context(), pytest.raises(Conflict) as refused:
        bans.create_ban(db.session, kind=kind, value=again, note="", expires_at=None, moderator_id=None, now=utcnow())
    assert (refused.value.status, refused.value.code) == (409, "ban_exists")


def test_the_dashboard_says_a_repeated_ban_exists(app: Any, client: Any) -> None:
    """Broke: the dashboard's second identical ban was an error page, not a message beside the list."""
    make_moderator(app)
    log_in(client)
    post(client, "/dashboard/bans", {"kind": "ip", "value": "198.51.100.0/24"})
    page = post(client, "/dashboard/bans", {"kind": "ip", "value": "198.51.100.0/24"}, follow_redirects=True)
    assert page.status_code == 200
    assert "198.51.100.0/24 is already banned" in page.get_data(as_text=True)
    assert len(re.findall(r"data-ban=", page.get_data(as_text=True))) == 1


def write_as_banned(client: Any, comment: dict[str, Any], write: str, ip: str = BANNED_IP) -> Any:
    environ = {"REMOTE_ADDR": ip}
    target = f"{URL}/{comment['id']}"
    auth = {"Authorization": "Bearer " + comment["edit_token"]}
    if write == "vote":
        return client.post(target + "/vote", json={"value": 1}, environ_base=environ)
    if write == "report":
        return client.post(target + "/report", json={"reason": "spam"}, environ_base=environ)
    if write == "edit":
        return client.patch(target, json={"body": "改过的评论"}, headers=auth, environ_base=environ)
    return client.delete(target, headers=auth, environ_base=environ)


WRITES = ["vote", "report", "edit", "delete"]


@pytest.mark.parametrize("ban_action", ["reject", "hold"])
@pytest.mark.parametrize("write", WRITES)
def test_a_banned_address_can_make_no_write(make_app: Any, write: str, ban_action: str) -> None:
    """Broke: a banned reader could still vote, report, and edit or delete with an old edit token."""
    app = make_app(COMMENTSVC_BAN_ACTION=ban_action)
    client = app.test_client()
    comment = client.post(
        URL, json={"article": ARTICLE, "title": "标题", "name": "读者", "body": "早先从别处发的评论"}
    ).get_json()
    ban(app, "ip", "198.51.100.0/24")
    response = write_as_banned(client, comment, write)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "banned"
    thread = client.get(URL, query_string={"article": ARTICLE}).get_json()
    assert [(c["html"], c["status"], c["likes"]) for c in thread["comments"]] == [
        ("<p>早先从别处发的评论</p>", "approved", 0)
    ]


@pytest.mark.parametrize("write", ["edit", "delete"])
def test_a_banned_email_cannot_change_its_comment(app: Any, client: Any, make_comment: Any, write: str) -> None:
    """Broke: a comment whose email was banned after posting could still be edited or deleted by its author."""
    comment = make_comment(email="troll@spam-domain.com")
    ban(app, "email", "@spam-domain.com")
    response = write_as_banned(client, comment, write, ip="203.0.113.50")
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "banned")


@pytest.mark.parametrize("write", WRITES)
def test_other_addresses_still_write_beside_a_ban(app: Any, client: Any, make_comment: Any, write: str) -> None:
    comment = make_comment()
    ban(app, "ip", "198.51.100.0/24")
    assert write_as_banned(client, comment, write, ip="198.51.101.7").status_code in (200, 202)
