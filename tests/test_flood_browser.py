"""A flood's cluster in a real Chromium: the moderator follows the Spam queue's link and releases or purges it."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from accessibility import assert_no_serious_axe_violations
from form_filling import with_form_token
from test_dashboard_browser import DEMO_ARTICLE, SCREENSHOTS, api_thread, log_in, nav_count, server, widget

pytestmark = pytest.mark.browser
__all__ = ["server"]  # the live server with an admin account, from the dashboard browser tests

AD = "Make $5000 a week working from home, easy money! Visit https://cheap-deals.example/offer now"
ARTICLES = (DEMO_ARTICLE, "news/other-1", "news/other-2")


@pytest.fixture
def server_env() -> dict[str, str]:
    return {"COMMENTSVC_TRUSTED_PROXIES": "1"}


def flood(server: Any) -> list[int]:
    """The same advertisement from three addresses on three articles: the third copy finds the flood."""
    ids = []
    for number, article in enumerate(ARTICLES, start=1):
        request = urllib.request.Request(
            f"{server.url}/api/v1/comments",
            data=json.dumps(with_form_token(server.url, {"article": article, "name": "Lucky", "body": AD})).encode(),
            headers={"Content-Type": "application/json", "X-Forwarded-For": f"198.51.100.{number}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
        assert (response.status, answer["status"]) == (201, "approved")
        ids.append(answer["id"])
    return ids


def open_cluster_from_the_spam_queue(page: Any, server: Any, comment_id: int) -> None:
    log_in(page, server)
    page.goto(f"{server.url}/dashboard/queue/spam")
    item = page.locator(f'[data-comment-id="{comment_id}"]')
    assert "flood" in item.locator("[data-commentsvc-why]").inner_text()
    item.locator("[data-commentsvc-cluster] a").click()
    page.wait_for_url("**/dashboard/clusters/*")


def test_releasing_a_cluster_from_the_spam_queue_shows_the_copies_to_readers(page, server):
    ids = flood(server)
    assert api_thread(server)["comments"] == []
    open_cluster_from_the_spam_queue(page, server, ids[0])
    assert page.locator("[data-comment-id]").count() == 3
    assert_no_serious_axe_violations(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-flood-cluster.png"), full_page=True)

    page.get_by_role("button", name="Release all (not spam)").click()
    page.wait_for_load_state()

    assert page.locator('[data-cluster-status="released"]').count() == 1
    assert nav_count(page, "spam") == "0"
    page.goto(f"{server.url}/demo/")
    widget(page).get_by_text("Make $5000 a week").wait_for()
    assert page.console_errors == []


def test_purging_a_cluster_rejects_every_copy(page, server):
    ids = flood(server)
    open_cluster_from_the_spam_queue(page, server, ids[-1])

    page.get_by_role("button", name="Purge all (reject)").click()
    page.wait_for_load_state()

    assert page.locator('[data-cluster-status="purged"]').count() == 1
    assert (nav_count(page, "spam"), nav_count(page, "rejected")) == ("0", "3")
    assert api_thread(server)["comments"] == []
    assert page.console_errors == []
