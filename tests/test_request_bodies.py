"""A request body is acted on only when it arrived whole and within the limit (issue 17 R5, R6)."""

import io
import json
from typing import Any

from conftest import ARTICLE

BODY_LIMIT = 64 * 1024


def send(client: Any, data: bytes, *, content_length: int | None) -> Any:
    """As gunicorn hands a request over: wsgi.input_terminated set, Content-Length as the client declared."""
    environ = {"wsgi.input": io.BytesIO(data), "wsgi.input_terminated": True, "CONTENT_TYPE": "application/json"}
    if content_length is not None:
        environ["CONTENT_LENGTH"] = str(content_length)
    return client.post("/api/v1/comments", environ_overrides=environ)


def comment(body: str) -> bytes:
    return json.dumps({"article": ARTICLE, "body": body}).encode()


def count(client: Any) -> int:
    return client.get("/api/v1/comments", query_string={"article": ARTICLE}).get_json()["count"]


def test_a_chunked_body_over_the_limit_is_413(client: Any) -> None:
    """Regression: a chunked body over 64 KB was cut silently and answered 400 json_invalid."""
    response = send(client, comment("长" * BODY_LIMIT), content_length=None)

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_too_large"


def test_a_chunked_body_within_the_limit_is_posted(client: Any) -> None:
    response = send(client, comment("短短一句"), content_length=None)

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

    def closed_by_the_server(self: Session) -> None:
        raise OperationalError("ROLLBACK", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "close", closed_by_the_server)

    response = client.get("/healthz")

    assert response.status_code == 200 and response.get_json()["database"] == "ok"
