"""Validates and normalises what a reader submits, before any rule or storage sees it."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from ..errors import ValidationError
from ..models import MAX_ID, BanKind, ModerationMode, ModeratorRole, WordAction
from ..text.wordfilter import fold_word

MAX_ARTICLE_LENGTH = 512
MAX_SITE_LENGTH = 128
MAX_TITLE_LENGTH = 512
MAX_URL_LENGTH = 2048
MAX_NAME_LENGTH = 64
MAX_WEBSITE_LENGTH = 512
MAX_NOTE_LENGTH = 500

# C0/C1 controls except tab and newline; the body keeps those two, names keep neither.
# (PostgreSQL also refuses a NUL in text outright, so nothing stored may carry one.)
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Zero-width and bidi-override characters let a name impersonate another one.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_SITE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")


@dataclass(frozen=True)
class Author:
    name: str
    email: str | None
    website: str | None
    # An SSO user's avatar and staff badge, from their token; anonymous readers have neither.
    avatar_url: str | None = None
    staff: bool = False


def _text(payload: dict[str, Any], field: str, *, required: bool = False) -> str | None:
    value = payload.get(field)
    if value is None:
        if required:
            raise ValidationError(f"{field} is required.", code="missing_field", field=field)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string.", code="wrong_type", field=field)
    return value


def normalise_body(raw: Any, *, max_length: int) -> str:
    """1..max characters after trimming, NFC, counted as code points so 中 counts once."""
    if not isinstance(raw, str):
        raise ValidationError("body must be a string.", code="wrong_type", field="body")
    body = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not body:
        raise ValidationError("The comment is empty.", code="body_empty", field="body")
    if _BODY_CONTROL.search(body):
        raise ValidationError("The comment contains control characters.", code="body_control_characters", field="body")
    if len(body) > max_length:
        raise ValidationError(
            f"The comment is longer than {max_length} characters.", code="body_too_long", field="body"
        )
    return body


def normalise_name(raw: Any, *, anonymous_name: str) -> str:
    if raw is not None and not isinstance(raw, str):
        raise ValidationError("name must be a string.", code="wrong_type", field="name")
    name = unicodedata.normalize("NFC", raw or "").strip()
    if not name:
        if anonymous_name:
            return anonymous_name
        raise ValidationError("Please give a name.", code="name_empty", field="name")
    if _LINE_CONTROL.search(name) or _INVISIBLE.search(name):
        raise ValidationError(
            "The name contains invisible or control characters.", code="name_invalid_characters", field="name"
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            f"The name is longer than {MAX_NAME_LENGTH} characters.", code="name_too_long", field="name"
        )
    return name


def normalise_email(raw: Any) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str):
        raise ValidationError("email must be a string.", code="wrong_type", field="email")
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(f"The email address is not valid: {exc}", code="email_invalid", field="email") from None
    return checked.normalized


def normalise_website(raw: Any) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str):
        raise ValidationError("website must be a string.", code="wrong_type", field="website")
    website = raw.strip()
    try:
        parts = urlsplit(website)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in {"http", "https"}
        or not parts.hostname
        or _LINE_CONTROL.search(website)
        or " " in website
        or len(website) > MAX_WEBSITE_LENGTH
    ):
        raise ValidationError(
            "The website must be an http:// or https:// address.", code="website_invalid", field="website"
        )
    return website


def normalise_note(raw: Any) -> str:
    """A report's or a ban's note: optional, trimmed, short, multi-line text without control characters."""
    if raw is not None and not isinstance(raw, str):
        raise ValidationError("note must be a string.", code="wrong_type", field="note")
    note = (raw or "").strip()
    if _BODY_CONTROL.search(note):
        raise ValidationError("The note contains control characters.", code="note_control_characters", field="note")
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError(
            f"The note is longer than {MAX_NOTE_LENGTH} characters.", code="note_too_long", field="note"
        )
    return note


def strip_line_controls(text: str) -> str:
    """For text we store as sent but never show, such as a User-Agent header."""
    return _LINE_CONTROL.sub("", text)


def validate_all(checks: Iterable[tuple[str, Callable[[], Any]]]) -> dict[str, Any]:
    """Runs every check and reports every failing field at once, so a form can mark them all."""
    values: dict[str, Any] = {}
    fields: dict[str, str] = {}
    first: ValidationError | None = None
    for name, check in checks:
        try:
            values[name] = check()
        except ValidationError as exc:
            fields.update(exc.fields)
            first = first or exc
    if first is not None:
        raise ValidationError(first.message, code=first.code, fields=fields)
    return values


def normalise_language(raw: Any) -> str:
    """The widget's language, which names anonymous readers: zh-CN unless it says English."""
    return "en" if isinstance(raw, str) and raw.lower().startswith("en") else "zh-CN"


