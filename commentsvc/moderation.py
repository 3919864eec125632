"""Moderation policy: which status a new or edited comment gets, and status changes that keep counts exact."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from .database import PreparedStatement
from .errors import Forbidden, ValidationError
from .models import Comment, CommentStatus, ModerationMode, SiteSetting, Thread
from .sanitize import render_comment
from .threads import adjust_thread_count
from .rules import Rules, current_rules


@dataclass(frozen=True)
class Policy:
    """The configured screening rules, handed in by the caller (config is never read here)."""

    ban_action: str = "reject"
    max_links: int = 2


@dataclass(frozen=True)
class Screening:
    """What policy decided for a submitted body: the status to store, the HTML readers get, and why."""

    status: CommentStatus
    html: str
    reasons: tuple[str, ...] = field(default=())
    rules_token: str | None = None  # which rules judged it: see rules.py


def _site_setting(session: Session, site: str) -> SiteSetting | None:
    return session.get(SiteSetting, site)


@dataclass(frozen=True)
class ThreadPolicy:
    """Whether an article takes comments and how they are moderated, from one look at its site."""

    closed: bool
    mode: str


def thread_policy(session: Session, thread: Thread, default_mode: str) -> ThreadPolicy:
    setting = _site_setting(session, thread.site)
    return combined_policy(thread.closed, thread.moderation, setting.closed if setting else None,
                           setting.moderation if setting else None, default_mode)


def combined_policy(thread_closed: bool, thread_mode: str | None, site_closed: bool | None, site_mode: str | None,
                    default_mode: str) -> ThreadPolicy:
    """The article's own setting wins, then the site's, then COMMENTSVC_MODERATION; an article is
    closed when it or its whole site is."""
    return ThreadPolicy(closed=bool(thread_closed or site_closed), mode=thread_mode or site_mode or default_mode)


def moderation_mode(session: Session, thread: Thread, default_mode: str) -> str:
    return thread_policy(session, thread, default_mode).mode


def ensure_open(policy: ThreadPolicy) -> None:
    if policy.closed:
        raise Forbidden("Comments are closed for this article.", code="thread_closed")


def screen_body(rules: Rules, body: str, *, author_email: str | None, client_ip: str, now: datetime,
                policy: Policy | None = None) -> Screening:
    """The rules that do not depend on the article: bans, then sensitive words, then links. Refusals
    raise; every other rule can only make the result stricter (approved -> pending) or mask the body.
    This is where a submission's CPU goes (matching, Markdown, two sanitizers), so a post runs it
    before it takes the database's write lock."""
    policy = policy or Policy()
    reasons: list[str] = []
    ban = rules.find_ban(email=author_email, client_ip=client_ip, now=now)
    if ban is not None:
        if policy.ban_action == "reject":
            until = f" until {ban.expires_at:%Y-%m-%d %H:%M} UTC" if ban.expires_at else ""
            raise Forbidden(f"You cannot comment on this site{until}.", code="banned")
        reasons.append("banned")
    verdict = rules.matcher.screen(body)
    if verdict.action == "reject":
        raise ValidationError("The comment contains words this site does not allow.", code="sensitive_word",
                              fields={"body": "contains a word that is not allowed"})
    if verdict.action == "hold":
        reasons.append("sensitive_word")
    html = render_comment(verdict.masked)
    # Links as the reader will see them: Markdown links and bare URLs alike are <a> once rendered.
    if html.count("<a ") > policy.max_links:
        reasons.append("too_many_links")
    return Screening(CommentStatus.PENDING if reasons else CommentStatus.APPROVED, html, tuple(reasons), rules.token)


def for_thread(screening: Screening, policy: ThreadPolicy) -> Screening:
    """Adds the article's rules to a screened body: closed articles refuse, pre-moderated ones hold."""
    ensure_open(policy)
    if policy.mode != ModerationMode.PRE.value:
        return screening
    return Screening(CommentStatus.PENDING, screening.html, (*screening.reasons, "pre_moderation"),
                     screening.rules_token)


def publishable_html(session: Session, body: str) -> str:
    """The HTML readers get for a stored source: mask-words masked, then sanitized. Use it wherever HTML is
    rebuilt from body_source (moderator edits, `commentsvc rerender`), or masking would be undone."""
    return render_comment(current_rules(session).matcher.screen(body).masked)


def set_comment_status(session: Session, comment: Comment, status: CommentStatus) -> None:
    """Every status change goes through here, so the thread count and the root's reply count
    move together with visibility and never drift."""
    old_visible = comment.status == CommentStatus.APPROVED.value
    new_visible = status == CommentStatus.APPROVED
    comment.status = status.value
    shift_counts(session, thread_id=comment.thread_id, root_id=comment.root_id,
                 delta=int(new_visible) - int(old_visible))


def shift_counts(session: Session, *, thread_id: int, root_id: int | None, delta: int) -> int:
    """Moves the thread count (and bumps its version even when delta is 0) and the root's reply
    count; returns the thread's new count."""
    count = adjust_thread_count(session, thread_id, delta)
    if delta and root_id is not None:
        _ADJUST_REPLY_COUNT.rows(session.connection(), {"root_comment_id": root_id, "delta": delta})
    return count


_c = Comment.__table__.c
_ADJUST_REPLY_COUNT = PreparedStatement(
    update(Comment.__table__).where(_c.id == bindparam("root_comment_id")).values(reply_count=_c.reply_count + bindparam("delta"))
)


# --- per-site and per-article settings ----------------------------------------------------------

def _check_mode(mode: str | None) -> str | None:
    if mode in (None, ""):
        return None
    if mode not in {m.value for m in ModerationMode}:
        raise ValidationError("The moderation mode must be post or pre.", code="moderation_invalid",
                              fields={"moderation": "post or pre"})
    return mode


def set_site_policy(session: Session, site: str, *, moderation: str | None, closed: bool) -> SiteSetting:
    """A site's mode (None follows COMMENTSVC_MODERATION) and whether all its articles are closed."""
    setting = session.get(SiteSetting, site)
    if setting is None:
        setting = SiteSetting(site=site)
        session.add(setting)
    setting.moderation = _check_mode(moderation)
    setting.closed = closed
    session.flush()
    return setting


def set_thread_policy(session: Session, thread: Thread, *, moderation: str | None, closed: bool) -> Thread:
    """An article's own mode (None follows the site) and open/closed; readers' cached pages are invalidated."""
    thread.moderation = _check_mode(moderation)
    thread.closed = closed
    adjust_thread_count(session, thread.id, 0)
    session.flush()
    return thread
