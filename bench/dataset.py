"""Builds the benchmark data set straight into a database: realistic shape, seconds not minutes.

1,000 articles and 20,000 comments with a skewed distribution: one hot article with 3,000
comments, threads of exactly 10, 100, 1,000 and 5,000 comments for the size-independence
workloads, one typical 20-comment thread, and a long tail of 0-20 comments per article.
About 30% of comments are replies, nested up to depth 4 (COMMENTSVC_MAX_DEPTH 5); a reply
answers one of the 30 latest comments 70% of the time (a live conversation) and any earlier
comment otherwise. Bodies are 50-800 characters mixing Chinese and English, and a few comments
are deleted or pending so placeholders and hidden counts are exercised. The sized threads all
open with the same 10 top-level comments that nobody answers, so their first 10-comment page
is identical and only the thread's size differs between S10 and S5000. Rows go in through SQLAlchemy Core with
the stored counters computed here, and `recount` then proves they are exact.
"""

from __future__ import annotations

import math
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text

from commentsvc.domain.ranking import hot_score
from commentsvc.models import Comment, CommentStatus, Participant, Thread
from commentsvc.storage.engine import configure_engine
from commentsvc.storage.migrations import upgrade_database
from commentsvc.text.sanitize import render_comment

SITE = "news.example"
TOTAL_ARTICLES = 1000
TOTAL_COMMENTS = 20_000
REPLY_SHARE = 0.30
RECENT_REPLY_SHARE = 0.70
RECENT_WINDOW = 30
SIZED_HEAD = 10
MAX_DEPTH = 5  # COMMENTSVC_MAX_DEPTH: depths 0..4
HOT_ARTICLE = "news/2026/11/27/hot-story"
TYPICAL_ARTICLE = "news/2026/11/26/typical-story"
SIZED_ARTICLES = {size: f"news/2026/11/25/thread-of-{size}" for size in (10, 100, 1000, 5000)}
NOW = datetime(2026, 11, 27, 12, 0, 0)

_CHINESE = (
    "这篇报道写得很清楚",
    "我不太同意作者的观点",
    "希望有关部门尽快回应",
    "数据来源是什么",
    "感谢记者的深入调查",
    "国际局势越来越复杂了",
    "经济形势值得关注",
    "这个问题需要更多讨论",
    "支持",
    "说得有道理",
    "年轻人的就业压力很大",
    "房价还会继续下跌吗",
    "教育改革不能一刀切",
    "环境保护人人有责",
    "北京今天下雪了",
    "上海的地铁又延长了",
    "医疗资源分配不均",
    "科技公司应该承担更多社会责任",
    "历史总是惊人地相似",
    "标题党",
)
_ENGLISH = (
    "I think",
    "the article",
    "misses the point",
    "about",
    "inflation",
    "and",
    "the central bank",
    "policy",
    "Great reporting",
    "as usual",
    "Source?",
    "this is",
    "exactly what",
    "we expected",
    "from",
    "the government",
    "climate",
    "data",
    "shows",
    "otherwise",
    "In my experience",
    "Shanghai",
    "Beijing",
    "trade",
    "tariffs",
    "elections",
    "really",
    "not",
    "sure",
    "why",
    "people",
    "keep",
    "saying",
    "that",
    "well",
    "written",
)
_NAMES = (
    "读者",
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "Alice",
    "Bob",
    "Chen Wei",
    "Maria",
    "老王",
    "路人甲",
    "Daniel K.",
    "小李飞刀",
    "Emma",
    "匿名用户",
    "Tom",
    "吴敏",
    "Jun",
    "观察者",
)


def make_body(rng: random.Random) -> str:
    """50-800 characters, mostly short, in Chinese, English or both, with a little Markdown."""
    length = max(50, min(800, int(rng.lognormvariate(math.log(180), 0.7))))
    parts: list[str] = []
    size = 0
    while size < length:
        if rng.random() < 0.55:
            piece = rng.choice(_CHINESE) + rng.choice("，。！？")
        else:
            piece = " ".join(rng.choice(_ENGLISH) for _ in range(rng.randint(3, 9))) + rng.choice(".!? ")
        roll = rng.random()
        if roll < 0.04:
            piece = f"**{piece.strip()}** "
        elif roll < 0.06:
            piece = f"[link](https://example.org/{rng.randint(1, 999)}) {piece}"
        elif roll < 0.09:
            piece += "\n\n"
        parts.append(piece)
        size += len(piece)
    return "".join(parts)[:length].strip() or "好"


