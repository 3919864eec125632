"""Limits: oversized bodies (413), deeply nested or malformed JSON (400), absurd limit/cursor values (400)
and too many articles in a counts request (400), on every endpoint that takes them; each answer is a
clear JSON error, and nothing stored changes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from commentsvc.extensions import db

URL = "/api/v1/comments"
COUNTS = "/api/v1/counts"
ARTICLE = "limits/article"


def _cursor(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.fixture
def seeded(client):
    top = client.post(URL, json={"article": ARTICLE, "body": "top"}).get_json()
    reply = client.post(URL, json={"article": ARTICLE, "body": "reply", "parent_id": top["id"]}).get_json()
    return {"top": top, "reply": reply}


def snapshot(app: Any, client: Any) -> dict[str, Any]:
    """Everything a reader can see plus every table's row count."""
    with app.app_context():
        rows = {table.name: db.session.execute(table.select()).fetchall() for table in db.metadata.sorted_tables}
    return {
        "thread": client.get(URL, query_string={"article": ARTICLE}).get_json(),
        "counts": client.get(COUNTS, query_string={"article": ARTICLE}).get_json(),
        "rows": {name: sorted(map(repr, table_rows)) for name, table_rows in rows.items()},
    }


def json_endpoints(seeded: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    top = seeded["top"]
    auth = {"Authorization": f"Bearer {top['edit_token']}"}
    return [
        ("POST", URL, {}),
        ("PATCH", f"{URL}/{top['id']}", auth),
        ("POST", f"{URL}/{top['id']}/vote", {}),
        ("POST", f"{URL}/{top['id']}/report", {}),
        ("POST", COUNTS, {}),
    ]


def assert_clear_error(response: Any, status: int) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] and error["message"]


def test_bodies_over_64_kb_are_413_on_every_endpoint(app, client, seeded):
    """Bodies over 64 KB are a 413 on every JSON endpoint and change nothing."""
    before = snapshot(app, client)
    oversized = {
        "long string": json.dumps(
            {"article": ARTICLE, "body": "长" * 30000, "value": 1, "reason": "spam", "articles": [ARTICLE]}
        ),
        "many keys": json.dumps({f"k{i}": i for i in range(10000)}),
        "just bytes": "x" * (64 * 1024 + 1),
    }

    for method, path, headers in json_endpoints(seeded):
        for _name, data in oversized.items():
            response = client.open(path, method=method, data=data, headers=headers, content_type="application/json")
            assert_clear_error(response, 413)

    assert snapshot(app, client) == before


