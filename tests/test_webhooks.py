"""Webhooks against a real HTTP receiver: the signed payload, retries with backoff, slow and failing
endpoints, the address guard, redirects, disabling, redelivery and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ARTICLE, free_port
from notifications_support import Clock, SmtpServer, WebhookReceiver, make_worker

from commentsvc.clock import utcnow
from commentsvc.domain import webhooks
from commentsvc.extensions import db
from commentsvc.models import Delivery

EMAIL = "private.reader@example.org"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.stop()


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"COMMENTSVC_WEBHOOK_ALLOW_PRIVATE": True}


def add_endpoint(app: Any, receiver: WebhookReceiver, **fields: Any) -> int:
    with app.app_context():
        endpoint = webhooks.add_endpoint(
            db.session(),
            url=fields.pop("url", receiver.url),
            secret=receiver.secret,
            site=fields.pop("site", None),
            events=fields.pop("events", None),
            now=utcnow(),
        )
        db.session.commit()
        return endpoint.id


def post(client: Any, **fields: Any) -> dict[str, Any]:
    payload = {"article": ARTICLE, "name": "读者", "email": EMAIL, "body": "hello", **fields}
    response = client.post("/api/v1/comments", json=payload)
    assert response.status_code == 201
    return response.get_json()


def deliveries(app: Any) -> list[Delivery]:
    with app.app_context():
        return list(db.session.scalars(db.select(Delivery).order_by(Delivery.id)))


def test_delivery_is_signed_and_has_the_documented_shape(client: Any, app: Any, receiver: WebhookReceiver) -> None:
    """A comment published at once sends comment.created and thread.count_changed, never its author's email."""
    add_endpoint(app, receiver)
    comment = post(client)
    make_worker(app).drain()
    by_type = {item.json()["type"]: item for item in receiver.received}
    assert set(by_type) == {"comment.created", "thread.count_changed"}
    created = by_type["comment.created"]
    assert receiver.verified(created)
    body = created.json()
    assert list(body) == ["id", "type", "created_at", "site", "article", "comment"]
    assert body["comment"]["id"] == comment["id"] and body["article"] == ARTICLE
    assert by_type["thread.count_changed"].json()["count"] == 1
    assert EMAIL not in created.body.decode()
    assert "client_ip" not in created.body.decode() and "user_agent" not in created.body.decode()
    assert created.headers["X-Commentsvc-Delivery"] == body["id"]


def test_tampered_body_fails_verification(receiver: WebhookReceiver) -> None:
    header = webhooks.sign(receiver.secret, 1_700_000_000, b'{"a":1}')
    assert webhooks.verify(receiver.secret, header, b'{"a":1}', now=1_700_000_000)
    assert not webhooks.verify(receiver.secret, header, b'{"a":2}', now=1_700_000_000)
    assert not webhooks.verify(receiver.secret, header, b'{"a":1}', now=1_700_000_000 + 3600)


def test_endpoint_hears_only_its_site_and_events(client: Any, app: Any, receiver: WebhookReceiver) -> None:
    add_endpoint(app, receiver, site="news.example", events="comment.deleted")
    post(client)
    post(client, site="news.example")
    make_worker(app).drain()
    assert receiver.received == []


def test_failures_are_retried_with_backoff_until_success(client: Any, app: Any, receiver: WebhookReceiver) -> None:
    """Non-2xx answers come back after about 30 s, then about 2 minutes: three tries inside 5 minutes."""
    add_endpoint(app, receiver, events="comment.created")
    receiver.statuses = [500, 503]
    clock = Clock()
    worker = make_worker(app, clock)
    post(client)
    worker.drain()
    assert len(receiver.received) == 1
    clock.advance(seconds=24)
    worker.drain()
    assert len(receiver.received) == 1
    clock.advance(seconds=12)
    worker.drain()
    assert len(receiver.received) == 2
    clock.advance(seconds=144)
    worker.drain()
    assert len(receiver.received) == 3
    assert len({item.json()["id"] for item in receiver.received}) == 1
    (delivery,) = deliveries(app)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("sent", 3, 200)