@dataclass
class Node:
    key: int
    thread: int
    created_at: datetime
    parent: Node | None = None
    reply_to: Node | None = None
    depth: int = 0
    status: str = CommentStatus.APPROVED.value
    id: int = 0
    body: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Node | None:
        node = self
        while node.parent is not None:
            node = node.parent
        return None if node is self else node


def article_sizes(rng: random.Random) -> dict[str, int]:
    """Special threads first, then a long tail of 0-20 that brings the total to exactly 20,000."""
    sizes = {HOT_ARTICLE: 3000, TYPICAL_ARTICLE: 20}
    sizes.update({article: size for size, article in SIZED_ARTICLES.items()})
    tail = [
        f"news/2026/{rng.randint(1, 11):02d}/{rng.randint(1, 28):02d}/story-{n}"
        for n in range(TOTAL_ARTICLES - len(sizes))
    ]
    counts = [rng.randint(0, 20) for _ in tail]
    missing = TOTAL_COMMENTS - sum(sizes.values()) - sum(counts)
    while missing:
        i = rng.randrange(len(counts))
        step = 1 if missing > 0 else -1
        if 0 <= counts[i] + step <= 20:
            counts[i] += step
            missing -= step
    sizes.update(zip(tail, counts, strict=False))
    return sizes


def thread_nodes(
    rng: random.Random, thread: int, size: int, start: datetime, head: list[str] | None = None
) -> list[Node]:
    """Comments in arrival order; a reply answers an earlier approved comment, and a reply below
    the depth cap attaches beside the answered comment, as the service does. A `head` of fixed
    bodies opens the thread with top-level comments that are never answered."""
    head = head or []
    nodes: list[Node] = []
    approved: list[Node] = []
    moment = start
    for body in head:
        moment += timedelta(seconds=rng.randint(5, 600))
        nodes.append(Node(key=len(nodes), thread=thread, created_at=moment, body=body))
    rest = size - len(head)
    reply_slots = set(rng.sample(range(1, rest), round((rest - 1) * REPLY_SHARE))) if rest > 1 else set()
    for key in range(rest):
        moment += timedelta(seconds=rng.randint(5, 600))
        node = Node(key=len(nodes), thread=thread, created_at=moment)
        if key in reply_slots and approved:
            recent = rng.random() < RECENT_REPLY_SHARE
            answered = rng.choice(approved[-RECENT_WINDOW:] if recent else approved)
            if answered.depth + 1 < MAX_DEPTH:
                node.parent = answered
            else:
                node.parent, node.reply_to = answered.parent, answered
            node.depth = node.parent.depth + 1
        roll = rng.random()
        if roll < 0.02:
            node.status = CommentStatus.DELETED.value
        elif roll < 0.03:
            node.status = CommentStatus.PENDING.value
        else:
            approved.append(node)
        nodes.append(node)
    return nodes


