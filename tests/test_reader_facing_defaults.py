"""What readers and operators see by default: anonymous names per language, the edit window's wording,
and what /healthz says about rate-limit storage (issue 17 items 11, 14, 19)."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from conftest import ARTICLE, REDIS_URL, free_port

URL = "/api/v1/comments"


@pytest.mark.parametrize(("lang", "name"), [("en", "Reader"), ("zh-CN", "网友"), (None, "网友")])
def test_an_empty_name_follows_the_widgets_language(client: Any, lang: str | None, name: str) -> None:
    """Regression (item 11): English readers who left the name empty appeared as 网友."""
    payload = {"article": ARTICLE, "body": "no name given"}
    if lang:
        payload["lang"] = lang

    assert client.post(URL, json=payload).get_json()["name"] == name


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_ANONYMOUS_NAME": "Guest"}])
def test_one_plain_anonymous_name_serves_both_languages(client: Any) -> None:
    body = {"article": ARTICLE, "body": "no name", "lang": "en"}

    assert client.post(URL, json=body).get_json()["name"] == "Guest"


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_EDIT_WINDOW": 5}])
def test_a_short_edit_window_is_described_in_seconds(client: Any, make_comment: Any) -> None:
    """Regression (item 19): an edit window of 5 s was described as "within 0 minutes"."""
    comment = make_comment()
    with time_machine.travel(timedelta(seconds=30), tick=False):
        response = client.patch(
            f"{URL}/{comment['id']}",
            json={"body": "too late"},
            headers={"Authorization": f"Bearer {comment['edit_token']}"},
        )

    assert response.status_code == 403
    assert "within 5 seconds of posting" in response.get_json()["error"]["message"]


def test_healthz_says_limits_are_in_process_memory(client: Any) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok", "ratelimit_storage": "memory"}


@pytest.mark.redis
def test_healthz_reports_a_reachable_redis(make_app: Any, redis_prefix: str) -> None:
    """Regression (item 14): /healthz did not report Redis when limits lived there."""
    app = make_app(COMMENTSVC_RATELIMIT_STORAGE_URI=REDIS_URL, COMMENTSVC_RATELIMIT_KEY_PREFIX=redis_prefix)

    assert app.test_client().get("/healthz").get_json()["ratelimit_storage"] == "ok"


def test_an_unreachable_redis_does_not_fail_health(make_app: Any) -> None:
    app = make_app(COMMENTSVC_RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/15")

    response = app.test_client().get("/healthz")

    assert response.status_code == 200 and response.get_json()["ratelimit_storage"] == "unreachable"
