"""Every held, spam or rejected comment says why in the queue (issue 17 item 9).

Regression: only sensitive-word holds were highlighted; a comment held for its links, for
pre-moderation or by a ban, and one a moderator rejected, showed no reason at all."""

import re
from typing import Any

import pytest
from conftest import ARTICLE
from dashboard_support import log_in, make_moderator, post


@pytest.fixture
def moderator_client(app: Any, client: Any) -> Any:
    make_moderator(app)
    log_in(client)
    return client


def reasons(html: str, comment_id: int) -> str:
    item = html.split(f'data-comment-id="{comment_id}"', 1)[1].split("</article>", 1)[0]
    match = re.search(r"data-commentsvc-why>(.*?)</p>", item, re.S)
    assert match, "the comment shows no reason"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MAX_LINKS": 0}])
def test_a_comment_held_for_links_says_so(moderator_client: Any, make_comment: Any) -> None:
    held = make_comment(body="see https://example.com/story")

    html = moderator_client.get("/dashboard/queue/pending?lang=en").get_data(as_text=True)

    assert reasons(html, held["id"]) == "Why: too many links"


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MODERATION": "pre"}])
def test_a_pre_moderated_comment_says_so_in_chinese(moderator_client: Any, make_comment: Any) -> None:
    held = make_comment(body="先审后发的评论")

    html = moderator_client.get("/dashboard/queue/pending?lang=zh-CN").get_data(as_text=True)

    assert reasons(html, held["id"]) == "原因: 先审后发"


def test_a_rejected_comment_names_who_rejected_it(moderator_client: Any, make_comment: Any) -> None:
    comment = make_comment(body="要被拒绝的评论")
    post(moderator_client, "/dashboard/comments/action", {"ids": [comment["id"]], "action": "reject"})

    html = moderator_client.get("/dashboard/queue/rejected?lang=en").get_data(as_text=True)

    assert reasons(html, comment["id"]).startswith("Why: rejected by a moderator · editor ·")


def test_an_authors_own_delete_says_so(moderator_client: Any, make_comment: Any) -> None:
    comment = make_comment(body="我自己删掉")
    moderator_client.delete(
        f"/api/v1/comments/{comment['id']}", headers={"Authorization": f"Bearer {comment['edit_token']}"}
    )

    html = moderator_client.get("/dashboard/queue/deleted?lang=en").get_data(as_text=True)

    assert reasons(html, comment["id"]) == "Why: deleted by its author"


def test_an_approved_comment_needs_no_reason(moderator_client: Any, make_comment: Any) -> None:
    comment = make_comment(body="正常评论")

    html = moderator_client.get("/dashboard/queue/approved").get_data(as_text=True)

    item = html.split(f'data-comment-id="{comment["id"]}"', 1)[1].split("</article>", 1)[0]
    assert "data-commentsvc-why" not in item and ARTICLE
