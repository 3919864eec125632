"""IP retention (issue 16): after COMMENTSVC_IP_RETENTION_DAYS no table holds a reader's raw address or
user agent, only a keyed hash and the /24 or /48 prefix; bans and "comments from this address" still work."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLE, own_words
from dashboard_support import log_in, make_moderator, post
from import_support import run_import
from sqlalchemy import MetaData, select, update

from commentsvc.clock import utcnow
from commentsvc.delivery.worker import Worker, WorkerSettings
from commentsvc.domain import bans
from commentsvc.domain.screening_lists import current_lists
from commentsvc.extensions import db
from commentsvc.models import Comment

URL = "/api/v1/comments"
OLD_IP = "203.0.113.7"
OLD_AGENT = "OldBrowser/1.0 (retention test agent)"
RECENT_IP = "198.51.100.23"
RECENT_AGENT = "NewBrowser/2.0 (retention test agent)"
PURGE_LINE = re.compile(r"^purge-ips: (\d+) row\(s\) purged of raw IP addresses and user agents older than 30 days\.$")


@pytest.fixture
def moments(time_machine: Any) -> Any:
    """Old posts on 1 January, recent ones on 25 January, the purge on 5 February (30 days keep)."""
    time_machine.move_to("2026-01-01 08:00:00", tick=False)
    return time_machine


def say(client: Any, address: str, agent: str, words: str) -> dict[str, Any]:
    response = client.post(
        URL,
        json={"article": ARTICLE, "body": own_words(words)},
        headers={"User-Agent": agent},
        environ_base={"REMOTE_ADDR": address},
    )
    assert response.status_code == 201, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def every_stored_text(app: Any) -> list[tuple[str, str, str]]:
    """(table, column, value) for every non-empty value in every table, as text."""
    found = []
    with app.app_context():
        metadata = MetaData()
        metadata.reflect(bind=db.engine)
        with db.engine.connect() as connection:
            for table in metadata.sorted_tables:
                for row in connection.execute(select(table)).mappings():
                    found += [(table.name, column, str(value)) for column, value in row.items() if value is not None]
    return found


def purge(runner: Any) -> int:
    result = runner.invoke(args=["purge-ips"])
    assert result.exit_code == 0, result.output
    line = result.output.strip()
    matched = PURGE_LINE.match(line)
    assert matched and "\n" not in line, line
    return int(matched.group(1))


def test_after_the_window_no_table_holds_an_old_raw_address_or_user_agent(
    app: Any, client: Any, runner: Any, moments: Any
) -> None:
    old = say(client, OLD_IP, OLD_AGENT, "一月的评论")
    voter = client.post(f"{URL}/{old['id']}/vote", json={"value": 1}, environ_base={"REMOTE_ADDR": OLD_IP})
    assert voter.status_code == 200
    report = client.post(f"{URL}/{old['id']}/report", json={"reason": "spam"}, environ_base={"REMOTE_ADDR": OLD_IP})
    assert report.status_code == 202
    make_moderator(app)
    log_in(client, REMOTE_ADDR=OLD_IP)
    post(client, "/dashboard/history/reject-all", {"by": "ip", "value": OLD_IP}, environ_base={"REMOTE_ADDR": OLD_IP})
    assert any(OLD_IP in value for _, _, value in every_stored_text(app))
    moments.move_to("2026-01-25 08:00:00", tick=False)
    say(client, RECENT_IP, RECENT_AGENT, "一月底的评论")
    moments.move_to("2026-02-05 08:00:00", tick=False)

    assert purge(runner) >= 3  # the comment, the login's and the reject-all's audit entries

    stored = every_stored_text(app)
    assert [(table, column) for table, column, value in stored if OLD_IP in value or OLD_AGENT in value] == []
    assert ("comments", "client_ip", RECENT_IP) in stored
    assert ("comments", "user_agent", RECENT_AGENT) in stored
    assert ("comments", "client_ip", "203.0.113.0/24") in stored
    assert ("audit_entries", "client_ip", "203.0.113.0/24") in stored
    assert purge(runner) == 0


def test_an_ipv6_address_keeps_its_48_prefix(app: Any, client: Any, runner: Any, moments: Any) -> None:
    say(client, "2001:db8:1234:5678::9", OLD_AGENT, "IPv6 读者")
    moments.move_to("2026-02-05 08:00:00", tick=False)
    assert purge(runner) == 1
    with app.app_context():
        assert db.session.scalars(select(Comment.client_ip)).all() == ["2001:db8:1234::/48"]


def test_bans_still_refuse_a_purged_readers_address(app: Any, client: Any, runner: Any, moments: Any) -> None:
    say(client, OLD_IP, OLD_AGENT, "后来被封的读者")
    say(client, "192.0.2.77", OLD_AGENT, "另一个网段的读者")
    with app.app_context():
        for value in (OLD_IP, "192.0.2.0/24"):
            bans.create_ban(
                db.session, kind="ip", value=value, note="", expires_at=None, moderator_id=None, now=utcnow()
            )
        db.session.commit()
    moments.move_to("2026-02-05 08:00:00", tick=False)
    assert purge(runner) == 2

    for address in (OLD_IP, "192.0.2.78"):
        response = client.post(
            URL, json={"article": ARTICLE, "body": own_words("再来")}, environ_base={"REMOTE_ADDR": address}
        )
        assert (response.status_code, response.get_json()["error"]["code"]) == (403, "banned")


@pytest.mark.parametrize(
    "ban, covers",
    [
        (OLD_IP, True),  # the exact address, by its key
        ("203.0.113.0/24", True),  # as wide as the stored prefix
        ("203.0.0.0/16", True),  # wider
        ("203.0.113.0/28", False),  # narrower than the prefix: cannot be decided
        ("203.0.113.8", False),  # another address in the same /24
    ],
)
def test_a_purged_comment_matches_a_ban_by_key_or_by_a_prefix_wide_enough(
    app: Any, client: Any, runner: Any, moments: Any, ban: str, covers: bool
) -> None:
    say(client, OLD_IP, OLD_AGENT, "被清除地址的评论")
    moments.move_to("2026-02-05 08:00:00", tick=False)
    purge(runner)
    with app.app_context():
        bans.create_ban(db.session, kind="ip", value=ban, note="", expires_at=None, moderator_id=None, now=utcnow())
        db.session.commit()
        comment = db.session.scalars(select(Comment)).one()
        assert comment.client_ip == "203.0.113.0/24"
        found = current_lists(db.session).find_ban(
            email=None,
            client_ip=comment.client_ip,
            client_ip_key=comment.client_ip_key,
            secret=app.config["SECRET_KEY"],
            now=utcnow(),
        )
    assert (found is not None) == covers


def test_comments_from_this_address_are_counted_across_the_purge(
    app: Any, client: Any, runner: Any, moments: Any
) -> None:
    say(client, OLD_IP, OLD_AGENT, "第一条")
    say(client, OLD_IP, OLD_AGENT, "第二条")
    moments.move_to("2026-01-25 08:00:00", tick=False)
    say(client, OLD_IP, RECENT_AGENT, "第三条")
    say(client, RECENT_IP, RECENT_AGENT, "别人的评论")
    moments.move_to("2026-02-05 08:00:00", tick=False)
    assert purge(runner) == 2
    make_moderator(app)
    log_in(client)

    queue = client.get("/dashboard/queue/approved?lang=en").get_data(as_text=True)
    assert queue.count('data-history="ip">3 (0') == 3
    assert queue.count('data-history="ip">1 (0') == 1
    assert queue.count("203.0.113.0/24</a>") == 2 and queue.count("Not kept past the retention period") == 2
    links = set(re.findall(r'href="(/dashboard/history\?by=ip&amp;value=[^"]+)" data-history-link="ip"', queue))
    assert len(links) == 3  # the raw address (recent), its key (purged), the other reader
    for link in links:
        history = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
        assert history.count("data-comment-id=") in (1, 3)
    by_address = client.get(f"/dashboard/history?by=ip&value={OLD_IP}").get_data(as_text=True)
    assert by_address.count("data-comment-id=") == 3


def test_the_delivery_worker_runs_the_purge_when_it_starts(app: Any, client: Any, moments: Any) -> None:
    say(client, OLD_IP, OLD_AGENT, "交给后台任务")
    later = utcnow() + timedelta(days=31)
    with app.app_context():
        worker = Worker(db.engine, WorkerSettings.from_config(app.config), clock=lambda: later)
        try:
            worker.run_once()
        finally:
            worker.close()
        assert db.session.scalars(select(Comment.client_ip)).all() == ["203.0.113.0/24"]


def test_a_backup_of_purged_comments_restores_their_address_key_and_region(
    app: Any, client: Any, runner: Any, moments: Any, tmp_path: Path
) -> None:
    say(client, OLD_IP, OLD_AGENT, "备份前的评论")
    say(client, OLD_IP, OLD_AGENT, "备份前的第二条")
    with app.app_context():
        db.session.execute(update(Comment).values(region_zh="江苏", region_en="Jiangsu, China"))
        db.session.commit()
    moments.move_to("2026-02-05 08:00:00", tick=False)
    purge(runner)
    exported = tmp_path / "backup.json"
    assert runner.invoke(args=["export", str(exported)]).exit_code == 0
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    code, _, stderr = run_import(runner, "commentsvc", exported)
    assert code == 0, stderr

    assert [c["region"] for c in client.get(f"{URL}?article={ARTICLE}").get_json()["comments"]] == [
        {"zh": "江苏", "en": "Jiangsu, China"}
    ] * 2
    make_moderator(app)
    log_in(client)
    assert client.get(f"/dashboard/history?by=ip&value={OLD_IP}").get_data(as_text=True).count("data-comment-id=") == 2
