"""Issue 18: trust and per-reader limits. A reader is a signed identity (plus their email): the first
comments of a new one can be held, a trusted one skips the link hold, moderators' decisions move
trust, and rate limits count readers, not addresses."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ARTICLE
from dashboard_support import log_in, make_moderator, post

POST = "/api/v1/comments"
LINKS = "see https://www.reuters.com/a and https://www.bbc.com/b"


def new_identity(client: Any) -> dict[str, str]:
    identity = client.post("/api/v1/form-tokens", json={"article": ARTICLE}).get_json()["identity"]
    return {"X-Commentsvc-Identity": identity}


def say(client: Any, body: str, headers: dict[str, str], **fields: Any) -> Any:
    return client.post(POST, json={"article": ARTICLE, "name": "读者", "body": body, **fields}, headers=headers)


def moderate(app: Any, client: Any, comment_id: int, action: str) -> None:
    if not getattr(client, "csrf", None):
        make_moderator(app)
        log_in(client)
    response = post(client, "/dashboard/comments/action", {"ids": comment_id, "action": action})
    assert response.status_code == 302


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_TRUST_FIRST": 2}])
def test_a_new_readers_first_comments_wait_for_review(client: Any) -> None:
    reader = new_identity(client)

    statuses = [say(client, f"comment {n}", reader).get_json()["status"] for n in range(3)]

    assert statuses == ["pending", "pending", "approved"]


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_TRUST_FIRST": 1}])
def test_held_first_comments_say_why_in_the_queue(app: Any, client: Any) -> None:
    say(client, "my first words", new_identity(client))
    make_moderator(app)
    log_in(client)

    assert "new reader, first comments reviewed" in client.get("/dashboard/queue/pending?lang=en").get_data(
        as_text=True
    )


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_TRUST_FIRST": 1}])
def test_an_email_counts_as_the_same_reader_across_identities(client: Any) -> None:
    say(client, "first", new_identity(client), email="reader@example.com")

    assert say(client, "second", new_identity(client), email="reader@example.com").get_json()["status"] == "approved"


def test_trust_first_is_off_by_default(client: Any) -> None:
    assert say(client, "first ever", new_identity(client)).get_json()["status"] == "approved"


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MAX_LINKS": 1}])
def test_an_unknown_reader_with_many_links_is_held(client: Any) -> None:
    assert say(client, LINKS, new_identity(client)).get_json()["status"] == "pending"


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MAX_LINKS": 1}])
def test_a_trusted_reader_skips_the_link_hold(app: Any, client: Any) -> None:
    reader = new_identity(client)
    first = say(client, LINKS, reader).get_json()
    moderate(app, client, first["id"], "approve")

    assert say(client, LINKS + " again", reader).get_json()["status"] == "approved"


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MAX_LINKS": 1}])
def test_a_rejection_takes_trust_away(app: Any, client: Any) -> None:
    reader = new_identity(client)
    approved = say(client, LINKS, reader).get_json()
    moderate(app, client, approved["id"], "approve")
    rejected = say(client, "rude words", reader).get_json()
    moderate(app, client, rejected["id"], "reject")

    assert say(client, LINKS + " once more", reader).get_json()["status"] == "pending"


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MAX_LINKS": 1}])
def test_this_is_not_spam_gives_trust_back(app: Any, client: Any) -> None:
    reader = new_identity(client)
    caught = say(client, LINKS, reader, homepage="autofilled").get_json()
    moderate(app, client, caught["id"], "approve")

    assert say(client, LINKS + " later", reader).get_json()["status"] == "approved"


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_RATELIMIT_POST_IDENTITY": "2/minute"}])
def test_one_reader_rotating_addresses_is_still_one_reader(client: Any) -> None:
    reader = new_identity(client)
    statuses = []
    for n in range(3):
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        statuses.append(say(client, f"from address {n}", reader).status_code)

    assert statuses == [201, 201, 429]


@pytest.mark.parametrize(
    "app_config", [{"COMMENTSVC_RATELIMIT_POST": "2/minute", "COMMENTSVC_RATELIMIT_POST_IDENTITY": "2/minute"}]
)
def test_a_crowd_behind_one_address_is_many_readers(client: Any) -> None:
    statuses = [say(client, f"student {n}", new_identity(client)).status_code for n in range(5)]

    assert statuses == [201] * 5


@pytest.mark.parametrize(
    "app_config", [{"COMMENTSVC_RATELIMIT_POST": "10/minute", "COMMENTSVC_RATELIMIT_POST_ADDRESS": "3/minute"}]
)
def test_a_crowd_behind_one_address_still_has_the_address_limit(client: Any) -> None:
    statuses = [say(client, f"student {n}", new_identity(client)).status_code for n in range(4)]

    assert statuses == [201, 201, 201, 429]


@pytest.mark.parametrize(
    "app_config", [{"COMMENTSVC_RATELIMIT_POST": "2/minute", "COMMENTSVC_RATELIMIT_POST_ADDRESS": "100/minute"}]
)
def test_a_forged_identity_counts_as_none(client: Any) -> None:
    forged = {"X-Commentsvc-Identity": "forged.identity"}

    statuses = [say(client, f"forged {n}", forged).status_code for n in range(3)]

    assert statuses == [201, 201, 429]
