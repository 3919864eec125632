"""Moderators see a flood's cluster and release or purge it in one action; every decision is audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from dashboard_support import log_in, make_moderator, post
from test_flood import AD, START, visible_ids
from test_flood import post as api_post


@pytest.fixture
def flooded(make_app, time_machine) -> tuple[Any, list[int]]:
    """Three copies of one advertisement on three articles, and a moderator logged in."""
    time_machine.move_to(START, tick=False)
    app = make_app(COMMENTSVC_TRUSTED_PROXIES=1)
    client = app.test_client()
    ids = [api_post(client, AD, article=f"news/{n}", address=f"198.51.100.{n}").get_json()["id"] for n in range(1, 4)]
    make_moderator(app)
    log_in(client)
    return client, ids


def cluster_url(client: Any, comment_id: int) -> str:
    html = client.get(f"/dashboard/comments/{comment_id}").get_data(as_text=True)
    match = re.search(r'href="(/dashboard/clusters/\d+)"', html)
    assert match, "the comment shows no cluster"
    return match.group(1)


def audit_actions(client: Any, **query: str) -> list[str]:
    html = client.get("/dashboard/audit", query_string=query).get_data(as_text=True)
    return re.findall(r'data-audit-action="([a-z_]+)"', html)


def test_the_cluster_page_lists_every_copy(flooded):
    client, ids = flooded
    html = client.get(cluster_url(client, ids[0])).get_data(as_text=True)

    assert re.findall(r'data-comment-id="(\d+)"', html) == [str(comment_id) for comment_id in ids]
    assert 'data-cluster-status="open"' in html


def test_releasing_a_cluster_publishes_every_copy(flooded):
    client, ids = flooded
    url = cluster_url(client, ids[0])
    response = post(client, f"{url}/release")

    assert response.status_code == 302
    assert [visible_ids(client, f"news/{n}") for n in range(1, 4)] == [[comment_id] for comment_id in ids]
    assert 'data-cluster-status="released"' in client.get(url).get_data(as_text=True)


def test_purging_a_cluster_rejects_every_copy(flooded):
    client, ids = flooded
    post(client, f"{cluster_url(client, ids[0])}/purge")

    html = client.get("/dashboard/queue/rejected").get_data(as_text=True)
    assert sorted(int(found) for found in re.findall(r'data-comment-id="(\d+)"', html)) == ids
    assert "data-total>0<" in client.get("/dashboard/queue/spam").get_data(as_text=True).replace(" ", "")


def test_a_cluster_decision_is_audited_for_the_cluster_and_each_comment(flooded):
    client, ids = flooded
    url = cluster_url(client, ids[0])
    post(client, f"{url}/purge")

    assert audit_actions(client, target_type="cluster") == ["cluster_purge", "flood_hold"]
    assert audit_actions(client, action="reject") == ["reject"] * 3


def test_an_unknown_cluster_is_a_404_page(flooded):
    client, _ = flooded
    assert client.get("/dashboard/clusters/99999").status_code == 404
