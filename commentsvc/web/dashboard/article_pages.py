"""Articles: find one by id, title or URL, and open the settings of any article, commented on or not."""

from __future__ import annotations

from flask import (
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from ...clock import utcnow
from ...domain import statistics
from ...domain.articles import open_article, search_articles
from ...extensions import db
from .core import commit_or_flash, dashboard
from .labels import label

ARTICLES_PAGE_SIZE = 50


@dashboard.get("/articles")
def articles() -> str:
    site = request.args.get("site", "").strip()
    text = request.args.get("q", "").strip()
    return render_template(
        "dashboard/articles.html",
        found=search_articles(db.session(), site=site, text=text, limit=ARTICLES_PAGE_SIZE),
        site=site,
        text=text,
        sites=statistics.list_sites(db.session()),
    )


@dashboard.post("/articles")
def open_article_settings() -> BaseResponse:
    """Creates the article's thread row if it has none, then shows its settings; changing them is audited there."""
    opened: list[int] = []

    def work() -> str:
        thread = open_article(
            db.session(), site=request.form.get("site", ""), article=request.form.get("article", ""), now=utcnow()
        )
        opened.append(thread.id)
        return label("article_ready", g.language)

    if commit_or_flash(work) and opened:
        return redirect(url_for("dashboard.thread", thread_id=opened[0]))
    return redirect(url_for("dashboard.articles"))
