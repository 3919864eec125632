"""Disqus XML exports: <thread> pages keyed by their <link>, <post> comments naming their thread and parent by dsq:id."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from .source import (
    SourceComment,
    SourceItem,
    SourceThread,
    clean_email,
    clean_name,
    clean_text,
    open_text,
    parse_time,
    truthy,
)
from .xmlstream import child, child_text, local_name, stream_elements

_INTERNALS = "{http://disqus.com/disqus-internals}id"


def _dsq_id(element: Element | None) -> str | None:
    if element is None:
        return None
    value = element.get(_INTERNALS) or next(
        (value for name, value in element.attrib.items() if local_name(name) == "id"), None
    )
    return value.strip() if value and value.strip() else None


def _thread(element: Element) -> SourceThread | None:
    ref = _dsq_id(element)
    if ref is None:
        return None
    link = clean_text(child_text(element, "link")) or None
    return SourceThread(
        ref=ref,
        link=link,
        title=clean_name(child_text(element, "title")) or None,
        deleted=truthy(child_text(element, "isDeleted")),
        closed=truthy(child_text(element, "isClosed")),
        created_at=parse_time(child_text(element, "createdAt")),
    )


def _post(element: Element) -> SourceComment:
    source_id = _dsq_id(element) or clean_text(child_text(element, "id"))
    author = child(element, "author")
    name = clean_name(child_text(author, "name")) if author is not None else ""
    email = clean_email(child_text(author, "email")) if author is not None else None
    created_at = parse_time(child_text(element, "createdAt"))
    comment = SourceComment(
        source_id=source_id,
        thread_ref=_dsq_id(child(element, "thread")) or "",
        parent_ref=_dsq_id(child(element, "parent")),
        author_name=name,
        author_email=email,
        body=clean_text(child_text(element, "message")),
        body_format="html",
        client_ip=clean_text(child_text(element, "ipAddress")),
        created_at=created_at,
    )
    spam = clean_text(child_text(element, "isSpam")).lower()
    approved = child_text(element, "isApproved")
    if not source_id or spam not in ("", "true", "false") or created_at is None:
        comment.skip = "invalid"
    elif truthy(child_text(element, "isDeleted")):
        comment.skip = "deleted"
    elif spam == "true":
        comment.skip = "spam"
    elif not comment.body.strip():
        comment.skip = "empty"
    elif approved is not None and not truthy(approved):
        comment.status = "pending"
    return comment


def parse(path: Path) -> Iterator[SourceItem]:
    with open_text(path) as stream:
        for element in stream_elements(
            stream, path, frozenset({"thread", "post"}), depth=1, root_name="disqus", format_name="Disqus"
        ):
            if local_name(element.tag) == "thread":
                thread = _thread(element)
                if thread is not None:
                    yield thread
            else:
                yield _post(element)
