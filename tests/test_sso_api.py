"""Publisher SSO through the API, on SQLite and PostgreSQL: site modes, SSO authors, their own comments,
pseudonyms for anonymous readers with an identity, and the thread answer the widget reads first."""

import pytest
from conftest import ARTICLE, TEST_SECRET
from sso_support import SECRET, sso_headers

from commentsvc.domain.identity import identity_tag, issue_identity

URL = "/api/v1/comments"


def set_site(runner, *options, site="default"):
    result = runner.invoke(args=["sites", "set", site, *options])
    assert result.exit_code == 0, result.output
    return result.output


def post(client, headers=None, **fields):
    payload = {"article": ARTICLE, "body": "一条评论", **fields}
    return client.post(URL, json=payload, headers=headers or {})


def thread(client, site="default"):
    return client.get(URL, query_string={"article": ARTICLE, "site": site, "sort": "newest"}).get_json()


@pytest.fixture
def sso_site(runner):
    set_site(runner, "--sso-secret", SECRET, "--login-url", "https://news.example.com/login")


@pytest.fixture
def required_site(runner):
    set_site(runner, "--sso-secret", SECRET, "--sso-mode", "sso-required")


def test_an_anonymous_site_takes_anonymous_comments_as_before(client):
    assert post(client, name="读者").status_code == 201
    assert thread(client)["sso"] == {"mode": "anonymous", "login_url": None}


def test_setting_a_key_makes_an_anonymous_site_sso_optional_and_the_thread_says_so(client, sso_site):
    assert thread(client)["sso"] == {"mode": "sso-optional", "login_url": "https://news.example.com/login"}


def test_an_sso_optional_site_takes_anonymous_and_logged_in_comments(client, sso_site):
    assert post(client, name="读者").status_code == 201
    assert post(client, headers=sso_headers(), body="另一条").status_code == 201
    assert [comment["name"] for comment in thread(client)["comments"]] == ["王小明", "读者"]


def test_an_sso_comment_is_attributed_to_the_token_and_ignores_the_body_name(client, sso_site):
    headers = sso_headers(avatar="https://cdn.example.com/wang.png", url="https://news.example.com/u/42")
    response = post(client, headers=headers, name="冒充者", email="fake@example.com")
    assert response.status_code == 201
    comment = response.get_json()
    assert comment["name"] == "王小明"
    assert comment["avatar"] == "https://cdn.example.com/wang.png"
    assert comment["website"] == "https://news.example.com/u/42"
    assert comment["staff"] is False


def test_a_staff_role_gives_the_staff_badge(client, sso_site):
    post(client, headers=sso_headers(roles=["staff"]))
    assert thread(client)["comments"][0]["staff"] is True


def test_an_sso_required_site_refuses_anonymous_posts_with_login_required(client, required_site):
    response = post(client, name="读者")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "login_required"


def test_login_required_comes_before_body_validation(client, required_site):
    response = post(client, body="")
    assert response.get_json()["error"]["code"] == "login_required"


@pytest.mark.parametrize(
    "method, path, body",
    [("post", "/vote", {"value": 1}), ("post", "/report", {"reason": "spam"}), ("patch", "", {"body": "x"})],
)
def test_an_sso_required_site_refuses_anonymous_votes_reports_and_edits(client, runner, method, path, body):
    set_site(runner, "--sso-secret", SECRET)
    comment = post(client, headers=sso_headers()).get_json()
    set_site(runner, "--sso-mode", "sso-required")
    response = getattr(client, method)(f"{URL}/{comment['id']}{path}", json=body)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "login_required"


def test_an_sso_required_site_takes_a_logged_in_post(client, required_site):
    assert post(client, headers=sso_headers()).status_code == 201
    assert thread(client)["sso"]["mode"] == "sso-required"


def test_an_invalid_token_is_sso_invalid_whatever_else_the_request_lacks(client, sso_site):
    response = client.post(URL, json={"body": ""}, headers=sso_headers(exp=1))
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "sso_invalid"
    assert "expired" in error["message"]


def test_an_invalid_token_stores_nothing(client, sso_site):
    post(client, headers={"X-Commentsvc-SSO": "garbage"})
    assert thread(client)["count"] == 0


def test_a_token_for_another_site_is_refused_as_wrong_site(client, runner, sso_site):
    set_site(runner, "--sso-secret", SECRET, site="other")
    response = post(client, headers=sso_headers(site="other"))
    assert response.status_code == 401
    assert "wrong site" in response.get_json()["error"]["message"]


def test_a_token_on_a_site_without_sso_is_refused(client):
    response = post(client, headers=sso_headers())
    assert response.get_json()["error"]["code"] == "sso_invalid"
    assert "no SSO key" in response.get_json()["error"]["message"]


def test_an_sso_user_edits_their_own_comment_with_the_sso_header_alone(client, sso_site):
    comment = post(client, headers=sso_headers()).get_json()
    response = client.patch(f"{URL}/{comment['id']}", json={"body": "改过了"}, headers=sso_headers())
    assert response.status_code == 200
    assert response.get_json()["html"] == "<p>改过了</p>"


