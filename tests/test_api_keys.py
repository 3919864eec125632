"""Issue 18: server-to-server clients post with a per-site API key (X-Commentsvc-Key) instead of a form
token; `commentsvc api-key` creates, lists and revokes keys."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ARTICLE
from dashboard_support import thread_json

POST = "/api/v1/comments"


def create_key(runner: Any, site: str = "default", label: str = "CMS") -> str:
    result = runner.invoke(args=["api-key", "create", "--site", site, "--label", label])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[0]


def cms_post(client: Any, key: str, body: str = "From the CMS", **fields: Any) -> Any:
    payload = {"article": ARTICLE, "name": "编辑部", "body": body, "form_token": None, **fields}
    return client.post(POST, json=payload, headers={"X-Commentsvc-Key": key})


def test_api_key_create_prints_a_key_once(runner: Any) -> None:
    result = runner.invoke(args=["api-key", "create", "--site", "default"])

    assert result.exit_code == 0
    assert result.stdout.strip().startswith("csk_")
    assert "not shown again" in result.stderr


def test_a_post_with_a_valid_api_key_needs_no_form_token(client: Any, runner: Any) -> None:
    response = cms_post(client, create_key(runner))

    assert (response.status_code, response.get_json()["status"]) == (201, "approved")
    assert [c["html"] for c in thread_json(client, ARTICLE)["comments"]] == ["<p>From the CMS</p>"]


def test_an_api_key_skips_the_honeypot_too(client: Any, runner: Any) -> None:
    cms_post(client, create_key(runner), homepage="https://newsroom.example")

    assert len(thread_json(client, ARTICLE)["comments"]) == 1


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MODERATION": "pre"}])
def test_an_api_key_does_not_skip_moderation(client: Any, runner: Any) -> None:
    response = cms_post(client, create_key(runner))

    assert response.get_json()["status"] == "pending"
    assert thread_json(client, ARTICLE)["comments"] == []


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_RATELIMIT_POST": "2/minute"}])
def test_an_api_key_does_not_skip_the_rate_limits(client: Any, runner: Any) -> None:
    key = create_key(runner)
    statuses = [cms_post(client, key, body=f"bulletin {n}").status_code for n in range(3)]

    assert statuses == [201, 201, 429]


def test_an_unknown_api_key_is_refused(client: Any) -> None:
    response = cms_post(client, "csk_not-a-key")

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "api_key_invalid"


def test_an_api_key_for_another_site_is_refused(client: Any, runner: Any) -> None:
    response = cms_post(client, create_key(runner, site="other.example"))

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "api_key_invalid"


def test_a_revoked_api_key_is_refused(client: Any, runner: Any) -> None:
    key = create_key(runner)
    key_id = runner.invoke(args=["api-key", "list"]).stdout.split("\t", 1)[0]

    revoked = runner.invoke(args=["api-key", "revoke", key_id])
    response = cms_post(client, key)

    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert response.status_code == 401


def test_api_key_list_shows_site_label_and_state(runner: Any) -> None:
    create_key(runner, label="import script")

    listing = runner.invoke(args=["api-key", "list"]).stdout

    assert "\tdefault\timport script\t" in listing and listing.rstrip().endswith("active")


def test_revoking_an_unknown_api_key_says_so_in_one_line(runner: Any) -> None:
    result = runner.invoke(args=["api-key", "revoke", "999"])

    assert result.exit_code != 0
    assert "There is no API key 999." in result.output
    assert "Traceback" not in result.output
