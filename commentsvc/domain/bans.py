"""Bans by IP address or CIDR range, by email address and by email domain, by SSO user and by reader
identity, each with an optional expiry
and a note; they apply to every write a reader makes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, NotFound, ValidationError
from ..models import Ban
from .screening_lists import current_lists, lists_changed
from .submission import normalise_ban_value, normalise_note


def create_ban(
    session: Session,
    *,
    kind: str,
    value: str,
    note: str,
    expires_at: datetime | None,
    moderator_id: int | None,
    now: datetime,
) -> Ban:
    """The same ban twice is refused (409 ban_exists): change or delete the one there is."""
    if expires_at is not None and expires_at <= now:
        raise ValidationError("The expiry must be in the future.", code="ban_expiry_past", field="expires_at")
    note = normalise_note(note)
    ban = Ban(
        kind=kind,
        value=normalise_ban_value(kind, value),
        note=note,
        expires_at=expires_at,
        created_at=now,
        moderator_id=moderator_id,
    )
    try:
        with session.begin_nested():
            session.add(ban)
    except IntegrityError:
        raise Conflict(f"{ban.value} is already banned.", code="ban_exists", field="value") from None
    lists_changed(session)
    session.flush()
    return ban


def delete_ban(session: Session, ban_id: int) -> Ban:
    ban = session.get(Ban, ban_id)
    if ban is None:
        raise NotFound(f"Ban {ban_id} does not exist.", code="ban_not_found")
    session.delete(ban)
    lists_changed(session)
    session.flush()
    return ban


def _active(now: datetime) -> ColumnElement[bool]:
    return or_(Ban.expires_at.is_(None), Ban.expires_at > now)


def list_bans(session: Session, *, now: datetime, include_expired: bool = False) -> list[Ban]:
    query = select(Ban).order_by(Ban.id.desc())
    if not include_expired:
        query = query.where(_active(now))
    return list(session.scalars(query))


def refuse_banned(
    session: Session,
    *,
    email: str | None,
    client_ip: str,
    now: datetime,
    user_id: int | None = None,
    identity_key: str | None = None,
) -> None:
    """Bans apply to every write, not only to new comments: a banned reader may not vote, report, edit
    or delete either (403 banned, as posting answers), whatever COMMENTSVC_BAN_ACTION does to posts."""
    ban = current_lists(session).find_ban(
        email=email, client_ip=client_ip, now=now, user_id=user_id, identity_key=identity_key
    )
    if ban is not None:
        until = f" until {ban.expires_at:%Y-%m-%d %H:%M} UTC" if ban.expires_at else ""
        raise Forbidden(f"You cannot comment on this site{until}.", code="banned")
