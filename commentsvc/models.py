"""The tables commentsvc stores: threads, comments and what readers and moderators attach to them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db

# db.Model is Base with Flask-SQLAlchemy's additions, built at run time; type checkers see Base itself.
if TYPE_CHECKING:
    from .extensions import Base as Model
else:
    Model = db.Model


# Ids are 32-bit INTEGER columns on every engine: a larger number cannot name a row, and the
# PostgreSQL driver raises on it, so callers refuse ids >= MAX_ID before querying.
MAX_ID = 2**31


class CommentStatus(str, enum.Enum):
    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"
    SPAM = "spam"
    DELETED = "deleted"


class ReportReason(str, enum.Enum):
    """Why a reader reports a comment; the widget and dashboard label each from one table (labels.json)."""

    ILLEGAL = "illegal"
    SEXUAL = "sexual"
    ABUSE = "abuse"
    SPAM = "spam"
    MISINFORMATION = "misinformation"
    OTHER = "other"


class ModerationMode(str, enum.Enum):
    POST = "post"
    PRE = "pre"


class Thread(Model):
    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("site", "article"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(128))
    article: Mapped[str] = mapped_column(String(512))
    title: Mapped[str | None] = mapped_column(String(512))
    url: Mapped[str | None] = mapped_column(String(2048))
    # Approved comments, replies included; kept in step with every status change.
    comment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Distinct commenters among the approved comments (participants.py), moved with comment_count.
    participant_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped on every change a reader could see; the thread's ETag derives from it.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # None follows the site setting, then COMMENTSVC_MODERATION.
    moderation: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # When comments close (a signed article token sets it); the site's auto-close may close it sooner.
    close_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The issue time of the signed article token last applied: only a newer one changes the policy.
    article_token_issued_at: Mapped[datetime | None] = mapped_column(DateTime)


class SsoMode(str, enum.Enum):
    """Who may write on a site: anyone, anyone with logged-in readers as people, or logged-in readers only."""

    ANONYMOUS = "anonymous"
    OPTIONAL = "sso-optional"
    REQUIRED = "sso-required"


class SiteSetting(Model):
    __tablename__ = "site_settings"

    site: Mapped[str] = mapped_column(String(128), primary_key=True)
    moderation: Mapped[str | None] = mapped_column(String(8))
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The publisher's HS256 shared secret, or its RS256/ES256 public key (PEM): one of them, never shown back.
    sso_secret: Mapped[str | None] = mapped_column(String(255))
    sso_public_key: Mapped[str | None] = mapped_column(Text)
    sso_mode: Mapped[str] = mapped_column(String(16), default=SsoMode.ANONYMOUS.value, server_default="anonymous")
    login_url: Mapped[str | None] = mapped_column(String(2048))
    require_signed_articles: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # How long an SSO user may edit or delete their own comments, in seconds.
    sso_edit_window: Mapped[int] = mapped_column(Integer, default=86400, server_default="86400")
    # Threads close this many days after their first comment; None: never.
    auto_close_days: Mapped[int | None] = mapped_column(Integer)


class User(Model):
    """A publisher's logged-in reader, keyed by the site and the publisher's own id (`sub`, never shown
    publicly); name, avatar and staff come from the newest token, the email is for moderators only."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("site", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(128))
    sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    avatar_url: Mapped[str | None] = mapped_column(String(2048))
    url: Mapped[str | None] = mapped_column(String(2048))
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Comment(Model):
    __tablename__ = "comments"
    __table_args__ = (
        # Top-level page of a thread, oldest/newest first (parent_id IS NULL uses the index).
        Index("ix_comments_thread_top", "thread_id", "parent_id", "id"),
        # Top-level page ordered by the stored hot score.
        Index("ix_comments_thread_hot", "thread_id", "parent_id", "hot_score", "id"),
        # Every reply under a page's top-level comments in one query.
        Index("ix_comments_root_status", "root_id", "status", "id"),
        # Moderation queues.
        Index("ix_comments_status_id", "status", "id"),
        # The duplicate-post check: one reader's recent comments in one thread (many readers share an IP).
        Index("ix_comments_thread_client_created", "thread_id", "client_ip", "created_at"),
        Index("ix_comments_author_email", "author_email"),
        # One reader's history, for trust, bans and the moderators' "all from this reader".
        Index("ix_comments_identity_created", "identity_key", "created_at"),
        Index("ix_comments_user_created", "user_id", "created_at"),
        # One address's recent posts (the proof-of-work trigger) and its history for moderators.
        Index("ix_comments_client_created", "client_ip", "created_at"),
        # "Comments from this address", before and after the raw address is purged.
        Index("ix_comments_client_ip_key", "client_ip_key"),
        # A thread's editors' picks in the order picked.
        Index("ix_comments_thread_picked", "thread_id", "picked_at", "id"),
        # A form token is good for one post: the second insert with its nonce conflicts. Partial: the
        # comments without a nonce (imports, API keys, signed-in readers) take no room in it.
        Index(
            "ix_comments_form_nonce",
            "form_nonce",
            unique=True,
            sqlite_where=text("form_nonce IS NOT NULL"),
            postgresql_where=text("form_nonce IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    # The top-level ancestor; None for top-level comments themselves.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    # Whom a reply answers when it was attached higher up because of the depth cap.
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    depth: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    author_name: Mapped[str] = mapped_column(String(64))
    author_email: Mapped[str | None] = mapped_column(String(254))
    author_website: Mapped[str | None] = mapped_column(String(512))
    # Keyed hash that seeds the avatar, so the email never leaves the server.
    author_hash: Mapped[str] = mapped_column(String(32))
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=CommentStatus.APPROVED.value)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The raw address until COMMENTSVC_IP_RETENTION_DAYS have passed, then only its /24 or /48 prefix
    # ("203.0.113.0/24"; domain/retention.py).
    client_ip: Mapped[str] = mapped_column(String(45))
    # A keyed hash of the address (domain/addresses.py), kept after the purge: "comments from this address".
    client_ip_key: Mapped[str | None] = mapped_column(String(40))
    # The raw user agent until the purge, then its keyed hash ("key:…").
    user_agent: Mapped[str] = mapped_column(String(512), default="", server_default="")
    # Where the address was at posting time (IP属地), when the site shows it: the widget's label text per
    # language (domain/regions.py); None when not resolved.
    region_zh: Mapped[str | None] = mapped_column(String(64))
    region_en: Mapped[str | None] = mapped_column(String(64))
    likes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dislikes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Votes plus age in one time-independent number, so "hot" can be indexed and paged.
    hot_score: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # Approved replies below a top-level comment (only kept on top-level comments).
    reply_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))
    # Why screening held it (comma-separated codes: banned, sensitive_word, too_many_links, pre_moderation, reports).
    hold_reasons: Mapped[str] = mapped_column(String(128), default="", server_default="")
    # What body_source is written in: the Markdown subset readers post, or HTML brought in by an import.
    body_format: Mapped[str] = mapped_column(String(8), default="markdown", server_default="markdown")
    # The keyed hash of the reader's identity (domain/identity.py), when the post carried one.
    identity_key: Mapped[str | None] = mapped_column(String(40))
    # The SSO user who posted it (users.py); None for anonymous readers.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The SSO user's avatar (an https URL from their token) shown instead of the identicon.
    author_avatar_url: Mapped[str | None] = mapped_column(String(2048))
    # The body's language by script (text/language.py): zh-Hans, zh-Hant, en or other, set on every write.
    lang: Mapped[str] = mapped_column(String(8), default="other", server_default="other")
    # When a moderator made it an editors' pick; None when it is not one (picks.py).
    picked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The nonce of the form token it was posted with (form_tokens.py), which no other post may carry;
    # None for posts without one (an API key, a signed-in reader, an import, a replay kept as spam).
    form_nonce: Mapped[str | None] = mapped_column(String(32))

    thread: Mapped[Thread] = relationship(lazy="joined", innerjoin=True)


