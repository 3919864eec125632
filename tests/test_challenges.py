"""Issue 18: proof of work (ALTCHA) only when the site asks for it or a client looks suspicious; a
wrong solution is answered like success and kept as spam, and a solution is good for one post."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ARTICLE
from dashboard_support import log_in, make_moderator, thread_json
from form_filling import solved_payload

POST = "/api/v1/comments"
FORM_TOKENS = "/api/v1/form-tokens"
ALWAYS = {"COMMENTSVC_CHALLENGE": "always", "COMMENTSVC_CHALLENGE_MAX_NUMBER": 2000}


def open_form(client: Any, **kwargs: Any) -> dict[str, Any]:
    return client.post(FORM_TOKENS, json={"article": ARTICLE}, **kwargs).get_json()


def comment(body: str, form: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"article": ARTICLE, "name": "读者", "body": body, "form_token": form["form_token"], **fields}


@pytest.mark.parametrize("app_config", [ALWAYS])
def test_with_challenge_always_the_form_tokens_answer_carries_a_challenge(client: Any) -> None:
    challenge = open_form(client)["challenge"]

    assert sorted(challenge) == ["algorithm", "challenge", "maxNumber", "salt", "signature"]
    assert challenge["algorithm"] == "SHA-256" and challenge["maxNumber"] == 2000


@pytest.mark.parametrize("app_config", [ALWAYS])
def test_a_post_without_a_solution_is_asked_for_one(client: Any) -> None:
    response = client.post(POST, json=comment("no work done", open_form(client)))

    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "challenge_required"
    assert sorted(error["challenge"]) == ["algorithm", "challenge", "maxNumber", "salt", "signature"]


@pytest.mark.parametrize("app_config", [ALWAYS])
def test_a_solved_challenge_lets_the_post_through(client: Any) -> None:
    form = open_form(client)

    response = client.post(POST, json=comment("worked for it", form, altcha=solved_payload(form["challenge"])))

    assert (response.status_code, response.get_json()["status"]) == (201, "approved")
    assert len(thread_json(client, ARTICLE)["comments"]) == 1


@pytest.mark.parametrize("app_config", [ALWAYS])
def test_the_challenge_in_a_challenge_required_answer_can_be_solved_and_posted(client: Any) -> None:
    form = open_form(client)
    asked = client.post(POST, json=comment("second try", form)).get_json()["error"]["challenge"]

    response = client.post(POST, json=comment("second try", form, altcha=solved_payload(asked)))

    assert response.get_json()["status"] == "approved"


@pytest.mark.parametrize("app_config", [ALWAYS])
def test_a_wrong_solution_is_answered_like_success_but_kept_as_spam(app: Any, client: Any) -> None:
    form = open_form(client)
    good = client.post(POST, json=comment("honest", form, altcha=solved_payload(form["challenge"])))
    other = open_form(client)
    wrong = client.post(POST, json=comment("bot", other, altcha="eyJub3QiOiAic29sdmVkIn0="))

    assert (wrong.status_code, sorted(wrong.get_json()), wrong.get_json()["status"]) == (
        good.status_code,
        sorted(good.get_json()),
        good.get_json()["status"],
    )
    assert len(thread_json(client, ARTICLE)["comments"]) == 1
    make_moderator(app)
    log_in(client)
    assert "proof of work failed" in client.get("/dashboard/queue/spam?lang=en").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [ALWAYS])
def test_a_solution_is_good_for_one_post_only(client: Any) -> None:
    form = open_form(client)
    solution = solved_payload(form["challenge"])
    client.post(POST, json=comment("first", form, altcha=solution))

    client.post(POST, json=comment("again", open_form(client), altcha=solution))

    assert [c["html"] for c in thread_json(client, ARTICLE)["comments"]] == ["<p>first</p>"]


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_CHALLENGE_AFTER": 2}])
def test_a_reader_who_posts_a_lot_is_challenged(client: Any) -> None:
    identity = open_form(client)["identity"]
    headers = {"X-Commentsvc-Identity": identity}
    for n in range(2):
        client.post(POST, json=comment(f"quick {n}", open_form(client, headers=headers)), headers=headers)

    assert open_form(client, headers=headers)["challenge"] is not None


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_CHALLENGE_AFTER": 2}])
def test_another_reader_at_the_same_address_is_not_challenged_for_them(client: Any) -> None:
    busy = {"X-Commentsvc-Identity": open_form(client)["identity"]}
    for n in range(2):
        client.post(POST, json=comment(f"busy {n}", open_form(client, headers=busy)), headers=busy)

    assert open_form(client, headers={"X-Commentsvc-Identity": open_form(client)["identity"]})["challenge"] is None


def test_a_client_whose_post_was_caught_is_challenged(client: Any) -> None:
    client.post(POST, json=comment("bot", open_form(client), homepage="http://spam.example"))

    assert open_form(client)["challenge"] is not None


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_CHALLENGE": "off", "COMMENTSVC_CHALLENGE_AFTER": 1}])
def test_with_challenge_off_nobody_is_challenged(client: Any) -> None:
    client.post(POST, json=comment("bot", open_form(client), homepage="http://spam.example"))

    assert open_form(client)["challenge"] is None