def notify_language(raw: Any, language: Any) -> str | None:
    """`notify` of a post: true asks for reply emails, in the widget's language (returned); absent or false: None."""
    if raw is None or raw is False:
        return None
    if raw is not True:
        raise ValidationError("notify must be true or false.", code="wrong_type", field="notify")
    return normalise_language(language)


def normalise_author(payload: dict[str, Any], *, anonymous_name: str) -> Author:
    values = validate_all(
        (
            ("name", lambda: normalise_name(payload.get("name"), anonymous_name=anonymous_name)),
            ("email", lambda: normalise_email(payload.get("email"))),
            ("website", lambda: normalise_website(payload.get("website"))),
        )
    )
    return Author(**values)


def normalise_site(raw: Any) -> str:
    if raw is None or raw == "":
        return "default"
    if not isinstance(raw, str) or len(raw) > MAX_SITE_LENGTH or not _SITE.match(raw):
        raise ValidationError(
            "site must be letters, digits, '.', '_', ':' or '-' (at most 128).", code="site_invalid", field="site"
        )
    return raw


def normalise_article(raw: Any, field: str = "article") -> str:
    """Any publisher id or path up to 512 characters, slashes and CJK included."""
    if raw is None or raw == "":
        raise ValidationError("article is required.", code="missing_field", field=field)
    if not isinstance(raw, str):
        raise ValidationError("article must be a string.", code="wrong_type", field=field)
    article = unicodedata.normalize("NFC", raw).strip()
    if not article or len(article) > MAX_ARTICLE_LENGTH or _LINE_CONTROL.search(article):
        raise ValidationError(
            f"article must be 1 to {MAX_ARTICLE_LENGTH} printable characters.", code="article_invalid", field=field
        )
    return article


def normalise_title(raw: Any) -> str | None:
    title = _text({"title": raw}, "title")
    if title is None:
        return None
    title = _LINE_CONTROL.sub(" ", unicodedata.normalize("NFC", title)).strip()
    return title[:MAX_TITLE_LENGTH] or None


def normalise_page_url(raw: Any) -> str | None:
    url = _text({"url": raw}, "url")
    if url is None or not url.strip():
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in {"http", "https"}
        or len(url) > MAX_URL_LENGTH
        or _LINE_CONTROL.search(url)
    ):
        raise ValidationError("url must be the article's http(s) address.", code="url_invalid", field="url")
    return url


def is_valid_id(value: Any) -> bool:
    """The one id bound: ids are 32-bit INTEGER columns on every engine (models.MAX_ID), and a larger
    number could not name a row, while the PostgreSQL driver raises on it."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < MAX_ID


def optional_id(payload: dict[str, Any], field: str) -> int | None:
    """An id in a JSON body, such as parent_id."""
    value = payload.get(field)
    if value is None:
        return None
    if not is_valid_id(value):
        raise ValidationError(f"{field} must be a positive integer.", code="wrong_type", field=field)
    return int(value)


def parse_int(field: str, raw: str | None, *, low: int = 1, high: int = MAX_ID - 1) -> int | None:
    """The one parser of integers that arrive as text (query strings, form fields): ASCII digits only
    (str.isdigit() also accepts "⁰⁴⁵", which int() refuses) and within [low, high]; None when absent."""
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)) or not low <= int(raw) <= high:
        raise ValidationError(
            f"{field} must be a whole number from {low} to {high}.", code=f"{field}_invalid", field=field
        )
    return int(raw)


def parse_ids(field: str, raws: Iterable[str]) -> list[int]:
    """A list of ids from a form, such as the dashboard's selection."""
    return [value for raw in raws if (value := parse_int(field, raw)) is not None]


