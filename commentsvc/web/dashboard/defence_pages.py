"""Admins' pages for the form defence: per-site values of the registered settings, and API keys."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...clock import utcnow
from ...domain import api_keys, statistics
from ...domain.site_overrides import current_overrides, registered_settings, set_override
from ...domain.submission import normalise_site, parse_ids
from ...errors import ValidationError
from ...extensions import db
from .core import admin_required, commit_or_flash, dashboard, record_audit


@dashboard.get("/site-settings")
@admin_required
def site_settings() -> str:
    """Every registered setting with its configured default and, per site, the site's own value."""
    overrides = current_overrides(db.session())
    sites = sorted(set(statistics.list_sites(db.session())) | set(overrides.by_site) | {"default"})
    site = request.args.get("site", "default")
    return render_template(
        "dashboard/site_settings.html",
        settings=registered_settings(),
        config=current_app.config,
        sites=sites,
        site=site,
        values=overrides.for_site(site),
    )


@dashboard.post("/site-settings")
@admin_required
def set_site_setting() -> BaseResponse:
    site = request.form.get("site", "")
    name = request.form.get("name", "")

    def work() -> None:
        checked = normalise_site(site)
        value = request.form.get("value", "")
        set_override(db.session(), site=checked, name=name, value=value)
        record_audit("site_setting", "site", checked, {"name": name, "value": value.strip() or None})

    commit_or_flash(work)
    return redirect(url_for("dashboard.site_settings", site=site))


@dashboard.get("/api-keys")
@admin_required
def api_key_list() -> str:
    return render_template("dashboard/api_keys.html", keys=api_keys.list_api_keys(db.session()))


@dashboard.post("/api-keys")
@admin_required
def create_api_key() -> BaseResponse:
    created: list[str] = []

    def work() -> None:
        row, key = api_keys.create_api_key(
            db.session(),
            site=normalise_site(request.form.get("site", "")),
            label=request.form.get("label", ""),
            now=utcnow(),
        )
        record_audit("api_key_create", "api_key", row.id, {"site": row.site, "label": row.label})
        created.append(key)

    if commit_or_flash(work):
        flash(created[0], "new_key")
    return redirect(url_for("dashboard.api_key_list"))


@dashboard.post("/api-keys/revoke")
@admin_required
def revoke_api_key() -> BaseResponse:
    def work() -> None:
        try:
            (key_id,) = parse_ids("id", request.form.getlist("id"))
        except ValueError:
            raise ValidationError("Name one API key.", code="api_key_not_found") from None
        row = api_keys.revoke_api_key(db.session(), key_id, now=utcnow())
        record_audit("api_key_revoke", "api_key", row.id, {"site": row.site})

    commit_or_flash(work)
    return redirect(url_for("dashboard.api_key_list"))
