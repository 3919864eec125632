"""The emails commentsvc sends, composed as text and HTML parts in the reader's language (zh-CN or en).

Every piece of reader-written text goes into the HTML part escaped, except a comment's body_html, which
the sanitizer made safe when it was stored. The Message-ID derives from the delivery's event id, so a
message sent again after a crash is recognisably the same one.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from urllib.parse import urlsplit

from ...text.plain import html_to_text

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "confirm_subject": "Confirm reply notifications",
        "confirm_intro": "Someone (hopefully you) asked to be emailed when readers reply to their comments.",
        "confirm_action": "Confirm by opening this page and pressing its button:",
        "confirm_ignore": "If it was not you, ignore this email: nothing more will be sent.",
        "reply_subject_one": "{name} replied to your comment",
        "reply_subject_other": "{n} new replies to your comments",
        "reply_intro": "{name} replied to your comment on “{title}”:",
        "view": "View the reply",
        "stop_thread": "Stop emails about this article",
        "stop_all": "Stop all emails from us",
        "alert_subject": "Moderation queues: {pending} pending, {reported} reported",
        "alert_wait": "Comments have waited longer than {minutes} minutes.",
        "alert_digest": "Queue digest.",
        "alert_pending": "Pending: {n} (oldest since {since})",
        "alert_reported": "Reported: {n} (oldest report since {since})",
        "alert_open": "Open the dashboard",
        "disabled_subject": "Webhook disabled: {url}",
        "disabled_body": "The webhook endpoint {url} kept failing and was disabled: {reason}",
        "untitled": "an article",
    },
    "zh-CN": {
        "confirm_subject": "确认回复通知",
        "confirm_intro": "有人（希望是您）要求在读者回复其评论时收到邮件通知。",
        "confirm_action": "请打开以下页面并点击按钮确认：",
        "confirm_ignore": "如果不是您本人操作，请忽略本邮件：我们不会再发送任何邮件。",
        "reply_subject_one": "{name} 回复了您的评论",
        "reply_subject_other": "您的评论有 {n} 条新回复",
        "reply_intro": "{name} 在《{title}》回复了您的评论：",
        "view": "查看回复",
        "stop_thread": "不再接收这篇文章的邮件",
        "stop_all": "不再接收我们的任何邮件",
        "alert_subject": "审核队列：待审 {pending} 条，被举报 {reported} 条",
        "alert_wait": "有评论等待超过 {minutes} 分钟。",
        "alert_digest": "队列摘要。",
        "alert_pending": "待审：{n} 条（最早自 {since}）",
        "alert_reported": "被举报：{n} 条（最早举报自 {since}）",
        "alert_open": "打开管理后台",
        "disabled_subject": "Webhook 已停用：{url}",
        "disabled_body": "Webhook 地址 {url} 持续失败，已被停用：{reason}",
        "untitled": "一篇文章",
    },
}


def texts(language: str) -> dict[str, str]:
    return TEXTS["en"] if language == "en" else TEXTS["zh-CN"]


def message_id(message_key: str, mail_from: str) -> str:
    domain = mail_from.rpartition("@")[2] or "commentsvc.invalid"
    return f"<{message_key}@{domain}>"


def _header(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def _message(*, to: str, subject: str, mail_from: str, key: str, text: str, markup: str, language: str) -> Message:
    """Built with the compat32 classes: the modern header registry parses every header it is given,
    several times the cost of the whole SMTP exchange (measured in bench/README.md)."""
    message = MIMEMultipart("alternative")
    message["Subject"] = _header(subject)  # type: ignore[assignment]  # compat32 takes a Header for non-ASCII text
    message["From"] = formataddr(("commentsvc", mail_from)) if "<" not in mail_from else mail_from
    message["To"] = to
    message["Message-ID"] = message_id(key, mail_from)
    message["Content-Language"] = language
    message["Auto-Submitted"] = "auto-generated"
    page = f'<!doctype html><html lang="{language}"><head><meta charset="utf-8"></head><body>{markup}</body></html>'
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(page, "html", "utf-8"))
    return message


def _link(url: str, label: str) -> str:
    return f'<p><a href="{html.escape(url)}">{html.escape(label)}</a></p>'


def confirmation_email(*, to: str, language: str, confirm_url: str, mail_from: str, key: str) -> Message:
    t = texts(language)
    text = f"{t['confirm_intro']}\n\n{t['confirm_action']}\n{confirm_url}\n\n{t['confirm_ignore']}\n"
    markup = (
        f"<p>{html.escape(t['confirm_intro'])}</p><p>{html.escape(t['confirm_action'])}</p>"
        + _link(confirm_url, confirm_url)
        + f"<p>{html.escape(t['confirm_ignore'])}</p>"
    )
    return _message(
        to=to, subject=t["confirm_subject"], mail_from=mail_from, key=key, text=text, markup=markup, language=language
    )


@dataclass(frozen=True)
class ReplyItem:
    """One reply to tell a reader about."""

    author_name: str
    body_html: str
    thread_title: str | None
    url: str | None


@dataclass(frozen=True)
class UnsubscribeLinks:
    thread: str
    everything: str


def reply_email(
    *, to: str, language: str, items: list[ReplyItem], links: UnsubscribeLinks, mail_from: str, key: str
) -> Message:
    """One reply or a burst of them in one email; List-Unsubscribe (RFC 8058 one-click) stops everything,
    the body offers that and stopping this article's emails only."""
    t = texts(language)
    first = items[0]
    if len(items) == 1:
        subject = t["reply_subject_one"].format(name=first.author_name)
    else:
        subject = t["reply_subject_other"].format(n=len(items))
    text_parts: list[str] = []
    markup_parts: list[str] = []
    for item in items:
        title = item.thread_title or t["untitled"]
        intro = t["reply_intro"].format(name=item.author_name, title=title)
        text_parts.append(f"{intro}\n\n{html_to_text(item.body_html)}\n")
        markup_parts.append(f"<p>{html.escape(intro)}</p><blockquote>{item.body_html}</blockquote>")
        if item.url:
            text_parts.append(f"{t['view']}: {item.url}\n")
            markup_parts.append(_link(item.url, t["view"]))
    footer_text = f"\n--\n{t['stop_thread']}: {links.thread}\n{t['stop_all']}: {links.everything}\n"
    footer_markup = "<hr>" + _link(links.thread, t["stop_thread"]) + _link(links.everything, t["stop_all"])
    message = _message(
        to=to,
        subject=subject,
        mail_from=mail_from,
        key=key,
        text="\n".join(text_parts) + footer_text,
        markup="".join(markup_parts) + footer_markup,
        language=language,
    )
    message["List-Unsubscribe"] = f"<{links.everything}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


