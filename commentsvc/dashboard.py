"""The moderation dashboard at /dashboard/ for editors: parse the form, call one service, audit, commit, redirect."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Request,
    Response,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from . import audit, bans, queues, review, words
from .api import rules as comment_rules
from .auth import authenticate, create_moderator, list_moderators, session_marker, set_moderator_active
from .clock import utcnow
from .database import begin_write
from .errors import CommentsvcError, ValidationError
from .extensions import db, limiter
from .labels import LANGUAGES, label, pick_language, reason_label
from .models import Moderator, ModeratorRole, SiteSetting, Thread
from .moderation import is_closed, moderation_mode, set_site_policy, set_thread_policy
from .wordfilter import split_highlights

dashboard = Blueprint("dashboard", __name__, url_prefix="/dashboard")

PUBLIC_ENDPOINTS = frozenset({"dashboard.login"})
WORD_IMPORT_MAX_BYTES = 4 * 1024 * 1024
# Ids are 32-bit (PostgreSQL INTEGER); a page number past MAX_PAGE would overflow the query's OFFSET.
MAX_ID = 2**31
MAX_PAGE = 10**6
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

View = TypeVar("View", bound=Callable[..., Any])


class DashboardSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure per request when it came over HTTPS."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # Readers' API calls carry no session cookie: skip building the signer (~10% of a cached read).
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = app.config.get("COMMENTSVC_SECURE_COOKIES")
        if configured is not None:
            return bool(configured)
        # request.is_secure already reflects X-Forwarded-Proto from the trusted hops (ProxyFix).
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or (has_request_context() and request.is_secure)


@dashboard.record_once
def _install_session_interface(state: BlueprintSetupState) -> None:
    state.app.session_interface = DashboardSessionInterface()


@dashboard.after_app_request
def _security_headers(response: Response) -> Response:
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
    if any(isinstance(value, int) and value >= MAX_ID for value in (values or {}).values()):
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
def _require_moderator() -> Response | None:
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


@dashboard.context_processor
def _template_helpers() -> dict[str, Any]:
    language = getattr(g, "language", "en")
    helpers: dict[str, Any] = {
        "t": lambda key, **values: label(key, language).format(**values) if values else label(key, language),
        "reason_label": lambda code: reason_label(code, language),
        "language": language,
        "other_language": "en" if language == "zh-CN" else "zh-CN",
        "moderator": getattr(g, "moderator", None),
        "queue_names": queues.QUEUES,
    }
    if getattr(g, "moderator", None) is not None:
        helpers["queue_counts"] = queues.queue_counts(db.session)
    return helpers


def _actor() -> review.Actor:
    return review.Actor(moderator_id=g.moderator.id, client_ip=request.remote_addr or "")


def _safe_next(default: str) -> str:
    """Only paths inside the dashboard, so a crafted link cannot bounce a moderator elsewhere."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/dashboard/") and not parts.scheme and not parts.netloc and "\\" not in target:
        return target
    return default


def _audit(action: str, target_type: str, target_id: object, detail: dict[str, Any] | None = None) -> None:
    audit.record(db.session, moderator_id=g.moderator.id, action=action, target_type=target_type,
                 target_id=target_id, detail=detail, client_ip=request.remote_addr or "", now=utcnow())


def _commit_or_flash(work: Callable[[], str | None]) -> bool:
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


# --- login -----------------------------------------------------------------------------------------

def _login_account_key() -> str:
    """Counts attempts per submitted username, whichever address they come from."""
    return "login-account:" + request.form.get("username", "").strip().lower()[:64]


@dashboard.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["COMMENTSVC_RATELIMIT_LOGIN"], methods=["POST"])
@limiter.limit(lambda: current_app.config["COMMENTSVC_RATELIMIT_LOGIN_ACCOUNT"], methods=["POST"],
               key_func=_login_account_key)
def login() -> Any:
    next_url = _safe_next(url_for("dashboard.overview"))
    if request.method == "GET":
        if g.moderator is not None:
            return redirect(next_url)
        return render_template("dashboard/login.html", next=next_url, failed=False)
    moderator = authenticate(db.session, username=request.form.get("username", ""),
                             password=request.form.get("password", ""))
    if moderator is None:
        return render_template("dashboard/login.html", next=next_url, failed=True,
                               username=request.form.get("username", "")), 401
    language = session.get("lang")
    session.clear()
    session["moderator_id"] = moderator.id
    session["marker"] = session_marker(moderator)
    if language:
        session["lang"] = language
    audit.record(db.session, moderator_id=moderator.id, action="login", target_type="moderator",
                 target_id=moderator.id, client_ip=request.remote_addr or "", now=utcnow())
    db.session.commit()
    return redirect(next_url)


