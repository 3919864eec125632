"""Signed article policy and auto-close: threads from the CMS's signed token only (when the site asks),
title and URL from the token, its policy and close_at applied, a newer token updating them; threads that
close N days after their first comment."""

import time

import pytest
from sso_support import SECRET, sign

URL = "/api/v1/comments"
ARTICLE = "2026/03/signed-story"


def article_token(**overrides):
    claims = {
        "site": "default",
        "article": ARTICLE,
        "title": "CMS 标题",
        "url": "https://news.example.com/2026/03/signed-story",
        "policy": "open",
        "iat": int(time.time()),
    }
    claims.update(overrides)
    return sign({name: value for name, value in claims.items() if value is not None})


def set_site(runner, *options):
    result = runner.invoke(args=["sites", "set", "default", *options])
    assert result.exit_code == 0, result.output


def post(client, **fields):
    payload = {"article": ARTICLE, "body": "评论内容", "name": "读者", **fields}
    return client.post(URL, json=payload)


def thread(client):
    return client.get(URL, query_string={"article": ARTICLE}).get_json()


@pytest.fixture
def signed_site(runner):
    set_site(runner, "--sso-secret", SECRET, "--require-signed-articles", "on")


def test_without_the_setting_a_post_creates_the_thread_as_today(client):
    assert post(client, title="读者给的标题").status_code == 201
    assert thread(client)["title"] == "读者给的标题"


def test_with_the_setting_a_new_thread_needs_an_article_token(client, signed_site):
    response = post(client)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "article_token_required"
    assert thread(client)["count"] == 0


def test_a_signed_thread_takes_title_and_url_from_the_token_not_the_client(client, db_session, signed_site):
    from commentsvc.domain.threads import find_thread

    response = post(client, article_token=article_token(), title="抢注的标题", url="https://evil.example.com/")
    assert response.status_code == 201
    assert thread(client)["title"] == "CMS 标题"
    assert find_thread(db_session, "default", ARTICLE).url == "https://news.example.com/2026/03/signed-story"


def test_an_existing_thread_takes_posts_without_a_token(client, signed_site):
    post(client, article_token=article_token())
    assert post(client, body="第二条").status_code == 201


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"article": "another-story"}, "wrong article"),
        ({"site": "other"}, "wrong site"),
        ({"policy": "maybe"}, "policy must be open, pre or closed"),
        ({"iat": None}, "missing claim iat"),
        ({"iat": int(time.time()) + 3600}, "iat is in the future"),
        ({"url": "javascript:alert(1)"}, "url is not valid"),
    ],
)
def test_a_bad_article_token_is_refused_naming_the_rule(client, signed_site, overrides, rule):
    response = post(client, article_token=article_token(**overrides))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "article_token_invalid"
    assert rule in error["message"]
    assert error["fields"] == {"article_token": "article_token_invalid"}


def test_an_article_token_signed_with_another_key_is_refused(client, signed_site):
    forged = sign({"site": "default", "article": ARTICLE, "policy": "open", "iat": int(time.time())}, key="x" * 40)
    assert "bad signature" in post(client, article_token=forged).get_json()["error"]["message"]


def test_a_pre_policy_holds_posts_for_review(client, signed_site):
    assert post(client, article_token=article_token(policy="pre")).get_json()["status"] == "pending"


def test_a_closed_policy_closes_the_thread_even_for_the_post_that_carried_it(client, signed_site):
    post(client, article_token=article_token(iat=int(time.time()) - 60))
    response = post(client, body="第二条", article_token=article_token(policy="closed"))
    assert response.get_json()["error"]["code"] == "thread_closed"
    assert thread(client)["closed"] is True


def test_an_older_token_does_not_reopen_a_thread_a_newer_one_closed(client, signed_site):
    now = int(time.time())
    post(client, article_token=article_token(iat=now - 60))
    post(client, body="二", article_token=article_token(policy="closed", iat=now - 10))
    response = post(client, body="三", article_token=article_token(policy="open", iat=now - 60))
    assert response.get_json()["error"]["code"] == "thread_closed"


def test_a_newer_open_token_reopens_a_closed_thread(client, signed_site):
    now = int(time.time())
    post(client, article_token=article_token(iat=now - 60))
    post(client, body="二", article_token=article_token(policy="closed", iat=now - 30))
    assert post(client, body="三", article_token=article_token(iat=now - 5)).status_code == 201


def test_close_at_from_the_token_closes_the_thread_at_that_time(client, signed_site, time_machine):
    time_machine.move_to("2026-03-01 08:00:00", tick=False)
    close_at = int(time.time()) + 3600
    post(client, article_token=article_token(close_at=close_at))
    assert thread(client)["closes_at"] == "2026-03-01T09:00:00Z"
    time_machine.move_to("2026-03-01 09:00:01", tick=False)
    assert thread(client)["closed"] is True
    assert post(client, body="太晚了").get_json()["error"]["code"] == "thread_closed"


def test_auto_close_closes_threads_n_days_after_their_first_comment(client, runner, time_machine):
    set_site(runner, "--auto-close-days", "3")
    time_machine.move_to("2026-03-01 08:00:00", tick=False)
    post(client)
    time_machine.move_to("2026-03-04 07:59:59", tick=False)
    assert post(client, body="还来得及").status_code == 201
    assert thread(client)["closes_at"] == "2026-03-04T08:00:00Z"
    time_machine.move_to("2026-03-04 08:00:00", tick=False)
    assert thread(client)["closed"] is True
    assert post(client, body="晚了").get_json()["error"]["code"] == "thread_closed"


def test_auto_close_and_close_at_whichever_comes_first(client, runner, time_machine):
    set_site(runner, "--sso-secret", SECRET, "--auto-close-days", "3")
    time_machine.move_to("2026-03-01 08:00:00", tick=False)
    post(client, article_token=article_token(close_at=int(time.time()) + 86400))
    assert thread(client)["closes_at"] == "2026-03-02T08:00:00Z"


def test_an_auto_closed_thread_page_gets_a_new_etag(client, runner, time_machine):
    set_site(runner, "--auto-close-days", "1")
    time_machine.move_to("2026-03-01 08:00:00", tick=False)
    post(client)
    first = client.get(URL, query_string={"article": ARTICLE})
    time_machine.move_to("2026-03-02 08:00:01", tick=False)
    second = client.get(URL, query_string={"article": ARTICLE}, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert second.get_json()["closed"] is True
