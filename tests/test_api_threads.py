"""Reading a thread: tree shape, the depth cap, placeholders and paging without duplicates or gaps."""

import pytest
from conftest import ARTICLE

URL = "/api/v1/comments"


def read(client, **params):
    params.setdefault("article", ARTICLE)
    response = client.get(URL, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def flatten(nodes):
    for node in nodes:
        yield node
        yield from flatten(node["replies"])


def test_an_unknown_article_is_an_empty_thread(client, db_session):
    """An unknown article is an empty thread and creates no row."""
    from commentsvc.models import Thread

    thread = read(client, article="never-commented")
    assert thread == {
        "site": "default",
        "article": "never-commented",
        "title": None,
        "count": 0,
        "participants": 0,
        "closed": False,
        "comments": [],
        "cursor": None,
        "picks": [],
        "pinned": None,
        "sso": {"mode": "anonymous", "login_url": None},
        "closes_at": None,
    }
    assert db_session.query(Thread).count() == 0


def test_the_article_parameter_is_required(client):
    response = client.get(URL)
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"article": "missing_field"}


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_FIRST_PAGE_REPLIES": 20}])
def test_replies_nest_several_levels_deep(client, make_comment):
    top = make_comment(body="top")
    first = make_comment(parent_id=top["id"], body="first reply")
    second = make_comment(parent_id=first["id"], body="reply to reply")
    third = make_comment(parent_id=second["id"], body="deeper")
    sibling = make_comment(parent_id=top["id"], body="second reply")

    thread = read(client)
    assert thread["count"] == 5
    [node] = thread["comments"]
    assert node["id"] == top["id"]
    assert [reply["id"] for reply in node["replies"]] == [first["id"], sibling["id"]]
    assert node["replies"][0]["replies"][0]["id"] == second["id"]
    assert node["replies"][0]["replies"][0]["replies"][0]["id"] == third["id"]
    assert node["reply_count"] == 4
    assert node["replies_cursor"] is None


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MAX_DEPTH": 3}])
def test_replies_at_the_depth_cap_attach_at_the_cap(client, make_comment):
    """A reply to a comment at the depth cap attaches at the cap and says whom it answers."""
    level0 = make_comment(name="甲")
    level1 = make_comment(parent_id=level0["id"], name="乙")
    level2 = make_comment(parent_id=level1["id"], name="丙")
    capped = make_comment(parent_id=level2["id"], name="丁", body="answering 丙")

    assert capped["parent_id"] == level1["id"]
    assert capped["reply_to"] == {"id": level2["id"], "name": "丙"}
    node = read(client)["comments"][0]["replies"][0]
    assert [child["id"] for child in node["replies"]] == [level2["id"], capped["id"]]
    assert node["replies"][1]["reply_to"] == {"id": level2["id"], "name": "丙"}


def test_a_deleted_comment_with_replies_stays_as_a_placeholder(client, make_comment):
    parent = make_comment(name="secret name", body="to be deleted")
    reply = make_comment(parent_id=parent["id"], body="still here")
    client.delete(f"{URL}/{parent['id']}", headers={"Authorization": f"Bearer {parent['edit_token']}"})

    thread = read(client)
    [placeholder] = thread["comments"]
    assert placeholder["status"] == "deleted"
    assert placeholder["name"] is None and placeholder["html"] is None and placeholder["avatar"] is None
    assert [child["id"] for child in placeholder["replies"]] == [reply["id"]]
    assert thread["count"] == 1
    assert "secret name" not in str(thread)


def test_a_deleted_comment_without_replies_disappears(client, make_comment):
    comment = make_comment()
    client.delete(f"{URL}/{comment['id']}", headers={"Authorization": f"Bearer {comment['edit_token']}"})
    assert read(client)["comments"] == []


def test_a_deleted_middle_reply_keeps_its_replies_in_place(client, make_comment):
    """A deleted reply in the middle keeps its replies in place."""
    top = make_comment()
    middle = make_comment(parent_id=top["id"])
    leaf = make_comment(parent_id=middle["id"])
    client.delete(f"{URL}/{middle['id']}", headers={"Authorization": f"Bearer {middle['edit_token']}"})

    [node] = read(client)["comments"]
    assert node["replies"][0]["status"] == "deleted"
    assert node["replies"][0]["replies"][0]["id"] == leaf["id"]


@pytest.mark.parametrize("sort", ["oldest", "newest", "hot"])
def test_paging_a_thread_visits_every_top_level_comment_once(client, make_comment, sort):
    """Paging through a thread visits every top-level comment once."""
    posted = [make_comment(body=f"comment {i}")["id"] for i in range(23)]
    for comment_id in posted[::4]:
        client.post(f"{URL}/{comment_id}/vote", json={"value": 1})

    seen, cursor, pages = [], None, 0
    while True:
        params = {"sort": sort, "limit": 5}
        if cursor:
            params["cursor"] = cursor
        thread = read(client, **params)
        seen += [comment["id"] for comment in thread["comments"]]
        pages += 1
        cursor = thread["cursor"]
        if cursor is None:
            break

    assert pages == 5
    assert sorted(seen) == sorted(posted)
    assert len(seen) == len(set(seen))
    if sort == "oldest":
        assert seen == posted
    if sort == "newest":
        assert seen == posted[::-1]


