"""Client IP: with COMMENTSVC_TRUSTED_PROXIES=0 a forged X-Forwarded-For changes nothing (stored address,
rate-limit key, vote identity); with 1, the address the proxy appended is the client everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from commentsvc.extensions import db
from commentsvc.models import Comment

URL = "/api/v1/comments"
SOCKET = "192.0.2.50"
FORGED_HEADERS = (
    {"X-Forwarded-For": "198.51.100.1"},
    {"X-Forwarded-For": "198.51.100.2, 198.51.100.3"},
    {"X-Real-IP": "198.51.100.4"},
    {"Forwarded": "for=198.51.100.5"},
    {"X-Forwarded-For": "127.0.0.1"},
    {"X-Client-IP": "198.51.100.6", "True-Client-IP": "198.51.100.7", "CF-Connecting-IP": "198.51.100.8"},
)


def post(client: Any, n: int, headers: dict[str, str], socket: str = SOCKET) -> Any:
    return client.post(
        URL, json={"article": "ip", "body": f"comment {n}"}, headers=headers, environ_base={"REMOTE_ADDR": socket}
    )


def stored_ips(app: Any) -> list[str]:
    """Read after the requests, in an app context of its own (a pushed context would share its session)."""
    with app.app_context():
        return [comment.client_ip for comment in db.session.query(Comment).order_by(Comment.id)]


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_TRUSTED_PROXIES": 0, "COMMENTSVC_RATELIMIT_POST": "6/minute"}])
def test_without_trusted_proxies_forged_headers_keep_address_and_limit(app, client, app_config):
    """Without trusted proxies, forged headers change neither the stored address nor the limit."""
    statuses = [post(client, n, headers).status_code for n, headers in enumerate(FORGED_HEADERS)]
    over = post(client, 99, {"X-Forwarded-For": "198.51.100.99"})

    assert statuses == [201] * len(FORGED_HEADERS)
    assert over.status_code == 429
    assert stored_ips(app) == [SOCKET] * len(FORGED_HEADERS)


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_TRUSTED_PROXIES": 0, "COMMENTSVC_RATELIMIT_VOTE": "3/minute"}])
def test_without_trusted_proxies_forged_headers_buy_no_extra_votes(client, make_comment, app_config):
    """Without trusted proxies, a forged header buys no vote past the address's vote limit.

    Votes are per reader (a signed voter id, issue 17 item 5), so a client that throws its id away
    votes again as a new reader; what bounds it is the per-address limit, which forged headers
    do not move."""
    comment = make_comment(body="vote target")
    statuses = [
        client.post(
            f"{URL}/{comment['id']}/vote", json={"value": 1}, headers={"X-Forwarded-For": f"198.51.100.{n}"}
        ).status_code
        for n in range(5)
    ]

    thread = client.get(URL, query_string={"article": "news/2024/09/16/blinken-condemns-russia"}).get_json()
    assert statuses == [200, 200, 200, 429, 429]
    assert thread["comments"][0]["likes"] == 3


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_TRUSTED_PROXIES": 1, "COMMENTSVC_RATELIMIT_POST": "2/minute"}])
def test_one_proxys_appended_address_is_stored_and_limited(app, client, app_config):
    """Behind one proxy, the appended address is stored and limited, and forged prefixes are ignored."""
    proxy = "10.0.0.2"
    alice = [
        post(client, n, {"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.7"}, socket=proxy).status_code for n in range(3)
    ]
    bob = post(client, 10, {"X-Forwarded-For": "203.0.113.8"}, socket=proxy).status_code

    # Alice rotated the forged first entry each time; the proxy's appended entry still named her.
    assert alice == [201, 201, 429]
    assert bob == 201
    assert stored_ips(app) == ["203.0.113.7", "203.0.113.7", "203.0.113.8"]


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_TRUSTED_PROXIES": 1, "COMMENTSVC_RATELIMIT_VOTE": "2/minute"}])
def test_behind_one_proxy_votes_are_limited_per_appended_address(client, make_comment, app_config):
    """Behind one proxy, the vote limit counts the appended address, whatever forged entries precede it."""
    comment = make_comment(body="vote target", headers={"X-Forwarded-For": "203.0.113.1"})
    forged = [
        client.post(
            f"{URL}/{comment['id']}/vote", json={"value": 1}, headers={"X-Forwarded-For": f"{prefix}, 203.0.113.20"}
        ).status_code
        for prefix in ("1.1.1.1", "2.2.2.2", "3.3.3.3")
    ]
    other = client.post(f"{URL}/{comment['id']}/vote", json={"value": 1}, headers={"X-Forwarded-For": "203.0.113.21"})

    thread = client.get(URL, query_string={"article": "news/2024/09/16/blinken-condemns-russia"}).get_json()
    assert forged == [200, 200, 429] and other.status_code == 200
    assert thread["comments"][0]["likes"] == 3


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_TRUSTED_PROXIES": 1}])
def test_behind_one_proxy_a_headerless_request_is_the_proxy(app, client, app_config):
    """Behind one proxy, a request without the header is the proxy itself."""
    assert post(client, 1, {}, socket="10.0.0.2").status_code == 201

    assert stored_ips(app) == ["10.0.0.2"]
