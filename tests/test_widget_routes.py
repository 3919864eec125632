"""The widget blueprint over HTTP: script delivery and caching, size budgets, and the demo pages' headers and markup."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import app_settings

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.web.scripts import bundle

ZH_ARTICLE = "news/2024/09/16/blinken-condemns-russia"


@pytest.fixture
def widget_client(sqlite_url: str, tmp_path: Path) -> Iterator[Any]:
    """These routes never touch the database, so one engine is enough."""
    application = create_app(app_settings(sqlite_url, tmp_path / "instance"))
    yield application.test_client()
    with application.app_context():
        db.engine.dispose()


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_bodies: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.script_bodies.append(data)


def parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("path", ["/embed.js", "/count.js"])
def test_scripts_are_served_as_javascript_with_long_lived_caching(widget_client: Any, path: str) -> None:
    response = widget_client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    cache_control = response.headers["Cache-Control"]
    assert "public" in cache_control
    assert int(re.search(r"max-age=(\d+)", cache_control).group(1)) >= 86400
    assert "stale-while-revalidate" in cache_control
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"]


@pytest.mark.parametrize("path", ["/embed.js", "/count.js"])
def test_scripts_revalidate_with_their_etag(widget_client: Any, path: str) -> None:
    etag = widget_client.get(path).headers["ETag"]
    again = widget_client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize(("path", "budget"), [("/embed.js", 19456), ("/count.js", 1550)])
def test_scripts_stay_within_their_gzipped_size_budget(widget_client: Any, path: str, budget: int) -> None:
    body = widget_client.get(path).data
    assert len(gzip.compress(body, compresslevel=9)) <= budget


@pytest.mark.parametrize("path", ["/demo/", "/demo/en/"])
def test_demo_pages_forbid_inline_scripts_and_send_security_headers(widget_client: Any, path: str) -> None:
    response = widget_client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    directives = csp_directives(response.headers["Content-Security-Policy"])
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["default-src"]
    assert directives["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_demo_page_style_nonce_is_fresh_for_every_response(widget_client: Any) -> None:
    first = csp_directives(widget_client.get("/demo/").headers["Content-Security-Policy"])["style-src"]
    second = csp_directives(widget_client.get("/demo/").headers["Content-Security-Policy"])["style-src"]
    assert first != second
    assert any(source.startswith("'nonce-") for source in first)


@pytest.mark.parametrize("path", ["/demo/", "/demo/en/"])
def test_demo_pages_have_no_inline_script_or_event_handler(widget_client: Any, path: str) -> None:
    page = parse(widget_client.get(path).get_data(as_text=True))
    assert page.script_bodies == []
    for tag, attrs in page.tags:
        assert not [name for name in attrs if name.startswith("on")], tag
        if tag == "script":
            assert attrs.get("src")


def test_zh_demo_page_embeds_the_widget_through_the_publisher_snippets(widget_client: Any) -> None:
    page = parse(widget_client.get("/demo/").get_data(as_text=True))
    count_links = [attrs for tag, attrs in page.tags if tag == "a" and "data-commentsvc-count" in attrs]
    assert count_links == [
        {"href": "#comments", "data-commentsvc-count": ZH_ARTICLE, "data-commentsvc-format": "我要评论({count})"}
    ]
    widgets = [attrs for tag, attrs in page.tags if "data-commentsvc" in attrs]
    assert len(widgets) == 1
    assert widgets[0]["id"] == "comments"
    assert widgets[0]["data-article"] == ZH_ARTICLE
    assert widgets[0]["data-title"]
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert scripts == [{"src": "http://localhost/embed.js", "async": None}]


def test_zh_demo_page_lists_four_related_articles_each_with_a_count(widget_client: Any) -> None:
    html = widget_client.get("/demo/").get_data(as_text=True)
    assert "相关文章" in html
    related = [
        attrs["data-commentsvc-count"]
        for tag, attrs in parse(html).tags
        if tag == "span" and "data-commentsvc-count" in attrs
    ]
    assert len(set(related)) == 4
    assert ZH_ARTICLE not in related


def test_english_demo_page_declares_english(widget_client: Any) -> None:
    page = parse(widget_client.get("/demo/en/").get_data(as_text=True))
    assert ("html", {"lang": "en"}) in page.tags


def test_embed_script_puts_only_the_sanitized_comment_html_through_inner_html() -> None:
    source = bundle("embed.js").decode()
    uses = [line.strip() for line in source.splitlines() if "innerHTML" in line]
    assert len(uses) == 1
    assert uses[0].startswith("node.body.innerHTML = c.html;")
    for forbidden in ("outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert forbidden not in source


def test_embed_script_attaches_no_inline_event_handlers() -> None:
    source = bundle("embed.js").decode() + bundle("count.js").decode()
    assert not re.search(r"""setAttribute\(\s*["']on""", source)
    assert not re.search(r"\.on[a-z]+\s*=[^=]", source)