def test_hot_puts_the_most_liked_comment_first(client, make_comment):
    plain = make_comment(body="plain")
    liked = make_comment(body="liked")
    disliked = make_comment(body="disliked")
    client.post(f"{URL}/{liked['id']}/vote", json={"value": 1})
    client.post(f"{URL}/{disliked['id']}/vote", json={"value": -1})

    order = [comment["id"] for comment in read(client, sort="hot")["comments"]]
    assert order == [liked["id"], plain["id"], disliked["id"]]


def test_a_page_keeps_its_place_when_new_comments_arrive(client, make_comment):
    """A page keeps its place when new comments arrive between pages."""
    posted = [make_comment(body=f"c{i}")["id"] for i in range(6)]
    first = read(client, limit=3)
    make_comment(body="late arrival")
    second = read(client, limit=3, cursor=first["cursor"])
    assert [c["id"] for c in first["comments"] + second["comments"]] == posted


@pytest.mark.parametrize(
    "params, code",
    [
        ({"limit": "0"}, "limit_invalid"),
        ({"limit": "101"}, "limit_invalid"),
        ({"limit": "-1"}, "limit_invalid"),
        ({"limit": "9" * 30}, "limit_invalid"),
        ({"sort": "random"}, "sort_invalid"),
        ({"cursor": "not-a-cursor"}, "cursor_invalid"),
        ({"cursor": "eyJrIjoib2xkZXN0IiwiaWQiOi0xfQ"}, "cursor_invalid"),
        ({"cursor": "x" * 5000}, "cursor_invalid"),
    ],
)
def test_absurd_paging_parameters_are_400(client, params, code):
    response = client.get(URL, query_string={"article": ARTICLE, **params})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


def test_a_cursor_from_another_sort_order_is_refused(client, make_comment):
    for i in range(3):
        make_comment(body=f"c{i}")
    cursor = read(client, sort="oldest", limit=1)["cursor"]
    response = client.get(URL, query_string={"article": ARTICLE, "sort": "hot", "cursor": cursor})
    assert response.status_code == 400


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_FIRST_PAGE_REPLIES": 3}])
def test_long_reply_lists_page_through_the_replies_cursor(client, make_comment, app_config):
    """Long reply lists come in pages through the replies cursor."""
    top = make_comment(body="popular")
    replies = [make_comment(parent_id=top["id"], body=f"r{i}")["id"] for i in range(4)]
    replies.append(make_comment(parent_id=replies[0], body="nested")["id"])
    replies += [make_comment(parent_id=top["id"], body=f"s{i}")["id"] for i in range(3)]

    node = read(client)["comments"][0]
    shown = [reply["id"] for reply in flatten(node["replies"])]
    assert node["reply_count"] == 8
    assert len(shown) == 3
    cursor = node["replies_cursor"]
    while cursor:
        page = client.get(f"{URL}/{top['id']}/replies", query_string={"cursor": cursor, "limit": 2}).get_json()
        shown += [reply["id"] for reply in page["comments"]]
        cursor = page["cursor"]
    assert shown == replies


def test_replies_are_listed_only_under_top_level_comments(client, make_comment):
    top = make_comment()
    reply = make_comment(parent_id=top["id"])
    assert client.get(f"{URL}/{reply['id']}/replies").status_code == 404
    assert client.get(f"{URL}/999999/replies").status_code == 404


def test_public_comments_carry_exactly_the_documented_fields(client, make_comment):
    make_comment(email="private@example.com", website="https://reader.example")
    comment = read(client)["comments"][0]
    assert set(comment) == {
        "id",
        "parent_id",
        "reply_to",
        "name",
        "website",
        "avatar",
        "html",
        "created_at",
        "edited_at",
        "status",
        "staff",
        "likes",
        "dislikes",
        "lang",
        "floors",
        "picked_at",
        "region",
        "replies",
        "reply_count",
        "replies_cursor",
    }
    assert comment["website"] == "https://reader.example"


def test_a_thread_page_carries_the_first_three_replies_of_each_comment_by_default(client, make_comment):
    top = make_comment(body="popular")
    for i in range(5):
        make_comment(parent_id=top["id"], body=f"r{i}")
    node = read(client)["comments"][0]
    assert [reply["html"] for reply in node["replies"]] == ["<p>r0</p>", "<p>r1</p>", "<p>r2</p>"]
    assert node["reply_count"] == 5
    assert node["replies_cursor"]
