"""Issue 18: a reader's full history is one click away from any of their comments, by author email,
identity or address, and "reject all from this reader" is one audited action."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import ARTICLE
from dashboard_support import log_in, make_moderator, post, thread_json


@pytest.fixture
def moderator_client(app: Any, client: Any) -> Any:
    make_moderator(app)
    log_in(client)
    return client


def identity(client: Any) -> dict[str, str]:
    answer = client.post("/api/v1/form-tokens", json={"article": ARTICLE}).get_json()
    return {"X-Commentsvc-Identity": answer["identity"]}


def say(client: Any, body: str, headers: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    response = client.post(POST, json={"article": ARTICLE, "body": body, **fields}, headers=headers or {})
    assert response.status_code == 201
    return response.get_json()


POST = "/api/v1/comments"


def history_link(html: str, comment_id: int, by: str) -> str:
    item = html.split(f'data-comment-id="{comment_id}"', 1)[1].split("</article>", 1)[0]
    match = re.search(rf'href="([^"]+)" data-history-link="{by}"', item)
    assert match, f"no {by} history link"
    return match.group(1).replace("&amp;", "&")


def test_an_identitys_history_is_one_click_from_its_comment(moderator_client: Any) -> None:
    reader = identity(moderator_client)
    first = say(moderator_client, "first from the reader", reader)
    say(moderator_client, "second from the reader", reader)
    say(moderator_client, "someone else", identity(moderator_client))

    queue = moderator_client.get("/dashboard/queue/approved?lang=en").get_data(as_text=True)
    page = moderator_client.get(history_link(queue, first["id"], "identity")).get_data(as_text=True)

    assert "first from the reader" in page and "second from the reader" in page
    assert "someone else" not in page


def test_an_authors_history_lists_every_status(moderator_client: Any) -> None:
    kept = say(moderator_client, "kept one", email="writer@example.com")
    caught = say(moderator_client, "caught one", email="writer@example.com", homepage="x")

    queue = moderator_client.get("/dashboard/queue/spam?lang=en").get_data(as_text=True)
    page = moderator_client.get(history_link(queue, caught["id"], "author")).get_data(as_text=True)

    assert f'data-comment-id="{kept["id"]}"' in page and f'data-comment-id="{caught["id"]}"' in page


def test_reject_all_from_an_address_rejects_its_shown_comments_only(moderator_client: Any) -> None:
    moderator_client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    say(moderator_client, "advert one")
    say(moderator_client, "advert two")
    moderator_client.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    say(moderator_client, "an honest reader")

    response = post(moderator_client, "/dashboard/history/reject-all", {"by": "ip", "value": "203.0.113.9"})

    assert response.status_code == 302
    assert [c["html"] for c in thread_json(moderator_client, ARTICLE)["comments"]] == ["<p>an honest reader</p>"]
    audit = moderator_client.get("/dashboard/audit?lang=en").get_data(as_text=True)
    assert "reject_all" in audit


def test_a_history_without_a_reader_is_a_clear_400(moderator_client: Any) -> None:
    response = moderator_client.get("/dashboard/history?by=shoe-size&value=42")

    assert response.status_code == 400
    assert "author, identity or ip" in response.get_data(as_text=True)
