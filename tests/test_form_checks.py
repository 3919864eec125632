"""Issue 18: form tokens, the honeypot and speed. A post that falls into a trap is answered exactly like
an accepted one and kept as spam with the reason; only a missing or expired token is an error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import ARTICLE
from dashboard_support import log_in, make_moderator, thread_json
from itsdangerous import Signer, URLSafeSerializer

from commentsvc.clock import utcnow
from commentsvc.domain.form_tokens import issue_form_token, read_form_token
from commentsvc.domain.nonces import prune_spent_nonces, spend_nonce
from commentsvc.extensions import db

POST = "/api/v1/comments"
FORM_TOKENS = "/api/v1/form-tokens"


def form_token(client: Any, article: str = ARTICLE, **kwargs: Any) -> dict[str, Any]:
    response = client.post(FORM_TOKENS, json={"article": article}, **kwargs)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def comment(body: str, token: str | None, **fields: Any) -> dict[str, Any]:
    return {"article": ARTICLE, "name": "读者", "body": body, "form_token": token, **fields}


def spam_queue(app: Any, client: Any) -> str:
    make_moderator(app, username="spamchecker")
    log_in(client, username="spamchecker")
    return client.get("/dashboard/queue/spam?lang=en").get_data(as_text=True)


def answer_shape(response: Any) -> tuple[int, list[str], str]:
    body = response.get_json()
    return response.status_code, sorted(body), body["status"]


def test_form_tokens_answer_holds_a_token_a_new_identity_and_no_challenge(client: Any) -> None:
    answer = form_token(client)

    assert sorted(answer) == ["challenge", "form_token", "identity"]
    assert answer["form_token"] and answer["identity"] and answer["challenge"] is None


def test_form_tokens_answer_hands_out_no_identity_when_the_request_carried_ours(client: Any) -> None:
    identity = form_token(client)["identity"]

    assert form_token(client, headers={"X-Commentsvc-Identity": identity})["identity"] is None


def test_form_tokens_answer_replaces_a_forged_identity(client: Any) -> None:
    assert form_token(client, headers={"X-Commentsvc-Identity": "forged.identity"})["identity"]


def test_form_tokens_answer_is_never_cached(client: Any) -> None:
    response = client.post(FORM_TOKENS, json={"article": ARTICLE})

    assert response.headers["Cache-Control"] == "no-store"


def test_a_post_without_a_form_token_is_refused_and_pointed_to_the_docs(client: Any) -> None:
    response = client.post(POST, json=comment("no token", None))

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "form_token_required"
    assert "Posting paths" in error["message"] and "/api/v1/form-tokens" in error["message"]


def test_a_post_with_a_fresh_token_is_published_and_carries_the_next_token(client: Any) -> None:
    first = client.post(POST, json=comment("第一条", form_token(client)["form_token"]))
    second = client.post(POST, json=comment("第二条", first.get_json()["form_token"]))

    assert (first.status_code, first.get_json()["status"]) == (201, "approved")
    assert (second.status_code, second.get_json()["status"]) == (201, "approved")
    assert [c["html"] for c in thread_json(client, ARTICLE)["comments"]] == ["<p>第一条</p>", "<p>第二条</p>"]


def test_a_replayed_token_is_answered_like_success_but_kept_as_spam(app: Any, client: Any) -> None:
    token = form_token(client)["form_token"]
    accepted = client.post(POST, json=comment("honest words", token))
    replayed = client.post(POST, json=comment("bot words", token))

    assert answer_shape(replayed) == answer_shape(accepted) == (201, answer_shape(accepted)[1], "approved")
    assert [c["html"] for c in thread_json(client, ARTICLE)["comments"]] == ["<p>honest words</p>"]
    assert "reused form token" in spam_queue(app, client)


def test_a_token_issued_before_nonces_moved_into_comments_is_still_good_for_one_post_only(
    app: Any, client: Any
) -> None:
    """Its nonce is spent in spent_nonces, as the release that issued it spent it."""
    issued = int(utcnow().replace(tzinfo=UTC).timestamp() * 1000) - 5_000
    earlier_format = {"s": "default", "a": ARTICLE, "n": "issued-by-the-release-before", "t": issued}
    token = URLSafeSerializer(app.config["SECRET_KEY"], salt="commentsvc.form-token").dumps(earlier_format)

    accepted = client.post(POST, json=comment("honest words", token))
    replayed = client.post(POST, json=comment("bot words", token))

    assert answer_shape(replayed) == answer_shape(accepted) == (201, answer_shape(accepted)[1], "approved")
    assert [c["html"] for c in thread_json(client, ARTICLE)["comments"]] == ["<p>honest words</p>"]
    assert "reused form token" in spam_queue(app, client)


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "eyJzIjoiIn0.forged-signature", 12345],
    ids=["garbage", "bad-signature", "not-a-string"],
)
def test_a_forged_token_is_answered_like_success_but_kept_as_spam(app: Any, client: Any, token: Any) -> None:
    accepted = client.post(POST, json=comment("honest words", form_token(client)["form_token"]))
    forged = client.post(POST, json=comment("bot words", token))

    assert answer_shape(forged) == answer_shape(accepted)
    assert len(thread_json(client, ARTICLE)["comments"]) == 1
    assert "forged form token" in spam_queue(app, client)


def test_a_token_issued_for_another_article_counts_as_forged(app: Any, client: Any) -> None:
    other = form_token(client, article="news/another-story")["form_token"]

    response = client.post(POST, json=comment("wrong article", other))

    assert (response.status_code, response.get_json()["status"]) == (201, "approved")
    assert thread_json(client, ARTICLE)["comments"] == []
    assert "forged form token" in spam_queue(app, client)


def test_the_longest_article_id_a_publisher_may_use_still_posts_with_its_token(client: Any) -> None:
    # 512 characters outside the BMP: each is 12 bytes of JSON escapes inside the token.
    article = "/" + "".join(chr(0x20000 + index * 37) for index in range(511))
    token = form_token(client, article=article)["form_token"]

    response = client.post(POST, json={**comment("长链接的文章", token), "article": article})

    assert (response.status_code, response.get_json()["status"]) == (201, "approved")
    assert [c["html"] for c in thread_json(client, article)["comments"]] == ["<p>长链接的文章</p>"]


def test_a_token_signed_before_tokens_stopped_being_compressed_still_reads() -> None:
    secret = "a-secret-of-this-server"
    compressed = URLSafeSerializer(secret, salt="commentsvc.form-token").dumps(
        {"s": "default", "a": "news/" + "story-" * 40, "n": "nonce", "t": 1_764_662_400_000}
    )

    token = read_form_token(secret, compressed)

    assert compressed.startswith(".")  # itsdangerous compressed it
    assert token is not None and (token.article, token.nonce) == ("news/" + "story-" * 40, "nonce")


def test_each_secret_signs_and_reads_only_its_own_tokens_however_often_its_signer_is_reused() -> None:
    """The serializer keeps one signer and its derived key per secret: a token is still the library's
    own, and a token of one secret never reads under another, in whatever order they are used."""
    now = datetime(2026, 12, 3, 8, 0)
    first = issue_form_token("first-secret-of-a-server", site="default", article=ARTICLE, now=now)
    second = issue_form_token("second-secret-of-a-server", site="default", article=ARTICLE, now=now)
    plain = URLSafeSerializer("first-secret-of-a-server", salt="commentsvc.form-token")

    for _ in range(2):
        assert read_form_token("first-secret-of-a-server", first) is not None
        assert read_form_token("second-secret-of-a-server", first) is None
        assert read_form_token("first-secret-of-a-server", second) is None
        assert read_form_token("second-secret-of-a-server", second) is not None
    assert plain.loads(first)["a"] == ARTICLE


def test_a_token_is_signed_byte_for_byte_as_itsdangerous_signs_it_with_its_key_derived_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    derivations: list[bytes] = []
    derive_key = Signer.derive_key

    def counted(signer: Signer, secret_key: Any = None) -> bytes:
        derivations.append(signer.salt)
        return derive_key(signer, secret_key)

    monkeypatch.setattr(Signer, "derive_key", counted)
    secret = "a-secret-that-signed-nothing-yet"
    now = datetime(2026, 12, 3, 14, 0)
    tokens = [issue_form_token(secret, site="default", article=ARTICLE, now=now) for _ in range(3)]
    read = [read_form_token(secret, token) for token in tokens]
    monkeypatch.undo()
    plain = URLSafeSerializer(secret, salt="commentsvc.form-token")

    library_signer = plain.make_signer()

    assert [library_signer.sign(token.rsplit(".", 1)[0]).decode() for token in tokens] == tokens
    assert [plain.loads(token)["a"] for token in tokens] == [ARTICLE] * 3
    assert all(token is not None and token.article == ARTICLE for token in read)
    assert derivations == [b"commentsvc.form-token"]


def test_pruning_forgets_only_the_nonces_older_than_any_token_that_could_carry_them(app: Any) -> None:
    now = datetime(2026, 12, 3, 14, 0)
    with app.app_context():
        session = db.session()
        assert spend_nonce(session, "form:spent-three-hours-ago", now=now - timedelta(hours=3))
        assert spend_nonce(session, "form:spent-five-minutes-ago", now=now - timedelta(minutes=5))
        prune_spent_nonces(session, older_than=timedelta(hours=2), now=now)
        session.commit()

        assert spend_nonce(session, "form:spent-three-hours-ago", now=now)
        assert not spend_nonce(session, "form:spent-five-minutes-ago", now=now)


def test_a_token_issued_for_another_site_counts_as_forged(app: Any, client: Any) -> None:
    other = client.post(FORM_TOKENS, json={"site": "other.example", "article": ARTICLE}).get_json()["form_token"]

    client.post(POST, json=comment("wrong site", other))

    assert thread_json(client, ARTICLE)["comments"] == []
    assert "forged form token" in spam_queue(app, client)


def test_a_filled_honeypot_is_answered_like_success_but_kept_as_spam(app: Any, client: Any) -> None:
    accepted = client.post(POST, json=comment("honest", form_token(client)["form_token"], homepage=""))
    trapped = client.post(POST, json=comment("bot", form_token(client)["form_token"], homepage="http://spam.example"))

    assert answer_shape(trapped) == answer_shape(accepted)
    assert len(thread_json(client, ARTICLE)["comments"]) == 1
    assert "filled the hidden field" in spam_queue(app, client)


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_FORM_MIN_SECONDS": 2}])
def test_a_post_sooner_than_a_person_could_write_is_kept_as_spam(app: Any, client: Any, time_machine: Any) -> None:
    time_machine.move_to(utcnow(), tick=False)
    token = form_token(client)["form_token"]
    time_machine.shift(timedelta(seconds=1))

    response = client.post(POST, json=comment("machine speed", token))

    assert (response.status_code, response.get_json()["status"]) == (201, "approved")
    assert thread_json(client, ARTICLE)["comments"] == []
    assert "posted faster than a person" in spam_queue(app, client)


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_FORM_MIN_SECONDS": 2}])
def test_a_post_after_a_human_pause_is_published(client: Any, time_machine: Any) -> None:
    time_machine.move_to(utcnow(), tick=False)
    token = form_token(client)["form_token"]
    time_machine.shift(timedelta(seconds=3))

    response = client.post(POST, json=comment("human speed", token))

    assert response.get_json()["status"] == "approved"
    assert len(thread_json(client, ARTICLE)["comments"]) == 1


def test_an_expired_token_is_refused_so_the_widget_can_fetch_another(client: Any, time_machine: Any) -> None:
    time_machine.move_to(utcnow(), tick=False)
    token = form_token(client)["form_token"]
    time_machine.shift(timedelta(hours=2, seconds=1))

    response = client.post(POST, json=comment("left open for hours", token))

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "form_token_expired"


def test_a_retry_with_the_same_idempotency_key_is_the_same_post_not_a_replay(client: Any) -> None:
    token = form_token(client)["form_token"]
    headers = {"Idempotency-Key": "retry-1"}
    first = client.post(POST, json=comment("sent twice", token), headers=headers)
    retry = client.post(POST, json=comment("sent twice", token), headers=headers)

    assert retry.status_code == 201
    assert retry.get_json()["id"] == first.get_json()["id"]
    assert retry.get_json()["status"] == "approved"
    assert len(thread_json(client, ARTICLE)["comments"]) == 1


def test_a_refused_post_does_not_use_up_its_token(client: Any) -> None:
    token = form_token(client)["form_token"]
    refused = client.post(POST, json=comment("reply to nothing", token, parent_id=999))
    published = client.post(POST, json=comment("then a good one", token))

    assert refused.status_code == 404
    assert published.get_json()["status"] == "approved"
    assert len(thread_json(client, ARTICLE)["comments"]) == 1


@pytest.mark.parametrize("app_config", [{"COMMENTSVC_FORM_TOKENS": False, "COMMENTSVC_FORM_MIN_SECONDS": 2}])
def test_with_form_tokens_off_a_post_needs_no_token_but_the_honeypot_still_applies(app: Any, client: Any) -> None:
    open_post = client.post(POST, json=comment("old open API", None))
    trapped = client.post(POST, json=comment("bot", None, homepage="x"))

    assert open_post.get_json()["status"] == trapped.get_json()["status"] == "approved"
    assert [c["html"] for c in thread_json(client, ARTICLE)["comments"]] == ["<p>old open API</p>"]
    assert "filled the hidden field" in spam_queue(app, client)


def test_a_payload_is_written_as_the_very_text_itsdangerous_writes() -> None:
    """Our serializer keeps one JSON encoder; the JSON it signs is the library's, byte for byte."""
    from itsdangerous import base64_decode

    from commentsvc.domain.signing import UncompressedURLSafeSerializer

    payload = {"s": "新闻网", "a": "news/2026/评论", "n": "nonce", "t": 1_764_000_000_000, "v": 2, "x": [1.5, None]}
    token = UncompressedURLSafeSerializer("a-secret", salt="commentsvc.form-token").dumps(payload)
    library = URLSafeSerializer("a-secret", salt="commentsvc.form-token")

    assert base64_decode(token.rsplit(".", 1)[0]) == library.default_serializer.dumps(payload).encode()
    assert library.loads(token) == payload


def test_a_token_reads_as_itsdangerous_reads_it_under_its_own_salt_and_only_there() -> None:
    """Our serializer reads through its one kept signer; a salt asked for by name is the library's loop."""
    from itsdangerous import BadSignature

    from commentsvc.domain.signing import UncompressedURLSafeSerializer

    ours = UncompressedURLSafeSerializer("a-secret", salt="commentsvc.form-token")
    token = URLSafeSerializer("a-secret", salt="commentsvc.form-token").dumps({"n": "nonce"})
    other = URLSafeSerializer("a-secret", salt="commentsvc.identity").dumps({"n": "nonce"})

    assert ours.loads(token) == {"n": "nonce"}
    assert ours.loads(other, salt="commentsvc.identity") == {"n": "nonce"}
    with pytest.raises(BadSignature):
        ours.loads(other)
    with pytest.raises(BadSignature):
        ours.loads(token + "x")
