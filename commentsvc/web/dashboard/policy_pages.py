"""Per-article and per-site policy, bans and the sensitive-word list."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as BaseResponse

from ...clock import utcnow
from ...domain import bans, picks, statistics, words
from ...domain.policy import set_site_policy, set_thread_policy
from ...domain.policy import thread_policy as policy_of
from ...domain.submission import parse_expiry
from ...errors import ValidationError
from ...extensions import db
from ...models import SiteSetting, Thread
from .core import admin_required, checkbox, commit_or_flash, dashboard, record_audit

# --- articles and sites ---------------------------------------------------------------------------


@dashboard.get("/threads/<int:thread_id>")
def thread(thread_id: int) -> str:
    found = db.session.get(Thread, thread_id)
    if found is None:
        abort(404)
    policy = policy_of(db.session(), found, current_app.config["COMMENTSVC_MODERATION"])
    return render_template(
        "dashboard/thread.html",
        thread=found,
        closed=policy.closed,
        mode=policy.mode,
        picks=picks.thread_picks(db.session(), found.id),
    )


@dashboard.post("/threads/<int:thread_id>")
def thread_policy(thread_id: int) -> BaseResponse:
    found = db.session.get(Thread, thread_id)
    if found is None:
        abort(404)

    def work() -> None:
        before = {"moderation": found.moderation, "closed": found.closed}
        set_thread_policy(
            db.session(), found, moderation=request.form.get("moderation") or None, closed=checkbox("closed")
        )
        record_audit(
            "thread_policy",
            "thread",
            found.id,
            {
                "site": found.site,
                "article": found.article,
                "before": before,
                "after": {"moderation": found.moderation, "closed": found.closed},
            },
        )

    commit_or_flash(work)
    return redirect(url_for("dashboard.thread", thread_id=thread_id))


@dashboard.get("/sites")
def sites() -> str:
    settings = {setting.site: setting for setting in db.session.scalars(select(SiteSetting))}
    names = sorted(set(statistics.list_sites(db.session())) | set(settings))
    return render_template(
        "dashboard/sites.html", names=names, settings=settings, default_mode=current_app.config["COMMENTSVC_MODERATION"]
    )


@dashboard.post("/sites")
@admin_required
def site_policy() -> BaseResponse:
    site = request.form.get("site", "").strip()

    def work() -> None:
        if not site or len(site) > 128:
            raise ValidationError("Name the site.", code="site_invalid")
        setting = set_site_policy(
            db.session(), site, moderation=request.form.get("moderation") or None, closed=checkbox("closed")
        )
        record_audit("site_policy", "site", site, {"moderation": setting.moderation, "closed": setting.closed})

    commit_or_flash(work)
    return redirect(url_for("dashboard.sites"))


# --- bans -------------------------------------------------------------------------------------------


@dashboard.get("/bans")
def ban_list() -> str:
    now = utcnow()
    return render_template(
        "dashboard/bans.html",
        bans=bans.list_bans(db.session(), now=now),
        now=now,
        prefill_value=request.args.get("value", ""),
        prefill_kind=request.args.get("kind", "ip"),
    )


@dashboard.post("/bans")
def add_ban() -> BaseResponse:
    def work() -> None:
        expires_at = parse_expiry(request.form.get("expires_at", ""))
        ban = bans.create_ban(
            db.session(),
            kind=request.form.get("kind", ""),
            value=request.form.get("value", ""),
            note=request.form.get("note", ""),
            expires_at=expires_at,
            moderator_id=g.moderator.id,
            now=utcnow(),
        )
        record_audit(
            "ban",
            "ban",
            ban.id,
            {
                "kind": ban.kind,
                "value": ban.value,
                "note": ban.note,
                "expires_at": ban.expires_at.isoformat() if ban.expires_at else None,
            },
        )

    commit_or_flash(work)
    return redirect(url_for("dashboard.ban_list"))


@dashboard.post("/bans/<int:ban_id>/delete")
def remove_ban(ban_id: int) -> BaseResponse:
    def work() -> None:
        ban = bans.delete_ban(db.session(), ban_id)
        record_audit("unban", "ban", ban_id, {"kind": ban.kind, "value": ban.value})

    commit_or_flash(work)
    return redirect(url_for("dashboard.ban_list"))


# --- sensitive words --------------------------------------------------------------------------------

WORDS_PAGE_SIZE = 200


@dashboard.get("/words")
def word_list() -> str:
    search = request.args.get("q", "").strip()
    entries, total = words.list_words(db.session(), search=search, limit=WORDS_PAGE_SIZE)
    return render_template("dashboard/words.html", entries=entries, total=total, search=search, actions=words.ACTIONS)


@dashboard.post("/words")
def add_word() -> BaseResponse:
    def work() -> None:
        entry = words.add_word(
            db.session(), word=request.form.get("word", ""), action=request.form.get("action", ""), now=utcnow()
        )
        record_audit("word_add", "word", entry.id, {"word": entry.word, "action": entry.action})

    commit_or_flash(work)
    return redirect(url_for("dashboard.word_list"))


@dashboard.post("/words/import")
def import_words() -> BaseResponse:
    upload = request.files.get("file")

    def work() -> str:
        if not isinstance(upload, FileStorage) or not upload.filename:
            raise ValidationError("Choose a text file to import.", code="file_missing")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The file must be UTF-8 text.", code="file_not_utf8") from None
        result = words.import_words(db.session(), text, action=request.form.get("action", ""), now=utcnow())
        record_audit(
            "word_import",
            "word",
            upload.filename[:200],
            {"added": result.added, "updated": result.updated, "skipped": len(result.skipped)},
        )
        skipped = f" Skipped: {', '.join(result.skipped[:10])}" if result.skipped else ""
        return f"+{result.added} / ~{result.updated}.{skipped}"

    commit_or_flash(work)
    return redirect(url_for("dashboard.word_list"))


@dashboard.post("/words/<int:word_id>/delete")
def remove_word(word_id: int) -> BaseResponse:
    def work() -> None:
        entry = words.delete_word(db.session(), word_id)
        record_audit("word_delete", "word", word_id, {"word": entry.word, "action": entry.action})

    commit_or_flash(work)
    return redirect(url_for("dashboard.word_list"))
