"""Reader identity in the dashboard: a site's SSO settings (admins), and one SSO user's or anonymous
identity's history with a ban one click away."""

from __future__ import annotations

import re

from flask import abort, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...clock import utcnow
from ...domain import readers, sites
from ...domain.identity import identity_tag
from ...domain.submission import normalise_site
from ...errors import CommentsvcError, ValidationError
from ...extensions import db
from ...models import SiteSetting, SsoMode
from .core import admin_required, checkbox, commit_or_flash, dashboard, record_audit

_LABELS: dict[str, tuple[str, str]] = {
    "sso": ("Single sign-on", "单点登录"),
    "sso_settings": ("Reader identity of {site}", "{site} 的读者身份设置"),
    "sso_mode": ("Who may write", "谁可以发言"),
    "mode_anonymous": ("anyone, no accounts (anonymous)", "任何人，无需账号（anonymous）"),
    "mode_sso-optional": (
        "anyone; logged-in readers as themselves (sso-optional)",
        "任何人；已登录读者以账号发言（sso-optional）",
    ),
    "mode_sso-required": ("logged-in readers only (sso-required)", "仅限已登录读者（sso-required）"),
    "sso_key": ("SSO key", "SSO 密钥"),
    "key_set": ("set", "已设置"),
    "key_not_set": ("not set", "未设置"),
    "sso_secret": (
        "New HS256 shared secret (32+ characters; empty: keep)",
        "新的 HS256 共享密钥（至少 32 个字符；留空则不变）",
    ),
    "sso_public_key": (
        "New RS256/ES256 public key, PEM (empty: keep)",
        "新的 RS256/ES256 公钥，PEM 格式（留空则不变）",
    ),
    "remove_key": ("Remove the key", "删除密钥"),
    "login_url": ("Login URL", "登录地址"),
    "require_signed_articles": ("Threads only from signed article tokens", "仅凭签名的文章令牌创建讨论"),
    "sso_edit_window": ("SSO users may edit their comments for (seconds)", "登录用户可修改评论的时长（秒）"),
    "auto_close_days": (
        "Close threads this many days after their first comment (empty: never)",
        "首条评论后多少天关闭评论（留空：不关闭）",
    ),
    "sso_link": ("Reader identity…", "读者身份…"),
    "user": ("SSO user", "登录用户"),
    "user_heading": ("SSO user #{id}", "登录用户 #{id}"),
    "publisher_id": ("Publisher's user id (sub)", "发布方用户 ID（sub）"),
    "identity": ("Anonymous identity", "匿名身份"),
    "identity_heading": ("Anonymous identity {tag}", "匿名身份 {tag}"),
    "history": ("History", "历史评论"),
    "more_history": ("Only the newest comments are shown.", "仅显示最新的评论。"),
    "ban_user": ("Ban this user", "封禁此用户"),
    "ban_identity": ("Ban this identity", "封禁此身份"),
    "updated": ("Updated", "更新时间"),
}
_IDENTITY_KEY = re.compile(r"^[0-9a-f]{40}$")


def identity_label(key: str) -> str:
    english, chinese = _LABELS[key]
    return chinese if getattr(g, "language", "en") == "zh-CN" else english


def _tag(key: str) -> str:
    return identity_tag(current_app.config["SECRET_KEY"], key)


@dashboard.context_processor
def _identity_helpers() -> dict[str, object]:
    return {"it": identity_label, "identity_tag": _tag}


@dashboard.get("/sites/<site>/identity")
def site_identity(site: str) -> str:
    try:
        site = normalise_site(site)
    except ValidationError:
        abort(404)
    setting = db.session.get(SiteSetting, site)
    return render_template(
        "dashboard/site_identity.html",
        site=site,
        described=sites.describe_site(setting) if setting else None,
        setting=setting,
        modes=[mode.value for mode in SsoMode],
    )


def _optional_number(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdecimal():
        raise ValidationError(f"{name} must be a whole number.", code="number_invalid", field=name)
    return int(raw)


@dashboard.post("/sites/<site>/identity")
@admin_required
def update_site_identity(site: str) -> BaseResponse:
    def work() -> None:
        changes: dict[str, object] = {}
        if checkbox("remove_key"):
            changes.update(sso_secret=None, sso_public_key=None)
        secret = request.form.get("sso_secret", "").strip()
        public_key = request.form.get("sso_public_key", "").strip()
        if secret:
            changes["sso_secret"] = secret
        if public_key:
            changes["sso_public_key"] = public_key
        window = _optional_number("sso_edit_window")
        setting = sites.update_site_identity(
            db.session(),
            site,
            sso_mode=request.form.get("sso_mode") or None,
            login_url=request.form.get("login_url", "").strip() or None,
            require_signed_articles=checkbox("require_signed_articles"),
            sso_edit_window=window,
            auto_close_days=_optional_number("auto_close_days"),
            **changes,  # type: ignore[arg-type]
        )
        # The audit log says a key changed, never what it is.
        record_audit("site_identity", "site", setting.site, sites.describe_site(setting))

    commit_or_flash(work)
    return redirect(url_for("dashboard.site_identity", site=site))


@dashboard.get("/readers/users/<int:user_id>")
def user_page(user_id: int) -> str:
    try:
        user = readers.get_user(db.session(), user_id)
    except CommentsvcError:
        abort(404)
    return render_template(
        "dashboard/reader.html",
        user=user,
        identity_key=None,
        history=readers.user_history(db.session(), user_id),
        ban_kind="user",
        ban_value=str(user.id),
        now=utcnow(),
    )


@dashboard.get("/readers/identities/<identity_key>")
def identity_page(identity_key: str) -> str:
    if not _IDENTITY_KEY.match(identity_key):
        abort(404)
    return render_template(
        "dashboard/reader.html",
        user=None,
        identity_key=identity_key,
        history=readers.identity_history(db.session(), identity_key),
        ban_kind="identity",
        ban_value=identity_key,
        now=utcnow(),
    )