def build(database_url: str, *, seed: int = 20261127, log: Any = print) -> dict[str, Any]:
    """Creates the schema with Alembic and fills it; returns what the workloads need to know."""
    started = time.perf_counter()
    rng = random.Random(seed)
    engine = create_engine(database_url)
    configure_engine(engine)
    upgrade_database(engine)

    sizes = article_sizes(rng)
    head_rng = random.Random(seed + 1)
    head_bodies = [make_body(head_rng) for _ in range(SIZED_HEAD)]
    threads: list[dict[str, Any]] = []
    nodes: list[Node] = []
    for article, size in sizes.items():
        if size == 0:
            continue  # a thread row appears with the first comment
        thread_id = len(threads) + 1
        created = NOW - timedelta(days=rng.uniform(1, 30))
        threads.append(
            {
                "id": thread_id,
                "site": SITE,
                "article": article,
                "title": f"Story {article}",
                "url": f"https://{SITE}/{article}",
                "created_at": created,
                "comment_count": 0,
                "version": 0,
                "closed": False,
            }
        )
        head = head_bodies if article in SIZED_ARTICLES.values() else None
        nodes.extend(thread_nodes(rng, thread_id, size, created, head[:size] if head else None))
    # Comments of all threads interleave by time, as they arrive on a real site.
    nodes.sort(key=lambda node: node.created_at)
    for comment_id, node in enumerate(nodes, start=1):
        node.id = comment_id

    log(f"dataset: rendering {len(nodes)} comment bodies ...")
    rows: list[dict[str, Any]] = []
    reply_counts: dict[int, int] = {}
    thread_counts: dict[int, int] = {}
    for node in nodes:
        body = node.body or make_body(rng)
        root = node.root
        visible = node.status == CommentStatus.APPROVED.value
        if visible:
            thread_counts[node.thread] = thread_counts.get(node.thread, 0) + 1
            if root is not None:
                reply_counts[root.id] = reply_counts.get(root.id, 0) + 1
        name = "读者" if node.body else rng.choice(_NAMES)
        rows.append(
            {
                "id": node.id,
                "thread_id": node.thread,
                "parent_id": node.parent.id if node.parent else None,
                "root_id": root.id if root else None,
                "reply_to_id": node.reply_to.id if node.reply_to else None,
                "depth": node.depth,
                "author_name": name,
                "author_email": f"reader{rng.randint(1, 5000)}@example.org" if rng.random() < 0.4 else None,
                "author_website": "https://blog.example.net/" if rng.random() < 0.05 else None,
                "author_hash": secrets.token_hex(16),
                "body_source": body,
                "body_html": render_comment(body),
                "status": node.status,
                "created_at": node.created_at,
                "edited_at": None,
                "client_ip": f"198.51.100.{rng.randint(1, 254)}",
                "user_agent": "Mozilla/5.0 (bench)",
                "likes": 0,
                "dislikes": 0,
                "hot_score": hot_score(0, 0, node.created_at),
                "reply_count": 0,
                "is_staff": False,
            }
        )
    for row in rows:
        if row["root_id"] is None:
            row["reply_count"] = reply_counts.get(row["id"], 0)
    # Participants as domain/participants.py keys them: these readers have no identity or account.
    participants: dict[tuple[int, str], int] = {}
    for row in rows:
        if row["status"] == CommentStatus.APPROVED.value:
            key = (row["thread_id"], "a:" + row["author_hash"])
            participants[key] = participants.get(key, 0) + 1
    people: dict[int, int] = {}
    for thread_id, _key in participants:
        people[thread_id] = people.get(thread_id, 0) + 1
    for thread in threads:
        thread["comment_count"] = thread_counts.get(thread["id"], 0)
        thread["participant_count"] = people.get(thread["id"], 0)
        thread["version"] = thread["comment_count"] + 1

    log("dataset: inserting ...")
    with engine.begin() as connection:
        connection.execute(insert(Thread.__table__), threads)
        for start in range(0, len(rows), 2000):
            connection.execute(insert(Comment.__table__), rows[start : start + 2000])
        participant_rows = [
            {"thread_id": thread_id, "participant_key": key, "approved_count": count}
            for (thread_id, key), count in participants.items()
        ]
        for start in range(0, len(participant_rows), 2000):
            connection.execute(insert(Participant.__table__), participant_rows[start : start + 2000])
        if engine.dialect.name == "postgresql":
            for table in ("threads", "comments"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    _check_counts(engine)
    engine.dispose()

    tail = [
        article
        for article, size in sizes.items()
        if article != HOT_ARTICLE and article != TYPICAL_ARTICLE and article not in SIZED_ARTICLES.values()
    ]
    info = {
        "site": SITE,
        "hot": HOT_ARTICLE,
        "typical": TYPICAL_ARTICLE,
        "sized": {str(size): article for size, article in SIZED_ARTICLES.items()},
        "count_articles": tail[:50],
        "post_articles": tail[50:150],
        "comments": len(rows),
        "threads": len(threads),
        "articles": len(sizes),
        "replies": sum(1 for row in rows if row["parent_id"] is not None),
        "max_depth": max(row["depth"] for row in rows),
        "seconds": round(time.perf_counter() - started, 1),
    }
    log(
        f"dataset: {info['articles']} articles ({info['threads']} with comments), {info['comments']} comments, "
        f"{info['replies']} replies ({info['replies'] / info['comments']:.0%}), max depth {info['max_depth']}, "
        f"built in {info['seconds']} s"
    )
    return info


def _check_counts(engine: Engine) -> None:
    """The stored counters must equal what `commentsvc recount` computes, or the bench lies."""
    from sqlalchemy.orm import Session

    from commentsvc.domain.recount import recount

    with Session(engine) as session:
        drifts = recount(session)
        session.rollback()
    if drifts:
        raise RuntimeError(f"dataset counters drift: {drifts[:5]} ...")
