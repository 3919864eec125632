"""Screening a submitted body: bans, sensitive words and links decide its status and the HTML readers get."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from ..errors import Forbidden, ValidationError
from ..models import CommentStatus, ModerationMode
from ..text.sanitize import VisibleText, render_source
from ..text.wordfilter import Match, Verdict, WordMatcher, mask_ranges, split_highlights
from .policy import ThreadPolicy
from .screening_lists import ScreeningLists, current_lists


@dataclass(frozen=True)
class ScreeningSettings:
    """The configured screening thresholds, handed in by the caller (config is never read here)."""

    ban_action: str = "reject"
    max_links: int = 2


@dataclass(frozen=True)
class Screening:
    """What screening decided for a submitted body: the status to store, the HTML readers get, and why."""

    status: CommentStatus
    html: str
    reasons: tuple[str, ...] = field(default=())
    lists_token: str | None = None  # which lists judged it: see screening_lists.py
    # What a reader sees of `html`: the flood fingerprint and the language are taken from it.
    text: str = ""

    def held(self, *reasons: str) -> Screening:
        """The same body, pending, with these reasons added."""
        return replace(self, status=CommentStatus.PENDING, reasons=(*self.reasons, *reasons))

    def caught(self, *reasons: str) -> Screening:
        """The same body, kept as spam, these reasons (the traps it fell into) first."""
        return replace(self, status=CommentStatus.SPAM, reasons=(*reasons, *self.reasons))


@dataclass(frozen=True)
class Rendered:
    """A body as readers get it (sanitized HTML, mask words masked), its visible text, and the matcher's verdict."""

    html: str
    text: str
    verdict: Verdict


def screen_body(
    lists: ScreeningLists,
    body: str,
    *,
    author_email: str | None,
    client_ip: str,
    now: datetime,
    settings: ScreeningSettings | None = None,
    user_id: int | None = None,
    identity_key: str | None = None,
    client_ip_key: str | None = None,
    secret: str = "",
) -> Screening:
    """The rules that do not depend on the article: bans, then sensitive words, then links. Refusals
    raise; every other rule can only make the result stricter (approved -> pending) or mask the body.
    It is the CPU-heavy part of a submission (matching, Markdown, the sanitizer), so a post runs it
    before it takes the database's write lock."""
    settings = settings or ScreeningSettings()
    reasons: list[str] = []
    ban = lists.find_ban(
        email=author_email,
        client_ip=client_ip,
        now=now,
        user_id=user_id,
        identity_key=identity_key,
        client_ip_key=client_ip_key,
        secret=secret,
    )
    if ban is not None:
        if settings.ban_action == "reject":
            until = f" until {ban.expires_at:%Y-%m-%d %H:%M} UTC" if ban.expires_at else ""
            raise Forbidden(f"You cannot comment on this site{until}.", code="banned")
        reasons.append("banned")
    rendered = render_screened(lists.matcher, body)
    verdict, html = rendered.verdict, rendered.html
    if verdict.action == "reject":
        raise ValidationError(
            "The comment contains words this site does not allow.", code="sensitive_word", field="body"
        )
    if verdict.action == "hold":
        reasons.append("sensitive_word")
    # Links as the reader will see them: Markdown links and bare URLs alike are <a> once rendered.
    if html.count("<a ") > settings.max_links:
        reasons.append("too_many_links")
    status = CommentStatus.PENDING if reasons else CommentStatus.APPROVED
    return Screening(status, html, tuple(reasons), lists.token, rendered.text)


def hold_for_thread(screening: Screening, policy: ThreadPolicy) -> Screening:
    """Adds the article's moderation mode to a screened body: pre-moderated articles hold it.
    Whether the article is open at all is the caller's check (policy.ensure_open), made once."""
    if policy.mode != ModerationMode.PRE.value:
        return screening
    return screening.held("pre_moderation")


def render_screened(matcher: WordMatcher, body: str, body_format: str = "markdown") -> Rendered:
    """The sanitized HTML of a body with mask-words masked, and the matcher's verdict on it. Words are
    found in what a reader will see, the visible text of the sanitized HTML, so character references
    (法轮&#21151;), Markdown links, emphasis and code spans split nothing; masking reaches exactly
    those characters of the HTML."""
    html = render_source(body, body_format)
    visible = VisibleText.of(html)
    verdict = matcher.screen(visible.text)
    masks = [match for match in verdict.matches if match.action == "mask"]
    if not masks:
        return Rendered(html, visible.text, verdict)
    masked = visible.rewrite([(match.start, match.end) for match in masks], mask_ranges)
    return Rendered(masked, VisibleText.of(masked).text, verdict)


def publishable_html(session: Session, body: str, body_format: str = "markdown") -> str:
    """The HTML readers get for a stored source: mask-words masked, then sanitized. Use it wherever HTML is
    rebuilt from body_source (moderator edits, `commentsvc rerender`), or masking would be undone."""
    return render_screened(current_lists(session).matcher, body, body_format).html


def highlighted_words(matcher: WordMatcher, body: str, body_format: str = "markdown") -> list[tuple[str, bool]]:
    """What a reader would see of a body, in pieces flagged where a listed word matched, for moderators."""
    text = VisibleText.of(render_source(body, body_format)).text.strip()
    matches: list[Match] = matcher.find(text)
    return split_highlights(text, matches) if matches else []
