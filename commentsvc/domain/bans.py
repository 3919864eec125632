"""Bans by IP address or CIDR range and by email address, each with an optional expiry and a note."""

from __future__ import annotations

import ipaddress
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..models import Ban, BanKind
from .screening_lists import lists_changed
from .submission import normalise_note


def normalise_ban_value(kind: str, raw: str) -> str:
    """IPs are stored as networks (a single address is /32 or /128); emails lower-cased."""
    value = raw.strip()
    if kind == BanKind.IP.value:
        try:
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValidationError(
                f"{value!r} is not an IP address or CIDR range.", code="ban_value_invalid", field="value"
            ) from None
    if kind == BanKind.EMAIL.value:
        if "@" not in value or len(value) > 254 or any(char.isspace() for char in value):
            raise ValidationError(f"{value!r} is not an email address.", code="ban_value_invalid", field="value")
        return value.lower()
    raise ValidationError("A ban is by ip or by email.", code="ban_kind_invalid", field="kind")


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
    session.add(ban)
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
