"""The HTTP side of the form checks: who is exempt (an API key, a signed-in reader), each site's
effective settings, and the per-identity and per-address limits on posting."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address

from ..domain import posting
from ..domain.api_keys import check_api_key
from ..domain.form_checks import NOT_CHECKED, FormCheck, FormSettings, check_form, idempotency_key_stored
from ..extensions import db, limiter
from .context import site_settings, verified_identity_key
from .sso import write_limit_key

API_KEY_HEADER = "X-Commentsvc-Key"


def form_settings(site: str) -> FormSettings:
    return FormSettings.of(site_settings(site))


def authenticated(site: str, client: posting.Client) -> bool:
    """The one place that decides a post needs no form checks: a valid API key for this site (an
    invalid one is a 401), or a reader signed in through the publisher's SSO."""
    key = request.headers.get(API_KEY_HEADER)
    if key is not None:
        check_api_key(db.session(), key.strip(), site=site)
        return True
    return client.user_id is not None


def form_caught(
    payload: dict[str, Any],
    *,
    site: str,
    article: str,
    client: posting.Client,
    now: Any,
    idempotency_key: str | None,
    settings: FormSettings,
) -> FormCheck:
    """The traps a post fell into, and the nonce its comment is to carry. A retry with a stored
    Idempotency-Key is that post again and is not checked (its token was spent by the first attempt);
    post_comment answers it with the first."""
    if idempotency_key and idempotency_key_stored(db.session(), site=site, idempotency_key=idempotency_key):
        return NOT_CHECKED
    return check_form(
        db.session(),
        site=site,
        article=article,
        form_token=payload.get("form_token"),
        honeypot=payload.get("homepage"),
        altcha=payload.get("altcha"),
        client=client,
        secret=current_app.config["SECRET_KEY"],
        now=now,
        settings=settings,
        authenticated=authenticated(site, client),
    )


def _served(response: Response) -> bool:
    return response.status_code < 500


def _identity_limit_key() -> str:
    return f"identity:{verified_identity_key()}"


def _config(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


def _has_identity() -> bool:
    return verified_identity_key() is not None


def _lacks_identity() -> bool:
    return verified_identity_key() is None


def _address_limit_key() -> str:
    return "address:" + get_remote_address()


def post_limits(view: Callable[..., Any]) -> Callable[..., Any]:
    """One reader rotating addresses is still one reader (per identity); a crowd behind one proxy,
    each with an identity, is not one reader (a looser per-address limit); a post with no identity
    of ours is held to the plain per-address limit, COMMENTSVC_RATELIMIT_POST, which counts per user
    for a signed-in reader (colleagues behind one office address are many people)."""
    limits = (
        limiter.limit(
            _config("COMMENTSVC_RATELIMIT_POST"),
            methods=["POST"],
            deduct_when=_served,
            key_func=write_limit_key,
            exempt_when=_has_identity,
        ),
        limiter.limit(
            _config("COMMENTSVC_RATELIMIT_POST_ADDRESS"),
            methods=["POST"],
            deduct_when=_served,
            key_func=_address_limit_key,
            exempt_when=_lacks_identity,
        ),
        limiter.limit(
            _config("COMMENTSVC_RATELIMIT_POST_IDENTITY"),
            methods=["POST"],
            deduct_when=_served,
            key_func=_identity_limit_key,
            exempt_when=_lacks_identity,
        ),
    )
    limited = view
    for limit in limits:
        limited = limit(limited)
    return skipped_when_limits_are_off(limited, view)


def skipped_when_limits_are_off(limited: Callable[..., Any], view: Callable[..., Any]) -> Callable[..., Any]:
    """Flask-Limiter's decorators do their bookkeeping even with limits off; the hot paths (reads in a
    storm, posting) skip it when COMMENTSVC_RATELIMIT_ENABLED is false."""

    @functools.wraps(view)
    def dispatch(*args: Any, **kwargs: Any) -> Any:
        if current_app.config.get("RATELIMIT_ENABLED", True):
            return limited(*args, **kwargs)
        return view(*args, **kwargs)

    return dispatch


form_token_limit = limiter.limit(_config("COMMENTSVC_RATELIMIT_FORM_TOKEN"), methods=["POST"])
