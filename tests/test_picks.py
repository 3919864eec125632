"""Editors' picks (编辑精选) and the pinned staff comment: one click in the dashboard, audited, and in
the thread answer the widget reads (picks in the order picked, the pin, sort=picks, picked_at)."""

import re

import pytest
from conftest import ARTICLE, statements
from dashboard_support import log_in, make_moderator, post

URL = "/api/v1/comments"


@pytest.fixture
def moderator_client(app, client):
    make_moderator(app)
    log_in(client)
    return client


def act(client, ids, action):
    return post(client, "/dashboard/comments/action", {"ids": [str(i) for i in ids], "action": action})


def thread(client, **query):
    response = client.get(URL, query_string={"article": ARTICLE, **query})
    assert response.status_code == 200
    return response


def ids(comments):
    return [comment["id"] for comment in comments]


def staff_reply(client, parent_id, body):
    response = post(client, f"/dashboard/comments/{parent_id}/reply", {"body": body})
    assert response.status_code == 302
    return max(ids(c for top in thread(client).get_json()["comments"] for c in top["replies"]))


def audit_actions(client):
    return re.findall(r'data-audit-action="([a-z_]+)"', client.get("/dashboard/audit").get_data(as_text=True))


def test_picks_come_in_the_order_picked_above_the_thread_and_carry_picked_at(moderator_client, make_comment):
    client = moderator_client
    first, second, third = (make_comment(body=f"第{n}条评论，各说各话") for n in "一二三")
    act(client, [third["id"]], "pick")
    act(client, [first["id"]], "pick")

    answer = thread(client).get_json()
    assert ids(answer["picks"]) == [third["id"], first["id"]]
    assert ids(answer["comments"]) == [first["id"], second["id"], third["id"]]  # the normal sort below
    by_id = {comment["id"]: comment for comment in answer["comments"]}
    assert by_id[first["id"]]["picked_at"].endswith("Z") and by_id[second["id"]]["picked_at"] is None
    picks_only = thread(client, sort="picks").get_json()
    assert ids(picks_only["comments"]) == [third["id"], first["id"]]
    assert picks_only["picks"] == []


def test_sort_picks_pages_through_every_pick_in_order(moderator_client, make_comment):
    client = moderator_client
    comments = [make_comment(body=f"读者的第{n}个看法") for n in range(4)]
    for comment in reversed(comments):
        act(client, [comment["id"]], "pick")
    page = thread(client, sort="picks", limit=3).get_json()
    rest = thread(client, sort="picks", limit=3, cursor=page["cursor"]).get_json()
    assert ids(page["comments"]) + ids(rest["comments"]) == [c["id"] for c in reversed(comments)]
    assert rest["cursor"] is None


def test_unpicking_rejecting_or_deleting_a_pick_removes_it(moderator_client, make_comment):
    client = moderator_client
    kept, unpicked, rejected, deleted = (make_comment(body=f"精选候选{n}号，内容不同") for n in range(4))
    act(client, [c["id"] for c in (kept, unpicked, rejected, deleted)], "pick")
    act(client, [unpicked["id"]], "unpick")
    act(client, [rejected["id"]], "reject")
    client.delete(f"{URL}/{deleted['id']}", headers={"Authorization": f"Bearer {deleted['edit_token']}"})
    assert ids(thread(client).get_json()["picks"]) == [kept["id"]]
    act(client, [rejected["id"]], "restore")  # back in the thread, not back among the picks
    assert ids(thread(client).get_json()["picks"]) == [kept["id"]]


def test_a_pick_changes_the_thread_etag(moderator_client, make_comment):
    client = moderator_client
    comment = make_comment()
    etag = thread(client).headers["ETag"]
    act(client, [comment["id"]], "pick")
    again = client.get(URL, query_string={"article": ARTICLE}, headers={"If-None-Match": etag})
    assert again.status_code == 200 and ids(again.get_json()["picks"]) == [comment["id"]]