def test_an_sso_user_deletes_their_own_comment_with_the_sso_header_alone(client, sso_site):
    comment = post(client, headers=sso_headers()).get_json()
    response = client.delete(f"{URL}/{comment['id']}", headers=sso_headers())
    assert response.status_code == 200
    assert response.get_json()["status"] == "deleted"


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_another_sso_users_comment_answers_403(client, sso_site, method):
    comment = post(client, headers=sso_headers()).get_json()
    response = getattr(client, method)(
        f"{URL}/{comment['id']}", json={"body": "x"}, headers=sso_headers(sub="someone-else")
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_comment_author"


def test_an_sso_user_edits_within_the_sites_sso_window_not_the_edit_token_one(client, runner, sso_site, time_machine):
    time_machine.move_to("2026-03-01 08:00:00", tick=False)
    comment = post(client, headers=sso_headers()).get_json()
    assert comment["editable_until"] == "2026-03-02T08:00:00Z"
    time_machine.move_to("2026-03-01 20:00:00", tick=False)
    response = client.patch(f"{URL}/{comment['id']}", json={"body": "晚上改"}, headers=sso_headers())
    assert response.status_code == 200


def test_the_sso_edit_window_is_a_site_setting(client, runner, sso_site, time_machine):
    set_site(runner, "--sso-edit-window", "600")
    time_machine.move_to("2026-03-01 08:00:00", tick=False)
    comment = post(client, headers=sso_headers()).get_json()
    time_machine.move_to("2026-03-01 08:10:01", tick=False)
    response = client.patch(f"{URL}/{comment['id']}", json={"body": "太晚"}, headers=sso_headers())
    assert response.get_json()["error"]["code"] == "edit_window_closed"


def test_a_newer_token_updates_the_users_name_on_their_new_comments(client, sso_site):
    post(client, headers=sso_headers())
    post(client, headers=sso_headers(name="王大明"), body="第二条")
    assert [comment["name"] for comment in thread(client)["comments"]] == ["王大明", "王小明"]


@pytest.mark.parametrize(("lang", "prefix"), [("zh-CN", "网友·"), ("en", "Reader·")])
def test_a_nameless_reader_with_an_identity_gets_a_stable_pseudonym(client, lang, prefix):
    token, key = issue_identity(TEST_SECRET)
    headers = {"X-Commentsvc-Identity": token}
    first = post(client, headers=headers, lang=lang).get_json()
    second = post(client, headers=headers, lang=lang, body="又一条").get_json()
    assert first["name"] == second["name"] == prefix + identity_tag(TEST_SECRET, key)


def test_a_nameless_reader_without_an_identity_keeps_the_anonymous_name(client):
    assert post(client).get_json()["name"] == "网友"


def test_a_settings_change_changes_the_thread_etag(client, runner, sso_site):
    post(client, name="读者")
    first = client.get(URL, query_string={"article": ARTICLE})
    set_site(runner, "--sso-mode", "sso-required")
    second = client.get(URL, query_string={"article": ARTICLE}, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert second.get_json()["sso"]["mode"] == "sso-required"


def test_a_settings_change_changes_the_etag_of_an_article_without_comments(client, runner):
    first = client.get(URL, query_string={"article": "no-comments-yet"})
    set_site(runner, "--sso-secret", SECRET)
    second = client.get(
        URL, query_string={"article": "no-comments-yet"}, headers={"If-None-Match": first.headers["ETag"]}
    )
    assert second.status_code == 200
    assert second.get_json()["sso"]["mode"] == "sso-optional"


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_RATELIMIT_POST": "2/minute"}])
def test_write_limits_count_per_sso_user_not_per_shared_address(client, sso_site):
    """Two colleagues behind one office address each have their own limit; each still has one."""
    for sub in ("colleague-a", "colleague-b"):
        for n in range(2):
            assert post(client, headers=sso_headers(sub=sub), body=f"第 {n} 条 {sub[-1]}").status_code == 201
    limited = post(client, headers=sso_headers(sub="colleague-a"), body="one too many")
    assert limited.status_code == 429
    assert post(client, name="读者", body="an anonymous reader from the same address").status_code == 201


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_TRUST_FIRST": 1}])
def test_trust_keys_on_the_signed_in_user_whichever_browser_identity_they_bring(client, sso_site):
    """A user's first comment waits as a new reader's; their second, from a browser with a fresh
    identity, is theirs all the same and is not held again."""
    first = post(client, headers={**sso_headers(), "X-Commentsvc-Identity": issue_identity(TEST_SECRET)[0]})
    second = post(
        client, headers={**sso_headers(), "X-Commentsvc-Identity": issue_identity(TEST_SECRET)[0]}, body="第二条"
    )
    assert (first.get_json()["status"], second.get_json()["status"]) == ("pending", "approved")
