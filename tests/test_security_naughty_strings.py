"""The Big List of Naughty Strings in every field: never a 5xx, and what is accepted is stored and
served exactly as documented (NFC, trimmed; names with control or zero-width characters refused)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

import pytest
from security.apps import assert_handled, dispose, record_counts, sqlite_app, thread_comments
from security.corpus import blns_entries, normalised_body
from security.invariants import unsafe_html_findings
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Comment

URL = "/api/v1/comments"
# What the API documents it refuses: C0/C1 controls (a body keeps tab and newline) and, in names,
# zero-width and bidi-override characters.
BODY_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
NAME_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
ANONYMOUS = "网友"


@pytest.fixture(scope="module")
def naughty() -> list[str]:
    return [entry["string"] for entry in blns_entries()]


@pytest.fixture
def blns_app(sqlite_url, tmp_path):
    application = sqlite_app(sqlite_url, tmp_path)
    yield application
    dispose(application)


def _post(client: Any, **fields: Any) -> Any:
    payload = {"article": "blns", "name": "n", "body": "b"}
    payload.update(fields)
    response = client.post(URL, json=payload)
    assert_handled(response, repr(fields)[:200])
    return response


def _field_error(response: Any) -> dict[str, str]:
    return response.get_json()["error"].get("fields", {})


def test_every_naughty_body_is_stored_exactly_or_refused(blns_app, naughty):
    """Every naughty string as a body is stored exactly (after normalisation) or refused."""
    client = blns_app.test_client()
    outcomes: Counter = Counter()
    stored: dict[int, str] = {}

    for index, text in enumerate(naughty):
        response = _post(client, article=f"blns/body/{index}", body=text)
        outcomes[response.status_code] += 1
        expected = normalised_body(text)
        if response.status_code == 201:
            comment = response.get_json()
            stored[comment["id"]] = expected
            assert unsafe_html_findings(comment["html"]) == [], text
        else:
            assert response.status_code == 400 and "body" in _field_error(response), text
            assert not expected or BODY_CONTROL.search(expected), f"refused a documented-valid body {text!r}"

    with blns_app.app_context():
        rows = dict(db.session.execute(select(Comment.id, Comment.body_source)).all())
    assert rows == stored
    for index in range(len(naughty)):
        for comment in thread_comments(client, f"blns/body/{index}"):
            assert unsafe_html_findings(comment["html"]) == []
    record_counts("blns_bodies", {"strings": len(naughty), "outcomes": dict(outcomes)})


def test_every_naughty_name_is_served_exactly_or_refused(blns_app, naughty):
    """Every naughty string as a name is served exactly, or refused when it hides characters."""
    client = blns_app.test_client()
    outcomes: Counter = Counter()

    for index, text in enumerate(naughty):
        article = f"blns/name/{index}"
        response = _post(client, article=article, name=text)
        outcomes[response.status_code] += 1
        expected = unicodedata.normalize("NFC", text).strip() or ANONYMOUS
        if response.status_code == 201:
            assert not NAME_FORBIDDEN.search(expected), f"accepted a name with hidden characters {text!r}"
            assert [comment["name"] for comment in thread_comments(client, article)] == [expected]
        else:
            assert response.status_code == 400 and "name" in _field_error(response), text
            assert NAME_FORBIDDEN.search(expected) or len(expected) > 64, f"refused a documented-valid name {text!r}"
    record_counts("blns_names", {"strings": len(naughty), "outcomes": dict(outcomes)})
    assert outcomes[201] > 400


def test_naughty_article_ids_round_trip_through_threads_and_counts(blns_app, naughty):
    """Every naughty string as an article id round-trips through threads and counts."""
    client = blns_app.test_client()
    outcomes: Counter = Counter()

    for text in naughty:
        response = _post(client, article=text, body="article test")
        outcomes[response.status_code] += 1
        expected = unicodedata.normalize("NFC", text).strip()
        if response.status_code == 201:
            thread = client.get(URL, query_string={"article": text}).get_json()
            assert (thread["article"], thread["count"]) == (expected, 1), text
            counts = client.post("/api/v1/counts", json={"articles": [text]})
            assert counts.status_code == 200
            assert counts.get_json()["counts"] == {expected: 1}
        else:
            assert response.status_code in (400, 409) and (
                response.status_code == 409 or "article" in _field_error(response)
            )
    record_counts("blns_articles", {"strings": len(naughty), "outcomes": dict(outcomes)})
    assert outcomes[201] > 400


def test_every_naughty_title_is_kept_as_text(blns_app, naughty):
    """Every naughty string as a title is kept as text."""
    client = blns_app.test_client()

    for index, text in enumerate(naughty):
        article = f"blns/title/{index}"
        response = _post(client, article=article, title=text)
        assert response.status_code == 201, text
        title = client.get(URL, query_string={"article": article}).get_json()["title"]
        expected = re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", unicodedata.normalize("NFC", text)).strip()[:512] or None
        assert title == expected, text


@pytest.mark.parametrize("field", ["site", "website", "email", "url", "parent_id"])
def test_naughty_other_post_fields_are_accepted_or_refused_cleanly(blns_app, naughty, field):
    """Every naughty string in the other post fields is accepted or refused cleanly."""
    client = blns_app.test_client()
    outcomes: Counter = Counter()

    for index, text in enumerate(naughty):
        response = _post(client, article=f"blns/{field}/{index}", **{field: text})
        outcomes[response.status_code] += 1
        if response.status_code == 400:
            assert field in _field_error(response), text
        elif field == "website":
            assert response.get_json()["website"] == (text.strip() or None)
    record_counts(f"blns_{field}", {"strings": len(naughty), "outcomes": dict(outcomes)})


def test_naughty_votes_reports_and_query_parameters_are_answered_cleanly(blns_app, naughty):
    """Every naughty string in votes, reports and query parameters is answered cleanly."""
    client = blns_app.test_client()
    comment = _post(client, article="blns/target", body="target").get_json()
    requests = 0

    for text in naughty:
        responses = [
            client.post(f"{URL}/{comment['id']}/vote", json={"value": text}),
            client.post(f"{URL}/{comment['id']}/report", json={"reason": text}),
            client.post(f"{URL}/{comment['id']}/report", json={"reason": "other", "note": text}),
            client.patch(f"{URL}/{comment['id']}", json={"body": text}, headers={"Authorization": f"Bearer {text}"}),
            client.get(URL, query_string={"article": "blns/target", "sort": text}),
            client.get(URL, query_string={"article": "blns/target", "cursor": text}),
            client.get(URL, query_string={"article": "blns/target", "limit": text}),
            client.get(URL, query_string={"article": "blns/target", "site": text}),
            client.get(f"{URL}/{comment['id']}/replies", query_string={"cursor": text}),
            client.get("/api/v1/counts", query_string={"article": text}),
        ]
        if text.isascii() and "\n" not in text and "\r" not in text:
            responses.append(
                client.post(
                    URL, json={"article": "blns/key", "body": "keyed " + text}, headers={"Idempotency-Key": text}
                )
            )
        for response in responses:
            assert_handled(response, repr(text))
        requests += len(responses)
    record_counts("blns_other_inputs", {"strings": len(naughty), "requests": requests})
