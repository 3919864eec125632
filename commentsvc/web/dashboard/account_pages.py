"""The audit log and moderator accounts (admins only)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from ...clock import utcnow
from ...domain import audit
from ...domain.accounts import create_moderator, list_moderators, set_moderator_active
from ...extensions import db
from ...models import ModeratorRole
from .core import admin_required, checkbox, commit_or_flash, dashboard, date_arg, page_arg, record_audit

# --- audit log --------------------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 100


@dashboard.get("/audit")
def audit_log() -> str:
    args = request.args
    since, until = date_arg("since"), date_arg("until")
    filters = audit.AuditFilter(
        moderator=args.get("moderator", "").strip(),
        action=args.get("action", "").strip(),
        target_type=args.get("target_type", "").strip(),
        target_id=args.get("target_id", "").strip(),
        since=datetime.combine(since, datetime.min.time()) if since else None,
        until=datetime.combine(until + timedelta(days=1), datetime.min.time()) if until else None,
    )
    page_number = page_arg()
    rows = audit.list_entries(
        db.session(), filters, limit=AUDIT_PAGE_SIZE + 1, offset=(page_number - 1) * AUDIT_PAGE_SIZE
    )
    filter_args = {key: value for key, value in args.items() if key != "page" and value}
    return render_template(
        "dashboard/audit.html",
        rows=rows[:AUDIT_PAGE_SIZE],
        has_more=len(rows) > AUDIT_PAGE_SIZE,
        page=page_number,
        filter_args=filter_args,
        detail_of=audit.detail_of,
    )


# --- moderator accounts (admins only) -------------------------------------------------------------


@dashboard.get("/moderators")
@admin_required
def moderators() -> str:
    return render_template(
        "dashboard/moderators.html",
        accounts=list_moderators(db.session()),
        roles=[role.value for role in ModeratorRole],
    )


@dashboard.post("/moderators")
@admin_required
def add_moderator() -> BaseResponse:
    def work() -> None:
        account = create_moderator(
            db.session(),
            username=request.form.get("username", ""),
            password=request.form.get("password", ""),
            role=request.form.get("role", ""),
            now=utcnow(),
        )
        record_audit("moderator_create", "moderator", account.id, {"username": account.username, "role": account.role})

    commit_or_flash(work)
    return redirect(url_for("dashboard.moderators"))


@dashboard.post("/moderators/<int:moderator_id>/active")
@admin_required
def moderator_active(moderator_id: int) -> BaseResponse:
    active = checkbox("active")

    def work() -> None:
        account = set_moderator_active(db.session(), moderator_id, active=active, acting_id=g.moderator.id)
        record_audit(
            "moderator_activate" if active else "moderator_deactivate",
            "moderator",
            account.id,
            {"username": account.username},
        )

    commit_or_flash(work)
    return redirect(url_for("dashboard.moderators"))
