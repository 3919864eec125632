"""HTTP caching of public reads: ETags, 304s, Cache-Control and Vary, and prompt invalidation."""

import pytest
from conftest import ARTICLE

URL = "/api/v1/comments"
COUNTS = "/api/v1/counts"


def thread(client, headers=None, **params):
    params.setdefault("article", ARTICLE)
    return client.get(URL, query_string=params, headers=headers or {})


def etag_of(response):
    assert response.status_code == 200, response.get_json()
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"'), "a strong ETag, quoted"
    return etag


def bearer(comment):
    return {"Authorization": f"Bearer {comment['edit_token']}"}


def test_a_thread_page_sends_cache_control_and_vary(client, make_comment):
    """A thread page says how long it may be cached and what it varies on."""
    make_comment()
    response = thread(client)
    etag_of(response)
    assert response.headers["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"
    assert "Origin" in response.headers["Vary"]


def test_a_matching_if_none_match_answers_304(client, make_comment):
    """A matching If-None-Match answers 304 with no body."""
    make_comment()
    etag = etag_of(thread(client))
    response = thread(client, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"
    assert "Origin" in response.headers["Vary"]


def test_a_weak_or_listed_if_none_match_matches_too(client, make_comment):
    make_comment()
    etag = etag_of(thread(client))
    assert thread(client, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert thread(client, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304


def test_a_stale_if_none_match_gets_the_full_page(client, make_comment):
    make_comment()
    response = thread(client, headers={"If-None-Match": '"t-0000"'})
    assert response.status_code == 200
    assert len(response.get_json()["comments"]) == 1


def test_a_304_carries_the_cors_headers_the_widget_needs(client, make_comment):
    """A 304 carries the CORS headers a cross-origin widget needs."""
    make_comment()
    origin = {"Origin": "https://news.example"}
    etag = etag_of(thread(client, headers=origin))
    response = thread(client, headers={**origin, "If-None-Match": etag})
    assert response.status_code == 304
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://news.example")
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def test_an_empty_threads_etag_changes_with_the_first_comment(client, make_comment):
    """An empty thread has an ETag that changes with the first comment."""
    before = etag_of(thread(client))
    assert thread(client, headers={"If-None-Match": before}).status_code == 304
    make_comment()
    assert etag_of(thread(client)) != before


def _post_reply(client, make_comment, comment):
    make_comment(parent_id=comment["id"], body="a reply")


def _edit(client, make_comment, comment):
    assert client.patch(f"{URL}/{comment['id']}", json={"body": "edited"}, headers=bearer(comment)).status_code == 200


def _delete(client, make_comment, comment):
    assert client.delete(f"{URL}/{comment['id']}", headers=bearer(comment)).status_code == 200


def _vote(client, make_comment, comment):
    assert client.post(f"{URL}/{comment['id']}/vote", json={"value": 1}).status_code == 200


def _post_another(client, make_comment, comment):
    make_comment(body="another top-level comment")


@pytest.mark.parametrize(
    "change", [_post_another, _post_reply, _edit, _delete, _vote], ids=["post", "reply", "edit", "delete", "vote"]
)
def test_a_write_makes_revalidation_return_the_new_page(client, make_comment, change):
    """A write makes the writer's own revalidation return the new page."""
    comment = make_comment()
    old = thread(client)
    etag = etag_of(old)
    change(client, make_comment, comment)
    # The widget re-fetches with cache: "no-cache" after its own write: a conditional request.
    fresh = thread(client, headers={"If-None-Match": etag, "Cache-Control": "no-cache"})
    assert fresh.status_code == 200
    assert etag_of(fresh) != etag
    assert fresh.get_json() != old.get_json()


@pytest.mark.parametrize("status", ["rejected", "spam", "pending"])
def test_a_moderation_status_change_gives_a_new_etag(client, make_comment, db_session, status):
    from commentsvc.domain.status import set_comment_status
    from commentsvc.models import Comment, CommentStatus

    comment = make_comment()
    etag = etag_of(thread(client))
    set_comment_status(db_session, db_session.get(Comment, comment["id"]), CommentStatus(status))
    db_session.commit()
    fresh = thread(client, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.get_json()["comments"] == []
    restored = etag_of(fresh)
    set_comment_status(db_session, db_session.get(Comment, comment["id"]), CommentStatus.APPROVED)
    db_session.commit()
    again = thread(client, headers={"If-None-Match": restored})
    assert again.status_code == 200
    assert [node["id"] for node in again.get_json()["comments"]] == [comment["id"]]


def test_closing_the_site_changes_the_etag(client, make_comment, db_session):
    """Closing the site changes the ETag, and the page says closed."""
    from commentsvc.models import SiteSetting

    make_comment()
    etag = etag_of(thread(client))
    db_session.add(SiteSetting(site="default", closed=True))
    db_session.commit()
    fresh = thread(client, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.get_json()["closed"] is True


def test_closing_the_article_changes_the_etag(client, make_comment, db_session):
    from commentsvc.models import Thread

    make_comment()
    etag = etag_of(thread(client))
    db_session.query(Thread).update({"closed": True})
    db_session.commit()
    fresh = thread(client, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.get_json()["closed"] is True


@pytest.mark.parametrize("params", [{"sort": "newest"}, {"limit": "1"}, {"site": "other"}, {"article": ARTICLE + "-2"}])
def test_a_different_listing_never_shares_an_etag(client, make_comment, params):
    make_comment()
    make_comment()
    etag = etag_of(thread(client))
    response = thread(client, headers={"If-None-Match": etag}, **params)
    assert response.status_code == 200
    assert etag_of(response) != etag


def test_the_avatar_host_is_part_of_the_etag(client, make_comment):
    make_comment()
    etag = etag_of(thread(client))
    other_host = client.get(
        URL, query_string={"article": ARTICLE}, base_url="https://comments.example", headers={"If-None-Match": etag}
    )
    assert other_host.status_code == 200
    assert other_host.get_json()["comments"][0]["avatar"].startswith("https://comments.example/avatar/")


def test_an_invalid_request_is_not_marked_cacheable(client):
    response = thread(client, sort="sideways")
    assert response.status_code == 400
    assert "ETag" not in response.headers
    assert "public" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    "app_config", [{"COMMENTSVC_CACHE_MAX_AGE": 60}, {"COMMENTSVC_CACHE_MAX_AGE": 0}], ids=["60", "0"]
)
def test_the_max_age_follows_the_setting(client, app_config):
    expected = {60: "public, max-age=60, stale-while-revalidate=30", 0: "public, no-cache"}
    response = thread(client)
    assert response.headers["Cache-Control"] == expected[app_config["COMMENTSVC_CACHE_MAX_AGE"]]


# --- replies ---------------------------------------------------------------------------------


def test_the_replies_listing_etag_changes_with_a_new_reply(client, make_comment):
    """The replies listing revalidates (304) and changes with a new reply."""
    top = make_comment()
    make_comment(parent_id=top["id"])
    url = f"{URL}/{top['id']}/replies"
    etag = etag_of(client.get(url))
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    make_comment(parent_id=top["id"], body="one more")
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert len(fresh.get_json()["comments"]) == 2


def test_replies_of_an_unknown_comment_are_404_without_etag(client):
    """Replies of an unknown comment are a 404 without an ETag."""
    response = client.get(f"{URL}/999/replies")
    assert response.status_code == 404
    assert "ETag" not in response.headers


# --- pages kept ready in the worker ----------------------------------------------------------


def test_a_change_on_another_server_shows_at_once(make_app):
    """A change made on another server shows at once on one that kept the page.

    Each worker keeps the pages it built, but asks the database for the thread's version first."""
    reader, writer = make_app().test_client(), make_app().test_client()
    writer.post(URL, json={"article": ARTICLE, "body": "first"})
    assert [node["html"] for node in thread(reader).get_json()["comments"]] == ["<p>first</p>"]
    writer.post(URL, json={"article": ARTICLE, "body": "second"})
    page = thread(reader).get_json()
    assert [node["html"] for node in page["comments"]] == ["<p>first</p>", "<p>second</p>"]
    assert page["count"] == 2


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_RESPONSE_CACHE_MB": 0}])
def test_with_the_page_cache_off_pages_still_revalidate(client, make_comment):
    """With the page cache off, pages are built afresh and still revalidate."""
    make_comment()
    first = thread(client)
    assert thread(client).get_json() == first.get_json()
    assert thread(client, headers={"If-None-Match": etag_of(first)}).status_code == 304
    make_comment(body="second")
    assert len(thread(client).get_json()["comments"]) == 2


def test_page_cache_evicts_least_recently_used_past_its_budget():
    """The page cache builds a page once and drops the least recently used past its budget."""
    from commentsvc.storage.memos import ResponseCache

    cache = ResponseCache(max_bytes=10)
    built = []

    def page(etag, size=4):
        return cache.body(etag, lambda: built.append(etag) or etag.encode().ljust(size, b"."))

    assert page("a") == page("a") == b"a..."
    page("b")
    page("a")  # a is now the most recently used
    page("c")  # 12 bytes would pass the budget: b goes
    page("a")
    page("b")
    assert built == ["a", "b", "c", "b"]
    assert page("huge", size=11) == b"huge......." and page("huge", size=11)
    assert built[-2:] == ["huge", "huge"], "a body larger than the whole budget is never kept"


def test_a_query_string_and_validator_are_parsed_once(app):
    """A query string and a validator are parsed once and shared read-only.

    In a read storm every reader sends the same URL; each worker parses it once."""
    from werkzeug.datastructures import ImmutableMultiDict

    def parsed(query, if_none_match):
        with app.test_request_context(f"/api/v1/comments?{query}", headers={"If-None-Match": if_none_match}):
            from flask import request

            return request.args, request.if_none_match

    args, etags = parsed("site=a&article=b%20c&article=d", '"t-1", W/"t-2"')
    again_args, again_etags = parsed("site=a&article=b%20c&article=d", '"t-1", W/"t-2"')
    assert again_args is args and again_etags is etags
    assert isinstance(args, ImmutableMultiDict) and args.getlist("article") == ["b c", "d"]
    assert etags.contains("t-1") and etags.contains_weak("t-2") and not etags.contains("t-2")
    other_args, other_etags = parsed("site=a&article=e", '"t-3"')
    assert other_args.getlist("article") == ["e"] and other_etags.contains("t-3")
    long_args, _ = parsed("article=" + "x" * 5000, "")
    assert long_args["article"] == "x" * 5000
    assert parsed("article=" + "x" * 5000, "")[0] is not long_args, "past 4 KB nothing is kept"


# --- counts ----------------------------------------------------------------------------------


def counts(client, headers=None):
    return client.get(COUNTS, query_string=[("article", ARTICLE), ("article", "other")], headers=headers or {})


def test_counts_etag_answers_304_until_a_count_changes(client, make_comment):
    """Counts carry an ETag and answer 304 until a count changes."""
    make_comment()
    first = counts(client)
    etag = etag_of(first)
    assert first.headers["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"
    assert "Origin" in first.headers["Vary"]
    assert counts(client, {"If-None-Match": etag}).status_code == 304
    make_comment(body="second")
    fresh = counts(client, {"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.get_json()["counts"] == {ARTICLE: 2, "other": 0}


def test_counts_for_other_articles_have_another_etag(client, make_comment):
    make_comment()
    etag = etag_of(counts(client))
    response = client.get(COUNTS, query_string={"article": ARTICLE}, headers={"If-None-Match": etag})
    assert response.status_code == 200


def test_a_refused_counts_request_is_refused_again(client, make_comment):
    """A refused counts request is refused again, and new posts are counted.

    The parsed query string is kept per listing page, never a refusal or a count."""
    too_many = [("article", f"a{n}") for n in range(201)]
    for _ in range(2):
        response = client.get(COUNTS, query_string=too_many)
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "too_many_articles"
    for expected in (1, 2):
        make_comment(body=f"comment {expected}")
        assert counts(client).get_json()["counts"] == {ARTICLE: expected, "other": 0}


def test_a_refused_thread_request_is_refused_again(client, make_comment):
    """A refused thread request is refused again, and each query string keeps its own answer.

    Thread requests are parsed once per query string too; a refusal is never kept."""
    for _ in range(2):
        response = thread(client, limit="abc")
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "limit_invalid"
        assert thread(client, limit="0").get_json()["error"]["code"] == "limit_invalid"
    for expected in (1, 2):
        make_comment(body=f"comment {expected}")
        assert len(thread(client, limit="1").get_json()["comments"]) == 1
        assert len(thread(client).get_json()["comments"]) == expected
        assert thread(client, article="other").get_json()["count"] == 0


def count_here(client):
    return counts(client).get_json()["counts"][ARTICLE]


def change_stored_thread_count(app, count):
    """A count gone stale behind the services' back, as `commentsvc recount` exists to fix."""
    from commentsvc.extensions import db
    from commentsvc.models import Thread

    with app.app_context():
        db.session.query(Thread).update({"comment_count": count})
        db.session.commit()


def _post_in_thread(context, comment):
    context["make_comment"](body="another comment")


def _delete_by_author(context, comment):
    _delete(context["client"], None, comment)


def _reject_by_moderator(context, comment):
    from commentsvc.domain.status import set_comment_status
    from commentsvc.models import Comment, CommentStatus

    session = context["db_session"]
    set_comment_status(session, session.get(Comment, comment["id"]), CommentStatus.REJECTED)
    session.commit()


@pytest.mark.parametrize(
    "change, expected",
    [(_post_in_thread, 2), (_delete_by_author, 0), (_reject_by_moderator, 0)],
    ids=["post", "delete", "reject"],
)
def test_kept_counts_change_with_every_change_to_a_count(client, make_comment, db_session, change, expected):
    """Counts a server kept change with every change to a count."""
    comment = make_comment()
    assert count_here(client) == count_here(client) == 1
    change({"client": client, "make_comment": make_comment, "db_session": db_session}, comment)
    assert count_here(client) == expected


def test_kept_counts_change_when_a_recount_fixes_them(app, client, runner, make_comment):
    """Counts a server kept change when a recount fixes them."""
    make_comment()
    change_stored_thread_count(app, 9)
    assert count_here(client) == count_here(client) == 9
    result = runner.invoke(args=["recount"])
    assert result.exit_code == 0, result.output
    assert count_here(client) == 1


def test_kept_counts_change_when_another_server_posts(make_app):
    """Counts kept by one server change at once when another server posts."""
    reader, writer = make_app().test_client(), make_app().test_client()
    writer.post(URL, json={"article": ARTICLE, "body": "first"})
    assert count_here(reader) == count_here(reader) == 1
    writer.post(URL, json={"article": ARTICLE, "body": "second"})
    assert count_here(reader) == 2


def test_a_post_on_another_article_keeps_the_counts_etag(client, make_comment):
    """A post on another article of the site leaves the counts ETag as it was."""
    make_comment()
    etag = etag_of(counts(client))
    make_comment(article="unlisted", body="elsewhere")
    assert counts(client, {"If-None-Match": etag}).status_code == 304


def test_counts_by_post_are_not_marked_cacheable(client, make_comment):
    make_comment()
    response = client.post(COUNTS, json={"articles": [ARTICLE]})
    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert "public" not in response.headers.get("Cache-Control", "")


# --- maintenance commands ----------------------------------------------------------------------


def change_stored_comment(app, comment_id, **values):
    """Stored data gone stale behind the services' back, in its own app context like a CLI run."""
    from commentsvc.extensions import db
    from commentsvc.models import Comment

    with app.app_context():
        row = db.session.get(Comment, comment_id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def test_rerendering_changed_html_gives_a_new_etag(app, client, runner, make_comment):
    comment = make_comment(body="**bold**")
    # HTML rendered by older rules than today's: what `commentsvc rerender` exists to fix.
    change_stored_comment(app, comment["id"], body_html="<p>old rules</p>")
    etag = etag_of(thread(client))
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0, result.output
    fresh = thread(client, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.get_json()["comments"][0]["html"] == "<p><strong>bold</strong></p>"


def test_a_recount_fixing_a_vote_tally_renews_the_etag(app, client, runner, make_comment):
    """A recount that fixes a vote tally gives a new ETag."""
    comment = make_comment()
    change_stored_comment(app, comment["id"], likes=7)  # drifted: no vote rows behind it
    etag = etag_of(thread(client))
    result = runner.invoke(args=["recount"])
    assert result.exit_code == 0, result.output
    fresh = thread(client, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.get_json()["comments"][0]["likes"] == 0
