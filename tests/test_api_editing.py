"""Authors edit and delete their own comments with the edit token, inside the edit window only."""

import pytest
from conftest import ARTICLE

URL = "/api/v1/comments"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to("2026-03-01 08:00:00", tick=False)
    return time_machine


def test_an_author_edit_inside_the_window_is_rendered_again(client, make_comment, frozen):
    """An author can edit inside the edit window, and the edit is rendered again."""
    comment = make_comment(body="first")
    frozen.move_to("2026-03-01 08:14:59", tick=False)

    response = client.patch(f"{URL}/{comment['id']}", json={"body": "*second*"}, headers=bearer(comment["edit_token"]))
    assert response.status_code == 200
    edited = response.get_json()
    assert edited["html"] == "<p><em>second</em></p>"
    assert edited["edited_at"] == "2026-03-01T08:14:59Z"
    shown = client.get(URL, query_string={"article": ARTICLE}).get_json()["comments"][0]
    assert shown["html"] == "<p><em>second</em></p>"


def test_editing_after_the_window_is_403_and_changes_nothing(client, make_comment, frozen):
    comment = make_comment(body="first")
    frozen.move_to("2026-03-01 08:15:01", tick=False)

    response = client.patch(f"{URL}/{comment['id']}", json={"body": "late"}, headers=bearer(comment["edit_token"]))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "edit_window_closed"
    assert "15 minutes" in response.get_json()["error"]["message"]
    assert client.get(URL, query_string={"article": ARTICLE}).get_json()["comments"][0]["html"] == "<p>first</p>"


def test_deleting_after_the_window_is_403(client, make_comment, frozen):
    comment = make_comment()
    frozen.move_to("2026-03-01 09:00:00", tick=False)
    response = client.delete(f"{URL}/{comment['id']}", headers=bearer(comment["edit_token"]))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "edit_window_closed"


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_EDIT_WINDOW": 60}])
def test_the_edit_window_is_configurable(client, make_comment, frozen, app_config):
    comment = make_comment()
    frozen.move_to("2026-03-01 08:01:01", tick=False)
    response = client.patch(f"{URL}/{comment['id']}", json={"body": "x"}, headers=bearer(comment["edit_token"]))
    assert response.status_code == 403


def test_a_token_for_another_comment_is_403(client, make_comment):
    mine, theirs = make_comment(body="mine"), make_comment(body="theirs")
    response = client.patch(f"{URL}/{theirs['id']}", json={"body": "hijack"}, headers=bearer(mine["edit_token"]))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "edit_token_wrong_comment"


@pytest.mark.parametrize(
    "headers, code",
    [
        ({}, "edit_token_missing"),
        ({"Authorization": "Bearer"}, "edit_token_missing"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "edit_token_missing"),
        ({"Authorization": "Bearer eyJjIjoxfQ.forged-signature"}, "edit_token_invalid"),
    ],
)
def test_missing_or_forged_tokens_are_403(client, make_comment, headers, code):
    comment = make_comment()
    for method in (client.patch, client.delete):
        response = method(f"{URL}/{comment['id']}", json={"body": "x"}, headers=headers)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == code


def test_a_tampered_token_is_403(client, make_comment):
    comment = make_comment()
    token = comment["edit_token"]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.delete(f"{URL}/{comment['id']}", headers=bearer(tampered))
    assert response.status_code == 403


def test_a_token_signed_with_another_secret_is_403(client, make_comment):
    from commentsvc.domain.tokens import issue_edit_token

    comment = make_comment()
    response = client.delete(f"{URL}/{comment['id']}", headers=bearer(issue_edit_token("other", comment["id"])))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "edit_token_invalid"


def test_editing_an_unknown_comment_is_404(client):
    response = client.patch(f"{URL}/424242", json={"body": "x"}, headers=bearer("whatever"))
    assert response.status_code == 404


def test_an_edit_is_validated_like_a_new_comment(client, make_comment):
    comment = make_comment()
    response = client.patch(f"{URL}/{comment['id']}", json={"body": " "}, headers=bearer(comment["edit_token"]))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "body_empty"


def test_an_edit_is_sanitized_like_a_new_comment(client, make_comment):
    comment = make_comment(body="harmless")
    response = client.patch(
        f"{URL}/{comment['id']}",
        json={"body": "<script>alert(1)</script>[x](javascript:alert(1))"},
        headers=bearer(comment["edit_token"]),
    )
    html = response.get_json()["html"]
    assert "<script" not in html and 'href="javascript' not in html


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_MODERATION": "pre"}])
def test_in_pre_moderation_an_edit_goes_back_to_review(client, make_comment, db_session, app_config):
    from commentsvc.domain.status import set_comment_status
    from commentsvc.models import Comment, CommentStatus

    comment = make_comment(body="harmless")
    set_comment_status(db_session, db_session.get(Comment, comment["id"]), CommentStatus.APPROVED)
    db_session.commit()

    edited = client.patch(
        f"{URL}/{comment['id']}", json={"body": "now with https://spam.example"}, headers=bearer(comment["edit_token"])
    ).get_json()
    assert edited["status"] == "pending"
    assert edited["count"] == 0


def test_a_deleted_comment_cannot_be_edited_or_deleted_again(client, make_comment):
    comment = make_comment()
    assert client.delete(f"{URL}/{comment['id']}", headers=bearer(comment["edit_token"])).status_code == 200
    again = client.delete(f"{URL}/{comment['id']}", headers=bearer(comment["edit_token"]))
    assert again.status_code == 403
    assert again.get_json()["error"]["code"] == "comment_deleted"


def test_delete_answers_with_the_new_count(client, make_comment):
    make_comment(body="keep")
    comment = make_comment(body="remove")
    response = client.delete(f"{URL}/{comment['id']}", headers=bearer(comment["edit_token"]))
    assert response.get_json() == {"id": comment["id"], "status": "deleted", "count": 1}
