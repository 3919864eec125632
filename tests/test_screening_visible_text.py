"""Sensitive words are screened in what a reader will see, not in the source they typed (issue 17 item 1).

Regression: with 法轮功 set to reject and 傻逼 to mask, character references and Markdown links
(法轮&#21151;, 敏&#x611F;词, 傻&#36924;, b&#97;d, [敏](https://x.com)感词) were published and
displayed the word: the matcher read the source while readers saw the rendered text.
"""

import sys
import threading
from typing import Any

import pytest
from conftest import ARTICLE
from dashboard_support import log_in, make_moderator, post

from commentsvc.clock import utcnow
from commentsvc.domain import words
from commentsvc.extensions import db
from commentsvc.text.sanitize import VisibleText, render_comment

WORDS = {"法轮功": "reject", "敏感词": "reject", "bad": "reject", "傻逼": "mask"}

REJECTED = [
    "法轮&#21151;",  # a numeric character reference
    "敏&#x611F;词",  # a hexadecimal one
    "b&#97;d",  # inside a Latin word
    "[敏](https://x.com)感词",  # split by a link
    "敏**感**词",  # split by emphasis
    "`敏`感词",  # split by a code span
    "法&#x8F6E;&#21151;",  # two references in one word
    "法轮&amp;#21151;",  # an escaped reference that the sanitizers still turn into 功 for the reader
]


@pytest.fixture
def listed(app: Any) -> None:
    with app.app_context():
        for word, action in WORDS.items():
            words.add_word(db.session, word=word, action=action, now=utcnow())
        db.session.commit()


def visible(html: str) -> str:
    return VisibleText.of(html).text


@pytest.mark.parametrize("body", REJECTED)
def test_a_disguised_rejected_word_is_refused(client: Any, listed: None, body: str) -> None:
    response = client.post("/api/v1/comments", json={"article": ARTICLE, "body": body})

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "sensitive_word"


def test_a_word_the_reader_does_not_see_is_published(client: Any, listed: None) -> None:
    """Screening reads the visible text only: a URL's path is not shown, so it holds no words."""
    response = client.post("/api/v1/comments", json={"article": ARTICLE, "body": "[链接](https://x.com/bad)"})

    assert response.status_code == 201
    assert visible(response.get_json()["html"]).strip() == "链接"


@pytest.mark.parametrize("body", ["傻&#36924;", "[傻](https://x.com)逼", "傻**逼**", "`傻`逼"])
def test_a_disguised_mask_word_is_masked_where_readers_see_it(client: Any, listed: None, body: str) -> None:
    response = client.post("/api/v1/comments", json={"article": ARTICLE, "body": f"前面{body}后面"})

    assert response.status_code == 201
    shown = visible(response.get_json()["html"])
    assert "傻" not in shown and "逼" not in shown
    assert shown.strip() == "前面＊＊后面"


def test_editing_screens_the_visible_text_too(client: Any, listed: None, make_comment: Any) -> None:
    comment = make_comment(body="一开始无害")
    response = client.patch(
        f"/api/v1/comments/{comment['id']}",
        json={"body": "法轮&#21151;"},
        headers={"Authorization": f"Bearer {comment['edit_token']}"},
    )

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "sensitive_word"


def test_a_moderator_edit_masks_what_readers_see(app: Any, client: Any, listed: None, make_comment: Any) -> None:
    comment = make_comment(body="原文")
    make_moderator(app)
    log_in(client)
    post(client, f"/dashboard/comments/{comment['id']}/edit", {"body": "改成 傻&#36924; 了"})

    shown = visible(client.get("/api/v1/comments", query_string={"article": ARTICLE}).get_json()["comments"][0]["html"])
    assert shown.strip() == "改成 ＊＊ 了"


def test_rerender_masks_what_readers_see(app: Any, runner: Any, client: Any, make_comment: Any) -> None:
    comment = make_comment(body="先发 [傻](https://x.com)逼 再说")
    with app.app_context():
        words.add_word(db.session, word="傻逼", action="mask", now=utcnow())
        db.session.commit()

    runner.invoke(args=["rerender"])

    html = client.get("/api/v1/comments", query_string={"article": ARTICLE}).get_json()["comments"][0]["html"]
    assert comment["id"] and visible(html).strip() == "先发 ＊＊ 再说"
    assert 'href="https://x.com"' in html, "masking keeps the markup around the masked characters"


def test_the_dashboard_highlights_the_word_a_reader_would_see(app: Any, client: Any, make_comment: Any) -> None:
    with app.app_context():
        words.add_word(db.session, word="敏感词", action="hold", now=utcnow())
        db.session.commit()
    make_comment(body="请看 敏&#x611F;词 这里")
    make_moderator(app)
    log_in(client)

    html = client.get("/dashboard/queue/pending").get_data(as_text=True)

    assert "<mark>敏感词</mark>" in html


def test_rendering_from_many_threads_gives_the_single_threaded_html() -> None:
    """Regression (issue 17 R1): one bleach Cleaner shared by gunicorn's threads returned "" or
    "<p></p>" and raised IndexError inside html5lib under concurrent posting."""
    bodies = [f"第 {n} 条 **评论** with a link https://example.com/{n} and `code` > quote" for n in range(300)]
    expected = [render_comment(body) for body in bodies]
    wrong: list[int] = []
    errors: list[BaseException] = []

    def render_all() -> None:
        try:
            for _ in range(3):
                wrong.extend(n for n, body in enumerate(bodies) if render_comment(body) != expected[n])
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=render_all) for _ in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, as a busy gthread worker does: the shared cleaner broke here
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)

    assert errors == [] and wrong == []


def test_recount_reports_comments_whose_html_is_not_their_source(app: Any, runner: Any, make_comment: Any) -> None:
    """Issue 17 R1: comments were stored with empty HTML while their source was right; nothing said so."""
    from commentsvc.models import Comment

    broken = make_comment(body="这条的 HTML 坏了")
    make_comment(body="这条没事")
    with app.app_context():
        db.session.get(Comment, broken["id"]).body_html = ""
        db.session.commit()

    output = runner.invoke(args=["recount"]).output

    assert f"1 comment(s) whose stored HTML differs from their source: #{broken['id']} " in output
