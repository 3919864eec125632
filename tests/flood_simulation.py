"""A bot flood and honest readers posting at the same time, against a Flask test client, on injected time.

The bot sends one advertising text with small random edits and a link over many articles, from
rotating addresses behind a trusted proxy (the app needs COMMENTSVC_TRUSTED_PROXIES=1). How it posts
is a strategy: a function that gets the test client and one planned comment and returns the response.
Honest readers post once each: most in their own words, some the one-word comments Chinese readers
really write (顶, 沙发, 支持, +1), some with a link to a news source. `run` returns what was published.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

URL = "/api/v1/comments"
SHORT_WORDS = ("顶", "沙发", "支持", "+1")
AD_OPENERS = ("Make $5000 a week", "Earn $5,000 weekly", "Make 5000 dollars a week", "make $5000 per week")
AD_TAILS = ("now!", "today!!", "now, places are limited!", "— limited offer!", "now 🔥")
AD_BODY = "working from home, easy money and no experience needed, visit"
NEWS_SOURCES = (
    "https://www.reuters.com/world/asia-pacific/",
    "https://apnews.com/hub/north-korea",
    "https://www.xinhuanet.com/world/",
    "https://www.bbc.com/zhongwen/simp",
    "https://www.yna.co.kr/view/AKR2024",
)
# Words readers of a foreign-policy story use, in both languages; each reader picks their own.
VOCABULARY_EN = (
    "Blinken Russia Korea Seoul Washington alliance treaty Putin Kim summit Pyongyang defence cooperation "
    "sanctions missiles ammunition Ukraine counterpart phone talks spokesperson partnership strategic military "
    "deterrence China Japan trilateral minister security region stability diplomacy escalation troops border "
    "economy trade election congress pressure history nuclear deal weapons exports intelligence analysts "
    "experts week month year worried hopeful surprised skeptical obvious unclear dangerous important"
)
VOCABULARY_ZH = (
    "布林肯 俄罗斯 朝鲜 韩国 首尔 华盛顿 同盟 条约 普京 金正恩 峰会 平壤 国防 合作 制裁 导弹 弹药 乌克兰 "
    "外长 电话 发言人 伙伴关系 战略 军事 威慑 中国 日本 三边 安全 地区 稳定 外交 升级 部队 边境 经济 贸易 "
    "选举 国会 压力 历史 核问题 协议 武器 出口 情报 分析 专家 担心 希望 意外 怀疑 明显 危险 重要 局势 影响"
)
OPENERS_EN = ("I think", "Honestly,", "In my view", "Not sure, but", "As someone from Busan,", "Frankly")
OPENERS_ZH = ("我觉得", "说实话，", "个人看法：", "不太确定，", "作为在首尔的人，", "坦白讲")


@dataclass(frozen=True)
class Planned:
    """One comment to send: when, where, what, from which address, and whether the bot sends it."""

    at: datetime
    article: str
    body: str
    address: str
    by_bot: bool
    name: str


Strategy = Callable[[Any, Planned], Any]


def widget_like(client: Any, planned: Planned) -> Any:
    """What the widget does: the reader's name and body as JSON, the language, one request per comment."""
    return client.post(
        URL,
        json={"article": planned.article, "name": planned.name, "body": planned.body, "lang": "zh-CN"},
        headers={"X-Forwarded-For": planned.address},
    )


def advertising_text(rng: random.Random) -> str:
    """The bot's one text, with small random edits each time: wording, punctuation, a link parameter."""
    words = AD_BODY.split()
    if rng.random() < 0.5:
        words[rng.randrange(len(words))] = rng.choice(("really", "super", "totally", "100%"))
    link = f"https://cheap-deals.example/offer?ref={rng.randrange(10**6)}"
    return f"{rng.choice(AD_OPENERS)} {' '.join(words)} {link} {rng.choice(AD_TAILS)}"


def honest_text(rng: random.Random, index: int, *, short: bool, linked: bool) -> str:
    if short:
        return SHORT_WORDS[index % len(SHORT_WORDS)]
    if index % 2:
        text = f"{rng.choice(OPENERS_ZH)}{''.join(rng.sample(VOCABULARY_ZH.split(), rng.randint(6, 10)))}。"
    else:
        text = f"{rng.choice(OPENERS_EN)} {' '.join(rng.sample(VOCABULARY_EN.split(), rng.randint(8, 14)))}."
    if linked:
        text += f" {rng.choice(NEWS_SOURCES)}{rng.randrange(10**5)}"
    return text


