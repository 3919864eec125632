"""A request body is acted on only when it arrived whole and within the limit (issue 17 R5, R6)."""

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ARTICLE

BODY_LIMIT = 64 * 1024


def send(client: Any, data: bytes, *, content_length: int | None) -> Any:
    """As gunicorn hands a request over: wsgi.input_terminated set, Content-Length as the client declared."""
    environ = {"wsgi.input": io.BytesIO(data), "wsgi.input_terminated": True, "CONTENT_TYPE": "application/json"}
    if content_length is not None:
        environ["CONTENT_LENGTH"] = str(content_length)
    return client.post("/api/v1/comments", environ_overrides=environ)


def comment(body: str, **fields: Any) -> bytes:
    return json.dumps({"article": ARTICLE, "body": body, **fields}).encode()


def count(client: Any) -> int:
    return client.get("/api/v1/comments", query_string={"article": ARTICLE}).get_json()["count"]


def test_a_chunked_body_over_the_limit_is_413(client: Any) -> None:
    """Regression: a chunked body over 64 KB was cut silently and answered 400 json_invalid."""
    response = send(client, comment("长" * BODY_LIMIT), content_length=None)

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_too_large"


def test_a_chunked_body_within_the_limit_is_posted(client: Any) -> None:
    token = client.post("/api/v1/form-tokens", json={"article": ARTICLE}).get_json()["form_token"]

    response = send(client, comment("短短一句", form_token=token), content_length=None)

    assert response.status_code == 201 and count(client) == 1


def test_a_body_shorter_than_declared_is_not_acted_on(client: Any) -> None:
    """Regression: a body shorter than its Content-Length (the client hung up) was stored, unanswered."""
    data = comment("说到一半")

    response = send(client, data, content_length=len(data) + 40)

    assert response.status_code == 400
    assert count(client) == 0


def test_a_connection_lost_at_teardown_still_answers(app: Any, client: Any, monkeypatch: Any) -> None:
    """Regression (R3): after a PostgreSQL restart the session teardown's ROLLBACK failed on a closed
    connection and escaped the error handlers: gunicorn's HTML 500 instead of the finished answer."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    real_close = Session.close

    def closed_by_the_server(self: Session) -> None:
        real_close(self)  # the pool still gets its connection back, so the test leaks nothing
        raise OperationalError("ROLLBACK", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "close", closed_by_the_server)

    response = client.get("/healthz")

    assert response.status_code == 200 and response.get_json()["database"] == "ok"


@pytest.fixture
def database_gone_after_commit(app: Any, monkeypatch: Any) -> Iterator[None]:
    """Every statement after the request's commit fails, as when the database restarts right then."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from commentsvc.extensions import db

    gone = {"now": False}
    with app.app_context():
        engine = db.engine
        session_class = type(db.session())

    @event.listens_for(engine, "before_cursor_execute")
    def refuse(*_args: Any) -> None:
        if gone["now"]:
            raise OperationalError("SELECT", {}, Exception("the database went away"))

    real_commit = session_class.commit

    def commit_then_go(self: Any) -> None:
        real_commit(self)
        gone["now"] = True

    monkeypatch.setattr(session_class, "commit", commit_then_go)
    yield
    gone["now"] = False
    event.remove(engine, "before_cursor_execute", refuse)
    engine.dispose()


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [("PATCH", "", {"body": "改过的内容"}), ("DELETE", "", None), ("POST", "/vote", {"value": 1})],
)
def test_a_stored_change_is_answered_as_stored(
    app: Any, client: Any, make_comment: Any, method: str, path: str, payload: Any, request: Any
) -> None:
    """Regression (R4): PATCH, DELETE and vote committed, then reloaded the comment to build the answer;
    when that reload failed the client got 503 although the change was stored."""
    comment = make_comment(body="原来的内容")
    request.getfixturevalue("database_gone_after_commit")

    response = client.open(
        f"/api/v1/comments/{comment['id']}{path}",
        method=method,
        json=payload,
        headers={"Authorization": f"Bearer {comment['edit_token']}"},
    )

    assert response.status_code == 200, response.get_json()
