"""Moderation policy: which status a new or edited comment gets, and status changes that keep counts exact."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from .bans import find_ban
from .errors import Forbidden, ValidationError
from .models import Comment, CommentStatus, ModerationMode, SiteSetting, Thread
from .sanitize import render_comment
from .threads import adjust_thread_count
from .words import current_matcher


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


def _site_setting(session: Session, site: str) -> SiteSetting | None:
    return session.get(SiteSetting, site)


def moderation_mode(session: Session, thread: Thread, default_mode: str) -> str:
    """The article's own setting wins, then the site's, then COMMENTSVC_MODERATION."""
    if thread.moderation:
        return thread.moderation
    setting = _site_setting(session, thread.site)
    if setting is not None and setting.moderation:
        return setting.moderation
    return default_mode


def is_closed(session: Session, thread: Thread) -> bool:
    if thread.closed:
        return True
    setting = _site_setting(session, thread.site)
    return bool(setting is not None and setting.closed)


def ensure_open(session: Session, thread: Thread) -> None:
    if is_closed(session, thread):
        raise Forbidden("Comments are closed for this article.", code="thread_closed")


def screen_submission(session: Session, thread: Thread, body: str, *, author_email: str | None, client_ip: str,
                      now: datetime, default_mode: str, policy: Policy | None = None) -> Screening:
    """New comments and edits pass through the same rules, so an edit cannot smuggle in what a post could not.

    Order: bans, then sensitive words, then links, then the moderation mode. Refusals raise; every
    other rule can only make the result stricter (approved -> pending) or mask the body."""
    policy = policy or Policy()
    reasons: list[str] = []
    ban = find_ban(session, email=author_email, client_ip=client_ip, now=now)
    if ban is not None:
        if policy.ban_action == "reject":
            until = f" until {ban.expires_at:%Y-%m-%d %H:%M} UTC" if ban.expires_at else ""
            raise Forbidden(f"You cannot comment on this site{until}.", code="banned")
        reasons.append("banned")
    verdict = current_matcher(session).screen(body)
    if verdict.action == "reject":
        raise ValidationError("The comment contains words this site does not allow.", code="sensitive_word",
                              fields={"body": "contains a word that is not allowed"})
    if verdict.action == "hold":
        reasons.append("sensitive_word")
    html = render_comment(verdict.masked)
    # Links as the reader will see them: Markdown links and bare URLs alike are <a> once rendered.
    if html.count("<a ") > policy.max_links:
        reasons.append("too_many_links")
    if moderation_mode(session, thread, default_mode) == ModerationMode.PRE.value:
        reasons.append("pre_moderation")
    status = CommentStatus.PENDING if reasons else CommentStatus.APPROVED
    return Screening(status, html, tuple(reasons))


def publishable_html(session: Session, body: str) -> str:
    """The HTML readers get for a stored source: mask-words masked, then sanitized. Use it wherever HTML is
    rebuilt from body_source (moderator edits, `commentsvc rerender`), or masking would be undone."""
    return render_comment(current_matcher(session).screen(body).masked)


def set_comment_status(session: Session, comment: Comment, status: CommentStatus) -> None:
    """Every status change goes through here, so the thread count and the root's reply count
    move together with visibility and never drift."""
    old_visible = comment.status == CommentStatus.APPROVED.value
    new_visible = status == CommentStatus.APPROVED
    comment.status = status.value
    shift_counts(session, comment, int(new_visible) - int(old_visible))


def shift_counts(session: Session, comment: Comment, delta: int) -> None:
    """Moves the thread count (and bumps its version even when delta is 0) and the root's reply count."""
    adjust_thread_count(session, comment.thread_id, delta)
    if delta and comment.root_id is not None:
        session.execute(
            update(Comment)
            .where(Comment.id == comment.root_id)
            .values(reply_count=Comment.reply_count + delta)
            .execution_options(synchronize_session=False)
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