@dataclass(frozen=True)
class Scenario:
    bot_comments: int = 400
    minutes: float = 5
    addresses: int = 200
    articles: int = 50
    honest_readers: int = 100
    short_readers: int = 20
    linked_readers: int = 10
    start: datetime = datetime(2026, 3, 2, 9, 0)
    seed: int = 18

    def plan(self) -> list[Planned]:
        rng = random.Random(self.seed)
        span = timedelta(minutes=self.minutes)
        planned = [
            Planned(
                self.start + span * index / self.bot_comments,
                f"news/{index % self.articles}",
                advertising_text(rng),
                f"198.51.{index % self.addresses // 250}.{index % self.addresses % 250 + 1}",
                True,
                rng.choice(("Lucky", "Anna", "赚钱达人", "Mike")),
            )
            for index in range(self.bot_comments)
        ]
        for index in range(self.honest_readers):
            planned.append(
                Planned(
                    self.start + span * rng.random(),
                    f"news/{rng.randrange(self.articles)}",
                    honest_text(
                        rng,
                        index,
                        short=index < self.short_readers,
                        linked=self.short_readers <= index < self.short_readers + self.linked_readers,
                    ),
                    f"203.0.113.{index % 250 + 1}",
                    False,
                    f"读者{index}",
                )
            )
        return sorted(planned, key=lambda item: item.at)


@dataclass
class Outcome:
    """Per comment id, who sent it; answers by status code; and, read back at the end, each status."""

    bot_ids: list[int] = field(default_factory=list)
    honest_ids: list[int] = field(default_factory=list)
    bot_answers: Counter[str] = field(default_factory=Counter)
    honest_answers: Counter[str] = field(default_factory=Counter)
    # What each honest reader was told their comment's status was.
    honest_told: Counter[str] = field(default_factory=Counter)
    statuses: dict[int, str] = field(default_factory=dict)

    def share(self, ids: list[int], *statuses: str, of: int) -> float:
        return 100.0 * sum(1 for comment_id in ids if self.statuses.get(comment_id) in statuses) / max(of, 1)

    def summary(self, scenario: Scenario) -> dict[str, Any]:
        return {
            "bot_published_percent": self.share(self.bot_ids, "approved", of=scenario.bot_comments),
            "bot_caught_percent": self.share(self.bot_ids, "spam", of=scenario.bot_comments),
            "honest_published_percent": self.share(self.honest_ids, "approved", of=scenario.honest_readers),
            "honest_pending_percent": self.share(self.honest_ids, "pending", of=scenario.honest_readers),
            "bot_non_201": dict(item for item in self.bot_answers.items() if item[0] != "201"),
            "honest_non_201": dict(item for item in self.honest_answers.items() if item[0] != "201"),
            "honest_told": dict(self.honest_told),
        }


def _answer_key(response: Any) -> str:
    if response.status_code == 201:
        return "201"
    payload = response.get_json(silent=True) or {}
    return f"{response.status_code} {payload.get('error', {}).get('code', '?')}"


def run(
    client: Any,
    scenario: Scenario,
    *,
    move_to: Callable[[datetime], None],
    read_statuses: Callable[[list[int]], dict[int, str]],
    strategy: Strategy = widget_like,
) -> Outcome:
    """Sends the plan in time order (time moved by `move_to`, never slept), then reads every status back."""
    outcome = Outcome()
    for planned in scenario.plan():
        move_to(planned.at)
        response = strategy(client, planned) if planned.by_bot else widget_like(client, planned)
        key = _answer_key(response)
        (outcome.bot_answers if planned.by_bot else outcome.honest_answers)[key] += 1
        if response.status_code == 201:
            comment = response.get_json()
            (outcome.bot_ids if planned.by_bot else outcome.honest_ids).append(comment["id"])
            if not planned.by_bot:
                outcome.honest_told[comment["status"]] += 1
    outcome.statuses = read_statuses(outcome.bot_ids + outcome.honest_ids)
    return outcome


def format_summary(summary: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"bot comments published: {summary['bot_published_percent']:.1f}%",
            f"bot comments caught (spam): {summary['bot_caught_percent']:.1f}%",
            f"honest readers published: {summary['honest_published_percent']:.1f}%"
            f" (pending {summary['honest_pending_percent']:.1f}%)",
            f"honest readers were told: {summary['honest_told']}",
            f"non-201 answers to the bot: {summary['bot_non_201'] or 'none'}",
            f"non-201 answers to honest readers: {summary['honest_non_201'] or 'none'}",
        ]
    )