@dataclass(frozen=True)
class QueueSummary:
    pending: int
    reported: int
    oldest_pending: str | None
    oldest_report: str | None

    @property
    def empty(self) -> bool:
        return not self.pending and not self.reported


def alert_email(
    *,
    to: str,
    language: str,
    summary: QueueSummary,
    wait_minutes: int | None,
    dashboard_url: str,
    mail_from: str,
    key: str,
) -> Message:
    t = texts(language)
    lines = [t["alert_wait"].format(minutes=wait_minutes) if wait_minutes else t["alert_digest"]]
    if summary.pending:
        lines.append(t["alert_pending"].format(n=summary.pending, since=summary.oldest_pending))
    if summary.reported:
        lines.append(t["alert_reported"].format(n=summary.reported, since=summary.oldest_report))
    text = "\n".join(lines) + f"\n\n{t['alert_open']}: {dashboard_url}\n"
    markup = "".join(f"<p>{html.escape(line)}</p>" for line in lines) + _link(dashboard_url, t["alert_open"])
    subject = t["alert_subject"].format(pending=summary.pending, reported=summary.reported)
    return _message(to=to, subject=subject, mail_from=mail_from, key=key, text=text, markup=markup, language=language)


def endpoint_disabled_email(*, to: str, language: str, url: str, reason: str, mail_from: str, key: str) -> Message:
    t = texts(language)
    shown = urlsplit(url)._replace(query="", fragment="").geturl()
    body = t["disabled_body"].format(url=shown, reason=reason)
    return _message(
        to=to,
        subject=t["disabled_subject"].format(url=shown),
        mail_from=mail_from,
        key=key,
        text=body + "\n",
        markup=f"<p>{html.escape(body)}</p>",
        language=language,
    )


def date_header(message: Message, when: datetime) -> None:
    """Date from the injected clock (naive UTC, as stored)."""
    message["Date"] = format_datetime(when.replace(tzinfo=UTC))
