"""The dashboard's notification pages: delivery state with reasons, webhooks added, listed, redelivered,
alert choices, and the note that emails are off without an SMTP URL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ARTICLE
from dashboard_support import log_in, make_moderator
from dashboard_support import post as form_post
from notifications_support import WebhookReceiver, make_worker


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.stop()


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"COMMENTSVC_WEBHOOK_ALLOW_PRIVATE": True}


@pytest.fixture
def admin(app: Any, client: Any) -> Any:
    make_moderator(app)
    log_in(client)
    return client


def add_webhook(admin: Any, url: str) -> None:
    response = form_post(
        admin, "/dashboard/webhooks", {"url": url, "secret": "s3cret-s3cret-s3cret", "events": ["comment.created"]}
    )
    assert response.status_code == 302


def test_page_says_emails_are_off_without_smtp(admin: Any) -> None:
    page = admin.get("/dashboard/notifications").get_data(as_text=True)
    assert 'data-smtp="off"' in page and "COMMENTSVC_SMTP_URL" in page


def test_failed_delivery_shows_its_reason(admin: Any, app: Any, receiver: WebhookReceiver) -> None:
    add_webhook(admin, receiver.url)
    receiver.statuses = [500]
    admin.post("/api/v1/comments", json={"article": ARTICLE, "name": "a", "body": "b"})
    make_worker(app).drain()
    page = admin.get("/dashboard/notifications?status=failed").get_data(as_text=True)
    assert re.search(r'data-status="failed">.*HTTP 500', page, re.S)


def test_admin_redelivers_from_the_webhook_page(admin: Any, app: Any, receiver: WebhookReceiver) -> None:
    add_webhook(admin, receiver.url)
    admin.post("/api/v1/comments", json={"article": ARTICLE, "name": "a", "body": "b"})
    worker = make_worker(app)
    worker.drain()
    listing = admin.get("/dashboard/notifications").get_data(as_text=True)
    webhook_page = re.search(r'href="(/dashboard/webhooks/\d+)"', listing)
    assert webhook_page
    page = admin.get(webhook_page.group(1)).get_data(as_text=True)
    assert 'data-status="sent"' in page
    action = re.search(r'action="(/dashboard/deliveries/\d+/redeliver)"', page)
    assert action
    assert form_post(admin, action.group(1)).status_code == 302
    worker.drain()
    assert len(receiver.received) == 2


def test_moderator_saves_alert_choices(admin: Any) -> None:
    form_post(admin, "/dashboard/notifications/alerts", {"email": "mod@news.example", "wait_minutes": "30"})
    page = admin.get("/dashboard/notifications").get_data(as_text=True)
    assert 'value="mod@news.example"' in page and 'name="wait_minutes" value="30"' in page


def test_moderators_cannot_add_webhooks(app: Any, client: Any) -> None:
    make_moderator(app, username="mod", role="moderator")
    log_in(client, username="mod")
    assert 'id="webhooks"' not in client.get("/dashboard/notifications").get_data(as_text=True)
    response = form_post(client, "/dashboard/webhooks", {"url": "https://x.example/", "secret": "s" * 20})
    assert response.status_code == 403
