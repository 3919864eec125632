"""The dashboard blueprint itself: sessions, security headers, the login guard, shared helpers, login and logout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup, escape
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response as BaseResponse

from ...clock import utcnow
from ...config import LANGUAGES
from ...domain import audit, moderation, queues
from ...domain.accounts import authenticate, session_marker
from ...domain.submission import is_valid_id, parse_int
from ...errors import CommentsvcError
from ...extensions import csrf, db, limiter
from ...models import Moderator, ModeratorRole
from ...storage.engine import begin_write
from .labels import label, pick_language, reason_label

dashboard = Blueprint("dashboard", __name__, url_prefix="/dashboard")

PUBLIC_ENDPOINTS = frozenset({"dashboard.login"})
WORD_IMPORT_MAX_BYTES = 4 * 1024 * 1024
# A page number past MAX_PAGE would overflow the query's OFFSET.
MAX_PAGE = 10**6
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

View = TypeVar("View", bound=Callable[..., Any])


@dashboard.after_app_request
def _security_headers(response: BaseResponse) -> BaseResponse:
    """Every dashboard response, error pages included, refuses framing and inline scripts."""
    if request.path == "/dashboard" or request.path.startswith("/dashboard/"):
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
    return response


@dashboard.url_value_preprocessor
def _refuse_impossible_ids(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    # <int:> accepts any size; past the 32-bit id columns (PostgreSQL INTEGER) the drivers raise (a 500).
    if any(isinstance(value, int) and not is_valid_id(value) for value in (values or {}).values()):
        abort(404)


@dashboard.url_value_preprocessor
def _allow_large_word_lists(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Runs before any before_request (CSRFProtect reads the form there), so the bigger limit applies
    # to this one upload while every other request keeps the app-wide 64 KiB.
    if endpoint == "dashboard.import_words":
        request.max_content_length = WORD_IMPORT_MAX_BYTES


def _current_moderator() -> Moderator | None:
    moderator_id = session.get("moderator_id")
    if not isinstance(moderator_id, int):
        return None
    moderator = db.session.get(Moderator, moderator_id)
    if moderator is None or not moderator.active or session.get("marker") != session_marker(moderator):
        return None
    return moderator


@dashboard.before_request
def _check_csrf() -> None:
    """Only the dashboard takes forms and cookies; the API authenticates by token, so its requests
    (the hot paths of a read storm) skip this hook altogether (WTF_CSRF_CHECK_DEFAULT is off)."""
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()


@dashboard.before_request
def _require_moderator() -> BaseResponse | None:
    """Everything but the login page needs a logged-in, active moderator."""
    if request.method == "POST":
        # Before the first query, so SQLite starts this transaction with the write lock.
        begin_write()
    requested = request.args.get("lang")
    if requested in LANGUAGES:
        session["lang"] = requested
    g.language = pick_language(session.get("lang"), request.accept_languages.best_match(["en", "zh-CN", "zh"]))
    g.moderator = _current_moderator()
    if request.endpoint not in PUBLIC_ENDPOINTS and g.moderator is None:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))
        abort(401)
    return None


def admin_required(view: View) -> View:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.moderator is None or g.moderator.role != ModeratorRole.ADMIN.value:
            abort(403, "Only administrators may do this.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def utc_time(value: datetime, *, seconds: bool = False) -> Markup:
    """A stored (naive UTC) time as UTC text that static/dashboard.js turns into the moderator's local
    time, keeping the UTC text as its hover title; without JavaScript the UTC text stays."""
    shown = value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return Markup('<time datetime="{}Z" data-commentsvc-time="{}">{} UTC</time>').format(
        value.isoformat(timespec="seconds"), "seconds" if seconds else "minutes", escape(shown)
    )


def counted(key: str, count: int, language: str) -> str:
    """`key_one` for exactly one, `key_other` otherwise: English plurals; Chinese uses one form for both."""
    return label(f"{key}_{'one' if count == 1 else 'other'}", language).format(n=count)


@dashboard.context_processor
def _template_helpers() -> dict[str, Any]:
    language = getattr(g, "language", "en")
    helpers: dict[str, Any] = {
        "t": lambda key, **values: label(key, language).format(**values) if values else label(key, language),
        "tn": lambda key, count: counted(key, count, language),
        "utc_time": utc_time,
        # A comment's stored language as its lang attribute; "other" is unknown (lang=""), as in the widget.
        "reader_lang": lambda stored: "" if stored in (None, "other") else stored,
        "reason_label": lambda code: reason_label(code, language),
        "language": language,
        "other_language": "en" if language == "zh-CN" else "zh-CN",
        "moderator": getattr(g, "moderator", None),
        "queue_names": queues.QUEUES,
    }
    if getattr(g, "moderator", None) is not None:
        helpers["queue_counts"] = queues.queue_counts(db.session())
    return helpers


def actor() -> moderation.Actor:
    return moderation.Actor(moderator_id=g.moderator.id, client_ip=request.remote_addr or "")


def safe_next(default: str) -> str:
    """Only paths inside the dashboard, so a crafted link cannot bounce a moderator elsewhere."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/dashboard/") and not parts.scheme and not parts.netloc and "\\" not in target:
        return target
    return default


