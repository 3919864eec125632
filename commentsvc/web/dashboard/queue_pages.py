"""Queues of comments and the actions moderators take on them, one at a time or in bulk."""

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
from werkzeug.wrappers import Response as BaseResponse

from ...clock import utcnow
from ...domain import moderation, picks, queues, statistics
from ...domain.screening import highlighted_words
from ...domain.screening_lists import current_lists
from ...domain.submission import parse_ids
from ...errors import ValidationError
from ...extensions import db
from ..context import posting_settings
from .core import actor, commit_or_flash, dashboard, date_arg, page_arg, safe_next
from .labels import label

# --- queues and actions ---------------------------------------------------------------------------


def _filters() -> queues.QueueFilter:
    args = request.args
    return queues.QueueFilter(
        site=args.get("site", "").strip(),
        article=args.get("article", "").strip(),
        author=args.get("author", "").strip(),
        ip=args.get("ip", "").strip(),
        text=args.get("text", "").strip(),
        since=date_arg("since"),
        until=date_arg("until"),
    )


def _highlights(items: list[queues.QueueItem]) -> dict[int, list[tuple[str, bool]]]:
    """Matched sensitive words per comment, as pieces of the text its readers see, to mark up."""
    matcher = current_lists(db.session()).matcher
    found = {}
    for item in items:
        pieces = highlighted_words(matcher, item.comment.body_source)
        if pieces:
            found[item.comment.id] = pieces
    return found


@dashboard.get("/queue/<queue>")
def queue(queue: str) -> str:
    if queue not in queues.QUEUES:
        abort(404)
    page_number = page_arg()
    filters = _filters()
    result = queues.list_queue(
        db.session(), queue, filters, page=page_number, page_size=current_app.config["COMMENTSVC_DASHBOARD_PAGE_SIZE"]
    )
    filter_args = {
        key: value
        for key, value in request.args.items()
        if key in {"site", "article", "author", "ip", "text", "since", "until"} and value
    }
    return render_template(
        "dashboard/queue.html",
        queue=queue,
        result=result,
        filters=filters,
        filter_args=filter_args,
        highlights=_highlights(result.items),
        sites=statistics.list_sites(db.session()),
    )


@dashboard.get("/comments/<int:comment_id>")
def comment(comment_id: int) -> str:
    item = queues.get_item(db.session(), comment_id)
    return render_template("dashboard/comment.html", item=item, highlights=_highlights([item]))


@dashboard.post("/comments/action")
def comment_action() -> BaseResponse:
    """One form for single and bulk actions: ids is one comment or the selection."""
    back = safe_next(url_for("dashboard.queue", queue="pending"))
    try:
        ids = parse_ids("ids", request.form.getlist("ids"))
    except ValidationError:
        abort(400, "Comment ids must be numbers.")
    action = request.form.get("action", "")

    def work() -> str:
        if action in picks.PICK_ACTIONS:
            changed = picks.apply_pick_action(db.session(), ids, action, actor=actor(), now=utcnow())
        else:
            changed = moderation.apply_action(
                db.session(),
                ids,
                action,
                actor=actor(),
                now=utcnow(),
                default_mode=current_app.config["COMMENTSVC_MODERATION"],
            )
        return label("done", g.language).format(n=len(changed))

    commit_or_flash(work)
    return redirect(back)


@dashboard.post("/comments/<int:comment_id>/edit")
def edit_comment(comment_id: int) -> BaseResponse:
    def work() -> None:
        moderation.edit_comment_text(
            db.session(),
            comment_id,
            request.form.get("body", ""),
            actor=actor(),
            now=utcnow(),
            max_length=current_app.config["COMMENTSVC_BODY_MAX_LENGTH"],
        )

    commit_or_flash(work)
    return redirect(safe_next(url_for("dashboard.comment", comment_id=comment_id)))


@dashboard.post("/comments/<int:comment_id>/reply")
def reply(comment_id: int) -> BaseResponse:
    def work() -> None:
        moderation.reply_as_staff(
            db.session(),
            comment_id,
            request.form.get("body", ""),
            moderator=g.moderator,
            actor=actor(),
            user_agent=request.user_agent.string or "",
            now=utcnow(),
            settings=posting_settings(),
        )

    commit_or_flash(work)
    return redirect(safe_next(url_for("dashboard.comment", comment_id=comment_id)))