@dashboard.post("/logout")
def logout() -> Response:
    _audit("logout", "moderator", g.moderator.id)
    db.session.commit()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    return redirect(url_for("dashboard.login"))


# --- overview ---------------------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 600, 160, 14


def _chart(per_day: list[tuple[date, int]]) -> dict[str, Any]:
    """Bar geometry computed here so the SVG template is only markup (no inline styles or scripts)."""
    peak = max((count for _, count in per_day), default=0) or 1
    slot = CHART_WIDTH / max(len(per_day), 1)
    bars = []
    for index, (day, count) in enumerate(per_day):
        height = round((CHART_HEIGHT - CHART_TOP) * count / peak, 1)
        bars.append({"x": round(index * slot + 1, 1), "y": round(CHART_HEIGHT - height, 1), "width": round(slot - 2, 1),
                     "height": height, "day": day.isoformat(), "count": count, "label": day.strftime("%m-%d")})
    return {"bars": bars, "width": CHART_WIDTH, "height": CHART_HEIGHT, "peak": peak}


@dashboard.get("/")
def overview() -> str:
    now = utcnow()
    per_day = queues.comments_per_day(db.session, now=now, days=30)
    return render_template("dashboard/overview.html", chart=_chart(per_day), total_30=sum(c for _, c in per_day),
                           top=queues.most_commented(db.session, since=now - timedelta(days=7)))


# --- queues and actions ---------------------------------------------------------------------------

def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> queues.QueueFilter:
    args = request.args
    return queues.QueueFilter(site=args.get("site", "").strip(), article=args.get("article", "").strip(),
                              author=args.get("author", "").strip(), ip=args.get("ip", "").strip(),
                              text=args.get("text", "").strip(), since=_date_arg("since"), until=_date_arg("until"))


def _highlights(items: list[queues.QueueItem]) -> dict[int, list[tuple[str, bool]]]:
    """Matched sensitive words per comment, as pieces of its original text to mark up."""
    matcher = words.current_matcher(db.session)
    found = {}
    for item in items:
        matches = matcher.find(item.comment.body_source)
        if matches:
            found[item.comment.id] = split_highlights(item.comment.body_source, matches)
    return found


@dashboard.get("/queue/<queue>")
def queue(queue: str) -> str:
    if queue not in queues.QUEUES:
        abort(404)
    try:
        page_number = min(max(1, int(request.args.get("page", "1"))), MAX_PAGE)
    except ValueError:
        page_number = 1
    filters = _filters()
    result = queues.list_queue(db.session, queue, filters, page=page_number,
                               page_size=current_app.config["COMMENTSVC_DASHBOARD_PAGE_SIZE"])
    filter_args = {key: value for key, value in request.args.items() if key in
                   {"site", "article", "author", "ip", "text", "since", "until"} and value}
    return render_template("dashboard/queue.html", queue=queue, result=result, filters=filters,
                           filter_args=filter_args, highlights=_highlights(result.items),
                           sites=queues.list_sites(db.session))


@dashboard.get("/comments/<int:comment_id>")
def comment(comment_id: int) -> str:
    item = queues.get_item(db.session, comment_id)
    return render_template("dashboard/comment.html", item=item, highlights=_highlights([item]))


@dashboard.post("/comments/action")
def comment_action() -> Response:
    """One form for single and bulk actions: ids is one comment or the selection."""
    back = _safe_next(url_for("dashboard.queue", queue="pending"))
    raw_ids = request.form.getlist("ids")
    try:
        ids = [int(raw) for raw in raw_ids]
    except ValueError:
        abort(400, "Comment ids must be numbers.")
    if not all(0 < comment_id < MAX_ID for comment_id in ids):
        abort(400, "Comment ids must be numbers.")
    action = request.form.get("action", "")

    def work() -> str:
        changed = review.apply_action(db.session, ids, action, actor=_actor(), now=utcnow(),
                                      default_mode=current_app.config["COMMENTSVC_MODERATION"])
        return label("done", g.language).format(n=len(changed))

    _commit_or_flash(work)
    return redirect(back)


