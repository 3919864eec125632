"""Posting, replying, editing and deleting comments; pages.py reads them back."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from .auth import check_edit_token
from .database import PreparedStatement
from .errors import Conflict, Forbidden, NotFound, ValidationError
from .models import MAX_ID, Comment, CommentStatus, IdempotencyKey, Thread
from .moderation import (
    Policy,
    Screening,
    combined_policy,
    ensure_open,
    for_thread,
    screen_body,
    set_comment_status,
    shift_counts,
    thread_policy,
)
from .rules import Rules, current_rules, rules_with_token
from .submission import Author
from .threads import thread_for_post

DUPLICATE_WINDOW = timedelta(minutes=10)
IDEMPOTENCY_WINDOW = timedelta(days=1)
# Seconds of age worth one tenfold change in net votes (Reddit's "hot" ranking, counting the first
# vote too); the score does not depend on the reading time, so it is stored, indexed and paged.
_HOT_HALF_LIFE = 45000
_HOT_EPOCH = datetime(2024, 1, 1)


@dataclass(frozen=True)
class CommentRules:
    """The configured limits a comment is held to, handed in by whoever calls the service."""

    moderation: str = "post"
    edit_window: int = 900
    max_depth: int = 5
    body_max_length: int = 5000
    secret: str = ""
    policy: Policy = Policy()


@dataclass(frozen=True)
class Client:
    """Who is asking: the address rate limits and bans see, and a keyed hash for votes and keys."""

    ip: str
    user_agent: str = ""

    def key(self, secret: str) -> str:
        return hmac.new(secret.encode(), f"client:{self.ip}".encode(), hashlib.sha256).hexdigest()[:40]


class NewComment(SimpleNamespace):
    """A comment as just inserted: its columns by attribute name, like a Comment, without loading it back."""


@dataclass
class PostResult:
    comment: Comment | NewComment
    count: int
    site: str
    article: str
    replayed: bool = False

    @classmethod
    def of_replay(cls, comment: Comment) -> PostResult:
        return cls(comment, comment.thread.comment_count, comment.thread.site, comment.thread.article, replayed=True)


def hot_score(likes: int, dislikes: int, created_at: datetime) -> float:
    net = likes - dislikes
    order = math.log10(1 + abs(net))
    sign = (net > 0) - (net < 0)
    return round(sign * order + (created_at - _HOT_EPOCH).total_seconds() / _HOT_HALF_LIFE, 7)


def author_hash(secret: str, author: Author, client: Client) -> str:
    """Seeds the avatar: keyed, so the avatar URL cannot be reversed to the email address."""
    seed = f"email:{author.email.lower()}" if author.email else f"name:{author.name}|{client.ip}"
    return hmac.new(secret.encode(), seed.encode(), hashlib.sha256).hexdigest()[:32]


def get_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id) if 0 < comment_id < MAX_ID else None
    if comment is None:
        raise NotFound(f"Comment {comment_id} does not exist.", code="comment_not_found")
    return comment


def get_comment_for_change(session: Session, comment_id: int) -> Comment:
    """Every writer locks the thread row before any comment row (a post does so through the count
    update), so writers on several servers queue instead of deadlocking; the comment is re-read under
    that lock, so two deletes, or an edit racing a delete, decide on fresh state and counts stay exact.
    SQLite ignores FOR UPDATE: there a write transaction already holds the whole database (BEGIN IMMEDIATE)."""
    comment = get_comment(session, comment_id)
    lock_threads(session, [comment.thread_id])
    session.refresh(comment)
    return comment


def lock_threads(session: Session, thread_ids: Sequence[int]) -> None:
    """Row-locks threads in id order, so writers touching several threads never wait on each other in a cycle."""
    for thread_id in sorted(set(thread_ids)):
        session.execute(select(Thread.id).where(Thread.id == thread_id).with_for_update(key_share=True))


def _find_replayed(session: Session, client_key: str, key: str, now: datetime) -> Comment | None:
    entry = session.scalars(
        select(IdempotencyKey).where(IdempotencyKey.client_key == client_key, IdempotencyKey.key == key)
    ).first()
    if entry is None:
        return None
    if entry.created_at < now - IDEMPOTENCY_WINDOW:
        session.delete(entry)
        session.flush()
        return None
    return session.get(Comment, entry.comment_id)


def find_replayed_comment(session: Session, *, client: Client, idempotency_key: str, secret: str,
                          now: datetime) -> Comment | None:
    """The comment an earlier request with the same Idempotency-Key stored, if any."""
    return _find_replayed(session, client.key(secret), idempotency_key, now)


def _resolve_parent(session: Session, thread_id: int, parent_id: int | None,
                    max_depth: int) -> tuple[Comment | None, Comment | None]:
    """Returns (the parent to attach under, the comment being answered when the cap moved it)."""
    if parent_id is None:
        return None, None
    parent = session.get(Comment, parent_id)
    if parent is None or parent.thread_id != thread_id:
        raise NotFound("The comment you are replying to is not in this thread.", code="parent_not_in_thread",
                       fields={"parent_id": "not in this thread"})
    if parent.status != CommentStatus.APPROVED.value:
        raise NotFound("The comment you are replying to is not available.", code="parent_not_available",
                       fields={"parent_id": "not available"})
    if parent.depth + 1 < max_depth:
        return parent, None
    # At the cap: attach beside the answered comment, under its parent, and remember whom it answers.
    holder = session.get(Comment, parent.parent_id) if parent.parent_id is not None else parent
    return holder, parent


# Prepared once: every post runs them under the write lock, and building a statement, or running it
# through the session, costs more than running it.
_comments = Comment.__table__.c
_NEW_COMMENT_COLUMNS = tuple(column.key for column in Comment.__table__.columns if column.key != "id")
_INSERT_COMMENT = PreparedStatement(
    insert(Comment.__table__).values({key: bindparam(key) for key in _NEW_COMMENT_COLUMNS}).returning(_comments.id))
_RECENT_DUPLICATE = PreparedStatement(select(_comments.id).where(
    _comments.client_ip == bindparam("client_ip"),
    _comments.created_at >= bindparam("since"),
    _comments.thread_id == bindparam("thread_id"),
    _comments.body_source == bindparam("body"),
).limit(1))


def screen_new_comment(session: Session, known: Rules | None, *, author: Author, body: str, client: Client,
                       now: datetime, rules: CommentRules) -> Screening:
    """What the article-independent rules make of a submission; hand it to post_comment. Callers run it
    before they take the write lock, with the rules this process knows (no statement at all, see
    rules.py). A refusal is final only once the current rules confirm it, so a ban or word lifted on
    another server never refuses anyone here."""
    if known is not None:
        try:
            return _screen(known, author=author, body=body, client=client, now=now, rules=rules)
        except (Forbidden, ValidationError):
            pass
    return _screen(current_rules(session), author=author, body=body, client=client, now=now, rules=rules)


def _screen(screening_rules: Rules, *, author: Author, body: str, client: Client, now: datetime,
            rules: CommentRules) -> Screening:
    return screen_body(screening_rules, body, author_email=author.email, client_ip=client.ip, now=now,
                       policy=rules.policy)


def post_comment(session: Session, *, site: str, article: str, title: str | None, url: str | None,
                 parent_id: int | None, author: Author, body: str, client: Client, now: datetime,
                 rules: CommentRules, idempotency_key: str | None = None,
                 screening: Screening | None = None) -> PostResult:
    """Stores a new comment or reply; a repeated Idempotency-Key returns the first one instead.
    `screening` is screen_new_comment's verdict on this body, when the caller ran it already."""
    client_key = client.key(rules.secret)
    if idempotency_key:
        replayed = _find_replayed(session, client_key, idempotency_key, now)
        if replayed is not None:
            return PostResult.of_replay(replayed)

    # On an error the caller rolls back, so a thread created here for a bad reply is not kept.
    # Statements here are Core, not ORM: posting is the hot write, and the ORM's unit of work
    # cost more than the statements themselves (profile in bench/README.md).
    thread = thread_for_post(session, site=site, article=article, title=title, url=url, now=now)
    parent, answered = _resolve_parent(session, thread.id, parent_id, rules.max_depth)
    policy = combined_policy(thread.closed, thread.moderation, thread.site_closed, thread.site_moderation,
                             rules.moderation)
    ensure_open(policy)

    duplicate = _RECENT_DUPLICATE.rows(session.connection(), {
        "client_ip": client.ip, "since": now - DUPLICATE_WINDOW, "thread_id": thread.id, "body": body})
    if duplicate:
        raise Conflict("You already posted this comment here a moment ago.", code="duplicate_comment")

    if screening is None or screening.rules_token != thread.rules_token:
        # Screened by rules that changed since (or not at all): judge it by the rules being stored with it.
        screening = _screen(rules_with_token(session, thread.rules_token), author=author, body=body, client=client,
                            now=now, rules=rules)
    screening = for_thread(screening, policy)
    values = {
        "thread_id": thread.id,
        "parent_id": parent.id if parent else None,
        "root_id": (parent.root_id or parent.id) if parent else None,
        "reply_to_id": answered.id if answered else None,
        "depth": parent.depth + 1 if parent else 0,
        "author_name": author.name,
        "author_email": author.email,
        "author_website": author.website,
        "author_hash": author_hash(rules.secret, author, client),
        "body_source": body,
        "body_html": screening.html,
        "status": screening.status.value,
        "created_at": now,
        "edited_at": None,
        "client_ip": client.ip,
        "user_agent": client.user_agent[:512],
        "likes": 0,
        "dislikes": 0,
        "reply_count": 0,
        "hot_score": hot_score(0, 0, now),
        "is_staff": False,
        "moderator_id": None,
    }
    ((comment_id,),) = _INSERT_COMMENT.rows(session.connection(), values)
    comment = NewComment(id=comment_id, **values)
    count = shift_counts(session, thread_id=thread.id, root_id=comment.root_id,
                         delta=int(screening.status == CommentStatus.APPROVED))
    if idempotency_key:
        session.execute(insert(IdempotencyKey.__table__).values(
            client_key=client_key, key=idempotency_key, comment_id=comment.id, created_at=now))
    return PostResult(comment, count, site, article)