class Participant(Model):
    """One commenter's approved comments in one thread (participants.py): a thread's participant_count
    is the number of its rows above zero. The key is never raw: an SSO user id, a keyed identity hash
    or the keyed author hash."""

    __tablename__ = "participants"

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    participant_key: Mapped[str] = mapped_column(String(48), primary_key=True)
    approved_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ThreadPin(Model):
    """The one staff comment pinned to the top of a thread: the primary key makes it one per thread."""

    __tablename__ = "thread_pins"

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), unique=True)
    pinned_at: Mapped[datetime] = mapped_column(DateTime)


class Vote(Model):
    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("comment_id", "voter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Report(Model):
    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter_key"),
        Index("ix_reports_resolved_comment", "resolved", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    reporter_key: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # A keyed hash of the reporter's network (/24 or /48): reports from one network count once.
    network_key: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class ReporterStanding(Model):
    """How often a reader's reports were upheld or dismissed by a moderator: their next reports weigh by it."""

    __tablename__ = "reporter_standings"

    reporter_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    upheld: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dismissed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class IdempotencyKey(Model):
    """A post's Idempotency-Key, scoped by site (not by client address: a phone retries from another
    network); the unique constraint makes the key check and the insert one atomic step."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("site", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(128))
    # A hash of what was posted, so a reused key with another body is refused instead of replayed.
    request_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ModeratorRole(str, enum.Enum):
    ADMIN = "admin"
    MODERATOR = "moderator"


class Moderator(Model):
    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=ModeratorRole.MODERATOR.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class BanKind(str, enum.Enum):
    IP = "ip"
    EMAIL = "email"
    # An SSO user, by the users row id; an anonymous reader, by the keyed hash of their identity.
    USER = "user"
    IDENTITY = "identity"


class Ban(Model):
    __tablename__ = "bans"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    # An IP network in CIDR form (a single address is /32 or /128), a lower-cased email, or a lower-cased
    # email domain written "@example.com".
    value: Mapped[str] = mapped_column(String(254))
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))


class WordAction(str, enum.Enum):
    REJECT = "reject"
    HOLD = "hold"
    MASK = "mask"


class SensitiveWord(Model):
    __tablename__ = "sensitive_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(128), unique=True)
    action: Mapped[str] = mapped_column(String(8), default=WordAction.HOLD.value)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class RulesVersion(Model):
    """One row whose token changes with every change to bans or sensitive words: each server keeps
    both lists in memory and learns that they changed from this token (see rules.py)."""

    __tablename__ = "rules_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class CountsVersion(Model):
    """Per site, a token renewed by every transaction that changes a thread's stored count there: each
    server keeps the counts it answered under this token and learns from it that they changed."""

    __tablename__ = "counts_versions"

    site: Mapped[str] = mapped_column(String(128), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class AuditEntry(Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))
    action: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(254), default="", server_default="")
    detail: Mapped[str] = mapped_column(Text, default="", server_default="")
    client_ip: Mapped[str] = mapped_column(String(45), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ImportedComment(Model):
    """Which source comment an imported comment came from, so importing the same file twice adds nothing."""

    __tablename__ = "imported_comments"
    __table_args__ = (UniqueConstraint("site", "source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(255))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))


class EventType(str, enum.Enum):
    """What happened to a comment or thread: the outbox's events, the webhooks' `type`."""

    COMMENT_CREATED = "comment.created"
    COMMENT_APPROVED = "comment.approved"
    COMMENT_REJECTED = "comment.rejected"
    COMMENT_DELETED = "comment.deleted"
    COMMENT_EDITED = "comment.edited"
    COMMENT_REPORTED = "comment.reported"
    THREAD_COUNT_CHANGED = "thread.count_changed"


class DeliveryKind(str, enum.Enum):
    CONFIRMATION = "confirmation"
    REPLY = "reply"
    ALERT = "alert"
    WEBHOOK = "webhook"


class DeliveryStatus(str, enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    # Failed once or more and waiting for its next attempt; DEAD: given up, the reason kept.
    FAILED = "failed"
    DEAD = "dead"
    # Nothing left to say when its turn came (the reply was hidden again, the queue was emptied).
    SKIPPED = "skipped"


class OutboxEvent(Model):
    """One change a notification may follow from, written in the transaction that made the change; the
    worker turns it into deliveries once (dispatched) and deliveries carry its uid as their identity."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_dispatched", "dispatched", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    site: Mapped[str] = mapped_column(String(128))
    article: Mapped[str] = mapped_column(String(512))
    thread_id: Mapped[int] = mapped_column(Integer)
    comment_id: Mapped[int | None] = mapped_column(Integer)
    # The change moved the thread's approved count, so thread.count_changed follows it.
    count_changed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    dispatched: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Subscriber(Model):
    """An address that asked for reply emails; nothing but the confirmation is sent before confirmed_at."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    language: Mapped[str] = mapped_column(String(8), default="zh-CN", server_default="zh-CN")
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Unsubscribed from everything; a new request starts over with a confirmation.
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Subscription(Model):
    """A reader's wish to hear of replies to one of their comments."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "comment_id"),
        Index("ix_subscriptions_comment_id", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class WebhookEndpoint(Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(String(255))
    # None hears every site; events is a comma-separated list of EventType values, empty for all.
    site: Mapped[str | None] = mapped_column(String(128))
    events: Mapped[str] = mapped_column(String(512), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    disabled_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ModeratorAlert(Model):
    """What one moderator wants to hear about the queues, and where; None turns an alert off."""

    __tablename__ = "moderator_alerts"

    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderators.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8), default="zh-CN", server_default="zh-CN")
    wait_minutes: Mapped[int | None] = mapped_column(Integer)
    digest_hours: Mapped[int | None] = mapped_column(Integer)
    last_digest_at: Mapped[datetime | None] = mapped_column(DateTime)


class Delivery(Model):
    """One email or webhook call to make, at least once; dedup_key makes writing it twice impossible."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_status_due", "status", "due_at"),
        Index("ix_deliveries_endpoint_id", "endpoint_id", "id"),
        Index("ix_deliveries_subscriber_status", "subscriber_id", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    dedup_key: Mapped[str] = mapped_column(String(160), unique=True)
    # The event id the Message-ID or the webhook's "id" derives from.
    message_key: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_events.id", ondelete="SET NULL"))
    event_type: Mapped[str] = mapped_column(String(32), default="", server_default="")
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    due_at: Mapped[datetime] = mapped_column(DateTime)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="", server_default="")
    response_status: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ReplyNotice(Model):
    """A reply a subscriber is told about, once: the unique pair is the "once per reply" rule."""

    __tablename__ = "reply_notices"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "reply_id"),
        Index("ix_reply_notices_delivery_id", "delivery_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    reply_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))


class FloodKey(Model):
    """One band key of a recent comment's similarity sketch (text/fingerprint.py; its `sketch_key`), looked up
    by index to find near copies anywhere on a site, from any server. The primary key is the lookup
    (site, key, newest first) and holds the comment id, so SQLite keeps the table as that one B-tree
    (WITHOUT ROWID). Each row carries the comment's whole sketch, so a text the key found is compared
    with no other read."""

    __tablename__ = "flood_keys"
    __table_args__ = ({"sqlite_with_rowid": False},)

    site: Mapped[str] = mapped_column(String(128), primary_key=True)
    sketch_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    # None in rows the release before migration 0013 stored: never taken for a copy.
    sketch: Mapped[bytes | None] = mapped_column(LargeBinary)


class ClusterStatus(str, enum.Enum):
    """A flood cluster is open until a moderator releases (approves) or purges (rejects) it."""

    OPEN = "open"
    RELEASED = "released"
    PURGED = "purged"


class FloodCluster(Model):
    """Near copies of one text posted across a site: the moderators' unit of decision for a flood."""

    __tablename__ = "flood_clusters"
    __table_args__ = (Index("ix_flood_clusters_site_status", "site", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default=ClusterStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class FloodMember(Model):
    """A comment's place in a flood cluster; a comment is in at most one."""

    __tablename__ = "flood_members"
    __table_args__ = (Index("ix_flood_members_cluster_id", "cluster_id", "comment_id"),)

    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("flood_clusters.id", ondelete="CASCADE"))


class ArticleRate(Model):
    """An article's comment rate, updated on every post: the current minute's count against the usual
    per-minute rate (an exponentially decayed average), and the surge that pre-moderates it."""

    __tablename__ = "article_rates"
    __table_args__ = (Index("ix_article_rates_surge_until", "surge_until"),)

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    minute_start: Mapped[datetime] = mapped_column(DateTime)
    minute_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    usual_per_minute: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # Pre-moderated until then; None when no surge was ever switched on (or it was ended and noted).
    surge_until: Mapped[datetime | None] = mapped_column(DateTime)
    surge_started_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The highest per-minute count seen during the surge, shown to moderators.
    surge_peak_per_minute: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A moderator ended the surge: it does not switch itself on again before then.
    calm_until: Mapped[datetime | None] = mapped_column(DateTime)


class SpentNonce(Model):
    """A single-use value already used by a stored post: a solved proof-of-work challenge's salt
    ("pow:…"), or the nonce of a form token issued before nonces moved into comments.form_nonce
    ("form:…"). The primary key makes a second use fail on every server."""

    __tablename__ = "spent_nonces"
    __table_args__ = (Index("ix_spent_nonces_spent_at", "spent_at"),)

    nonce: Mapped[str] = mapped_column(String(96), primary_key=True)
    spent_at: Mapped[datetime] = mapped_column(DateTime)


class ApiKey(Model):
    """A server-to-server client's key for one site; only its SHA-256 is stored, the key is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(128))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(128), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class SiteOverride(Model):
    """A site's own value for one registered COMMENTSVC_* setting (domain/site_overrides.py), as text
    parsed by that setting's parser."""

    __tablename__ = "site_overrides"

    site: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


class OverridesVersion(Model):
    """One row whose token changes with every site override: each server keeps the overrides in
    memory and learns from this token that they changed."""

    __tablename__ = "overrides_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
