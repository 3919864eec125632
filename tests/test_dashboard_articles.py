"""Articles in the dashboard: found by id, title or URL, and set up before their first comment."""

import re
from datetime import datetime

import pytest
from conftest import ARTICLE
from dashboard_support import log_in, make_moderator, post, thread_json

from commentsvc.domain import articles
from commentsvc.domain.articles import open_article, search_articles
from commentsvc.errors import ValidationError
from commentsvc.models import Thread

URL = "/api/v1/comments"
STORY = "news/2024/09/20/敏感报道"
NOW = datetime(2024, 9, 20, 8, 0)


@pytest.fixture
def moderator_client(app, client):
    make_moderator(app)
    log_in(client)
    return client


def open_settings(client, article, site="default"):
    """Opens an article's settings through the Articles form; returns the settings page's thread id."""
    response = post(client, "/dashboard/articles", {"site": site, "article": article})
    assert response.status_code == 302
    match = re.fullmatch(r"/dashboard/threads/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def audit_actions(client, **query):
    html = client.get("/dashboard/audit", query_string=query).get_data(as_text=True)
    return re.findall(r'data-audit-action="([a-z_]+)"', html)


def found_articles(client, **query):
    html = client.get("/dashboard/articles", query_string=query).get_data(as_text=True)
    return re.findall(r'<tr data-article="([^"]+)"', html)


def test_an_article_without_comments_can_be_pre_moderated_and_holds_its_first_comment(moderator_client):
    """Regression: article settings needed an existing comment, so a story could not be pre-moderated before
    its first one."""
    thread_id = open_settings(moderator_client, STORY)
    page = moderator_client.get(f"/dashboard/threads/{thread_id}").get_data(as_text=True)
    assert STORY in page and "data-thread-count>0<" in page
    post(moderator_client, f"/dashboard/threads/{thread_id}", {"moderation": "pre"})

    created = moderator_client.post(URL, json={"article": STORY, "title": "敏感报道", "body": "第一条评论"})
    assert created.status_code == 201 and created.get_json()["status"] == "pending"
    assert thread_json(moderator_client, STORY)["count"] == 0
    assert audit_actions(moderator_client, target_type="thread") == ["thread_policy"]
    # The reader's comment went into the thread opened here, and filled in the title it lacked.
    page = moderator_client.get(f"/dashboard/threads/{thread_id}").get_data(as_text=True)
    assert "<h1>敏感报道</h1>" in page


def test_an_article_closed_before_its_first_comment_refuses_it(moderator_client):
    thread_id = open_settings(moderator_client, STORY, site="news.example")
    post(moderator_client, f"/dashboard/threads/{thread_id}", {"moderation": "", "closed": "1"})
    refused = moderator_client.post(URL, json={"site": "news.example", "article": STORY, "body": "还能评论吗"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "thread_closed"
    assert thread_json(moderator_client, STORY, site="news.example")["closed"] is True
    # Another site's article of the same id is a different article.
    assert moderator_client.post(URL, json={"article": STORY, "body": "别的站点"}).status_code == 201


def test_opening_an_article_that_has_comments_opens_its_own_settings(moderator_client, make_comment):
    make_comment()
    html = moderator_client.get("/dashboard/queue/approved").get_data(as_text=True)
    thread_id = int(re.search(r"/dashboard/threads/(\d+)", html).group(1))
    assert open_settings(moderator_client, ARTICLE) == thread_id
    assert open_settings(moderator_client, f"  {ARTICLE} ") == thread_id
    assert found_articles(moderator_client) == [ARTICLE]


@pytest.mark.parametrize(
    "site, article, message",
    [
        ("default", "", "article is required."),
        ("default", "bad\x07id", "article must be 1 to 512"),
        ("not a site!", STORY, "site must be letters"),
    ],
)
def test_an_invalid_article_or_site_is_refused_and_nothing_is_created(moderator_client, site, article, message):
    response = post(moderator_client, "/dashboard/articles", {"site": site, "article": article}, follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert found_articles(moderator_client) == []


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "blinken"}, ["news/blinken"]),
        ({"q": "布林肯"}, ["news/blinken"]),
        ({"q": "https://paper.example/quiet"}, ["opinion/quiet"]),
        ({"q": "50%"}, []),
        ({"site": "paper.example"}, ["opinion/quiet", "news/blinken"]),
        ({"site": "other.example", "q": "news"}, ["news/other"]),
        ({}, ["news/other", "opinion/quiet", "news/blinken"]),
    ],
)
def test_articles_are_found_by_id_title_or_url_within_a_site(moderator_client, make_comment, query, expected):
    make_comment(site="paper.example", article="news/blinken", title="布林肯谴责俄朝")
    make_comment(site="paper.example", article="opinion/quiet", title="Quiet", url="https://paper.example/quiet")
    open_settings(moderator_client, "news/other", site="other.example")
    assert found_articles(moderator_client, **query) == expected


