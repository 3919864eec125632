"""Session events: the per-site counts token renewed once at the commit of every transaction that changed a count."""

from __future__ import annotations

import secrets

from sqlalchemy import event, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import CountsVersion
from .statements import renew_counts_token, table

_CHANGED_SITES = "commentsvc_counts_changed_sites"


def counts_changed(session: Session, site: str) -> None:
    """Call in a transaction that changes a stored thread count: its commit renews the site's counts
    token, so every server drops the counts it answered for that site. Counts changed with plain
    SQL, behind the services' back, are seen once the token changes (`commentsvc recount` does)."""
    session.info.setdefault(_CHANGED_SITES, set()).add(site)


def _renew_counts_tokens(session: Session) -> None:
    """At the commit, not at each change: a bulk moderation renews a site's token once, and the row
    is locked (PostgreSQL) only for the commit itself, after every thread row the transaction locks.
    Sites go in one order, so two commits never wait for each other's token rows in a circle.
    A transaction rolled back leaves its sites here: the next commit renews them needlessly, which
    costs one rebuilt answer and never a stale one."""
    for site in sorted(session.info.pop(_CHANGED_SITES, ())):
        token = secrets.token_hex(16)
        if renew_counts_token(session.connection(), site, token):
            continue
        try:  # the site's first count (or a database older than the table): create its row
            with session.begin_nested():
                session.execute(insert(table(CountsVersion)).values(site=site, token=token))
        except IntegrityError:  # another server created it meanwhile
            renew_counts_token(session.connection(), site, token)


def install_session_events() -> None:
    """On every Session, once per process: the app factory calls it; so do scripts that write without an app."""
    if not event.contains(Session, "before_commit", _renew_counts_tokens):
        event.listen(Session, "before_commit", _renew_counts_tokens)
