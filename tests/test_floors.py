"""盖楼 folding over the API: a deep reply carries its folded floors in the thread page, the hidden
middle comes from /comments/<id>/floors, and a site's own floor settings change the page."""

import pytest
from conftest import ARTICLE, own_words

from commentsvc.domain.site_overrides import set_override

URL = "/api/v1/comments"
# A chain ten comments deep (depths 0 to 9): the depth cap must allow it, and the first page must carry it.
DEEP = {"COMMENTSVC_MAX_DEPTH": 10, "COMMENTSVC_FIRST_PAGE_REPLIES": 20}


def read(client):
    response = client.get(URL, query_string={"article": ARTICLE})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def flatten(nodes):
    for node in nodes:
        yield node
        yield from flatten(node["replies"])


def build_chain(make_comment, length=10):
    chain = []
    for depth in range(length):
        parent = chain[-1]["id"] if chain else None
        chain.append(make_comment(name=f"楼{depth + 1}", body=own_words(f"第{depth + 1}层"), parent_id=parent))
    return chain


def by_id(client):
    return {node["id"]: node for node in flatten(read(client)["comments"])}


@pytest.mark.parametrize("app_config", [DEEP])
def test_a_deep_reply_carries_its_first_and_last_floors_and_how_many_fold_between(client, make_comment):
    chain = build_chain(make_comment)
    nodes = by_id(client)
    deepest = nodes[chain[9]["id"]]
    floors = deepest["floors"]
    assert (floors["count"], floors["hidden"]) == (9, 5)
    assert [floor["floor"] for floor in floors["first"]] == [1, 2]
    assert [floor["floor"] for floor in floors["last"]] == [8, 9]
    assert [floor["id"] for floor in floors["first"] + floors["last"]] == [chain[n]["id"] for n in (0, 1, 7, 8)]
    first = floors["first"][0]
    assert first["name"] == "楼1"
    assert first["html"] == chain[0]["html"]
    assert (first["lang"], first["status"]) == (chain[0]["lang"], "approved")


@pytest.mark.parametrize("app_config", [DEEP])
def test_replies_above_the_floor_depth_indent_and_a_short_chain_shows_every_floor(client, make_comment):
    chain = build_chain(make_comment, length=5)
    nodes = by_id(client)
    assert [nodes[comment["id"]]["floors"] for comment in chain[:3]] == [None, None, None]
    floors = nodes[chain[3]["id"]]["floors"]
    assert (floors["count"], floors["hidden"], floors["last"]) == (3, 0, [])
    assert [floor["floor"] for floor in floors["first"]] == [1, 2, 3]
    # The API's nesting is the stored tree: the floored reply still hangs under its parent.
    assert nodes[chain[2]["id"]]["replies"][0]["id"] == chain[3]["id"]


@pytest.mark.parametrize("app_config", [DEEP])
def test_the_floors_listing_gives_every_floor_above_a_reply_root_first(client, make_comment):
    chain = build_chain(make_comment)
    response = client.get(f"{URL}/{chain[9]['id']}/floors")
    assert response.status_code == 200
    assert response.headers["ETag"]
    answer = response.get_json()
    assert (answer["id"], answer["count"]) == (chain[9]["id"], 9)
    assert [floor["id"] for floor in answer["floors"]] == [comment["id"] for comment in chain[:9]]
    assert [floor["floor"] for floor in answer["floors"]] == list(range(1, 10))
    assert answer["floors"][4]["name"] == "楼5"
    again = client.get(f"{URL}/{chain[9]['id']}/floors", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_floors_of_an_unknown_comment_are_a_404_in_the_api_error_shape(client):
    response = client.get(f"{URL}/999999/floors")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "comment_not_found"


@pytest.mark.parametrize("app_config", [DEEP])
def test_a_deleted_floor_keeps_its_number_without_its_words(client, make_comment):
    chain = build_chain(make_comment, length=6)
    gone = chain[4]
    deleted = client.delete(f"{URL}/{gone['id']}", headers={"Authorization": f"Bearer {gone['edit_token']}"})
    assert deleted.status_code == 200
    floor = by_id(client)[chain[5]["id"]]["floors"]["last"][-1]
    assert floor == {"floor": 5, "id": gone["id"], "name": None, "html": None, "lang": None, "status": "deleted"}


@pytest.mark.parametrize("app_config", [{**DEEP, "COMMENTSVC_FIRST_PAGE_REPLIES": 3}])
def test_a_later_replies_page_carries_the_floors_of_its_chains(client, make_comment):
    chain = build_chain(make_comment)
    page = client.get(f"{URL}/{chain[0]['id']}/replies").get_json()
    deepest = next(node for node in page["comments"] if node["id"] == chain[9]["id"])
    assert [floor["name"] for floor in deepest["floors"]["first"]] == ["楼1", "楼2"]
    assert deepest["floors"]["hidden"] == 5


@pytest.mark.parametrize("app_config", [DEEP])
def test_a_sites_own_floor_settings_change_its_page_at_once(app, client, make_comment, db_session):
    chain = build_chain(make_comment)
    before = client.get(URL, query_string={"article": ARTICLE})
    for name, value in (
        ("COMMENTSVC_FLOOR_DEPTH", "5"),
        ("COMMENTSVC_FLOORS_FIRST", "1"),
        ("COMMENTSVC_FLOORS_LAST", "1"),
    ):
        set_override(db_session, site="default", name=name, value=value)
    db_session.commit()
    after = client.get(URL, query_string={"article": ARTICLE}, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    nodes = {node["id"]: node for node in flatten(after.get_json()["comments"])}
    assert nodes[chain[4]["id"]]["floors"] is None
    floors = nodes[chain[9]["id"]]["floors"]
    assert (floors["count"], floors["hidden"], len(floors["first"]), len(floors["last"])) == (9, 7, 1, 1)


@pytest.mark.parametrize(
    ("body", "lang"),
    [
        ("这是一条简体中文的评论，我们说的话都在这里。", "zh-Hans"),
        ("這是一條繁體中文的評論，我們說的話都在這裡。", "zh-Hant"),
        ("This is a comment written in plain English words.", "en"),
        ("これは日本語で書かれたコメントです。", "other"),
        ("Это комментарий на русском языке.", "other"),
    ],
)
def test_each_comment_carries_the_language_it_is_written_in(client, make_comment, body, lang):
    posted = make_comment(body=body)
    assert posted["lang"] == lang
    assert by_id(client)[posted["id"]]["lang"] == lang


def test_an_edit_detects_the_language_again(client, make_comment):
    posted = make_comment(body="First written in English, as it happens.")
    response = client.patch(
        f"{URL}/{posted['id']}",
        json={"body": "後來改寫成繁體中文，這樣說話。"},
        headers={"Authorization": f"Bearer {posted['edit_token']}"},
    )
    assert response.status_code == 200
    assert response.get_json()["lang"] == "zh-Hant"
    assert by_id(client)[posted["id"]]["lang"] == "zh-Hant"
