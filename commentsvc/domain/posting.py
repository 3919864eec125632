"""Posting, replying, editing and deleting comments; reading.py reads them back."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, NotFound, Unprocessable, ValidationError
from ..models import Comment, CommentStatus, EventType, IdempotencyKey
from ..storage import statements
from ..storage.statements import NewComment, table
from ..text.language import detect_language
from . import flood, surge
from .addresses import address_key
from .bans import refuse_banned
from .closing import closes_at, ensure_not_closed_by_time, ensure_open_until
from .comments import get_comment_for_change
from .flood import FloodSettings
from .notifications import outbox
from .policy import combined_policy, thread_policy
from .ranking import hot_score
from .regions import RegionLookup
from .screening import Screening, ScreeningSettings, hold_for_thread, screen_body
from .screening_lists import ScreeningLists, current_lists, current_token, lists_with_token
from .status import set_comment_status, shift_counts
from .submission import Author
from .surge import SurgeSettings
from .threads import thread_for_post
from .tokens import check_edit_token
from .trust import apply_trust, reader_standing

DUPLICATE_WINDOW = timedelta(minutes=10)
# A form token's second post: stored as spam, answered like the first (form_checks.py).
FORM_TOKEN_REPLAYED = "form_token_replayed"
# The hold reasons that keep an accepted post pending; a caught post with one of them was told "pending".
PENDING_REASONS = frozenset(
    {"banned", "sensitive_word", "too_many_links", "pre_moderation", "surge", "schedule", "trust"}
)
IDEMPOTENCY_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class PostingSettings:
    """The configured limits a comment is held to, handed in by whoever calls the service."""

    moderation: str = "post"
    edit_window: int = 900
    max_depth: int = 5
    body_max_length: int = 5000
    secret: str = ""
    screening: ScreeningSettings = field(default_factory=ScreeningSettings)
    flood: FloodSettings = field(default_factory=FloodSettings)
    surge: SurgeSettings = field(default_factory=SurgeSettings)
    # The open mmdb file when this site shows region labels (COMMENTSVC_SHOW_REGION), else None.
    regions: RegionLookup | None = None


@dataclass(frozen=True)
class Client:
    """Who is asking: the address rate limits and bans see, the reader's identity (identity.py)
    when the request carried one this server signed, and the SSO user when it carried their token."""

    ip: str
    user_agent: str = ""
    identity_key: str | None = None
    # The SSO user's row id (users.py) when the request carried a verified X-Commentsvc-SSO token.
    user_id: int | None = None

    def key(self, secret: str) -> str:
        return hmac.new(secret.encode(), f"client:{self.ip}".encode(), hashlib.sha256).hexdigest()[:40]


@dataclass
class PostResult:
    comment: Comment | NewComment
    count: int
    site: str
    article: str
    replayed: bool = False
    # The status the author is told: a caught post's is the one it would have had, so a bot learns nothing.
    shown_status: str | None = None

    @classmethod
    def of_replay(cls, comment: Comment) -> PostResult:
        thread = comment.thread
        return cls(comment, thread.comment_count, thread.site, thread.article, True, shown_status_of(comment))


def shown_status_of(comment: Comment) -> str:
    """What the author of a stored comment was told its status was (see post_comment's `caught`)."""
    if comment.status != CommentStatus.SPAM.value:
        return str(comment.status)
    held = PENDING_REASONS.intersection(comment.hold_reasons.split(","))
    return CommentStatus.PENDING.value if held else CommentStatus.APPROVED.value


def author_hash(secret: str, author: Author, client: Client) -> str:
    """Seeds the avatar: keyed, so the avatar URL cannot be reversed to the email address."""
    seed = f"email:{author.email.lower()}" if author.email else f"name:{author.name}|{client.ip}"
    return hmac.new(secret.encode(), seed.encode(), hashlib.sha256).hexdigest()[:32]


def request_hash(*, article: str, parent_id: int | None, author: Author, body: str) -> str:
    """What a retry must repeat to be the same post."""
    fields = (article, str(parent_id or ""), author.name, author.email or "", author.website or "", body)
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def find_replayed_comment(
    session: Session, *, site: str, idempotency_key: str, request: str, now: datetime
) -> Comment | None:
    """The comment an earlier request with the same Idempotency-Key stored on this site, if any. Keys
    are scoped by site, not by address (a phone retries from another network); a key reused for
    another post is refused, as other idempotent APIs do."""
    entry = session.scalars(
        select(IdempotencyKey).where(IdempotencyKey.site == site, IdempotencyKey.key == idempotency_key)
    ).first()
    if entry is None:
        return None
    if entry.created_at < now - IDEMPOTENCY_WINDOW:
        session.delete(entry)
        session.flush()
        return None
    if entry.request_hash and entry.request_hash != request:
        raise Unprocessable(
            "This Idempotency-Key was already used for a different comment.", code="idempotency_key_reused"
        )
    return session.get(Comment, entry.comment_id)


def place_reply(
    session: Session, thread_id: int, parent_id: int | None, max_depth: int
) -> tuple[Comment | None, Comment | None]:
    """Returns (the parent to attach under, the comment being answered when the cap moved it)."""
    if parent_id is None:
        return None, None
    parent = session.get(Comment, parent_id)
    if parent is None or parent.thread_id != thread_id:
        raise NotFound(
            "The comment you are replying to is not in this thread.", code="parent_not_in_thread", field="parent_id"
        )
    if parent.status != CommentStatus.APPROVED.value:
        raise NotFound(
            "The comment you are replying to is not available.", code="parent_not_available", field="parent_id"
        )
    if parent.depth + 1 < max_depth:
        return parent, None
    # At the cap: attach beside the answered comment, under its parent, and remember whom it answers.
    holder = session.get(Comment, parent.parent_id) if parent.parent_id is not None else parent
    return holder, parent


def _screen(
    lists: ScreeningLists, *, author: Author, body: str, client: Client, now: datetime, settings: PostingSettings
) -> Screening:
    return screen_body(
        lists,
        body,
        author_email=author.email,
        client_ip=client.ip,
        now=now,
        settings=settings.screening,
        user_id=client.user_id,
        identity_key=client.identity_key,
    )


def screen_new_comment(
    session: Session,
    known: ScreeningLists | None,
    *,
    author: Author,
    body: str,
    client: Client,
    now: datetime,
    settings: PostingSettings,
) -> Screening:
    """What the article-independent rules make of a submission; hand it to post_comment. Callers run it
    before they take the write lock, with the lists this process knows (no statement at all, see
    screening_lists.py). A refusal is final only once the current lists' token confirms that they
    judged it, so a ban or word lifted on another server never refuses anyone here."""
    if known is None:
        return _screen(current_lists(session), author=author, body=body, client=client, now=now, settings=settings)
    try:
        return _screen(known, author=author, body=body, client=client, now=now, settings=settings)
    except (Forbidden, ValidationError):
        token = current_token(session)
        if token == known.token:
            raise
        return _screen(
            lists_with_token(session, token), author=author, body=body, client=client, now=now, settings=settings
        )


def post_comment(
    session: Session,
    *,
    site: str,
    article: str,
    title: str | None,
    url: str | None,
    parent_id: int | None,
    author: Author,
    body: str,
    client: Client,
    now: datetime,
    settings: PostingSettings,
    idempotency_key: str | None = None,
    screening: Screening | None = None,
    notify: str | None = None,
    caught: tuple[str, ...] = (),
    similarity: flood.Fingerprint | None = None,
    trust_first: int = 0,
    form_nonce: str | None = None,
) -> PostResult:
    """Stores a new comment or reply; a repeated Idempotency-Key returns the first one instead.
    `screening` is screen_new_comment's verdict on this body, when the caller ran it already; it is
    redone only when the lists changed since. `notify` (the reader's language) asks for reply emails.
    `caught` names the spam traps the post fell into (hold_reasons codes): it is stored as spam, and
    the result's shown_status is what an accepted post would have had, so the answer tells nothing.
    `similarity` is flood.fingerprint() of the screened text, computed before the write lock.
    `trust_first` holds a reader's first comments (trust.py); a trusted reader skips the link hold.
    `form_nonce` is the form token's (form_checks.FormCheck): a comment stored with it already makes
    this post a replay, stored as spam without it."""
    fingerprint = request_hash(article=article, parent_id=parent_id, author=author, body=body)
    if idempotency_key:
        replayed = find_replayed_comment(
            session, site=site, idempotency_key=idempotency_key, request=fingerprint, now=now
        )
        if replayed is not None:
            return PostResult.of_replay(replayed)

    # On an error the caller rolls back, so a thread created here for a bad reply is not kept.
    thread = thread_for_post(session, site=site, article=article, title=title, url=url, now=now)
    parent, answered = place_reply(session, thread.id, parent_id, settings.max_depth)
    policy = combined_policy(
        thread.closed, thread.moderation, thread.site_closed, thread.site_moderation, settings.moderation
    )
    policy.ensure_open()
    ensure_open_until(closes_at(thread.close_at, thread.auto_close_days, thread.first_comment_at), now)
    if statements.recent_duplicate(
        session.connection(), thread_id=thread.id, client_ip=client.ip, body=body, since=now - DUPLICATE_WINDOW
    ):
        # The duplicate may be this very request's first attempt, committed by another server meanwhile.
        if idempotency_key:
            replayed = find_replayed_comment(
                session, site=site, idempotency_key=idempotency_key, request=fingerprint, now=now
            )
            if replayed is not None:
                return PostResult.of_replay(replayed)
        raise Conflict("You already posted this comment here a moment ago.", code="duplicate_comment")

    if screening is None or screening.lists_token != thread.rules_token:
        # Screened by lists that changed since (or not at all): judge it by the lists stored with it.
        screening = _screen(
            lists_with_token(session, thread.rules_token),
            author=author,
            body=body,
            client=client,
            now=now,
            settings=settings,
        )
    if trust_first or "too_many_links" in screening.reasons:
        standing = reader_standing(
            session, identity_key=client.identity_key, email=author.email, user_id=client.user_id
        )
        screening = apply_trust(screening, standing, trust_first=trust_first)
    screening = hold_for_thread(screening, policy)
    crowd_reason = surge.note_post(session, thread_id=thread.id, now=now, settings=settings.surge)
    if crowd_reason and "pre_moderation" not in screening.reasons:
        screening = screening.held(crowd_reason)
    copies = flood.check_flood(
        session, site=site, screening=screening, now=now, settings=settings.flood, known=similarity
    )
    if copies.is_flood:
        caught = (*caught, flood.FLOOD_REASON)
    shown_status = screening.status
    if caught:
        screening = screening.caught(*caught)
        notify = None  # a bot's address must not get our confirmation emails
    region = settings.regions.region_of(client.ip) if settings.regions is not None else None
    values = {
        "thread_id": thread.id,
        "parent_id": parent.id if parent else None,
        "root_id": (parent.root_id or parent.id) if parent else None,
        "reply_to_id": answered.id if answered else None,
        "depth": parent.depth + 1 if parent else 0,
        "author_name": author.name,
        "author_email": author.email,
        "author_website": author.website,
        "author_hash": author_hash(settings.secret, author, client),
        "body_source": body,
        "body_html": screening.html,
        "lang": detect_language(screening.text),
        "status": screening.status.value,
        "created_at": now,
        "edited_at": None,
        "client_ip": client.ip,
        "client_ip_key": address_key(settings.secret, client.ip),
        "user_agent": client.user_agent[:512],
        "region_zh": region.zh if region else None,
        "region_en": region.en if region else None,
        "likes": 0,
        "dislikes": 0,
        "reply_count": 0,
        "hot_score": hot_score(0, 0, now),
        "is_staff": author.staff,
        "moderator_id": None,
        "hold_reasons": ",".join(screening.reasons),
        "body_format": "markdown",
        "identity_key": client.identity_key,
        "user_id": client.user_id,
        "author_avatar_url": author.avatar_url,
        "picked_at": None,
        "form_nonce": form_nonce,
    }
    comment = statements.insert_comment(session.connection(), values)
    if comment is None:
        screening = screening.caught(FORM_TOKEN_REPLAYED)
        notify = None
        values.update(status=CommentStatus.SPAM.value, hold_reasons=",".join(screening.reasons), form_nonce=None)
        comment = statements.insert_comment(session.connection(), values)
        assert comment is not None  # without a nonce nothing can conflict
    count = shift_counts(session, comment, delta=int(screening.status == CommentStatus.APPROVED))
    flood.record_flood(session, copies, site=site, comment_id=comment.id, now=now)
    outbox.record_post(session, comment, site=site, article=article, email=author.email, notify=notify, now=now)
    if idempotency_key:
        # The unique (site, key) makes the check above and this insert one step: a concurrent retry's
        # insert fails, and the caller answers it with the comment that won.
        session.execute(
            insert(table(IdempotencyKey)).values(
                site=site, key=idempotency_key, request_hash=fingerprint, comment_id=comment.id, created_at=now
            )
        )
    return PostResult(comment, count, site, article, shown_status=shown_status.value)


def editable_until(comment: Comment | NewComment, settings: PostingSettings) -> datetime:
    created_at: datetime = comment.created_at
    return created_at + timedelta(seconds=settings.edit_window)


def describe_seconds(seconds: int) -> str:
    """ "15 minutes", "1 minute", "45 seconds": never "0 minutes" for a short window."""
    if seconds % 60 == 0 and seconds >= 60:
        minutes = seconds // 60
        return f"{minutes} minute" + ("" if minutes == 1 else "s")
    return f"{seconds} second" + ("" if seconds == 1 else "s")


def _authorise_author(
    session: Session, comment: Comment, token: str | None, client: Client, now: datetime, settings: PostingSettings
) -> None:
    """The author's own token, inside the edit window, from an address (and for an email) no ban covers:
    a ban applies to every write, whichever address the comment was posted from. An SSO user's own
    comment needs no token (the caller hands in the site's SSO edit window); another user's is 403."""
    if client.user_id is not None and comment.user_id is not None:
        if comment.user_id != client.user_id:
            raise Forbidden("This comment was written by another reader.", code="not_comment_author")
    else:
        check_edit_token(settings.secret, token, comment.id)
    refuse_banned(
        session,
        email=comment.author_email,
        client_ip=client.ip,
        now=now,
        user_id=comment.user_id,
        identity_key=client.identity_key,
    )
    if comment.status == CommentStatus.DELETED.value:
        raise Forbidden("This comment was deleted.", code="comment_deleted")
    if now > editable_until(comment, settings):
        raise Forbidden(
            f"Comments can only be changed within {describe_seconds(settings.edit_window)} of posting.",
            code="edit_window_closed",
        )


def edit_comment(
    session: Session,
    comment_id: int,
    *,
    body: str,
    token: str | None,
    client: Client,
    now: datetime,
    settings: PostingSettings,
) -> tuple[Comment, int]:
    """Edits face the same screening as new comments: harmless first, links later, is caught. Returns the
    comment and the thread's count, so the answer needs nothing read after the commit."""
    comment = get_comment_for_change(session, comment_id)
    _authorise_author(session, comment, token, client, now, settings)
    policy = thread_policy(session, comment.thread, settings.moderation)
    policy.ensure_open()
    ensure_not_closed_by_time(session, comment.thread_id, comment.thread.site, now)
    screening = hold_for_thread(
        screen_body(
            current_lists(session),
            body,
            author_email=comment.author_email,
            client_ip=comment.client_ip,
            now=now,
            settings=settings.screening,
            client_ip_key=comment.client_ip_key,
            secret=settings.secret,
        ),
        policy,
    )
    comment.body_source = body
    comment.body_format = "markdown"
    comment.body_html = screening.html
    comment.lang = detect_language(screening.text)
    comment.edited_at = now
    keep_hidden = comment.status in (CommentStatus.REJECTED.value, CommentStatus.SPAM.value)
    target = CommentStatus(comment.status) if keep_hidden else screening.status
    outbox.record_change(session, comment, EventType.COMMENT_EDITED, target, now=now)
    return comment, set_comment_status(session, comment, target)


def delete_comment(
    session: Session, comment_id: int, *, token: str | None, client: Client, now: datetime, settings: PostingSettings
) -> tuple[Comment, int]:
    """Soft delete: replies keep their place under a placeholder, and moderators can still restore it."""
    comment = get_comment_for_change(session, comment_id)
    _authorise_author(session, comment, token, client, now, settings)
    outbox.record_change(session, comment, None, CommentStatus.DELETED, now=now)
    return comment, set_comment_status(session, comment, CommentStatus.DELETED)