def record_audit(action: str, target_type: str, target_id: object, detail: dict[str, Any] | None = None) -> None:
    audit.record(
        db.session(),
        moderator_id=g.moderator.id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
        client_ip=request.remote_addr or "",
        now=utcnow(),
    )


def commit_or_flash(work: Callable[[], str | None]) -> bool:
    """Runs one change; a broken rule is shown to the moderator and nothing is kept."""
    try:
        message = work()
        db.session.commit()
    except CommentsvcError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    except IntegrityError:
        # Another moderator made the same change at the same moment (a unique word or username).
        db.session.rollback()
        flash("Someone else changed this at the same moment; reload and try again.", "error")
        return False
    flash(message or label("saved", g.language), "ok")
    return True


def page_arg() -> int:
    """The page a list asks for: 1 when absent or not a page number, at most MAX_PAGE."""
    try:
        return min(parse_int("page", request.args.get("page")) or 1, MAX_PAGE)
    except CommentsvcError:
        return 1


def date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def checkbox(name: str) -> bool:
    return request.form.get(name) in {"1", "on", "true", "yes"}


# --- login -----------------------------------------------------------------------------------------


def _login_account_key() -> str:
    """Counts attempts per submitted username, whichever address they come from."""
    return "login-account:" + request.form.get("username", "").strip().lower()[:64]


@dashboard.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["COMMENTSVC_RATELIMIT_LOGIN"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["COMMENTSVC_RATELIMIT_LOGIN_ACCOUNT"], methods=["POST"], key_func=_login_account_key
)
def login() -> Any:
    next_url = safe_next(url_for("dashboard.overview"))
    if request.method == "GET":
        if g.moderator is not None:
            return redirect(next_url)
        return render_template("dashboard/login.html", next=next_url, failed=False)
    moderator = authenticate(
        db.session(), username=request.form.get("username", ""), password=request.form.get("password", "")
    )
    if moderator is None:
        return render_template(
            "dashboard/login.html", next=next_url, failed=True, username=request.form.get("username", "")
        ), 401
    language = session.get("lang")
    session.clear()
    session["moderator_id"] = moderator.id
    session["marker"] = session_marker(moderator)
    if language:
        session["lang"] = language
    audit.record(
        db.session(),
        moderator_id=moderator.id,
        action="login",
        target_type="moderator",
        target_id=moderator.id,
        client_ip=request.remote_addr or "",
        now=utcnow(),
    )
    db.session.commit()
    return redirect(next_url)


@dashboard.post("/logout")
def logout() -> BaseResponse:
    record_audit("logout", "moderator", g.moderator.id)
    db.session.commit()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    return redirect(url_for("dashboard.login"))
