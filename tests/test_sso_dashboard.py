"""The dashboard's reader identity: a site's SSO settings for admins, and an SSO user's or an anonymous
identity's history and ban, one click from their comment."""

import re

import pytest
from conftest import ARTICLE, TEST_SECRET
from dashboard_support import log_in, make_moderator, post
from sso_support import SECRET, sso_headers

from commentsvc.domain.identity import identity_tag, issue_identity

URL = "/api/v1/comments"


@pytest.fixture
def admin(app, client):
    make_moderator(app)
    log_in(client)
    return client


def write(client, headers, body="一条评论", **fields):
    return client.post(URL, json={"article": ARTICLE, "body": body, **fields}, headers=headers)


def enable_sso(client, **fields):
    data = {"sso_secret": SECRET, "sso_mode": "sso-optional", "login_url": "https://news.example.com/login"}
    data.update(fields)
    return post(client, "/dashboard/sites/default/identity", data, follow_redirects=True)


def test_an_admin_sets_sso_and_the_page_says_set_without_the_secret(admin):
    page = enable_sso(admin).get_data(as_text=True)
    assert "data-sso-key>set (HS256)" in page
    assert SECRET not in page
    thread = admin.get(URL, query_string={"article": ARTICLE}).get_json()
    assert thread["sso"] == {"mode": "sso-optional", "login_url": "https://news.example.com/login"}


def test_a_bad_key_is_a_readable_message_and_nothing_is_saved(admin):
    page = enable_sso(admin, sso_secret="", sso_public_key="not a key").get_data(as_text=True)
    assert "The SSO public key is not a PEM public key." in page
    assert "data-sso-key>not set" in page


def test_the_sites_page_links_each_site_to_its_identity_settings(admin):
    write(admin, {})
    page = admin.get("/dashboard/sites").get_data(as_text=True)
    assert 'href="/dashboard/sites/default/identity"' in page


def test_a_moderator_who_is_not_an_admin_cannot_change_sso(app, client):
    make_moderator(app, "mod", role="moderator")
    log_in(client, "mod")
    assert post(client, "/dashboard/sites/default/identity", {"sso_secret": SECRET}).status_code == 403


def test_the_audit_log_records_a_key_change_without_the_key(admin):
    enable_sso(admin)
    page = admin.get("/dashboard/audit").get_data(as_text=True)
    assert "site_identity" in page
    assert SECRET not in page


def _comment_page(client, comment_id):
    return client.get(f"/dashboard/comments/{comment_id}").get_data(as_text=True)


def test_an_sso_comment_links_to_its_user_with_id_sub_email_and_history(admin):
    enable_sso(admin)
    first = write(admin, sso_headers(email="wang@example.com")).get_json()
    write(admin, sso_headers(email="wang@example.com"), body="第二条")
    user_link = re.search(r'href="(/dashboard/readers/users/(\d+))"', _comment_page(admin, first["id"]))
    assert user_link
    page = admin.get(user_link.group(1)).get_data(as_text=True)
    assert f"SSO user #{user_link.group(2)}" in page
    assert "reader-42" in page and "wang@example.com" in page
    assert page.count("data-comment-id=") == 2


def test_banning_a_user_refuses_their_posts_and_edits_but_not_other_users(admin):
    enable_sso(admin)
    comment = write(admin, sso_headers()).get_json()
    user_url = re.search(r'href="(/dashboard/readers/users/\d+)"', _comment_page(admin, comment["id"])).group(1)
    user_id = user_url.rsplit("/", 1)[1]
    post(admin, "/dashboard/bans", {"kind": "user", "value": user_id, "note": "troll"})
    refused = write(admin, sso_headers(), body="又来了")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "banned"
    edit = admin.patch(f"{URL}/{comment['id']}", json={"body": "改"}, headers=sso_headers())
    assert edit.get_json()["error"]["code"] == "banned"
    assert write(admin, sso_headers(sub="someone-else"), body="我没被封").status_code == 201


def test_an_anonymous_comment_links_to_its_identity_by_tag_with_history(admin):
    token, key = issue_identity(TEST_SECRET)
    comment = write(admin, {"X-Commentsvc-Identity": token}).get_json()
    page = _comment_page(admin, comment["id"])
    assert f'href="/dashboard/readers/identities/{key}">{identity_tag(TEST_SECRET, key)}</a>' in page
    history = admin.get(f"/dashboard/readers/identities/{key}").get_data(as_text=True)
    assert f"Anonymous identity {identity_tag(TEST_SECRET, key)}" in history
    assert f'data-comment-id="{comment["id"]}"' in history


def test_banning_an_identity_refuses_its_posts_and_votes_but_not_other_readers(admin):
    token, key = issue_identity(TEST_SECRET)
    comment = write(admin, {"X-Commentsvc-Identity": token}).get_json()
    post(admin, "/dashboard/bans", {"kind": "identity", "value": key, "note": "flood"})
    assert write(admin, {"X-Commentsvc-Identity": token}, body="再来").get_json()["error"]["code"] == "banned"
    vote = admin.post(f"{URL}/{comment['id']}/vote", json={"value": 1}, headers={"X-Commentsvc-Identity": token})
    assert vote.get_json()["error"]["code"] == "banned"
    other, _ = issue_identity(TEST_SECRET)
    assert write(admin, {"X-Commentsvc-Identity": other}, body="别人").status_code == 201


def test_an_identity_ban_with_an_expiry_ends(app, client, time_machine):
    time_machine.move_to("2026-03-01 08:00:00", tick=False)
    make_moderator(app)
    admin = log_in(client) and client
    token, key = issue_identity(TEST_SECRET)
    post(admin, "/dashboard/bans", {"kind": "identity", "value": key, "note": "", "expires_at": "2026-03-02T08:00"})
    assert write(admin, {"X-Commentsvc-Identity": token}).status_code == 403
    time_machine.move_to("2026-03-02 08:00:01", tick=False)
    assert write(admin, {"X-Commentsvc-Identity": token}).status_code == 201


def test_an_unknown_user_page_is_404(admin):
    assert admin.get("/dashboard/readers/users/999").status_code == 404
