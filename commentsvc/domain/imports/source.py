"""What every parser hands the writer: source threads and comments in plain values, and the small
text rules they share (article keys, times, names, WordPress-style paragraphs, opening a file)."""

from __future__ import annotations

import gzip
import html
import io
import re
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal
from urllib.parse import quote, urlsplit

from ...errors import ValidationError

SkipReason = Literal["deleted", "spam", "ping", "orphan", "empty", "invalid"]
SKIP_REASONS: tuple[SkipReason, ...] = ("deleted", "spam", "ping", "orphan", "empty", "invalid")


class UnreadableFile(ValidationError):
    """The file cannot be read as the format asked for: the import stops and nothing is kept."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}", field="file")


@dataclass
class SourceThread:
    """A page of the source system. `ref` is how its comments name it; `article`, when the source has
    our own key (commentsvc, isso paths), wins over the key derived from `link`."""

    ref: str
    link: str | None
    title: str | None = None
    deleted: bool = False
    article: str | None = None
    closed: bool = False
    moderation: str | None = None
    created_at: datetime | None = None
    site: str | None = None


@dataclass(frozen=True)
class SourceVote:
    voter_key: str
    value: int
    created_at: datetime | None = None


@dataclass
class SourceComment:
    """A comment as the source has it. `skip` says why it is not imported; `status` is kept as it is."""

    source_id: str
    thread_ref: str
    parent_ref: str | None
    author_name: str
    body: str
    body_format: str = "html"
    author_email: str | None = None
    author_website: str | None = None
    client_ip: str = ""
    created_at: datetime | None = None
    status: str = "approved"
    skip: SkipReason | None = None
    votes: tuple[SourceVote, ...] = ()
    # Only the commentsvc format has these.
    reply_to_ref: str | None = None
    edited_at: datetime | None = None
    user_agent: str = ""
    is_staff: bool = False
    hold_reasons: str = ""
    author_hash: str | None = None
    # The body rendered ahead (rendering.py), valid while the site has no sensitive words.
    html: str | None = None
    # What retention keeps of a purged address (its key), and the region label (IP属地) it was shown with.
    client_ip_key: str | None = None
    region_zh: str | None = None
    region_en: str | None = None
    # An editors' pick, and the thread's pinned comment (one per thread), as a backup holds them.
    picked_at: datetime | None = None
    pinned_at: datetime | None = None


@dataclass(frozen=True)
class SourceBan:
    kind: str
    value: str
    note: str
    expires_at: datetime | None
    created_at: datetime | None


@dataclass(frozen=True)
class SourceWord:
    word: str
    action: str
    created_at: datetime | None


@dataclass(frozen=True)
class SourceSite:
    site: str
    moderation: str | None
    closed: bool


@dataclass(frozen=True)
class SourceWarning:
    message: str


SourceItem = SourceThread | SourceComment | SourceBan | SourceWord | SourceSite | SourceWarning
ArticleKey = Literal["path", "url"]

# The WHATWG URL path percent-encode set: what `new URL(link).pathname` escapes (non-ASCII too).
_PATH_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in ' "#<>?`{}')


def article_for(link: str, key: ArticleKey = "path") -> str:
    """The article key the widget would use for this page: `new URL(link).pathname`, or the whole link."""
    link = link.strip()
    if key == "url":
        return link
    try:
        parts = urlsplit(link)
    except ValueError:
        return link
    path = parts.path.replace("\\", "/") if parts.scheme in ("http", "https", "") else parts.path
    segments: list[str] = []
    pieces = path.split("/")[1:] if path.startswith("/") else path.split("/")
    for index, segment in enumerate(pieces):
        last = index == len(pieces) - 1
        if segment.lower() in (".", "%2e"):
            if last:
                segments.append("")
        elif segment.lower() in ("..", ".%2e", "%2e.", "%2e%2e"):
            if segments:
                segments.pop()
            if last:
                segments.append("")
        else:
            segments.append(segment)
    return quote("/" + "/".join(segments), safe=_PATH_SAFE)


def parse_time(value: str | None) -> datetime | None:
    """An ISO-8601 or `YYYY-MM-DD HH:MM:SS` time as naive UTC; a time without a zone is taken as UTC."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.startswith("0000-00-00") or text.startswith("0001-01-01"):
        return None
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Fractions longer than microseconds (Go and PostgreSQL write nanoseconds).
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def epoch_time(value: object) -> datetime | None:
    """Seconds or milliseconds since the epoch."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = value / 1000 if value > 10**11 else value
    try:
        return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return None


def clean_name(value: str | None) -> str:
    """A name as text: entities decoded exactly once (`Cynwise&#039;s` shows `Cynwise's`), padding trimmed."""
    return html.unescape(value or "").strip()


def clean_email(value: str | None) -> str | None:
    email = (value or "").strip()
    return email or None


def clean_text(value: str | None) -> str:
    return (value or "").strip()


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


def paragraphs(text: str) -> str:
    """WordPress and Isso keep line breaks as newlines and make paragraphs at display time (wpautop):
    the HTML source stored here makes them explicit, so the sanitizer keeps them."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if "\n" not in text:  # one line is stored byte for byte
        return text
    blocks = [block for block in re.split(r"\n\s*\n", text) if block.strip()]
    return "".join(f"<p>{block.strip(chr(10)).replace(chr(10), '<br>' + chr(10))}</p>" for block in blocks)


# Who wants to hear how far into the file the parser is (a progress bar): bytes read so far.
reading_progress: ContextVar[Callable[[int], None] | None] = ContextVar("reading_progress", default=None)


class _TrackedFile(io.FileIO):
    def __init__(self, path: Path, report: Callable[[int], None]) -> None:
        super().__init__(path, "rb")
        self._report = report

    def readinto(self, buffer: Any) -> int | None:
        count = super().readinto(buffer)
        self._report(self.tell())
        return count


def open_binary(path: Path) -> IO[bytes]:
    """The file as it is on disk, its reads reported to `reading_progress`; a missing path is unreadable."""
    if not path.is_file():
        raise UnreadableFile(path, "no such file")
    report = reading_progress.get()
    if report is None:
        return path.open("rb")
    return io.BufferedReader(_TrackedFile(path, report))


@contextmanager
def open_text(path: Path) -> Iterator[IO[bytes]]:
    """The file, or what a .gz holds."""
    with open_binary(path) as raw:
        if raw.read(2) == b"\x1f\x8b":
            raw.seek(0)
            with gzip.GzipFile(fileobj=raw, mode="rb") as unpacked:
                yield unpacked  # type: ignore[misc]
            return
        raw.seek(0)
        yield raw


def read_all(path: Path) -> bytes:
    """Whole files for the JSON formats (small next to XML exports); a truncated .gz is unreadable."""
    with open_text(path) as stream:
        try:
            return stream.read()
        except (EOFError, OSError, zlib.error) as error:
            raise UnreadableFile(path, f"cannot decompress: {error}") from None


def lines(data: bytes) -> Iterator[bytes]:
    for line in data.split(b"\n"):
        if line.strip():
            yield line
