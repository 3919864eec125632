"""The tables commentsvc stores: threads, comments and what readers and moderators attach to them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
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
    # Bumped on every change a reader could see; the thread's ETag derives from it.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # None follows the site setting, then COMMENTSVC_MODERATION.
    moderation: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SiteSetting(Model):
    __tablename__ = "site_settings"

    site: Mapped[str] = mapped_column(String(128), primary_key=True)
    moderation: Mapped[str | None] = mapped_column(String(8))
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


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
    client_ip: Mapped[str] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(512), default="", server_default="")
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

    thread: Mapped[Thread] = relationship(lazy="joined", innerjoin=True)


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
