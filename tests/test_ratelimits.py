"""Rate limits per client IP: 429 with Retry-After, recovery, and no way around them by forging headers."""

import pytest
from conftest import ARTICLE

from commentsvc.extensions import db

URL = "/api/v1/comments"


def post(client, n, headers=None, ip="203.0.113.7"):
    return client.post(
        URL,
        json={"article": ARTICLE, "name": "r", "body": f"body {n}"},
        headers=headers or {},
        environ_base={"REMOTE_ADDR": ip},
    )


@pytest.fixture
def app_config():
    return {"COMMENTSVC_RATELIMIT_POST": "3/minute", "COMMENTSVC_RATELIMIT_VOTE": "2/minute"}


def test_the_post_limit_answers_429_with_retry_after(client, time_machine):
    """The post limit answers 429 with Retry-After, then recovers."""
    time_machine.move_to("2026-05-01 10:00:00", tick=False)
    assert [post(client, n).status_code for n in range(3)] == [201, 201, 201]

    refused = post(client, 3)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60

    time_machine.move_to("2026-05-01 10:01:02", tick=False)
    assert post(client, 4).status_code == 201


def test_a_refused_post_stores_nothing(client):
    for n in range(4):
        post(client, n)
    assert client.get("/api/v1/counts", query_string={"article": ARTICLE}).get_json()["counts"][ARTICLE] == 3


def test_limits_are_per_client_ip(client):
    for n in range(3):
        post(client, n)
    assert post(client, 3).status_code == 429
    assert post(client, 4, ip="198.51.100.9").status_code == 201


def test_a_direct_clients_forged_x_forwarded_for_changes_nothing(client):
    """A forged X-Forwarded-For from a direct client changes nothing."""
    for n in range(3):
        post(client, n, headers={"X-Forwarded-For": f"192.0.2.{n}"})
    assert post(client, 3, headers={"X-Forwarded-For": "192.0.2.99"}).status_code == 429


def test_votes_have_their_own_limit(client, make_comment):
    comment = post(client, 0).get_json()
    statuses = [client.post(f"{URL}/{comment['id']}/vote", json={"value": 1}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_RATELIMIT_POST": "3/minute", "COMMENTSVC_TRUSTED_PROXIES": 1}])
def test_one_trusted_proxys_appended_address_is_the_client(app, client, app_config):
    """Behind one trusted proxy, the address it appended is the client."""
    from commentsvc.models import Comment

    for n in range(3):
        assert post(client, n, headers={"X-Forwarded-For": "192.0.2.10"}, ip="127.0.0.1").status_code == 201
    assert post(client, 3, headers={"X-Forwarded-For": "192.0.2.10"}, ip="127.0.0.1").status_code == 429
    # Another reader behind the same proxy has a limit of their own.
    forged_then_real = {"X-Forwarded-For": "1.2.3.4, 192.0.2.11"}
    assert post(client, 4, headers=forged_then_real, ip="127.0.0.1").status_code == 201
    with app.app_context():
        assert {c.client_ip for c in db.session.query(Comment)} == {"192.0.2.10", "192.0.2.11"}


@pytest.mark.parametrize(
    "app_config", [{"COMMENTSVC_RATELIMIT_ENABLED": False, "COMMENTSVC_RATELIMIT_POST": "1/minute"}]
)
def test_rate_limiting_can_be_switched_off_for_benchmarks(client, app_config):
    assert [post(client, n).status_code for n in range(3)] == [201, 201, 201]


def test_only_a_refusal_carries_retry_after(client):
    """Only a refusal carries Retry-After, so cached reads hold no per-client state."""
    invalid = client.post(URL, json={"article": ARTICLE, "body": ""})
    read = client.get("/api/v1/counts", query_string={"article": ARTICLE})
    for response in (invalid, read):
        assert "Retry-After" not in response.headers
        assert not [name for name in response.headers.keys() if name.startswith("X-RateLimit")]  # noqa: SIM118 (Headers iterate as pairs)
