"""One error shape under /api/: JSON with a code and a message, never a stack trace."""

import pytest
from sqlalchemy.exc import OperationalError


def test_an_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_wrong_method_is_json_405_with_allow(client):
    response = client.put("/api/v1/comments")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_failure_is_a_json_500_without_internals(app, client, monkeypatch):
    from commentsvc.domain import participants

    def explode(*_args, **_kwargs):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(participants, "count_participation", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/api/v1/counts", query_string={"article": "a"})
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {"code": "internal_error", "message": "Something went wrong on our side. Try again later."}
    }
    assert b"secret internals" not in response.data and b"Traceback" not in response.data


def test_a_database_outage_is_a_json_503(app, client, monkeypatch):
    from commentsvc.domain import participants

    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(participants, "count_participation", unreachable)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/api/v1/counts", query_string={"article": "a"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"


def test_healthz_is_200_when_the_database_answers(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok", "ratelimit_storage": "memory"}


def test_healthz_is_503_json_when_the_database_is_down(make_app, tmp_path):
    """healthz is a 503 JSON answer when the database does not answer."""
    app = make_app(COMMENTSVC_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"


@pytest.mark.parametrize("path", ["/no-such-page", "/avatar/not-a-hash.svg"])
def test_outside_the_api_errors_are_readable_pages(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"Traceback" not in response.data
