"""Per-site and per-article policy: whether an article takes comments and how they are moderated."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..errors import Forbidden
from ..models import SiteSetting, Thread
from .submission import normalise_moderation_mode
from .threads import touch_thread


@dataclass(frozen=True)
class ThreadPolicy:
    """Whether an article takes comments and how they are moderated, from one look at its site."""

    closed: bool
    mode: str

    def ensure_open(self) -> None:
        if self.closed:
            raise Forbidden("Comments are closed for this article.", code="thread_closed")


def combined_policy(
    thread_closed: bool, thread_mode: str | None, site_closed: bool | None, site_mode: str | None, default_mode: str
) -> ThreadPolicy:
    """The article's own setting wins, then the site's, then COMMENTSVC_MODERATION; an article is
    closed when it or its whole site is."""
    return ThreadPolicy(closed=bool(thread_closed or site_closed), mode=thread_mode or site_mode or default_mode)


def thread_policy(session: Session, thread: Thread, default_mode: str) -> ThreadPolicy:
    setting = session.get(SiteSetting, thread.site)
    return combined_policy(
        thread.closed,
        thread.moderation,
        setting.closed if setting else None,
        setting.moderation if setting else None,
        default_mode,
    )


def set_site_policy(session: Session, site: str, *, moderation: str | None, closed: bool) -> SiteSetting:
    """A site's mode (None follows COMMENTSVC_MODERATION) and whether all its articles are closed."""
    setting = session.get(SiteSetting, site)
    if setting is None:
        setting = SiteSetting(site=site)
        session.add(setting)
    setting.moderation = normalise_moderation_mode(moderation)
    setting.closed = closed
    session.flush()
    return setting


def set_thread_policy(session: Session, thread: Thread, *, moderation: str | None, closed: bool) -> Thread:
    """An article's own mode (None follows the site) and open/closed; readers' cached pages are invalidated."""
    thread.moderation = normalise_moderation_mode(moderation)
    thread.closed = closed
    touch_thread(session, thread.id)
    session.flush()
    return thread