def editable_until(comment: Comment, rules: CommentRules) -> datetime:
    return comment.created_at + timedelta(seconds=rules.edit_window)


def _authorise_author(comment: Comment, token: str | None, now: datetime, rules: CommentRules) -> None:
    check_edit_token(rules.secret, token, comment.id)
    if comment.status == CommentStatus.DELETED.value:
        raise Forbidden("This comment was deleted.", code="comment_deleted")
    if now > editable_until(comment, rules):
        minutes = rules.edit_window // 60
        raise Forbidden(f"Comments can only be changed within {minutes} minutes of posting.",
                        code="edit_window_closed")


def edit_comment(session: Session, comment_id: int, *, body: str, token: str | None, now: datetime,
                 rules: CommentRules) -> Comment:
    """Edits face the same screening as new comments: harmless first, links later, is caught."""
    comment = get_comment_for_change(session, comment_id)
    _authorise_author(comment, token, now, rules)
    policy = thread_policy(session, comment.thread, rules.moderation)
    ensure_open(policy)
    screening = for_thread(screen_body(current_rules(session), body, author_email=comment.author_email,
                                       client_ip=comment.client_ip, now=now, policy=rules.policy), policy)
    comment.body_source = body
    comment.body_html = screening.html
    comment.edited_at = now
    keep_hidden = comment.status in (CommentStatus.REJECTED.value, CommentStatus.SPAM.value)
    set_comment_status(session, comment, CommentStatus(comment.status) if keep_hidden else screening.status)
    return comment


def delete_comment(session: Session, comment_id: int, *, token: str | None, now: datetime,
                   rules: CommentRules) -> Comment:
    """Soft delete: replies keep their place under a placeholder, and moderators can still restore it."""
    comment = get_comment_for_change(session, comment_id)
    _authorise_author(comment, token, now, rules)
    set_comment_status(session, comment, CommentStatus.DELETED)
    return comment
