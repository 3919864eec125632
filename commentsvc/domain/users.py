"""SSO readers as people: one row per (site, publisher's id), brought up to date by their newest token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import User
from .sso import SsoReader


def find_user_id(session: Session, site: str, sub: str) -> int | None:
    return session.scalar(select(User.id).where(User.site == site, User.sub == sub))


def upsert_user(session: Session, reader: SsoReader, *, now: datetime) -> User:
    """Name, email, avatar, website and staff follow the newest token. The unique (site, sub) settles
    two first posts racing on two servers: the loser updates the row the winner created."""
    user = session.scalars(select(User).where(User.site == reader.site, User.sub == reader.sub)).first()
    if user is None:
        try:
            with session.begin_nested():
                user = User(site=reader.site, sub=reader.sub, created_at=now, **_profile(reader), updated_at=now)
                session.add(user)
        except IntegrityError:
            user = session.scalars(select(User).where(User.site == reader.site, User.sub == reader.sub)).one()
    for field, value in _profile(reader).items():
        if getattr(user, field) != value:
            setattr(user, field, value)
            user.updated_at = now
    session.flush()
    return user


def _profile(reader: SsoReader) -> dict[str, object]:
    return {
        "name": reader.name,
        "email": reader.email,
        "avatar_url": reader.avatar,
        "url": reader.url,
        "is_staff": reader.staff,
    }