def test_retry_schedule_lasts_over_a_day() -> None:
    assert sum(webhooks.RETRY_DELAYS[:2]) * (1 + webhooks.JITTER) < 300
    assert sum(webhooks.RETRY_DELAYS) * (1 - webhooks.JITTER) > 24 * 3600


def test_slow_endpoint_times_out_and_is_retried(client: Any, app: Any, receiver: WebhookReceiver) -> None:
    add_endpoint(app, receiver, events="comment.created")
    receiver.delay = 1.0
    post(client)
    make_worker(app, webhook_timeout=0.2).drain()
    (delivery,) = deliveries(app)
    assert delivery.status == "failed" and "no answer within" in delivery.last_error


def test_redirects_are_not_followed(client: Any, app: Any, receiver: WebhookReceiver) -> None:
    add_endpoint(app, receiver, events="comment.created")
    receiver.statuses = [302]
    post(client)
    make_worker(app).drain()
    (delivery,) = deliveries(app)
    assert delivery.status == "failed" and "redirects are not followed" in delivery.last_error
    assert len(receiver.received) == 1


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_WEBHOOK_ALLOW_PRIVATE": False}])
@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/hook", "http://localhost:{port}/", "http://[::1]:{port}/"])
def test_private_addresses_are_refused_by_default(client: Any, app: Any, receiver: WebhookReceiver, url: str) -> None:
    """Loopback (and any private or link-local address) is refused unless COMMENTSVC_WEBHOOK_ALLOW_PRIVATE."""
    add_endpoint(app, receiver, url=url.format(port=free_port()), events="comment.created")
    post(client)
    make_worker(app).drain()
    (delivery,) = deliveries(app)
    assert delivery.status == "failed" and "private, loopback or link-local" in delivery.last_error


@pytest.mark.parametrize(
    "address", ["10.0.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "::ffff:127.0.0.1", "fe80::1"]
)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not webhooks.is_public_address(address)


def test_failing_endpoint_is_disabled_and_admins_told(client: Any, app: Any, receiver: WebhookReceiver) -> None:
    """After the last attempt the endpoint is disabled and every admin with alerts gets an email."""
    from dashboard_support import make_moderator

    from commentsvc.domain.notifications.alerts import AlertChoice, set_alert

    smtp = SmtpServer(free_port())
    try:
        app.config["COMMENTSVC_SMTP_URL"] = smtp.url
        with app.app_context():
            set_alert(db.session(), make_moderator(app), AlertChoice("admin@news.example", "en", None, None))
            db.session.commit()
        endpoint_id = add_endpoint(app, receiver, events="comment.created")
        receiver.statuses = [500] * webhooks.MAX_ATTEMPTS
        clock = Clock()
        worker = make_worker(app, clock)
        post(client)
        for _ in range(webhooks.MAX_ATTEMPTS):
            worker.drain()
            clock.advance(hours=10)
        worker.drain()
        assert len(receiver.received) == webhooks.MAX_ATTEMPTS
        with app.app_context():
            assert not webhooks.get_endpoint(db.session(), endpoint_id).active
        assert [m["Subject"] for m in smtp.messages] == [f"Webhook disabled: {receiver.url}"]
    finally:
        smtp.stop()


def test_redelivery_sends_the_same_event_again(client: Any, app: Any, receiver: WebhookReceiver) -> None:
    add_endpoint(app, receiver, events="comment.created")
    post(client)
    worker = make_worker(app)
    worker.drain()
    (delivery,) = deliveries(app)
    with app.app_context():
        webhooks.redeliver(db.session(), delivery.id, now=utcnow())
        db.session.commit()
    worker.drain()
    assert [item.json()["id"] for item in receiver.received] == [delivery.message_key] * 2


def test_cli_adds_and_lists_endpoints(runner: Any) -> None:
    added = runner.invoke(
        args=[
            "webhooks",
            "add",
            "https://cms.example/hook",
            "--secret",
            "0123456789abcdef",
            "--events",
            "comment.approved",
        ]
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(args=["webhooks", "list"])
    assert "https://cms.example/hook" in listed.output and "comment.approved" in listed.output
    refused = runner.invoke(args=["webhooks", "add", "ftp://x.example/", "--secret", "0123456789abcdef"])
    assert refused.exit_code != 0 and "http://" in refused.output
