"""The mapping every format shares: source threads and comments become commentsvc rows in the caller's
transaction, with the rules no import may break (nothing lost silently, parents re-attached, counts exact)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import Ban, Comment, CommentStatus, ImportedComment, SensitiveWord, Thread, ThreadPin
from ...storage import bulk, statements
from ...storage.events import counts_changed
from ...storage.statements import table
from ...text.language import language_of_html
from ...text.sanitize import VisibleText
from ...text.wordfilter import WordMatcher
from ..addresses import address_key, is_purged
from ..participants import move_participants, participant_key
from ..policy import set_site_policy
from ..posting import Client, author_hash, place_reply
from ..ranking import hot_score
from ..screening import render_screened
from ..screening_lists import current_lists, lists_changed
from ..submission import Author
from ..threads import adjust_thread_count, find_thread, thread_for_post
from .source import (
    SKIP_REASONS,
    ArticleKey,
    SkipReason,
    SourceBan,
    SourceComment,
    SourceItem,
    SourceSite,
    SourceThread,
    SourceWarning,
    SourceWord,
    article_for,
)

_FLUSH_EVERY = 2000
_STATUSES = frozenset(status.value for status in CommentStatus)


@dataclass(frozen=True)
class ImportSettings:
    """What the operator chose and the configured limits, handed in by the caller (config is never read here)."""

    site: str | None = None  # None: "default", or the commentsvc format's own sites
    article_key: ArticleKey = "path"
    max_depth: int = 5
    body_max_length: int = 5000
    secret: str = ""
    anonymous_name: str = "Anonymous"

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, site: str | None, article_key: str) -> ImportSettings:
        """The configured limits an import places and flags comments by, and the operator's choices."""
        return cls(
            site=site,
            article_key="url" if article_key == "url" else "path",
            max_depth=config["COMMENTSVC_MAX_DEPTH"],
            body_max_length=config["COMMENTSVC_BODY_MAX_LENGTH"],
            secret=config["SECRET_KEY"],
            anonymous_name=config["COMMENTSVC_ANONYMOUS_NAME"],
        )


@dataclass
class ImportReport:
    """What an import did (or, dry, would do): the `--json` object, the dashboard preview, the audit entry."""

    format: str
    site: str
    dry_run: bool
    threads: int = 0
    comments: int = 0
    replies: int = 0
    pending: int = 0
    already_present: int = 0
    reparented: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SKIP_REASONS, 0))
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "site": self.site,
            "dry_run": self.dry_run,
            "threads": self.threads,
            "comments": self.comments,
            "replies": self.replies,
            "pending": self.pending,
            "already_present": self.already_present,
            "reparented": self.reparented,
            "skipped": dict(self.skipped),
            "warnings": list(self.warnings),
        }


class _Node(NamedTuple):
    """An imported (or earlier imported) comment as its replies need it."""

    id: int
    depth: int
    parent_id: int | None
    root_id: int | None
    approved: bool
    thread_id: int


@dataclass
class _Article:
    site: str
    article: str
    thread_id: int
    created: bool
    # Comments of each source thread (by link) that landed here: the biggest gives title and URL.
    sources: dict[str, int] = field(default_factory=dict)
    titles: dict[str, str | None] = field(default_factory=dict)
    stored: int = 0
    approved: int = 0
    # Approved comments per participant key (participants.py), moved once at the end as the count is.
    participants: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    settings: SourceThread | None = None


_DEFER = object()


def _examples(values: list[str]) -> str:
    shown = ", ".join(values[:5])
    return shown + (f" and {len(values) - 5} more" if len(values) > 5 else "")


