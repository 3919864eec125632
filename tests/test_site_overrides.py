"""Issue 18: one registry of settings a site may override, its values effective at once on every
server, and an admin page listing each registered setting with its default and the site's value."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ARTICLE
from dashboard_support import log_in, make_moderator, post

from commentsvc.domain.site_overrides import OVERRIDABLE

POST = "/api/v1/comments"


@pytest.fixture
def admin_client(app: Any, client: Any) -> Any:
    make_moderator(app)
    log_in(client)
    return client


def set_for_site(client: Any, name: str, value: str, site: str = "default") -> Any:
    return post(client, "/dashboard/site-settings", {"site": site, "name": name, "value": value})


def test_the_page_lists_every_registered_setting_with_its_default(admin_client: Any) -> None:
    page = admin_client.get("/dashboard/site-settings?lang=en").get_data(as_text=True)

    for name in OVERRIDABLE:
        assert f'data-setting="{name}"' in page
    assert "COMMENTSVC_FORM_TOKEN_TTL" in page and ">7200<" in page


def test_a_sites_own_value_applies_to_its_posts(admin_client: Any) -> None:
    set_for_site(admin_client, "COMMENTSVC_TRUST_FIRST", "1")

    first = admin_client.post(POST, json={"article": ARTICLE, "body": "new here", "email": "n@example.com"})

    assert first.get_json()["status"] == "pending"


def test_another_sites_value_does_not_apply(admin_client: Any) -> None:
    set_for_site(admin_client, "COMMENTSVC_TRUST_FIRST", "1", site="other.example")

    first = admin_client.post(POST, json={"article": ARTICLE, "body": "new here", "email": "n@example.com"})

    assert first.get_json()["status"] == "approved"


def test_a_site_can_turn_form_tokens_off(admin_client: Any) -> None:
    set_for_site(admin_client, "COMMENTSVC_FORM_TOKENS", "off")

    response = admin_client.post(POST, json={"article": ARTICLE, "body": "open API", "form_token": None})

    assert response.status_code == 201


def test_an_empty_value_returns_to_the_configured_one(admin_client: Any) -> None:
    set_for_site(admin_client, "COMMENTSVC_TRUST_FIRST", "5")
    set_for_site(admin_client, "COMMENTSVC_TRUST_FIRST", "")

    first = admin_client.post(POST, json={"article": ARTICLE, "body": "new here", "email": "n@example.com"})

    assert first.get_json()["status"] == "approved"


def test_an_invalid_value_is_refused_with_a_readable_message(admin_client: Any) -> None:
    response = set_for_site(admin_client, "COMMENTSVC_CHALLENGE", "sometimes")

    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "COMMENTSVC_CHALLENGE: expected &#39;off&#39;, &#39;suspicious&#39; or &#39;always&#39;" in page


def test_a_setting_outside_the_registry_cannot_be_set_per_site(admin_client: Any) -> None:
    response = set_for_site(admin_client, "COMMENTSVC_SECRET_KEY", "mine")

    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "COMMENTSVC_SECRET_KEY cannot be set per site." in page


def test_a_new_server_sees_the_sites_value(admin_client: Any, make_app: Any) -> None:
    set_for_site(admin_client, "COMMENTSVC_TRUST_FIRST", "1")
    other_server = make_app().test_client()

    first = other_server.post(POST, json={"article": ARTICLE, "body": "new here", "email": "n@example.com"})

    assert first.get_json()["status"] == "pending"


def test_api_keys_are_created_shown_once_and_revoked_in_the_dashboard(admin_client: Any) -> None:
    created = post(admin_client, "/dashboard/api-keys", {"site": "default", "label": "CMS"})
    page = admin_client.get(created.headers["Location"]).get_data(as_text=True)
    key = page.split("data-new-key>", 1)[1].split("<", 1)[0]
    posted = admin_client.post(
        POST, json={"article": ARTICLE, "body": "cms", "form_token": None}, headers={"X-Commentsvc-Key": key}
    )

    post(admin_client, "/dashboard/api-keys/revoke", {"id": "1"})
    refused = admin_client.post(
        POST, json={"article": ARTICLE, "body": "cms 2", "form_token": None}, headers={"X-Commentsvc-Key": key}
    )

    assert posted.status_code == 201 and refused.status_code == 401
    assert "data-new-key" not in admin_client.get("/dashboard/api-keys").get_data(as_text=True)