@dashboard.post("/comments/<int:comment_id>/edit")
def edit_comment(comment_id: int) -> Response:
    _commit_or_flash(lambda: review.edit_comment_text(
        db.session, comment_id, request.form.get("body", ""), actor=_actor(), now=utcnow(),
        max_length=current_app.config["COMMENTSVC_BODY_MAX_LENGTH"]) and None)
    return redirect(_safe_next(url_for("dashboard.comment", comment_id=comment_id)))


@dashboard.post("/comments/<int:comment_id>/reply")
def reply(comment_id: int) -> Response:
    _commit_or_flash(lambda: review.reply_as_staff(
        db.session, comment_id, request.form.get("body", ""), moderator=g.moderator, actor=_actor(),
        user_agent=request.user_agent.string or "", now=utcnow(), rules=comment_rules()) and None)
    return redirect(_safe_next(url_for("dashboard.comment", comment_id=comment_id)))


# --- articles and sites ---------------------------------------------------------------------------

def _checkbox(name: str) -> bool:
    return request.form.get(name) in {"1", "on", "true", "yes"}


@dashboard.get("/threads/<int:thread_id>")
def thread(thread_id: int) -> str:
    found = db.session.get(Thread, thread_id)
    if found is None:
        abort(404)
    return render_template("dashboard/thread.html", thread=found, closed=is_closed(db.session, found),
                           mode=moderation_mode(db.session, found, current_app.config["COMMENTSVC_MODERATION"]))


@dashboard.post("/threads/<int:thread_id>")
def thread_policy(thread_id: int) -> Response:
    found = db.session.get(Thread, thread_id)
    if found is None:
        abort(404)

    def work() -> None:
        before = {"moderation": found.moderation, "closed": found.closed}
        set_thread_policy(db.session, found, moderation=request.form.get("moderation") or None,
                          closed=_checkbox("closed"))
        _audit("thread_policy", "thread", found.id,
               {"site": found.site, "article": found.article, "before": before,
                "after": {"moderation": found.moderation, "closed": found.closed}})

    _commit_or_flash(work)
    return redirect(url_for("dashboard.thread", thread_id=thread_id))


@dashboard.get("/sites")
def sites() -> str:
    settings = {setting.site: setting for setting in db.session.scalars(select(SiteSetting))}
    names = sorted(set(queues.list_sites(db.session)) | set(settings))
    return render_template("dashboard/sites.html", names=names, settings=settings,
                           default_mode=current_app.config["COMMENTSVC_MODERATION"])


@dashboard.post("/sites")
@admin_required
def site_policy() -> Response:
    site = request.form.get("site", "").strip()

    def work() -> None:
        if not site or len(site) > 128:
            raise ValidationError("Name the site.", code="site_invalid")
        setting = set_site_policy(db.session, site, moderation=request.form.get("moderation") or None,
                                  closed=_checkbox("closed"))
        _audit("site_policy", "site", site, {"moderation": setting.moderation, "closed": setting.closed})

    _commit_or_flash(work)
    return redirect(url_for("dashboard.sites"))


# --- bans -------------------------------------------------------------------------------------------

@dashboard.get("/bans")
def ban_list() -> str:
    now = utcnow()
    return render_template("dashboard/bans.html", bans=bans.list_bans(db.session, now=now), now=now,
                           prefill_value=request.args.get("value", ""), prefill_kind=request.args.get("kind", "ip"))


@dashboard.post("/bans")
def add_ban() -> Response:
    def work() -> None:
        raw_expiry = request.form.get("expires_at", "").strip()
        try:
            expires_at = datetime.fromisoformat(raw_expiry) if raw_expiry else None
        except ValueError:
            raise ValidationError("The expiry must be a date and time.", code="ban_expiry_invalid") from None
        if expires_at is not None and expires_at.tzinfo is not None:
            expires_at = expires_at.astimezone(tz=None).replace(tzinfo=None)
        ban = bans.create_ban(db.session, kind=request.form.get("kind", ""), value=request.form.get("value", ""),
                              note=request.form.get("note", ""), expires_at=expires_at, moderator_id=g.moderator.id,
                              now=utcnow())
        _audit("ban", "ban", ban.id, {"kind": ban.kind, "value": ban.value, "note": ban.note,
                                      "expires_at": ban.expires_at.isoformat() if ban.expires_at else None})

    _commit_or_flash(work)
    return redirect(url_for("dashboard.ban_list"))


@dashboard.post("/bans/<int:ban_id>/delete")
def remove_ban(ban_id: int) -> Response:
    def work() -> None:
        ban = bans.delete_ban(db.session, ban_id)
        _audit("unban", "ban", ban_id, {"kind": ban.kind, "value": ban.value})

    _commit_or_flash(work)
    return redirect(url_for("dashboard.ban_list"))


