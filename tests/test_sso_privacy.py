"""SSO readers' emails and publisher user ids (`sub`) stay private: stored for moderators, never public."""

import pytest
from conftest import ARTICLE
from privacy_guard import assert_no_private_data, sso_private_values
from sso_support import SECRET, sso_token

URL = "/api/v1/comments"


@pytest.fixture
def sso_site(runner):
    assert runner.invoke(args=["sites", "set", "default", "--sso-secret", SECRET]).exit_code == 0


def test_the_guard_knows_an_sso_tokens_email_and_sub():
    assert sso_private_values(sso_token(email="wang@example.com")) == {"reader-42", "wang@example.com"}


def test_the_guard_fails_a_public_answer_that_names_the_sso_sub(client, sso_site):
    class Leaky:
        mimetype = "application/json"
        is_json = True
        headers: dict[str, str] = {}

        @staticmethod
        def get_data():
            return '{"comments": [{"name": "王小明", "sub": "reader-42"}]}'.encode()

    with pytest.raises(AssertionError, match="private"):
        assert_no_private_data(Leaky(), sso_private_values(sso_token()))


def test_an_sso_comments_public_shapes_carry_neither_email_nor_sub(client, sso_site):
    """Every public response of this test client passes the guard; these are the shapes SSO touches."""
    headers = {"X-Commentsvc-SSO": sso_token(email="wang.private@example.com", sub="cms-user-7781")}
    posted = client.post(URL, json={"article": ARTICLE, "body": "一条评论"}, headers=headers)
    assert posted.status_code == 201
    body = client.get(URL, query_string={"article": ARTICLE}).get_data(as_text=True)
    feed = client.get("/feeds/thread.atom", query_string={"article": ARTICLE}).get_data(as_text=True)
    for text in (posted.get_data(as_text=True), body, feed):
        assert "wang.private@example.com" not in text
        assert "cms-user-7781" not in text
