"""Notifications in the dashboard: delivery state (queued, sent, failed with reason), a moderator's alert
choices, and webhook endpoints with their recent deliveries and redelivery."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from ...clock import utcnow
from ...domain import webhooks
from ...domain.notifications import alerts
from ...domain.submission import parse_int
from ...extensions import db
from ...models import Delivery, DeliveryStatus
from .core import admin_required, commit_or_flash, dashboard, record_audit

_LABELS: dict[str, tuple[str, str]] = {
    "notifications": ("Notifications", "通知"),
    "no_smtp": (
        "Emails are not sent: COMMENTSVC_SMTP_URL is not set. Webhooks and feeds still work.",
        "未设置 COMMENTSVC_SMTP_URL，不发送邮件。Webhook 与订阅源照常工作。",
    ),
    "deliveries": ("Deliveries", "投递"),
    "kind": ("Kind", "类型"),
    "status": ("Status", "状态"),
    "attempts": ("Attempts", "尝试次数"),
    "due": ("Next attempt", "下次尝试"),
    "reason": ("Reason", "原因"),
    "my_alerts": ("My alerts", "我的提醒"),
    "alert_email": ("Email for alerts (empty: none)", "提醒邮箱（留空则不提醒）"),
    "wait_minutes": ("Email me when a comment waits longer than (minutes)", "评论等待超过多少分钟时提醒我"),
    "digest_hours": ("Digest of the queues every (hours)", "每隔多少小时发送队列摘要"),
    "no_surge": ("Surge and flood alerts arrive once commentsvc detects surges.", "检测到评论激增后才会有激增提醒。"),
    "webhooks": ("Webhooks", "Webhook"),
    "url": ("URL", "地址"),
    "secret": ("Secret (16+ characters)", "密钥（至少 16 个字符）"),
    "site_all": ("Site (empty: every site)", "站点（留空：全部）"),
    "events": ("Events (empty: every event)", "事件（留空：全部）"),
    "add": ("Add", "添加"),
    "active": ("Active", "启用"),
    "disabled": ("Disabled", "已停用"),
    "enable": ("Enable", "启用"),
    "disable": ("Disable", "停用"),
    "redeliver": ("Redeliver", "重新投递"),
    "answer": ("Answer", "响应"),
    "save": ("Save", "保存"),
}
STATUSES = tuple(status.value for status in DeliveryStatus)


def notification_label(key: str) -> str:
    english, chinese = _LABELS[key]
    return chinese if getattr(g, "language", "en") == "zh-CN" else english


@dashboard.context_processor
def _notification_labels() -> dict[str, object]:
    return {"nt": notification_label}


@dashboard.get("/notifications")
def notifications() -> str:
    status = request.args.get("status")
    query = select(Delivery).order_by(Delivery.id.desc()).limit(100)
    if status in STATUSES:
        query = query.where(Delivery.status == status)
    counts = dict(db.session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    return render_template(
        "dashboard/notifications.html",
        deliveries=list(db.session.scalars(query)),
        counts={name: counts.get(name, 0) for name in STATUSES},
        status=status,
        emails_on=bool(current_app.config["COMMENTSVC_SMTP_URL"]),
        alert=alerts.find_alert(db.session(), g.moderator.id),
        endpoints=webhooks.list_endpoints(db.session()),
        event_types=webhooks.EVENT_TYPES,
    )


@dashboard.post("/notifications/alerts")
def save_alerts() -> BaseResponse:
    def work() -> None:
        alerts.set_alert(
            db.session(),
            g.moderator.id,
            alerts.AlertChoice(
                email=request.form.get("email", ""),
                language=g.language,
                wait_minutes=parse_int("wait_minutes", request.form.get("wait_minutes") or None, high=10_000),
                digest_hours=parse_int("digest_hours", request.form.get("digest_hours") or None, high=10_000),
            ),
        )

    commit_or_flash(work)
    return redirect(url_for("dashboard.notifications"))


@dashboard.post("/webhooks")
@admin_required
def add_webhook() -> BaseResponse:
    def work() -> None:
        endpoint = webhooks.add_endpoint(
            db.session(),
            url=request.form.get("url", ""),
            secret=request.form.get("secret", ""),
            site=request.form.get("site") or None,
            events=request.form.getlist("events"),
            now=utcnow(),
        )
        record_audit("webhook_add", "webhook", endpoint.id, {"url": endpoint.url, "events": endpoint.events})

    commit_or_flash(work)
    return redirect(url_for("dashboard.notifications"))


@dashboard.get("/webhooks/<int:endpoint_id>")
@admin_required
def webhook(endpoint_id: int) -> str:
    endpoint = webhooks.get_endpoint(db.session(), endpoint_id)
    return render_template(
        "dashboard/webhook.html",
        endpoint=endpoint,
        deliveries=webhooks.recent_deliveries(db.session(), endpoint_id),
    )


@dashboard.post("/webhooks/<int:endpoint_id>/active")
@admin_required
def webhook_active(endpoint_id: int) -> BaseResponse:
    active = request.form.get("active") == "1"

    def work() -> None:
        webhooks.set_endpoint_active(db.session(), endpoint_id, active)
        record_audit("webhook_enable" if active else "webhook_disable", "webhook", endpoint_id)

    commit_or_flash(work)
    return redirect(url_for("dashboard.webhook", endpoint_id=endpoint_id))


@dashboard.post("/deliveries/<int:delivery_id>/redeliver")
@admin_required
def redeliver(delivery_id: int) -> BaseResponse:
    endpoint_id: list[int | None] = [None]

    def work() -> None:
        delivery = webhooks.redeliver(db.session(), delivery_id, now=utcnow())
        endpoint_id[0] = delivery.endpoint_id
        record_audit("webhook_redeliver", "delivery", delivery_id)

    commit_or_flash(work)
    if endpoint_id[0] is None:
        return redirect(url_for("dashboard.notifications"))
    return redirect(url_for("dashboard.webhook", endpoint_id=endpoint_id[0]))
