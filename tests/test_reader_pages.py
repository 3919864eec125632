"""Readers without JavaScript: the cacheable thread fragment and the plain thread page with its form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import ARTICLE, own_words
from dashboard_support import log_in, make_moderator, post

FRAGMENT = "/embed/thread.html"
PAGE = "/thread"


def hidden_field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field on the page"
    return match.group(1)


def open_page(client: Any, article: str = ARTICLE, **query: str) -> str:
    response = client.get(PAGE, query_string={"article": article, **query})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post_form(client: Any, html: str, **fields: str) -> Any:
    """Sends the page's own form to its own action, as a browser would."""
    action = re.search(r'<form method="post" action="([^"]*)"', html)
    assert action, "no form on the page"
    form = {
        "csrf_token": hidden_field(html, "csrf_token"),
        "form_token": hidden_field(html, "form_token"),
        "homepage": "",
        "name": "无脚本读者",
        "email": "",
        "body": own_words("no script"),
        **fields,
    }
    return client.post(action.group(1).replace("&amp;", "&"), data=form)


def test_fragment_is_the_first_page_as_cacheable_html(client: Any, make_comment: Any) -> None:
    make_comment(body=own_words("first"), name="张三")
    make_comment(body=own_words("second"), name="李四")
    response = client.get(FRAGMENT, query_string={"article": ARTICLE})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    assert "Accept-Encoding" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert "data-commentsvc-fragment" in html
    assert "2 条评论" in html
    assert html.index("李四") < html.index("张三")  # newest first, like the widget
    assert "/thread?site=default&amp;article=" in html
    again = client.get(FRAGMENT, query_string={"article": ARTICLE}, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_fragment_and_plain_page_show_the_editors_picks_above_the_thread(
    app: Any, client: Any, make_comment: Any
) -> None:
    picked = make_comment(body=own_words("picked words"), name="王五")
    make_comment(body=own_words("newer words"), name="赵六")
    make_moderator(app)
    log_in(client)
    assert post(client, "/dashboard/comments/action", {"ids": [str(picked["id"])], "action": "pick"}).status_code < 400
    for html in (
        client.get(FRAGMENT, query_string={"article": ARTICLE}).get_data(as_text=True),
        open_page(client),
    ):
        picks = html[html.index('class="commentsvc-plain-picks"') : html.index("</section>", html.index("plain-picks"))]
        assert "编辑精选" in picks and "王五" in picks and "赵六" not in picks
        assert html.count(f'id="comment-{picked["id"]}"') == 1  # the pick keeps its one anchor, in the thread


def test_fragment_changes_its_etag_when_a_comment_is_posted(client: Any, make_comment: Any) -> None:
    make_comment(body=own_words("before"))
    etag = client.get(FRAGMENT, query_string={"article": ARTICLE}).headers["ETag"]
    make_comment(body=own_words("after"))
    response = client.get(FRAGMENT, query_string={"article": ARTICLE}, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag


def test_fragment_shows_names_as_text_and_bodies_sanitized(client: Any, make_comment: Any) -> None:
    make_comment(name="<b>evil</b>", body="hello <script>alert(1)</script> " + own_words("x"))
    html = client.get(FRAGMENT, query_string={"article": ARTICLE, "lang": "en"}).get_data(as_text=True)
    assert "<script" not in html
    assert "&lt;b&gt;evil&lt;/b&gt;" in html
    assert "1 comment" in html


def test_fragment_with_a_bad_site_is_a_readable_error(client: Any) -> None:
    response = client.get(FRAGMENT, query_string={"article": ARTICLE, "site": "no spaces allowed"})
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_plain_page_is_not_cached_and_carries_its_form(client: Any, make_comment: Any) -> None:
    make_comment(body=own_words("seen"), name="王五")
    response = client.get(PAGE, query_string={"article": ARTICLE})
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "王五" in html
    assert '<form method="post"' in html
    assert hidden_field(html, "csrf_token") and hidden_field(html, "form_token")


def test_plain_form_posts_and_redirects_to_the_published_comment(client: Any) -> None:
    response = post_form(client, open_page(client, lang="en"), body="我的看法 " + own_words("plain"))
    assert response.status_code == 303
    assert "posted=approved" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your comment was posted." in page
    assert "我的看法" in page
    assert "1 comment" in page


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MODERATION": "pre"}])
def test_plain_form_under_pre_moderation_says_the_comment_awaits_review(client: Any) -> None:
    response = post_form(client, open_page(client, lang="en"), body="held " + own_words("pending"))
    assert response.status_code == 303
    assert "posted=pending" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "awaits review" in page
    assert "held " not in page  # not public yet
    assert client.get(FRAGMENT, query_string={"article": ARTICLE}).get_data(as_text=True).count("<article>") == 0


def test_plain_form_without_csrf_token_is_refused_readably_and_stores_nothing(client: Any) -> None:
    response = post_form(client, open_page(client, lang="en"), csrf_token="forged", body="kept " + own_words("csrf"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form had expired" in html
    assert "kept " in html  # what the reader typed is still there
    assert client.get("/api/v1/comments", query_string={"article": ARTICLE}).get_json()["count"] == 0


def test_plain_form_error_is_shown_on_the_page_with_the_text_kept(client: Any) -> None:
    response = post_form(client, open_page(client, lang="en"), body="   ")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html
    assert "Traceback" not in html


def test_plain_form_honeypot_is_held_as_spam_like_the_api(client: Any) -> None:
    response = post_form(client, open_page(client), homepage="http://spam.example", body="bot " + own_words("bot"))
    assert response.status_code == 303  # a bot learns nothing
    assert client.get("/api/v1/comments", query_string={"article": ARTICLE}).get_json()["count"] == 0


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_RATELIMIT_POST": "1/minute"}])
def test_plain_form_keeps_the_posting_limit(client: Any) -> None:
    assert post_form(client, open_page(client), body="one " + own_words("limit")).status_code == 303
    response = post_form(client, open_page(client, lang="en"), body="two " + own_words("limit"))
    assert response.status_code == 429
    assert response.headers["Retry-After"]
    html = response.get_data(as_text=True)
    assert "Too fast" in html
    assert "two " in html
