"""Articles as moderators find and open them: search by id, title or URL, and open any article's settings
before its first comment, so a sensitive story can be pre-moderated or closed in advance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import Thread
from .submission import is_valid_id, normalise_article, normalise_site
from .threads import create_thread, find_thread

MAX_SEARCH_LENGTH = 512


def search_articles(session: Session, *, site: str, text: str, limit: int) -> list[Thread]:
    """Newest first; `text` matches a thread id exactly, or any part of the article id, title or URL;
    an empty `site` searches every site and an empty `text` lists the newest articles."""
    query = select(Thread)
    if site:
        query = query.where(Thread.site == site)
    needle = text.strip()[:MAX_SEARCH_LENGTH]
    if needle:
        matches = [
            Thread.article.icontains(needle, autoescape=True),
            Thread.title.icontains(needle, autoescape=True),
            Thread.url.icontains(needle, autoescape=True),
        ]
        if needle.isdecimal() and is_valid_id(int(needle)):
            matches.append(Thread.id == int(needle))
        query = query.where(or_(*matches))
    return list(session.scalars(query.order_by(Thread.id.desc()).limit(max(limit, 1))))


def open_article(session: Session, *, site: str, article: str, now: datetime) -> Thread:
    """The article's thread, created empty when it has none yet: the title and URL stay empty until the
    first comment brings them (threads.thread_for_post fills what is empty). Ids are checked exactly as
    the API checks them, so the row opened here is the one readers' comments will land in."""
    site = normalise_site(site.strip())
    article = normalise_article(article)
    found = find_thread(session, site, article)
    if found is not None:
        return found
    create_thread(session, site=site, article=article, title=None, url=None, now=now)
    found = find_thread(session, site, article)
    assert found is not None
    return found
