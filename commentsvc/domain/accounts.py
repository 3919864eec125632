"""Moderator accounts: creating, authenticating and deactivating them."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import Conflict, NotFound
from ..models import Moderator
from .submission import check_new_password, normalise_role, normalise_username


def hash_password(password: str) -> str:
    """Werkzeug's default is scrypt: slow and salted."""
    return generate_password_hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def create_moderator(session: Session, *, username: str, password: str, role: str, now: datetime) -> Moderator:
    username = normalise_username(username)
    role = normalise_role(role)
    check_new_password(password)
    if session.scalar(select(Moderator.id).where(Moderator.username == username)) is not None:
        raise Conflict(f"A moderator named {username!r} already exists.", code="username_taken", field="username")
    moderator = Moderator(
        username=username, password_hash=hash_password(password), role=role, active=True, created_at=now
    )
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