MAX_PAGE_SIZE = 100
# "picks": the editors' picks only, in the order picked (picks.py).
SORTS = ("oldest", "newest", "hot", "picks")


def normalise_sort(raw: str | None) -> str:
    if raw is None:
        return "oldest"
    if raw not in SORTS:
        raise ValidationError("sort must be oldest, newest, hot or picks.", code="sort_invalid", field="sort")
    return raw


def normalise_page_size(raw: str | None) -> int | None:
    """A page's limit: 1 to MAX_PAGE_SIZE; None (the configured size) when the request gives none."""
    return parse_int("limit", raw, high=MAX_PAGE_SIZE)


# --- what moderators submit -----------------------------------------------------------------------

MAX_WORD_LENGTH = 128
MAX_USERNAME_LENGTH = 64
MIN_PASSWORD_LENGTH = 8


def normalise_moderation_mode(mode: str | None) -> str | None:
    """post or pre; empty means: follow the site (or COMMENTSVC_MODERATION)."""
    if mode in (None, ""):
        return None
    if mode not in {m.value for m in ModerationMode}:
        raise ValidationError("The moderation mode must be post or pre.", code="moderation_invalid", field="moderation")
    return mode


def normalise_ban_value(kind: str, raw: str) -> str:
    """IPs are stored as networks (a single address is /32 or /128); emails lower-cased, and a whole
    domain as "@domain" (it covers that domain's addresses, not its subdomains')."""
    value = raw.strip()
    if kind == BanKind.IP.value:
        try:
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValidationError(
                f"{value!r} is not an IP address or CIDR range.", code="ban_value_invalid", field="value"
            ) from None
    if kind == BanKind.EMAIL.value:
        _local, at, domain = value.rpartition("@")
        if not at or not domain or len(value) > 254 or any(char.isspace() for char in value):
            raise ValidationError(
                f"{value!r} is not an email address or @domain.", code="ban_value_invalid", field="value"
            )
        return value.lower()
    if kind == BanKind.USER.value:
        if not value.isdecimal() or not is_valid_id(int(value)):
            raise ValidationError(f"{value!r} is not a user id.", code="ban_value_invalid", field="value")
        return str(int(value))
    if kind == BanKind.IDENTITY.value:
        if not re.fullmatch(r"[0-9a-f]{40}", value):
            raise ValidationError(f"{value!r} is not an identity key.", code="ban_value_invalid", field="value")
        return value
    raise ValidationError("A ban is by ip, email, user or identity.", code="ban_kind_invalid", field="kind")


def parse_expiry(raw: str) -> datetime | None:
    """A date and time from a form, naive UTC as every timestamp is stored; empty means never."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            "The expiry must be a date and time.", code="ban_expiry_invalid", field="expires_at"
        ) from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def normalise_word(raw: str) -> str:
    word = raw.strip()
    if not word or len(word) > MAX_WORD_LENGTH:
        raise ValidationError(f"A word is 1 to {MAX_WORD_LENGTH} characters.", code="word_invalid", field="word")
    if not fold_word(word):
        raise ValidationError("A word needs at least one letter or digit.", code="word_invalid", field="word")
    return word


def normalise_word_action(action: str) -> str:
    if action not in {a.value for a in WordAction}:
        raise ValidationError("The action must be reject, hold or mask.", code="word_action_invalid", field="action")
    return action


def normalise_username(raw: str) -> str:
    username = raw.strip()
    if not username or len(username) > MAX_USERNAME_LENGTH or not username.isprintable():
        raise ValidationError(
            f"The username must be 1 to {MAX_USERNAME_LENGTH} printable characters.",
            code="username_invalid",
            field="username",
        )
    return username


def normalise_role(role: str) -> str:
    if role not in {r.value for r in ModeratorRole}:
        raise ValidationError("The role must be admin or moderator.", code="role_invalid", field="role")
    return role


def check_new_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters.",
            code="password_too_short",
            field="password",
        )
    return password
