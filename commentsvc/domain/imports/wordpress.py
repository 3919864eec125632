"""WordPress WXR exports (1.0 to 1.2, http or https namespace), plain, gzipped or as a .zip holding one WXR file."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element

from .source import (
    SourceComment,
    SourceItem,
    SourceThread,
    SourceWarning,
    UnreadableFile,
    clean_email,
    clean_name,
    clean_text,
    open_binary,
    open_text,
    paragraphs,
    parse_time,
)
from .xmlstream import child_text, local_name, stream_elements

_PINGS = frozenset({"pingback", "trackback"})
_SKIPPED = {"spam": "spam", "trash": "deleted", "post-trashed": "deleted"}


@contextmanager
def _open(path: Path) -> Iterator[IO[bytes]]:
    if path.is_file() and zipfile.is_zipfile(path):
        try:
            with open_binary(path) as raw, zipfile.ZipFile(raw) as archive:
                names = [
                    info.filename
                    for info in archive.infolist()
                    if not info.is_dir()
                    and info.filename.lower().endswith((".xml", ".wxr"))
                    and not info.filename.startswith("__MACOSX/")
                ]
                if len(names) != 1:
                    found = "no WXR file" if not names else f"{len(names)} XML files ({', '.join(names[:3])})"
                    raise UnreadableFile(path, f"the zip archive must hold exactly one WXR file, it holds {found}")
                with archive.open(names[0]) as member:
                    yield member
        except zipfile.BadZipFile as error:
            raise UnreadableFile(path, f"not a readable zip archive: {error}") from None
        return
    with open_text(path) as stream:
        yield stream


def _comment(element: Element, post_id: str, counts: dict[str, int]) -> SourceComment:
    def field(name: str) -> str | None:
        return child_text(element, name)

    comment_id = clean_text(field("comment_id"))
    parent = clean_text(field("comment_parent"))
    created_at = parse_time(field("comment_date_gmt"))
    if created_at is None and parse_time(field("comment_date")) is not None:
        created_at = parse_time(field("comment_date"))
        counts["local_time"] += 1
    comment = SourceComment(
        source_id=f"{post_id}:{comment_id}",
        thread_ref=post_id,
        parent_ref=f"{post_id}:{parent}" if parent and parent != "0" else None,
        author_name=clean_name(field("comment_author")),
        author_email=clean_email(field("comment_author_email")),
        author_website=clean_text(field("comment_author_url")) or None,
        client_ip=clean_text(field("comment_author_IP")),
        body=paragraphs(field("comment_content") or ""),
        body_format="html",
        created_at=created_at,
    )
    approved = field("comment_approved")
    state = clean_text(approved).lower()
    if not comment_id:
        comment.skip = "invalid"
    elif clean_text(field("comment_type")).lower() in _PINGS:
        comment.skip = "ping"
    elif state in _SKIPPED:
        comment.skip = _SKIPPED[state]  # type: ignore[assignment]
    elif not comment.body.strip():
        comment.skip = "empty"
    elif approved is None:
        comment.status = "pending"
        counts["no_flag"] += 1
    elif state != "1":
        comment.status = "pending"
    return comment


def _item(element: Element, index: int, counts: dict[str, int]) -> Iterator[SourceItem]:
    comments = [found for found in element if local_name(found.tag) == "comment"]
    if not comments:
        return
    post_id = clean_text(child_text(element, "post_id")) or f"item-{index}"
    link = clean_text(child_text(element, "link")) or None
    if link is None:
        guid = clean_text(child_text(element, "guid"))
        link = guid if guid.startswith(("http://", "https://")) else None
    if link is None:
        counts["no_link"] += 1
    yield SourceThread(
        ref=post_id,
        link=link or f"/?p={post_id}",
        title=clean_name(child_text(element, "title")) or None,
        created_at=parse_time(child_text(element, "post_date_gmt")),
    )
    for found in comments:
        yield _comment(found, post_id, counts)


def parse(path: Path) -> Iterator[SourceItem]:
    counts = {"no_flag": 0, "local_time": 0, "no_link": 0}
    with _open(path) as stream:
        for index, element in enumerate(
            stream_elements(stream, path, frozenset({"item"}), depth=2, root_name="rss", format_name="WordPress WXR")
        ):
            yield from _item(element, index, counts)
    if counts["no_flag"]:
        yield SourceWarning(
            f"{counts['no_flag']} comment(s) have no approval flag (wp:comment_approved) and were imported as pending"
        )
    if counts["local_time"]:
        yield SourceWarning(f"{counts['local_time']} comment(s) have only a local time (wp:comment_date), taken as UTC")
    if counts["no_link"]:
        yield SourceWarning(f"{counts['no_link']} post(s) have no <link>; their comments are keyed by /?p=ID")
