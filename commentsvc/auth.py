"""Who may change what: comment authors through signed edit tokens, moderators through accounts."""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import Conflict, Forbidden, NotFound, ValidationError
from .models import Moderator, ModeratorRole

_EDIT_SALT = "commentsvc.edit-token"


@functools.lru_cache(maxsize=8)
def _edit_token_serializer(secret: str) -> URLSafeSerializer:
    """One per secret: building it (key derivation set-up) cost a third of issuing a token."""
    return URLSafeSerializer(secret, salt=_EDIT_SALT)


def issue_edit_token(secret: str, comment_id: int) -> str:
    return _edit_token_serializer(secret).dumps({"c": comment_id})


def check_edit_token(secret: str, token: str | None, comment_id: int) -> None:
    """Only the token issued for this very comment opens it; the window is checked by the caller."""
    if not token:
        raise Forbidden("Editing needs the edit token you got when you posted this comment.", code="edit_token_missing")
    try:
        payload = _edit_token_serializer(secret).loads(token)
    except BadSignature:
        raise Forbidden("This edit token is not valid.", code="edit_token_invalid") from None
    if not isinstance(payload, dict) or payload.get("c") != comment_id:
        raise Forbidden("This edit token belongs to another comment.", code="edit_token_wrong_comment")


# --- moderator accounts ----------------------------------------------------------------------

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    """Werkzeug's default is scrypt: slow and salted."""
    return generate_password_hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def create_moderator(session: Session, *, username: str, password: str, role: str, now: datetime) -> Moderator:
    username = username.strip()
    if not username or len(username) > 64 or not username.isprintable():
        raise ValidationError("The username must be 1 to 64 printable characters.", code="username_invalid",
                              fields={"username": "invalid"})
    if role not in {r.value for r in ModeratorRole}:
        raise ValidationError("The role must be admin or moderator.", code="role_invalid", fields={"role": "invalid"})
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.",
                              code="password_too_short", fields={"password": "too short"})
    if session.scalar(select(Moderator.id).where(Moderator.username == username)) is not None:
        raise Conflict(f"A moderator named {username!r} already exists.", code="username_taken",
                       fields={"username": "taken"})
    moderator = Moderator(username=username, password_hash=hash_password(password), role=role, active=True,
                          created_at=now)
    session.add(moderator)
    session.flush()
    return moderator


# A hash to check against when the username is unknown, so a wrong name costs as long as a wrong password.
_TIMING_DUMMY_HASH = generate_password_hash("not-a-real-password")


def authenticate(session: Session, *, username: str, password: str) -> Moderator | None:
    """The active moderator with these credentials, or None; unknown names take as long as known ones."""
    moderator = session.scalars(select(Moderator).where(Moderator.username == username.strip())).first()
    if moderator is None:
        check_password_hash(_TIMING_DUMMY_HASH, password)
        return None
    if not verify_password(moderator.password_hash, password) or not moderator.active:
        return None
    return moderator


def session_marker(moderator: Moderator) -> str:
    """Kept in the login session: changing the password ends every session opened with the old one."""
    return hashlib.sha256(moderator.password_hash.encode()).hexdigest()[:16]


def list_moderators(session: Session) -> list[Moderator]:
    return list(session.scalars(select(Moderator).order_by(Moderator.username)))


def set_moderator_active(session: Session, moderator_id: int, *, active: bool, acting_id: int) -> Moderator:
    """Deactivated accounts cannot log in and their open sessions stop working; nobody locks themselves out."""
    moderator = session.get(Moderator, moderator_id)
    if moderator is None:
        raise NotFound(f"Moderator {moderator_id} does not exist.", code="moderator_not_found")
    if moderator.id == acting_id and not active:
        raise Conflict("You cannot deactivate your own account.", code="cannot_deactivate_self")
    moderator.active = active
    session.flush()
    return moderator