def test_a_hidden_comment_cannot_be_picked(moderator_client, make_comment, app):
    client = moderator_client
    comment = make_comment()
    act(client, [comment["id"]], "reject")
    response = act(client, [comment["id"]], "pick")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "only approved comments can be picked" in page
    assert "pick" not in audit_actions(client)


def test_picks_and_pins_are_audited(moderator_client, make_comment):
    client = moderator_client
    comment = make_comment()
    act(client, [comment["id"]], "pick")
    act(client, [comment["id"]], "unpick")
    note = staff_reply(client, comment["id"], "编者按：本文已更正。")
    act(client, [note], "pin")
    assert {"pick", "unpick", "pin"} <= set(audit_actions(client))


def test_one_staff_comment_is_pinned_per_thread(moderator_client, make_comment):
    client = moderator_client
    reader = make_comment()
    correction = staff_reply(client, reader["id"], "更正：文中数字有误，已改正。")
    note = staff_reply(client, reader["id"], "版主提示：请文明讨论。")
    act(client, [correction], "pin")
    assert thread(client).get_json()["pinned"]["id"] == correction
    act(client, [note], "pin")
    pinned = thread(client).get_json()["pinned"]
    assert pinned["id"] == note and pinned["staff"] is True
    act(client, [note], "unpin")
    assert thread(client).get_json()["pinned"] is None


def test_a_readers_comment_cannot_be_pinned(moderator_client, make_comment):
    client = moderator_client
    reader = make_comment()
    response = act(client, [reader["id"]], "pin")
    assert "only staff comments can be pinned" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert thread(client).get_json()["pinned"] is None


def test_rejecting_the_pinned_comment_unpins_it(moderator_client, make_comment):
    client = moderator_client
    reader = make_comment()
    note = staff_reply(client, reader["id"], "版主提示：本帖已锁定争议内容。")
    act(client, [note], "pin")
    act(client, [note], "reject")
    act(client, [note], "restore")
    assert thread(client).get_json()["pinned"] is None


def test_pick_is_one_click_in_the_queue_and_on_the_thread_page(moderator_client, make_comment):
    client = moderator_client
    comment = make_comment()
    queue = client.get("/dashboard/queue/approved").get_data(as_text=True)
    assert 'data-action="pick"' in queue
    thread_id = int(re.search(r"/dashboard/threads/(\d+)", queue).group(1))
    page = client.get(f"/dashboard/threads/{thread_id}").get_data(as_text=True)
    assert 'data-action="pick"' in page
    act(client, [comment["id"]], "pick")
    page = client.get(f"/dashboard/threads/{thread_id}").get_data(as_text=True)
    picks = page.split("data-thread-picks", 1)[1].split("</section>", 1)[0]
    assert f'data-comment-id="{comment["id"]}"' in picks and 'data-action="unpick"' in picks
    assert page.count("data-thread-picks") == 1  # once, in the page's body (not also in its <title>)
    assert "<" not in re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "data-commentsvc-picked" in client.get("/dashboard/queue/approved").get_data(as_text=True)


def test_a_first_page_with_replies_picks_and_the_pin_is_read_in_one_statement(moderator_client, make_comment, app):
    """The thread's state, then the top-level page, its first replies, the picks and the pin together."""
    client = moderator_client
    first, second = (make_comment(body=f"第{n}条评论，各说各话") for n in "一二")
    reply = make_comment(parent_id=first["id"], body="回复第一条")
    note = staff_reply(client, second["id"], "版主提示：请文明讨论。")
    act(client, [second["id"]], "pick")
    act(client, [note], "pin")

    with statements(app) as seen:
        answer = thread(client).get_json()

    assert ids(answer["comments"]) == [first["id"], second["id"]]
    assert ids(answer["comments"][0]["replies"]) == [reply["id"]]
    assert ids(answer["picks"]) == [second["id"]] and answer["pinned"]["id"] == note
    assert len(seen) == 2, [statement for statement, _ in seen]
