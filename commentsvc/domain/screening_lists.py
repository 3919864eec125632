"""The bans and sensitive words a submission is screened against, as one snapshot per database.

Every server keeps the lists it last read together with the token of `rules_version` they belong
to; every change to a ban or a word writes a new random token in the same transaction. A post
screens against the lists it has (no statement at all), then reads the token under the write
lock, in the statement that reads its thread, and screens again only if the lists changed in
between. So a comment is always judged by the lists current when it is stored, and the matcher is
rebuilt only when something changed. Bans and words changed with plain SQL, behind the services'
back, are seen once the token changes: call lists_changed.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from ..models import Ban, BanKind, RulesVersion, SensitiveWord
from ..storage.memos import TokenMemo
from ..storage.statements import RULES_TOKEN
from ..text.wordfilter import WordMatcher
from .addresses import address_key, is_purged, normalised

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class BanRule:
    kind: str
    value: str
    expires_at: datetime | None
    network: IPNetwork | None

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True)
class ScreeningLists:
    token: str | None
    bans: tuple[BanRule, ...]
    matcher: WordMatcher

    def find_ban(
        self,
        *,
        email: str | None,
        client_ip: str,
        now: datetime,
        user_id: int | None = None,
        identity_key: str | None = None,
        client_ip_key: str | None = None,
        secret: str = "",
    ) -> BanRule | None:
        """The first unexpired ban on this email, its domain or this address; IPv4-mapped IPv6 counts as IPv4.
        An SSO user is banned by their users row id, an anonymous reader by their identity's key. A
        purged comment's address is its prefix and key (retention.py): see _find_stored_ban."""
        for kind, wanted_value in ((BanKind.USER.value, user_id), (BanKind.IDENTITY.value, identity_key)):
            if wanted_value is None:
                continue
            for ban in self.bans:
                if ban.kind == kind and ban.value == str(wanted_value) and ban.active(now):
                    return ban
        if email:
            wanted = email.strip().lower()
            # A domain ban is stored "@domain" and covers every address at exactly that domain.
            domain = "@" + wanted.rpartition("@")[2]
            for ban in self.bans:
                if ban.kind == BanKind.EMAIL.value and ban.value in (wanted, domain) and ban.active(now):
                    return ban
        if is_purged(client_ip):
            return self._find_stored_ban(client_ip, client_ip_key, secret, now)
        address = normalised(client_ip)
        if address is None:
            return None
        for ban in self.bans:
            if (
                ban.network is not None
                and ban.network.version == address.version
                and address in ban.network
                and ban.active(now)
            ):
                return ban
        return None

    def _find_stored_ban(self, prefix: str, key: str | None, secret: str, now: datetime) -> BanRule | None:
        """A ban on one address matches by its key; a CIDR ban as wide as the stored prefix or wider
        matches the prefix; a narrower one (a /28 inside a stored /24) cannot be decided, so it does not."""
        try:
            network = ipaddress.ip_network(prefix, strict=False) if prefix else None
        except ValueError:
            network = None
        for ban in self.bans:
            if ban.network is None or not ban.active(now):
                continue
            single = ban.network.prefixlen == ban.network.max_prefixlen
            if single and key and secret and address_key(secret, str(ban.network.network_address)) == key:
                return ban
            if network is not None and network.version == ban.network.version and network.subnet_of(ban.network):  # type: ignore[arg-type]
                return ban
        return None


_lists: TokenMemo[ScreeningLists] = TokenMemo()
_CURRENT_TOKEN = select(RULES_TOKEN)


def known_lists(engine: Engine) -> ScreeningLists | None:
    """The lists this process last read from this database, without asking it; maybe outdated."""
    kept = _lists.known(engine)
    return kept[1] if kept is not None else None


def _load(session: Session, token: str | None) -> ScreeningLists:
    bans = tuple(
        BanRule(
            kind, value, expires_at, ipaddress.ip_network(value, strict=False) if kind == BanKind.IP.value else None
        )
        for kind, value, expires_at in session.execute(select(Ban.kind, Ban.value, Ban.expires_at).order_by(Ban.id))
    )
    matcher = WordMatcher(session.execute(select(SensitiveWord.word, SensitiveWord.action)).all())
    return ScreeningLists(token, bans, matcher)


def current_token(session: Session) -> str | None:
    return session.scalar(_CURRENT_TOKEN)


def lists_with_token(session: Session, token: str | None) -> ScreeningLists:
    """The lists that carry `token` (just read from the database): from memory when this process has them."""
    return _lists.with_token(session.get_bind().engine, token, lambda: _load(session, token))


def current_lists(session: Session) -> ScreeningLists:
    """The lists as they are in the database now: one read of the token, the lists only when it moved."""
    return lists_with_token(session, current_token(session))


def lists_changed(session: Session) -> None:
    """Call in the transaction that changes a ban or a word: every server re-reads the lists."""
    token = secrets.token_hex(16)
    renewed = session.execute(update(RulesVersion).where(RulesVersion.id == 1).values(token=token))
    if getattr(renewed, "rowcount", 0) == 0:
        session.execute(insert(RulesVersion).values(id=1, token=token))
