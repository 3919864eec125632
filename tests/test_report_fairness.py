"""Reports: staff comments stay up, one network counts once, and reporters weigh by their record (issue 17 item 8)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ARTICLE, TEST_SECRET
from dashboard_support import make_moderator

from commentsvc.clock import utcnow
from commentsvc.domain import moderation, queues
from commentsvc.domain.posting import PostingSettings
from commentsvc.extensions import db
from commentsvc.models import Moderator

URL = "/api/v1/comments"
# Readers on as many networks as a test needs: one /24 each.
NETWORKS = ["203.0.113.9", "198.51.100.9", "192.0.2.9", "100.64.1.9", "100.64.2.9", "100.64.3.9"]


def report(client: Any, comment_id: int, ip: str) -> int:
    response = client.post(f"{URL}/{comment_id}/report", json={"reason": "abuse"}, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 202, response.get_json()
    return int(response.status_code)


def visible_ids(client: Any) -> set[int]:
    """The ids of every published comment in the thread, replies included."""
    found: set[int] = set()
    pending = list(client.get(URL, query_string={"article": ARTICLE}).get_json()["comments"])
    while pending:
        node = pending.pop()
        if node["status"] == "approved":
            found.add(node["id"])
        pending.extend(node["replies"])
    return found


def act(app: Any, comment_id: int, action: str) -> None:
    moderator_id = make_moderator(app, username=f"mod-{comment_id}-{action}")
    with app.app_context():
        moderation.apply_action(
            db.session,
            [comment_id],
            action,
            actor=moderation.Actor(moderator_id, "127.0.0.1"),
            now=utcnow(),
            default_mode="post",
        )
        db.session.commit()


def test_reports_cannot_unpublish_a_staff_reply(app: Any, client: Any, make_comment: Any) -> None:
    """Broke: any three readers could unpublish a staff reply; it now stays up and reaches the queue."""
    parent = make_comment()
    moderator_id = make_moderator(app)
    with app.app_context():
        staff = moderation.reply_as_staff(
            db.session,
            parent["id"],
            "编辑部说明：本文已更正。",
            moderator=db.session.get(Moderator, moderator_id),
            actor=moderation.Actor(moderator_id, "127.0.0.1"),
            user_agent="",
            now=utcnow(),
            settings=PostingSettings(secret=TEST_SECRET),
        ).id
        db.session.commit()
    for ip in NETWORKS:
        report(client, staff, ip)
    assert staff in visible_ids(client)
    with app.app_context():
        page = queues.list_queue(db.session, "reported", queues.QueueFilter(), page=1, page_size=20)
        assert [(item.comment.id, len(item.reports)) for item in page.items] == [(staff, len(NETWORKS))]


@pytest.mark.parametrize(
    "same_network",
    [
        ["100.100.100.1", "100.100.100.2", "100.100.100.250"],
        ["2001:db8:1:1::1", "2001:db8:1:2::1", "2001:db8:1:ffff::9"],
        ["100.100.100.1", "::ffff:100.100.100.2", "100.100.100.3"],
    ],
    ids=["ipv4-24", "ipv6-48", "ipv4-mapped"],
)
def test_reports_from_one_network_count_once(client: Any, make_comment: Any, same_network: list[str]) -> None:
    """Broke: three addresses of one network (one office, one /48) were three votes to unpublish."""
    comment = make_comment()
    for ip in same_network:
        report(client, comment["id"], ip)
    report(client, comment["id"], NETWORKS[0])
    assert comment["id"] in visible_ids(client)
    report(client, comment["id"], NETWORKS[1])
    assert comment["id"] not in visible_ids(client)


def test_readers_whose_reports_were_dismissed_weigh_less(app: Any, client: Any, make_comment: Any) -> None:
    """Broke: readers whose reports moderators dismissed could still unpublish the next comment alone."""
    first, second = make_comment(), make_comment()
    for ip in NETWORKS[:3]:
        report(client, first["id"], ip)
    assert first["id"] not in visible_ids(client)
    act(app, first["id"], "approve")  # dismissed: each of the three now weighs 1/2
    assert first["id"] in visible_ids(client)

    for ip in NETWORKS[:3]:
        report(client, second["id"], ip)
    report(client, second["id"], NETWORKS[3])  # 1/2 + 1/2 + 1/2 + 1 < 3
    assert second["id"] in visible_ids(client)
    report(client, second["id"], NETWORKS[4])  # + 1 reaches 3
    assert second["id"] not in visible_ids(client)


def test_readers_whose_reports_were_upheld_keep_their_weight(app: Any, client: Any, make_comment: Any) -> None:
    """Broke: a reader's standing never moved; an upheld report must leave them at full weight."""
    first, second = make_comment(), make_comment()
    for ip in NETWORKS[:3]:
        report(client, first["id"], ip)
    act(app, first["id"], "reject")  # upheld: (1 + 1) / (1 + 0 + 1) = 1
    for ip in NETWORKS[:3]:
        report(client, second["id"], ip)
    assert second["id"] not in visible_ids(client)


def test_a_network_weighs_as_its_best_standing_reader(app: Any, client: Any, make_comment: Any) -> None:
    """Broke: a dismissed reader could drag down a new reader on the same network, or add to them."""
    first, second = make_comment(), make_comment()
    report(client, first["id"], "198.51.100.1")
    act(app, first["id"], "approve")  # 198.51.100.1 now weighs 1/2
    report(client, second["id"], "198.51.100.1")
    report(client, second["id"], "198.51.100.2")  # a new reader on that /24: the network weighs 1
    report(client, second["id"], NETWORKS[0])
    assert second["id"] in visible_ids(client)
    report(client, second["id"], NETWORKS[2])
    assert second["id"] not in visible_ids(client)
