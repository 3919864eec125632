"""Turns a reader's Markdown into safe HTML: the only module that imports bleach or nh3.

Markdown (markdown-it-py, raw HTML off) renders a small subset; bleach cleans the result
against a strict allowlist and links bare URLs; nh3 (ammonia) then cleans bleach's output
again with the same allowlist, because bleach made its final release in 2026 and a second,
maintained sanitizer is our defence in depth.
"""

from __future__ import annotations

from functools import partial
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


_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False}).disable(
    ["heading", "lheading", "hr", "image", "html_block", "html_inline", "reference"]
)

_bleach = bleach.Cleaner(
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


def render_comment(text: str) -> str:
    """Markdown subset to HTML that can go through innerHTML on any publisher's page."""
    html = _markdown.render(text)
    return _nh3.clean(_bleach.clean(html)).strip()
