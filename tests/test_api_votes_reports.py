"""Votes (one per reader, replaceable, withdrawable) and reports (which can send a comment to review)."""

import pytest
from conftest import ARTICLE

URL = "/api/v1/comments"


def vote(client, comment_id, value, ip="10.0.0.1"):
    """A vote by the reader at `ip`, who keeps the voter id the server issued them, as the widget does."""
    voters = vars(client).setdefault("voters", {})

    def send(value, headers):
        return client.post(
            f"{URL}/{comment_id}/vote", json={"value": value}, headers=headers, environ_base={"REMOTE_ADDR": ip}
        )

    if ip not in voters:
        issued = send(0, {})  # withdrawing nothing changes nothing, and hands out the reader's voter id
        if issued.status_code == 200:
            voters[ip] = issued.get_json()["voter"]
    return send(value, {"X-Commentsvc-Voter": voters[ip]} if ip in voters else {})


def test_a_like_counts_once_per_reader(client, make_comment):
    comment = make_comment()
    assert vote(client, comment["id"], 1).get_json() == {"id": comment["id"], "likes": 1, "dislikes": 0}
    assert vote(client, comment["id"], 1).get_json()["likes"] == 1
    assert vote(client, comment["id"], 1, ip="10.0.0.2").get_json()["likes"] == 2


def test_a_second_vote_replaces_the_first_and_zero_withdraws(client, make_comment):
    """A second vote replaces the first, and a vote of zero withdraws it."""
    comment = make_comment()
    vote(client, comment["id"], 1)
    assert vote(client, comment["id"], -1).get_json() == {"id": comment["id"], "likes": 0, "dislikes": 1}
    assert vote(client, comment["id"], 0).get_json() == {"id": comment["id"], "likes": 0, "dislikes": 0}
    assert vote(client, comment["id"], 0).get_json() == {"id": comment["id"], "likes": 0, "dislikes": 0}


def test_votes_show_in_the_thread(client, make_comment):
    comment = make_comment()
    vote(client, comment["id"], -1)
    shown = client.get(URL, query_string={"article": ARTICLE}).get_json()["comments"][0]
    assert (shown["likes"], shown["dislikes"]) == (0, 1)


@pytest.mark.parametrize("value", [2, "1", None, True, 0.5])
def test_a_vote_value_outside_the_allowed_three_is_400(client, make_comment, value):
    """A vote other than 1, -1 or 0 is a 400."""
    comment = make_comment()
    response = client.post(f"{URL}/{comment['id']}/vote", json={"value": value})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "vote_invalid"


def test_voting_on_an_unknown_comment_is_404(client):
    assert vote(client, 999999, 1).status_code == 404


def test_a_report_is_accepted_with_202(client, make_comment):
    comment = make_comment()
    response = client.post(f"{URL}/{comment['id']}/report", json={"reason": "abuse", "note": "人身攻击"})
    assert response.status_code == 202
    assert response.get_json() == {"id": comment["id"], "reported": True}


@pytest.mark.parametrize(
    "payload", [{}, {"reason": "because"}, {"reason": "spam", "note": "x" * 501}, {"reason": "spam", "note": 5}]
)
def test_a_report_needs_a_known_reason_and_short_note(client, make_comment, payload):
    """A report needs a known reason and a short note."""
    comment = make_comment()
    response = client.post(f"{URL}/{comment['id']}/report", json=payload)
    assert response.status_code == 400


def report(client, comment_id, ip):
    return client.post(f"{URL}/{comment_id}/report", json={"reason": "spam"}, environ_base={"REMOTE_ADDR": ip})


def test_reports_from_three_readers_send_a_comment_to_review(client, make_comment):
    """Reports from three distinct readers (on distinct networks) send a comment back to review."""
    comment = make_comment()
    for _ in range(3):
        report(client, comment["id"], "10.0.0.1")
    report(client, comment["id"], "10.1.0.2")
    assert client.get(URL, query_string={"article": ARTICLE}).get_json()["count"] == 1

    report(client, comment["id"], "10.2.0.3")
    thread = client.get(URL, query_string={"article": ARTICLE}).get_json()
    assert thread["count"] == 0
    assert thread["comments"] == []


def test_reporting_an_unknown_comment_is_404(client):
    assert report(client, 999999, "10.0.0.1").status_code == 404