# --- sensitive words --------------------------------------------------------------------------------

WORDS_PAGE_SIZE = 200


@dashboard.get("/words")
def word_list() -> str:
    search = request.args.get("q", "").strip()
    entries, total = words.list_words(db.session, search=search, limit=WORDS_PAGE_SIZE)
    return render_template("dashboard/words.html", entries=entries, total=total, search=search,
                           actions=words.ACTIONS)


@dashboard.post("/words")
def add_word() -> Response:
    def work() -> None:
        entry = words.add_word(db.session, word=request.form.get("word", ""), action=request.form.get("action", ""),
                               now=utcnow())
        _audit("word_add", "word", entry.id, {"word": entry.word, "action": entry.action})

    _commit_or_flash(work)
    return redirect(url_for("dashboard.word_list"))


@dashboard.post("/words/import")
def import_words() -> Response:
    upload = request.files.get("file")

    def work() -> str:
        if not isinstance(upload, FileStorage) or not upload.filename:
            raise ValidationError("Choose a text file to import.", code="file_missing")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The file must be UTF-8 text.", code="file_not_utf8") from None
        result = words.import_words(db.session, text, action=request.form.get("action", ""), now=utcnow())
        _audit("word_import", "word", upload.filename[:200],
               {"added": result.added, "updated": result.updated, "skipped": len(result.skipped)})
        skipped = f" Skipped: {', '.join(result.skipped[:10])}" if result.skipped else ""
        return f"+{result.added} / ~{result.updated}.{skipped}"

    _commit_or_flash(work)
    return redirect(url_for("dashboard.word_list"))


@dashboard.post("/words/<int:word_id>/delete")
def remove_word(word_id: int) -> Response:
    def work() -> None:
        entry = words.delete_word(db.session, word_id)
        _audit("word_delete", "word", word_id, {"word": entry.word, "action": entry.action})

    _commit_or_flash(work)
    return redirect(url_for("dashboard.word_list"))


# --- audit log --------------------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 100


@dashboard.get("/audit")
def audit_log() -> str:
    args = request.args
    since, until = _date_arg("since"), _date_arg("until")
    filters = audit.AuditFilter(
        moderator=args.get("moderator", "").strip(), action=args.get("action", "").strip(),
        target_type=args.get("target_type", "").strip(), target_id=args.get("target_id", "").strip(),
        since=datetime.combine(since, datetime.min.time()) if since else None,
        until=datetime.combine(until + timedelta(days=1), datetime.min.time()) if until else None,
    )
    try:
        page_number = min(max(1, int(args.get("page", "1"))), MAX_PAGE)
    except ValueError:
        page_number = 1
    rows = audit.list_entries(db.session, filters, limit=AUDIT_PAGE_SIZE + 1,
                              offset=(page_number - 1) * AUDIT_PAGE_SIZE)
    filter_args = {key: value for key, value in args.items() if key != "page" and value}
    return render_template("dashboard/audit.html", rows=rows[:AUDIT_PAGE_SIZE], has_more=len(rows) > AUDIT_PAGE_SIZE,
                           page=page_number, filter_args=filter_args, detail_of=audit.detail_of)


# --- moderator accounts (admins only) -------------------------------------------------------------

@dashboard.get("/moderators")
@admin_required
def moderators() -> str:
    return render_template("dashboard/moderators.html", accounts=list_moderators(db.session),
                           roles=[role.value for role in ModeratorRole])


@dashboard.post("/moderators")
@admin_required
def add_moderator() -> Response:
    def work() -> None:
        account = create_moderator(db.session, username=request.form.get("username", ""),
                                   password=request.form.get("password", ""), role=request.form.get("role", ""),
                                   now=utcnow())
        _audit("moderator_create", "moderator", account.id, {"username": account.username, "role": account.role})

    _commit_or_flash(work)
    return redirect(url_for("dashboard.moderators"))


@dashboard.post("/moderators/<int:moderator_id>/active")
@admin_required
def moderator_active(moderator_id: int) -> Response:
    active = _checkbox("active")

    def work() -> None:
        account = set_moderator_active(db.session, moderator_id, active=active, acting_id=g.moderator.id)
        _audit("moderator_activate" if active else "moderator_deactivate", "moderator", account.id,
               {"username": account.username})

    _commit_or_flash(work)
    return redirect(url_for("dashboard.moderators"))