class ImportWriter:
    """Takes a parser's items in file order. Replies may come before their parents: they wait, and any
    still waiting at the end lost their parent and are re-attached (`reparented`)."""

    def __init__(
        self,
        session: Session,
        *,
        source: str,
        settings: ImportSettings,
        now: datetime,
        report: ImportReport,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.session = session
        self.source = source
        self.settings = settings
        self.now = now
        self.report = report
        self._threads: dict[str, SourceThread] = {}
        self._articles: dict[tuple[str, str], _Article] = {}
        self._article_of: dict[str, _Article | None] = {}
        self._nodes: dict[str, _Node] = {}
        self._present: dict[str, dict[str, int]] = {}
        self._skipped: dict[str, str | None] = {}
        self._seen: set[str] = set()
        self._waiting: dict[str, list[SourceComment]] = defaultdict(list)
        self._thread_site: dict[str, str] = {}
        self._reply_deltas: dict[int, int] = defaultdict(int)
        self._imported_rows: list[dict[str, Any]] = []
        self._vote_rows: list[dict[str, Any]] = []
        self._matcher_cache: WordMatcher | None = None
        self._lists_dirty = False
        self._finishing = False
        self._counts: dict[str, list[str]] = defaultdict(list)
        self._progress = progress
        self._handled = 0

    # --- items -----------------------------------------------------------------------------------

    def add(self, item: SourceItem) -> None:
        if isinstance(item, SourceComment):
            self._add_comment(item)
        elif isinstance(item, SourceThread):
            self._threads[item.ref] = item
        elif isinstance(item, SourceWarning):
            self.report.warnings.append(item.message)
        elif isinstance(item, SourceWord):
            self._add_word(item)
        elif isinstance(item, SourceBan):
            self._add_ban(item)
        elif isinstance(item, SourceSite):
            site = self.settings.site or item.site
            set_site_policy(self.session, site, moderation=item.moderation, closed=item.closed)

    def _add_word(self, item: SourceWord) -> None:
        if self.session.scalars(select(SensitiveWord.id).where(SensitiveWord.word == item.word)).first() is None:
            self.session.add(SensitiveWord(word=item.word, action=item.action, created_at=item.created_at or self.now))
            self._lists_dirty = True

    def _add_ban(self, item: SourceBan) -> None:
        found = select(Ban.id).where(Ban.kind == item.kind, Ban.value == item.value)
        if self.session.scalars(found).first() is None:
            self.session.add(
                Ban(
                    kind=item.kind,
                    value=item.value,
                    note=item.note[:500],
                    expires_at=item.expires_at,
                    created_at=item.created_at or self.now,
                )
            )
            self._lists_dirty = True

    def _skip(self, comment: SourceComment, reason: SkipReason) -> None:
        self.report.skipped[reason] += 1
        self._skipped[comment.source_id] = comment.parent_ref

    def _add_comment(self, comment: SourceComment) -> None:
        self._handled += 1
        if self._progress is not None and self._handled % 500 == 0:
            self._progress(self._handled)
        if not comment.source_id or comment.source_id in self._seen:
            self.report.skipped["invalid"] += 1
            self._counts["duplicate"].append(comment.source_id or "(none)")
            return
        self._seen.add(comment.source_id)
        thread = self._threads.get(comment.thread_ref)
        if thread is None:
            self._skip(comment, "orphan")
        elif thread.deleted:
            self._skip(comment, "deleted")
        elif comment.skip is not None:
            self._skip(comment, comment.skip)
        elif comment.status not in _STATUSES:
            self._counts["bad_status"].append(comment.source_id)
            self._skip(comment, "invalid")
        elif self._article(thread) is None:
            self._counts["no_page"].append(thread.link or thread.ref)
            self._skip(comment, "invalid")
        elif comment.source_id in self._present_for(self._site_of(thread)):
            self.report.already_present += 1
            self._count_source(thread, comment)
        else:
            if self._attach(comment) is _DEFER:
                return
        self._release(comment.source_id)

    def _release(self, source_id: str) -> None:
        """Replies that waited for this comment to be decided go in now (and theirs after them)."""
        decided = [source_id]
        while decided:
            for waiting in self._waiting.pop(decided.pop(), []):
                if self._attach(waiting) is not _DEFER:
                    decided.append(waiting.source_id)

    # --- threads ---------------------------------------------------------------------------------

    def _site_of(self, thread: SourceThread) -> str:
        return self.settings.site or thread.site or "default"

    def _article(self, thread: SourceThread) -> _Article | None:
        if thread.ref in self._article_of:
            return self._article_of[thread.ref]
        site = self._site_of(thread)
        key = thread.article or (article_for(thread.link, self.settings.article_key) if thread.link else "")
        found: _Article | None = None
        if key and len(key) <= 512:
            found = self._articles.get((site, key))
            if found is None:
                existed = find_thread(self.session, site, key) is not None
                target = thread_for_post(
                    self.session,
                    site=site,
                    article=key,
                    title=(thread.title or "")[:512] or None,
                    url=thread.link if thread.link and len(thread.link) <= 2048 else None,
                    now=self.now,
                )
                found = _Article(site, key, target.id, created=not existed, settings=thread)
                self._articles[(site, key)] = found
        self._article_of[thread.ref] = found
        return found

    def _count_source(self, thread: SourceThread, comment: SourceComment) -> None:
        article = self._article(thread)
        if article is not None:
            link = thread.link or thread.ref
            article.sources[link] = article.sources.get(link, 0) + 1
            article.titles.setdefault(link, thread.title)

    def _present_for(self, site: str) -> dict[str, int]:
        """Comments an earlier import of this source brought to this site, by source id."""
        if site not in self._present:
            rows = self.session.execute(
                select(ImportedComment.source_id, ImportedComment.comment_id).where(
                    ImportedComment.site == site, ImportedComment.source == self.source
                )
            )
            self._present[site] = {str(row[0]): int(row[1]) for row in rows}
        return self._present[site]

    # --- comments --------------------------------------------------------------------------------

    def _load_node(self, comment_id: int) -> _Node | None:
        row = self.session.execute(
            select(
                Comment.id, Comment.depth, Comment.parent_id, Comment.root_id, Comment.status, Comment.thread_id
            ).where(Comment.id == comment_id)
        ).first()
        if row is None:
            return None
        return _Node(row[0], row[1], row[2], row[3], row[4] == CommentStatus.APPROVED.value, row[5])

    def _known(self, source_id: str, site: str) -> _Node | None:
        node = self._nodes.get(source_id)
        if node is None and source_id in self._present_for(site):
            node = self._load_node(self._present_for(site)[source_id])
            if node is not None:
                self._nodes[source_id] = node
        return node

    def _resolve(self, comment: SourceComment, site: str, thread_id: int) -> tuple[_Node | None, bool] | object:
        """The nearest kept ancestor (None: top level) and whether that is not the source's own parent;
        _DEFER when an ancestor is not decided yet."""
        ref = comment.parent_ref
        moved = False
        visited = {comment.source_id}
        while ref is not None:
            if ref in visited:  # a loop in the source's parents
                return None, True
            visited.add(ref)
            node = self._known(ref, site)
            if node is not None:
                if node.thread_id != thread_id:
                    return None, True
                return node, moved
            if ref in self._skipped:
                ref = self._skipped[ref]
                moved = True
                continue
            if self._finishing:
                return None, True
            self._waiting[ref].append(comment)
            return _DEFER
        return None, moved

    def _placement(self, parent: _Node, thread_id: int) -> tuple[_Node, int | None]:
        """Where a reply to `parent` goes: exactly where POST /api/v1/comments would put it."""
        if parent.depth + 1 < self.settings.max_depth:
            return parent, None
        if parent.approved:
            holder, answered = place_reply(self.session, thread_id, parent.id, self.settings.max_depth)
            assert holder is not None
            node = _Node(
                holder.id,
                holder.depth,
                holder.parent_id,
                holder.root_id,
                holder.status == CommentStatus.APPROVED.value,
                thread_id,
            )
            return node, answered.id if answered is not None else None
        # place_reply refuses a parent readers cannot answer; an import carries such replies, by the same rule.
        holder_node = self._load_node(parent.parent_id) if parent.parent_id is not None else parent
        return (holder_node or parent), parent.id

    def _matcher(self) -> WordMatcher:
        if self._lists_dirty:
            lists_changed(self.session)
            self.session.flush()
            self._lists_dirty = False
            self._matcher_cache = None
        if self._matcher_cache is None:
            self._matcher_cache = current_lists(self.session).matcher
        return self._matcher_cache

    def _attach(self, comment: SourceComment) -> object:
        thread = self._threads[comment.thread_ref]
        article = self._article(thread)
        assert article is not None
        resolved = self._resolve(comment, article.site, article.thread_id)
        if resolved is _DEFER:
            return _DEFER
        assert isinstance(resolved, tuple)
        parent, moved = resolved
        holder, answered = self._placement(parent, article.thread_id) if parent is not None else (None, None)
        if answered is None and comment.reply_to_ref is not None:
            answered_node = self._known(comment.reply_to_ref, article.site)
            answered = answered_node.id if answered_node is not None else None
        self._insert(comment, thread, article, holder, answered)
        if moved:
            self.report.reparented += 1
        return None

    def _insert(
        self,
        comment: SourceComment,
        thread: SourceThread,
        article: _Article,
        holder: _Node | None,
        answered: int | None,
    ) -> None:
        settings = self.settings
        matcher = self._matcher()
        if comment.html is not None and matcher.size == 0:
            html = comment.html
        else:
            html = render_screened(matcher, comment.body, comment.body_format).html
        if len(comment.body) > settings.body_max_length and (
            len(VisibleText.of(html).text.strip()) > settings.body_max_length
        ):
            self._counts["long"].append(comment.source_id)
        name = comment.author_name.strip() or settings.anonymous_name or "Anonymous"
        if len(name) > 64:
            self._counts["long_name"].append(comment.source_id)
            name = name[:64]
        email = comment.author_email if comment.author_email and len(comment.author_email) <= 254 else None
        website = comment.author_website if comment.author_website and len(comment.author_website) <= 512 else None
        client_ip = comment.client_ip[:45]
        # A purged address (a prefix) keeps the key it came with; a raw one gets this server's.
        ip_key = comment.client_ip_key[:40] if comment.client_ip_key else None
        if ip_key is None and not is_purged(client_ip):
            ip_key = address_key(settings.secret, client_ip)
        created_at = comment.created_at
        if created_at is None:
            self._counts["no_time"].append(comment.source_id)
            created_at = self.now
        votes = {vote.voter_key[:64]: vote for vote in comment.votes if vote.value in (1, -1)}
        likes = sum(1 for vote in votes.values() if vote.value == 1)
        dislikes = len(votes) - likes
        status = comment.status
        parent_id = holder.id if holder else None
        root_id = (holder.root_id or holder.id) if holder else None
        depth = holder.depth + 1 if holder else 0
        values = {
            "thread_id": article.thread_id,
            "parent_id": parent_id,
            "root_id": root_id,
            "reply_to_id": answered,
            "depth": depth,
            "author_name": name,
            "author_email": email,
            "author_website": website,
            "author_hash": comment.author_hash
            or author_hash(settings.secret, Author(name, email, website), Client(client_ip)),
            "body_source": comment.body,
            "body_html": html,
            "lang": language_of_html(html),
            "status": status,
            "created_at": created_at,
            "edited_at": comment.edited_at,
            "client_ip": client_ip,
            "client_ip_key": ip_key,
            "user_agent": comment.user_agent[:512],
            "region_zh": comment.region_zh[:64] if comment.region_zh else None,
            "region_en": comment.region_en[:64] if comment.region_en else None,
            "likes": likes,
            "dislikes": dislikes,
            "reply_count": 0,
            "hot_score": hot_score(likes, dislikes, created_at),
            "is_staff": comment.is_staff,
            "moderator_id": None,
            "hold_reasons": comment.hold_reasons[:128],
            "body_format": comment.body_format,
            "identity_key": None,
            "user_id": None,
            "author_avatar_url": None,
            "picked_at": comment.picked_at,
            "form_nonce": None,
        }
        new = statements.insert_comment(self.session.connection(), values)
        assert new is not None  # only a form nonce can conflict, and an import carries none
        if comment.pinned_at is not None:
            self._pin(article.thread_id, new.id, comment.pinned_at)
        approved = status == CommentStatus.APPROVED.value
        self._nodes[comment.source_id] = _Node(new.id, depth, parent_id, root_id, approved, article.thread_id)
        self._imported_rows.append(
            {"site": article.site, "source": self.source, "source_id": comment.source_id, "comment_id": new.id}
        )
        for voter_key, vote in votes.items():
            self._vote_rows.append(
                {
                    "comment_id": new.id,
                    "voter_key": voter_key,
                    "value": vote.value,
                    "created_at": vote.created_at or created_at,
                }
            )
        if len(self._imported_rows) >= _FLUSH_EVERY:
            self._flush_rows()
        article.stored += 1
        self._count_source(thread, comment)
        self.report.comments += 1
        if holder is not None:
            self.report.replies += 1
        if status == CommentStatus.PENDING.value:
            self.report.pending += 1
        if approved:
            article.approved += 1
            article.participants[participant_key(new)] += 1
            if root_id is not None:
                self._reply_deltas[root_id] += 1

    def _pin(self, thread_id: int, comment_id: int, pinned_at: datetime) -> None:
        """A backup's pinned comment; a thread that has its own pin already keeps it."""
        try:
            with self.session.begin_nested():
                self.session.execute(
                    insert(table(ThreadPin)).values(thread_id=thread_id, comment_id=comment_id, pinned_at=pinned_at)
                )
        except IntegrityError:
            pass

    def _flush_rows(self) -> None:
        bulk.insert_imported(self.session.connection(), self._imported_rows)
        bulk.insert_votes(self.session.connection(), self._vote_rows)
        self._imported_rows.clear()
        self._vote_rows.clear()

    # --- the end ---------------------------------------------------------------------------------

    def finish(self) -> ImportReport:
        """Re-attaches replies whose parent never came, then moves every count once and names what to know."""
        self._finishing = True
        for ref in list(self._waiting):
            if ref in self._waiting:
                self._skipped.setdefault(ref, None)
                self._release(ref)
        self._flush_rows()
        if self._lists_dirty:
            self._matcher()
        bulk.add_reply_counts(self.session.connection(), self._reply_deltas)
        threads = table(Thread)
        for article in self._articles.values():
            if not article.stored:
                continue
            self.report.threads += 1
            adjust_thread_count(self.session, article.thread_id, article.approved)  # bumps the version too
            move_participants(self.session, article.thread_id, article.participants)
            counts_changed(self.session, article.site)
            links = sorted(article.sources, key=lambda link: -article.sources[link])
            if len(links) > 1:
                self.report.warnings.append(
                    f"merged {len(links)} source pages into {article.article}: {_examples(links)}"
                )
            if article.created:
                source = next(
                    (thread for thread in self._threads.values() if (thread.link or thread.ref) == links[0]), None
                )
                chosen = source or article.settings
                assert chosen is not None
                changes: dict[str, Any] = {
                    "title": (chosen.title or "")[:512] or None,
                    "url": chosen.link if chosen.link and len(chosen.link) <= 2048 else None,
                    "closed": chosen.closed,
                    "moderation": chosen.moderation,
                }
                if chosen.created_at is not None:
                    changes["created_at"] = chosen.created_at
                self.session.execute(update(threads).where(threads.c.id == article.thread_id).values(**changes))
        self._warn_counts()
        return self.report

    def _warn_counts(self) -> None:
        messages = {
            "duplicate": "comment(s) whose id appears more than once in the file were skipped as invalid",
            "bad_status": "comment(s) with an unknown status were skipped as invalid",
            "no_page": "comment(s) on pages with no usable link were skipped as invalid",
            "long": "comment(s) longer than COMMENTSVC_BODY_MAX_LENGTH were imported whole",
            "long_name": "author name(s) longer than 64 characters were shortened",
            "no_time": "comment(s) without a time were given the time of the import",
        }
        for key, message in messages.items():
            if self._counts[key]:
                self.report.warnings.append(f"{len(self._counts[key])} {message}: {_examples(self._counts[key])}")
