"""Turns a reader's Markdown into safe HTML: the only module that imports bleach or nh3.

Markdown (markdown-it-py, raw HTML off) renders a small subset; bleach cleans the result
against a strict allowlist and links bare URLs; nh3 (ammonia) then cleans bleach's output
again with the same allowlist, because bleach made its final release in 2026 and a second,
maintained sanitizer is our defence in depth.

What a reader sees is the visible text of that HTML (entities decoded, Markdown links and emphasis
gone), so sensitive words are screened and masked there (VisibleText), never in the source.
"""

from __future__ import annotations

import html as html_escaping
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import bleach
import nh3
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a"})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener noreferrer"


def _is_allowed_url(url: str) -> bool:
    """Absolute http(s) and mailto only: relative links would point into the publisher's site."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return False
    return scheme in ALLOWED_PROTOCOLS


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name == "rel" or (name == "href" and _is_allowed_url(value))
    if tag == "ol":
        return name == "start" and value.isdigit() and len(value) < 7
    return False


def _set_link_rel(attrs: dict[Any, str], new: bool = False) -> dict[Any, str] | None:
    attrs[(None, "rel")] = LINK_REL
    attrs.pop((None, "target"), None)
    return attrs


def _new_markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False}).disable(
        ["heading", "lheading", "hr", "image", "html_block", "html_inline", "reference"]
    )


def _new_bleach() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[partial(LinkifyFilter, callbacks=[_set_link_rel], skip_tags={"pre", "code"}, parse_email=False)],
    )


_nh3 = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={"a": {"href"}, "ol": {"start"}},
    url_schemes=set(ALLOWED_PROTOCOLS),
    url_relative="deny",
    link_rel=LINK_REL,
    strip_comments=True,
)


class _Renderers(threading.local):
    """bleach documents its Cleaner as not thread-safe (a shared one returned empty HTML and raised inside
    html5lib under gunicorn's threads), so every thread builds its own; markdown-it's parser goes with it."""

    def __init__(self) -> None:
        self.markdown = _new_markdown()
        self.bleach = _new_bleach()


_renderers = _Renderers()


def render_comment(text: str) -> str:
    """Markdown subset to HTML that can go through innerHTML on any publisher's page."""
    return clean_html(_renderers.markdown.render(text)).strip()


def render_source(source: str, body_format: str) -> str:
    """A stored source as readers get it: the Markdown subset readers post, or HTML an import brought in,
    cleaned by the same allowlist (and its bare URLs linked) either way."""
    return render_comment(source) if body_format == "markdown" else clean_html(source).strip()


def clean_html(html: str) -> str:
    """The allowlist layer alone: bleach, then nh3. Safe for innerHTML whatever `html` holds."""
    return str(_nh3.clean(_renderers.bleach.clean(html)))


# Elements that end a line of visible text: a word never runs on across them.
_LINE_ELEMENTS = frozenset({"p", "br", "li", "blockquote", "pre", "ul", "ol"})


@dataclass(frozen=True)
class _Piece:
    kind: str  # "tag": markup kept as it is; "text": visible text; "break": a line end between elements
    value: str
    start: int = 0  # where a text piece starts in VisibleText.text


class _PieceParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.pieces.append(("tag", self.get_starttag_text() or f"<{tag}>"))
        if tag == "br":
            self.pieces.append(("break", "\n"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.pieces.append(("tag", f"</{tag}>"))
        if tag in _LINE_ELEMENTS:
            self.pieces.append(("break", "\n"))

    def handle_data(self, data: str) -> None:
        self.pieces.append(("text", data))


@dataclass(frozen=True)
class VisibleText:
    """The text a reader sees in sanitized comment HTML, and the way back from its offsets into the HTML."""

    text: str
    pieces: tuple[_Piece, ...]

    @classmethod
    def of(cls, sanitized_html: str) -> VisibleText:
        parser = _PieceParser()
        parser.feed(sanitized_html)
        parser.close()
        pieces: list[_Piece] = []
        position = 0
        for kind, value in parser.pieces:
            pieces.append(_Piece(kind, value, position))
            if kind != "tag":
                position += len(value)
        return cls("".join(piece.value for piece in pieces if piece.kind != "tag"), tuple(pieces))

    def rewrite(self, spans: Sequence[tuple[int, int]], replace: Callable[[str, list[tuple[int, int]]], str]) -> str:
        """The HTML again, with each text piece that a span touches passed through `replace(text, local spans)`:
        how masking reaches exactly the characters a reader would see, across tags and entities."""
        out: list[str] = []
        for piece in self.pieces:
            if piece.kind == "tag":
                out.append(piece.value)
                continue
            if piece.kind == "break":
                continue
            end = piece.start + len(piece.value)
            local = [
                (max(start, piece.start) - piece.start, min(stop, end) - piece.start)
                for start, stop in spans
                if start < end and stop > piece.start
            ]
            text = replace(piece.value, local) if local else piece.value
            out.append(html_escaping.escape(text, quote=False))
        # The pieces came from sanitized HTML and the text is escaped again: cleaning once more only
        # makes the result byte-for-byte the sanitizer's own form.
        return str(_nh3.clean("".join(out))).strip()
