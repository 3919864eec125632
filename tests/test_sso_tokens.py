"""Publisher SSO tokens: every claim rule, the algorithm the site's key implies, and clock skew."""

import base64
import json
from datetime import datetime, timedelta

import pytest
from sso_support import SECRET, claims, ec_private_key, public_pem, rsa_private_key, sign

from commentsvc.domain.sso import site_key, verify_sso_token
from commentsvc.errors import Unauthorized, ValidationError

NOW = datetime(2026, 3, 1, 8, 0, 0)
NOW_TS = (NOW - datetime(1970, 1, 1)).total_seconds()
HS = site_key(secret=SECRET, public_key=None)


def verify(token, key=HS, site="default"):
    return verify_sso_token(token, site=site, key=key, now=NOW)


def refusal(token, key=HS, site="default"):
    with pytest.raises(Unauthorized) as caught:
        verify(token, key, site)
    assert caught.value.code == "sso_invalid"
    assert caught.value.status == 401
    return caught.value.message


def test_a_valid_token_names_the_reader_with_their_profile():
    reader = verify(
        sign(
            claims(
                now=NOW_TS,
                email="Reader@Example.com",
                avatar="https://cdn.example.com/a.png",
                url="https://example.com/u/42",
                roles=["staff", "editor"],
            )
        )
    )
    assert (reader.sub, reader.name, reader.email, reader.staff) == ("reader-42", "王小明", "Reader@example.com", True)
    assert reader.avatar == "https://cdn.example.com/a.png"
    assert reader.url == "https://example.com/u/42"


def test_a_reader_without_the_staff_role_has_no_badge():
    assert verify(sign(claims(now=NOW_TS, roles=["subscriber"]))).staff is False


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"sub": None}, "missing claim sub"),
        ({"name": None}, "missing claim name"),
        ({"exp": None}, "missing claim exp"),
        ({"site": None}, "missing claim site"),
        ({"sub": ""}, "missing claim sub"),
        ({"name": "   "}, "name must be non-empty text"),
        ({"name": "a\u202eb"}, "name must be non-empty text"),
        ({"sub": 42}, "sub must be text"),
        ({"site": "other"}, "wrong site"),
        ({"exp": NOW_TS - 6}, "expired"),
        ({"exp": NOW_TS + 24 * 3600 + 6}, "more than 24 hours ahead"),
        ({"exp": "tomorrow"}, "exp must be a number"),
        ({"iat": NOW_TS + 6}, "iat is in the future"),
        ({"avatar": "http://cdn.example.com/a.png"}, "avatar must be an https URL"),
        ({"avatar": "javascript:alert(1)"}, "avatar must be an https URL"),
        ({"url": "ftp://example.com/"}, "url must be an http or https URL"),
        ({"email": "not-an-address"}, "email is not a valid address"),
        ({"roles": "staff"}, "roles must be a list of strings"),
    ],
)
def test_a_token_breaking_a_claim_rule_is_refused_naming_the_rule(overrides, rule):
    assert rule in refusal(sign(claims(now=NOW_TS, **overrides)))


@pytest.mark.parametrize("skew", [-5, 5])
def test_a_few_seconds_of_clock_skew_are_allowed(skew):
    """exp just passed and iat just ahead, by the leeway: clocks of two servers drift."""
    assert verify(sign(claims(now=NOW_TS, exp=NOW_TS + skew, iat=NOW_TS + skew))).sub == "reader-42"


def test_a_token_signed_with_another_secret_has_a_bad_signature():
    assert "bad signature" in refusal(sign(claims(now=NOW_TS), key="another-secret-long-enough-for-hs256"))


def test_a_token_that_is_not_a_jwt_is_refused():
    assert "not a well-formed" in refusal("not.a.token")


def test_an_unsigned_alg_none_token_is_refused():
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    token = part({"alg": "none", "typ": "JWT"}) + "." + part(claims(now=NOW_TS)) + "."
    assert "must be signed with HS256" in refusal(token)


def test_an_rs256_site_refuses_an_hs256_token_signed_with_its_public_key():
    """Algorithm confusion: the public key is public, so it must never verify as an HMAC secret."""
    pem = public_pem(rsa_private_key())
    key = site_key(secret=None, public_key=pem)
    # PyJWT refuses to sign HMAC with a PEM key, so forge the token by hand, as an attacker would.
    import hashlib
    import hmac

    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = part({"alg": "HS256", "typ": "JWT"}) + "." + part(claims(now=NOW_TS))
    mac = hmac.new(pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    forged = signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    assert "must be signed with RS256" in refusal(forged, key)


def test_an_rs256_site_accepts_a_token_signed_with_its_private_key():
    key = site_key(secret=None, public_key=public_pem(rsa_private_key()))
    assert key.algorithm == "RS256"
    assert verify(sign(claims(now=NOW_TS), key=rsa_private_key(), algorithm="RS256"), key).sub == "reader-42"


def test_an_es256_site_accepts_a_token_signed_with_its_private_key():
    key = site_key(secret=None, public_key=public_pem(ec_private_key()))
    assert key.algorithm == "ES256"
    assert verify(sign(claims(now=NOW_TS), key=ec_private_key(), algorithm="ES256"), key).name == "王小明"


def test_an_es256_site_refuses_an_rs256_token():
    key = site_key(secret=None, public_key=public_pem(ec_private_key()))
    assert "must be signed with ES256" in refusal(
        sign(claims(now=NOW_TS), key=rsa_private_key(), algorithm="RS256"), key
    )


def test_a_site_without_a_key_refuses_every_token():
    assert "has no SSO key" in refusal(sign(claims(now=NOW_TS)), key=None)


def test_a_public_key_that_is_not_pem_is_refused_when_set():
    with pytest.raises(ValidationError) as caught:
        site_key(secret=None, public_key="-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----")
    assert caught.value.code == "sso_key_invalid"


def test_the_lifetime_limit_counts_from_now_not_from_iat():
    token = sign(claims(now=NOW_TS, iat=NOW_TS - 3600, exp=NOW_TS + timedelta(hours=23).total_seconds()))
    assert verify(token).sub == "reader-42"
