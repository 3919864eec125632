"""Votes are one per reader (a server-signed voter id per browser), not one per IP address (issue 17 item 5)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import test_widget_browser
from conftest import ARTICLE
from test_widget_browser import new_article, open_widget, seed

# The widget browser tests' live server and publisher's site, for the one browser test here.
server = test_widget_browser.server
host_site = test_widget_browser.host_site

URL = "/api/v1/comments"
NAT = "198.51.100.40"


def vote(client: Any, comment_id: int, value: int, voter: str | None = None, ip: str = NAT) -> Any:
    headers = {"X-Commentsvc-Voter": voter} if voter is not None else {}
    return client.post(
        f"{URL}/{comment_id}/vote", json={"value": value}, headers=headers, environ_base={"REMOTE_ADDR": ip}
    )


def new_voter(client: Any, comment_id: int) -> str:
    """A reader's first vote, withdrawn at once: the server answers with the voter id it issued."""
    voter: str = vote(client, comment_id, 0).get_json()["voter"]
    return voter


def shown_votes(client: Any) -> tuple[int, int]:
    shown = client.get(URL, query_string={"article": ARTICLE}).get_json()["comments"][0]
    return shown["likes"], shown["dislikes"]


def test_two_readers_behind_one_address_both_count(client: Any, make_comment: Any) -> None:
    """Broke: a second reader behind the same NAT saw their 顶 pressed but not counted."""
    comment = make_comment()
    first, second = new_voter(client, comment["id"]), new_voter(client, comment["id"])
    assert first != second
    assert vote(client, comment["id"], 1, first).get_json()["likes"] == 1
    assert vote(client, comment["id"], 1, second).get_json()["likes"] == 2
    assert shown_votes(client) == (2, 0)


def test_one_readers_dislike_leaves_anothers_like_alone(client: Any, make_comment: Any) -> None:
    """Broke: a second reader's 踩 behind the same NAT undid the first reader's 顶."""
    comment = make_comment()
    first, second = new_voter(client, comment["id"]), new_voter(client, comment["id"])
    vote(client, comment["id"], 1, first)
    assert vote(client, comment["id"], -1, second).get_json() == {"id": comment["id"], "likes": 1, "dislikes": 1}
    assert vote(client, comment["id"], 0, second).get_json() == {"id": comment["id"], "likes": 1, "dislikes": 0}
    assert shown_votes(client) == (1, 0)


def test_a_reader_keeps_one_vote_across_addresses(client: Any, make_comment: Any) -> None:
    """Broke: the vote was the address's, so a reader's phone changing networks voted twice."""
    comment = make_comment()
    voter = new_voter(client, comment["id"])
    vote(client, comment["id"], 1, voter, ip="203.0.113.5")
    answer = vote(client, comment["id"], 1, voter, ip="2001:db8::5").get_json()
    assert answer == {"id": comment["id"], "likes": 1, "dislikes": 0}


def test_a_first_vote_is_answered_with_a_voter_id(client: Any, make_comment: Any) -> None:
    """Broke: the widget had no voter id to keep; the first vote's answer must hand one out."""
    comment = make_comment()
    answer = vote(client, comment["id"], 1).get_json()
    assert answer["likes"] == 1 and isinstance(answer["voter"], str) and answer["voter"]
    assert "voter" not in vote(client, comment["id"], -1, answer["voter"]).get_json()
    assert shown_votes(client) == (0, 1)


def test_a_forged_voter_id_counts_as_no_voter(client: Any, make_comment: Any) -> None:
    """Broke: an unsigned voter header must not name a reader; it gets a new voter id instead."""
    comment = make_comment()
    real = new_voter(client, comment["id"])
    vote(client, comment["id"], 1, real)
    payload, _, signature = real.partition(".")
    for forged in ("someone-else", payload + ".AAAA" + signature[4:], "x" * 5000):
        answer = vote(client, comment["id"], -1, forged).get_json()
        assert answer["voter"] not in (forged, real)
    # Every forged vote was a new reader's: the real reader's like is still there.
    assert shown_votes(client) == (1, 3)


def test_cors_preflight_allows_the_voter_header(client: Any, make_comment: Any) -> None:
    """Broke: a browser on another origin could not send X-Commentsvc-Voter past the preflight."""
    comment = make_comment()
    response = client.options(
        f"{URL}/{comment['id']}/vote",
        headers={
            "Origin": "https://news.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-commentsvc-voter",
        },
    )
    assert "x-commentsvc-voter" in response.headers.get("Access-Control-Allow-Headers", "").lower()


@pytest.mark.browser
def test_two_browsers_on_one_machine_vote_apart(
    browser: Any,
    server: Any,
    host_site: Any,
) -> None:
    """Broke: a second browser behind the same address saw its 顶 pressed but not counted."""
    article = new_article()
    seed(server, article, 1)
    contexts = [browser.new_context(), browser.new_context()]
    try:
        likes = []
        for context in contexts:
            widget = open_widget(context.new_page(), host_site.page_url(article))
            like = widget.locator("article.commentsvc-comment").first.get_by_role("button", name=re.compile("^顶"))
            like.click()
            likes.append(like)
        likes[1].page.wait_for_function(
            "() => document.querySelector('#comments').shadowRoot.querySelector('[aria-pressed=true]')"
        )
        assert likes[1].inner_text().replace("\xa0", " ") == "顶 2"
        likes[0].click()  # the first reader withdraws their own like, and only theirs
        likes[0].page.wait_for_function(
            "() => !document.querySelector('#comments').shadowRoot.querySelector('[aria-pressed=true]')"
        )
        assert likes[0].inner_text().replace("\xa0", " ") == "顶 1"
    finally:
        for context in contexts:
            context.close()


def test_cors_preflight_allows_the_identity_header_every_write_sends(client: Any, make_comment: Any) -> None:
    """Broke: the widget on a publisher's page sends X-Commentsvc-Identity, which the preflight refused."""
    response = client.options(
        "/api/v1/form-tokens",
        headers={
            "Origin": "https://news.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-commentsvc-identity",
        },
    )
    assert "x-commentsvc-identity" in response.headers.get("Access-Control-Allow-Headers", "").lower()


def test_the_identity_from_form_tokens_is_the_voter_under_either_header_name(client: Any, make_comment: Any) -> None:
    """One reader, one identity: the form-tokens answer's identity votes as the same reader whether the
    widget sends it as X-Commentsvc-Identity or as the older X-Commentsvc-Voter."""
    comment_id = make_comment()["id"]
    identity = client.post("/api/v1/form-tokens", json={"article": ARTICLE}).get_json()["identity"]
    first = client.post(
        f"{URL}/{comment_id}/vote", json={"value": 1}, headers={"X-Commentsvc-Identity": identity}
    ).get_json()
    again = vote(client, comment_id, 1, voter=identity)
    assert "voter" not in first and "voter" not in again.get_json()
    assert shown_votes(client) == (1, 0)