def test_an_article_is_found_by_its_thread_number(moderator_client, make_comment):
    make_comment(article="first")
    thread_id = open_settings(moderator_client, "second")
    assert found_articles(moderator_client, q=str(thread_id)) == ["second"]


def test_the_articles_page_is_linked_from_the_navigation(moderator_client):
    nav = moderator_client.get("/dashboard/").get_data(as_text=True).split('aria-label="queues"', 1)[1]
    assert 'href="/dashboard/articles"' in nav.split("</nav>", 1)[0]


@pytest.mark.parametrize(
    "language, expected",
    [
        (
            "zh-CN",
            ["审核模式: <strong data-thread-mode>先审后发<", "审核模式: <strong data-thread-mode>先发后审 (默认)<"],
        ),
        (
            "en",
            [
                "Moderation: <strong data-thread-mode>pre (hold for approval)<",
                "Moderation: <strong data-thread-mode>post (publish at once) (Default)<",
            ],
        ),
    ],
)
def test_the_article_settings_page_names_the_moderation_mode_in_words(moderator_client, language, expected):
    """Regression: the Chinese article settings page showed the raw value "审核模式: post"."""
    held, default = open_settings(moderator_client, "held"), open_settings(moderator_client, "default-mode")
    post(moderator_client, f"/dashboard/threads/{held}", {"moderation": "pre"})
    for thread_id, text in zip((held, default), expected, strict=True):
        page = moderator_client.get(f"/dashboard/threads/{thread_id}?lang={language}").get_data(as_text=True)
        assert text in re.sub(r"\s+", " ", page)
        assert ">post<" not in page and ">pre<" not in page


# --- the rules themselves, without HTTP ----------------------------------------------------------------


def test_open_article_creates_an_empty_thread_once(db_session):
    thread = open_article(db_session, site="", article="  news/1 ", now=NOW)
    again = open_article(db_session, site="default", article="news/1", now=NOW)
    db_session.commit()
    assert again.id == thread.id
    assert (thread.site, thread.article, thread.title, thread.url, thread.comment_count, thread.closed) == (
        "default",
        "news/1",
        None,
        None,
        0,
        False,
    )


def test_open_article_survives_losing_the_creation_race(db_session, monkeypatch):
    """Another server creates the thread between our look and our insert: we take its row, and the
    transaction stays usable (the failed insert is undone by a savepoint, not the whole transaction)."""
    rival = open_article(db_session, site="default", article="news/race", now=NOW)
    db_session.commit()
    looks = []

    def find_thread_late(session, site, article):
        looks.append(article)
        return None if len(looks) == 1 else real_find(session, site, article)

    real_find = articles.find_thread
    monkeypatch.setattr(articles, "find_thread", find_thread_late)
    thread = open_article(db_session, site="default", article="news/race", now=NOW)
    assert thread.id == rival.id and looks == ["news/race", "news/race"]
    db_session.commit()
    assert db_session.query(Thread).filter_by(article="news/race").count() == 1


def test_open_article_validates_ids_like_the_api(db_session):
    with pytest.raises(ValidationError) as error:
        open_article(db_session, site="default", article="x" * 513, now=NOW)
    assert error.value.code == "article_invalid"


def test_search_articles_limits_and_orders_newest_first(db_session):
    for n in range(5):
        open_article(db_session, site="default", article=f"news/{n}", now=NOW)
    db_session.commit()
    assert [t.article for t in search_articles(db_session, site="default", text="news", limit=3)] == [
        "news/4",
        "news/3",
        "news/2",
    ]