MALFORMED = {
    "nested arrays": "[" * 30000 + "]" * 30000,
    "nested objects": '{"a":' * 10000 + "1" + "}" * 10000,
    "nested inside a field": '{"article": "x", "body": ' + "[" * 20000 + "]" * 20000 + "}",
    "truncated": '{"article": "x", "body": "unfinished',
    "trailing garbage": '{"article": "x", "body": "y"} trailing',
    "single quotes": "{'article': 'x', 'body': 'y'}",
    "empty": "",
    "whitespace": "   \n ",
    "null": "null",
    "number": "42",
    "string": '"a string"',
    "array": '[{"article": "x", "body": "y"}]',
    "integer with 5000 digits": '{"article": "x", "body": "y", "value": ' + "9" * 5000 + ', "articles": ["x"]}',
    "lone surrogate": '{"article": "x", "body": "\\ud800", "value": "\\udc00", "reason": "\\ud800", "articles": ["\\ud800"]}',
    "invalid utf-8": b'{"article": "x", "body": "\xff\xfe\xfd", "articles": ["\xff"]}',
    "nul byte": '{"article": "x", "body": "y"}\x00',
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_or_deeply_nested_json_is_400_everywhere(app, client, seeded, name):
    """Malformed or deeply nested JSON is a 400 on every JSON endpoint and changes nothing."""
    before = snapshot(app, client)

    for method, path, headers in json_endpoints(seeded):
        response = client.open(
            path, method=method, data=MALFORMED[name], headers=headers, content_type="application/json"
        )
        assert_clear_error(response, 400)

    assert snapshot(app, client) == before


def test_a_non_json_body_is_415_on_every_endpoint(app, client, seeded):
    """A body that is not JSON is a 415 on every JSON endpoint."""
    before = snapshot(app, client)

    for method, path, headers in json_endpoints(seeded):
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
            response = client.open(
                path, method=method, data="article=x&body=y", headers=headers, content_type=content_type
            )
            assert_clear_error(response, 415)

    assert snapshot(app, client) == before


ABSURD_LIMITS = ["0", "-1", "101", "1" + "0" * 20, "1e3", "0x10", " 5", "5 ", "5.0", "٣", "⁵", "", "NaN", "+5"]


@pytest.mark.parametrize("limit", ABSURD_LIMITS)
def test_absurd_limits_are_400_on_both_listings(client, seeded, limit):
    responses = [
        client.get(URL, query_string={"article": ARTICLE, "limit": limit}),
        client.get(f"{URL}/{seeded['top']['id']}/replies", query_string={"limit": limit}),
    ]

    for response in responses:
        assert_clear_error(response, 400)


ABSURD_CURSORS = {
    "garbage": "not-a-cursor",
    "too long": "A" * 10_000,
    "not base64 json": base64.urlsafe_b64encode(b"\x00\x01\x02").decode(),
    "json list": _cursor([1, 2]),  # type: ignore[arg-type]
    "id past the id column": _cursor({"k": "oldest", "id": 2**40}),
    "huge id": _cursor({"k": "replies", "id": 10**30}),
    "negative id": _cursor({"k": "replies", "id": -5}),
    "float id": _cursor({"k": "replies", "id": 1.5}),
    "string id": _cursor({"k": "replies", "id": "1"}),
    "boolean id": _cursor({"k": "oldest", "id": True}),
    "another listing": _cursor({"k": "hot", "id": 1, "s": 1.0}),
    "infinite score": base64.urlsafe_b64encode(b'{"k":"hot","id":1,"s":Infinity}').decode().rstrip("="),
    "non-ascii": "游标",
}


@pytest.mark.parametrize("name", ABSURD_CURSORS)
def test_absurd_cursors_are_400_on_both_listings(client, seeded, name):
    cursor = ABSURD_CURSORS[name]
    responses = [
        client.get(URL, query_string={"article": ARTICLE, "cursor": cursor}),
        client.get(f"{URL}/{seeded['top']['id']}/replies", query_string={"cursor": cursor}),
    ]

    for response in responses:
        assert_clear_error(response, 400)


def test_ids_past_the_id_column_are_404_not_500(client, seeded):
    """Regression: /api/v1/comments/4261137330901158335610880/report was a 500 (driver overflow).

    Ids past the id column are a 404, not a server error, on every comment route.
    """
    for huge in (2**31, 2**63, 10**30):
        responses = [
            client.get(f"{URL}/{huge}/replies"),
            client.patch(f"{URL}/{huge}", json={"body": "x"}, headers={"Authorization": "Bearer x"}),
            client.delete(f"{URL}/{huge}", headers={"Authorization": "Bearer x"}),
            client.post(f"{URL}/{huge}/vote", json={"value": 1}),
            client.post(f"{URL}/{huge}/report", json={"reason": "spam"}),
        ]
        for response in responses:
            assert_clear_error(response, 404)
    reply = client.post(URL, json={"article": ARTICLE, "body": "deep", "parent_id": 2**31})
    assert_clear_error(reply, 400)


@pytest.mark.parametrize("count, status", [(200, 200), (201, 400), (5000, 400)])
def test_counts_take_at_most_200_articles_either_way(app, client, seeded, count, status):
    """Counts take at most 200 articles, by GET or by POST."""
    before = snapshot(app, client)
    articles = [f"a/{i}" for i in range(count)]

    by_post = client.post(COUNTS, json={"articles": articles})
    by_get = client.get(COUNTS, query_string={"article": articles[:1000]})

    assert by_post.status_code == status
    assert by_get.status_code == status
    if status == 400:
        assert_clear_error(by_post, 400)
        assert_clear_error(by_get, 400)
    else:
        assert len(by_post.get_json()["counts"]) == count
    assert snapshot(app, client) == before


def test_nul_and_control_characters_in_report_notes_are_400(app, client, seeded):
    """Regression: a note with NUL was a 500 on PostgreSQL (text cannot hold NUL).

    NUL and control characters in a report note are a 400, not a server error.
    """
    before = snapshot(app, client)

    for note in ("a\x00b", "\x1b[31mred", "bell\x07"):
        response = client.post(f"{URL}/{seeded['top']['id']}/report", json={"reason": "other", "note": note})
        assert_clear_error(response, 400)
        assert response.get_json()["error"]["fields"] == {"note": "note_control_characters"}

    assert snapshot(app, client) == before


def test_a_user_agent_is_stored_without_its_control_characters(app, client):
    """Regression: a User-Agent with NUL made every post a 500 on PostgreSQL.

    A User-Agent with control characters is stored without them.
    """
    from commentsvc.models import Comment

    response = client.post(URL, json={"article": ARTICLE, "body": "agent"}, headers={"User-Agent": "probe\x00/1\x1b.0"})

    assert response.status_code == 201
    with app.app_context():
        assert db.session.get(Comment, response.get_json()["id"]).user_agent == "probe/1.0"


def test_a_lone_surrogate_in_any_json_string_is_400(app, client, seeded):
    """Regression: "\\ud800" in body, name, title, article or a counts list was a 500 (drivers cannot encode it).

    A lone surrogate in any JSON string is a 400, not a server error.
    """
    before = snapshot(app, client)

    for field in ("body", "name", "title", "article", "website", "email", "url", "site"):
        response = client.post(
            URL, data=json.dumps({"article": ARTICLE, "body": "ok", field: "x\ud800y"}), content_type="application/json"
        )
        assert_clear_error(response, 400)
    assert_clear_error(client.post(COUNTS, data='{"articles": ["\\udc00"]}', content_type="application/json"), 400)

    assert snapshot(app, client) == before


def test_a_limit_in_non_ascii_digits_is_400(client):
    """Regression: limit=⁰⁴⁵ passed str.isdigit() and then broke int() (a 500).

    A limit written in non-ASCII digits is a 400, not a server error.
    """
    for limit in ("⁰⁴⁵", "٣", "５"):
        assert_clear_error(client.get(URL, query_string={"article": ARTICLE, "limit": limit}), 400)
