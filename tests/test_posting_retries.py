"""Retries and failures of a post: Idempotency-Key scope and reuse, and what a failed write costs the reader."""

from typing import Any

import pytest
from conftest import ARTICLE, app_settings, free_port

URL = "/api/v1/comments"


def post(client: Any, key: str | None = None, ip: str = "203.0.113.7", **payload: Any) -> Any:
    body = {"article": ARTICLE, "name": "读者", "body": "hello"}
    body.update(payload)
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(URL, json=body, headers=headers, environ_base={"REMOTE_ADDR": ip})


def test_a_retry_from_another_address_gets_the_first_comment(client: Any) -> None:
    """Regression (issue 17 R2): keys were scoped by client IP, so a phone moving from Wi-Fi to 4G
    retried as a new post and got 409 duplicate_comment, never learning its comment's id."""
    first = post(client, key="k-wifi", ip="198.51.100.1", body="signal lost")
    retry = post(client, key="k-wifi", ip="203.0.113.99", body="signal lost")

    assert first.status_code == 201 and retry.status_code == 201
    assert retry.get_json()["id"] == first.get_json()["id"]
    assert client.get(URL, query_string={"article": ARTICLE}).get_json()["count"] == 1


def test_reusing_a_key_with_another_body_is_422(client: Any) -> None:
    """Regression (issue 17 item 12): a reused key with a different body silently returned the first comment."""
    post(client, key="k-reuse", body="first words")
    reused = post(client, key="k-reuse", body="other words")

    assert reused.status_code == 422
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert client.get(URL, query_string={"article": ARTICLE}).get_json()["count"] == 1


def test_keys_are_per_site(client: Any) -> None:
    """One key on two sites names two posts: a site cannot replay another site's comment."""
    here = post(client, key="k-site", body="same words")
    there = post(client, key="k-site", body="same words", site="other.example")

    assert here.status_code == there.status_code == 201
    assert here.get_json()["id"] != there.get_json()["id"]


def test_a_retrys_own_first_attempt_is_replayed_not_409(client: Any, db_session: Any) -> None:
    """Regression (issue 17 R2): the first attempt committed between the retry's key check and its
    duplicate-body check on another server; the retry got 409 instead of its comment.

    A duplicate found before the key is the retry it answers.
    """
    from sqlalchemy import delete, select

    from commentsvc.models import IdempotencyKey

    first = post(client, key="k-race", body="raced").get_json()
    # Play the race: the duplicate check sees the stored comment while the key check saw nothing yet.
    entry = db_session.scalars(select(IdempotencyKey).where(IdempotencyKey.key == "k-race")).one()
    kept = {
        "site": entry.site,
        "key": entry.key,
        "request_hash": entry.request_hash,
        "comment_id": entry.comment_id,
        "created_at": entry.created_at,
    }
    db_session.execute(delete(IdempotencyKey))
    db_session.commit()
    without_key = post(client, key=None, body="raced")
    db_session.add(IdempotencyKey(**kept))
    db_session.commit()
    retry = post(client, key="k-race", body="raced")

    assert without_key.status_code == 409
    assert retry.status_code == 201 and retry.get_json()["id"] == first["id"]


def test_failed_503_posts_do_not_use_up_the_limit(tmp_path: Any) -> None:
    """Regression (issue 17 item 13): posts refused with 503 (database down) still counted against the
    reader's rate limit, so after an outage honest readers were told to wait.

    Posts that fail with 503 do not use up the limit.
    """
    from commentsvc import create_app

    down = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/commentsvc"
    app = create_app(app_settings(down, tmp_path / "instance", COMMENTSVC_RATELIMIT_POST="2/minute"))
    client = app.test_client()

    statuses = [post(client, body=f"try {n}").status_code for n in range(4)]

    assert statuses == [503, 503, 503, 503]


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_RATELIMIT_POST": "2/minute"}])
def test_refused_posts_still_count_against_the_limit(client: Any) -> None:
    """The bound still holds for what the server did answer: 4xx refusals are writes a bot can repeat."""
    statuses = [post(client, body="").status_code for _ in range(3)]

    assert statuses == [400, 400, 429]
