"""Every setting commentsvc reads, with its default and why you would change it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def _parse_moderation(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"post", "pre"}:
        raise ValueError(f"expected 'post' or 'pre', got {raw!r}")
    return value


def _parse_ratelimit_fallback(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"memory", "off"}:
        raise ValueError(f"expected 'memory' or 'off', got {raw!r}")
    return value


def _parse_ban_action(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"reject", "hold"}:
        raise ValueError(f"expected 'reject' or 'hold', got {raw!r}")
    return value


def _parse_challenge_mode(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"off", "suspicious", "always"}:
        raise ValueError(f"expected 'off', 'suspicious' or 'always', got {raw!r}")
    return value


# The languages readers and moderators are served in, everywhere (widget, emails, dashboard).
LANGUAGES = ("en", "zh-CN")


@functools.lru_cache(maxsize=8)
def anonymous_names(raw: str) -> Mapping[str, str]:
    """`zh-CN=网友,en=Reader` per language, or one plain name for both; empty: a name is required.
    Read-only and kept per value, as every post asks."""
    raw = raw.strip()
    if not raw:
        return MappingProxyType({})
    if "=" not in raw:
        return MappingProxyType(dict.fromkeys(LANGUAGES, raw))
    names: dict[str, str] = {}
    for part in raw.split(","):
        language, _, name = part.partition("=")
        if language.strip() not in LANGUAGES or not name.strip():
            raise ValueError(f"expected zh-CN=NAME,en=NAME or one name, got {raw!r}")
        names[language.strip()] = name.strip()
    return MappingProxyType(names)


def _parse_anonymous_names(raw: str) -> str:
    anonymous_names(raw)
    return raw


def _parse_nonnegative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(f"expected a number >= 0, got {raw!r}")
    return value


def _parse_positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError(f"expected a number >= 1, got {raw!r}")
    return value


def _parse_positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError(f"expected a number > 0, got {raw!r}")
    return value


def _parse_hours(raw: str) -> tuple[int, int] | None:
    """`22-6`: from 22:00 to 06:00 (past midnight); empty: no schedule."""
    value = raw.strip()
    if not value or value.lower() == "off":
        return None
    start, dash, end = value.partition("-")
    if not dash or not start.strip().isdigit() or not end.strip().isdigit():
        raise ValueError(f"expected hours like 22-6, got {raw!r}")
    hours = int(start), int(end)
    if not all(0 <= hour <= 24 for hour in hours) or hours[0] == hours[1]:
        raise ValueError(f"expected two different hours from 0 to 24, got {raw!r}")
    return hours[0] % 24, hours[1]


def _parse_timezone(raw: str) -> str:
    try:
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"expected a time zone such as Asia/Shanghai, got {raw!r}") from exc
    return raw.strip()


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "COMMENTSVC_DATABASE_URL",
        None,
        str,
        "SQLAlchemy URL; default commentsvc.sqlite3 in the data folder. Use postgresql+psycopg://… to scale out.",
    ),
    Setting(
        "COMMENTSVC_INSTANCE_PATH",
        None,
        str,
        "The data folder: the default SQLite file and the generated secret key; default ./commentsvc-data in the "
        "working directory (never inside the virtual environment).",
    ),
    Setting(
        "COMMENTSVC_AUTO_MIGRATE",
        None,
        _parse_bool,
        "Apply schema migrations at `commentsvc init` (which serve, the WSGI entry point and every command run "
        "first); default yes on SQLite, no elsewhere (run `commentsvc db upgrade` on deploy).",
    ),
    Setting(
        "COMMENTSVC_SECRET_KEY",
        None,
        str,
        "Signs edit tokens and sessions; if unset `commentsvc init` generates one once and keeps it in the data folder. Set it when running several servers.",
    ),
    Setting(
        "COMMENTSVC_RATELIMIT_STORAGE_URI",
        "memory://",
        str,
        "Where rate-limit counters live; memory:// is per process, use redis://… for several processes.",
    ),
    Setting(
        "COMMENTSVC_RATELIMIT_FALLBACK",
        "memory",
        _parse_ratelimit_fallback,
        "When that storage is unreachable: memory counts per process until it answers again; off lets requests through unlimited.",
    ),
    Setting(
        "COMMENTSVC_RATELIMIT_KEY_PREFIX",
        "commentsvc",
        str,
        "Prefix of rate-limit keys in the storage; give each deployment that shares one Redis its own.",
    ),
    Setting("COMMENTSVC_RATELIMIT_ENABLED", True, _parse_bool, "Turn rate limiting off only for benchmarks."),
    Setting(
        "COMMENTSVC_RATELIMIT_POST",
        "5/minute;100/day",
        str,
        "Comments one client IP may create without a reader identity (with one: COMMENTSVC_RATELIMIT_POST_IDENTITY "
        "and _POST_ADDRESS).",
    ),
    Setting("COMMENTSVC_RATELIMIT_EDIT", "10/minute;200/day", str, "Edits and deletes one client IP may make."),
    Setting("COMMENTSVC_RATELIMIT_VOTE", "30/minute;1000/day", str, "Votes one client IP may cast."),
    Setting("COMMENTSVC_RATELIMIT_REPORT", "10/minute;100/day", str, "Reports one client IP may file."),
    Setting(
        "COMMENTSVC_RATELIMIT_READ",
        "600/minute",
        str,
        "Reads (threads, counts) one client IP may make; raise it when a shared proxy hides many readers.",
    ),
    Setting(
        "COMMENTSVC_TRUSTED_PROXIES",
        0,
        _parse_nonnegative_int,
        "Reverse-proxy hops whose X-Forwarded-For is trusted; 0 means the socket address is the client.",
    ),
    Setting(
        "COMMENTSVC_MODERATION",
        "post",
        _parse_moderation,
        "post publishes at once; pre holds new comments as pending until a moderator approves them.",
    ),
    Setting(
        "COMMENTSVC_EDIT_WINDOW", 900, _parse_nonnegative_int, "Seconds an author may edit or delete their own comment."
    ),
    Setting(
        "COMMENTSVC_ALLOWED_ORIGINS",
        "*",
        str,
        "Comma-separated origins allowed to call the API from a browser (CORS); * allows any.",
    ),
    Setting(
        "COMMENTSVC_MAX_DEPTH",
        5,
        _parse_positive_int,
        "Deepest reply level; a reply to a comment at the cap attaches at the cap and names whom it answers.",
    ),
    Setting(
        "COMMENTSVC_FLOOR_DEPTH",
        3,
        _parse_positive_int,
        "Replies this deep or deeper are shown as quoted floors (盖楼, 1楼 / Floor 1 …) under their ancestors "
        "instead of indented further; set it to COMMENTSVC_MAX_DEPTH or more to indent always.",
    ),
    Setting(
        "COMMENTSVC_FLOORS_FIRST",
        2,
        _parse_nonnegative_int,
        "Floors shown from the top of a long chain; the middle folds behind 展开中间 k 层 / Show k more floors.",
    ),
    Setting(
        "COMMENTSVC_FLOORS_LAST",
        2,
        _parse_nonnegative_int,
        "Floors shown from the bottom of a long chain (the ones nearest the reply).",
    ),
    Setting(
        "COMMENTSVC_BODY_MAX_LENGTH",
        5000,
        _parse_positive_int,
        "Longest comment body in Unicode characters, after trimming.",
    ),
    Setting(
        "COMMENTSVC_ANONYMOUS_NAME",
        "zh-CN=网友,en=Reader",
        _parse_anonymous_names,
        "Name given to readers who leave the name empty, per widget language (`zh-CN=…,en=…`; one plain "
        "name serves both); set it empty to require a name.",
    ),
    Setting(
        "COMMENTSVC_PAGE_SIZE", 20, _parse_positive_int, "Top-level comments per page when the request gives no limit."
    ),
    Setting(
        "COMMENTSVC_REPLY_PAGE_SIZE",
        20,
        _parse_positive_int,
        "Replies per page when a reader asks for more of a top-level comment's replies.",
    ),
    Setting(
        "COMMENTSVC_FIRST_PAGE_REPLIES",
        3,
        _parse_positive_int,
        "Replies sent with each top-level comment on a thread page; the widget offers the rest (show N more replies).",
    ),
    Setting(
        "COMMENTSVC_REPORT_THRESHOLD",
        3,
        _parse_positive_int,
        "Weight of reports that sends an approved comment back to review: one per network, each weighed by its reporter's "
        "record (see Moderation in the README).",
    ),
    Setting(
        "COMMENTSVC_CACHE_MAX_AGE",
        5,
        _parse_nonnegative_int,
        "Seconds browsers and CDNs may cache public reads (threads, counts).",
    ),
    Setting(
        "COMMENTSVC_RESPONSE_CACHE_MB",
        16,
        _parse_nonnegative_int,
        "Memory per worker for thread pages and listing counts kept ready to send, checked against the "
        "thread's version or the site's counts token on every request; 0 turns it off.",
    ),
    Setting(
        "COMMENTSVC_BAN_ACTION",
        "reject",
        _parse_ban_action,
        "reject refuses a banned reader's new comments (403, code banned); hold keeps them pending for review.",
    ),
    Setting(
        "COMMENTSVC_MAX_LINKS", 2, _parse_nonnegative_int, "Comments with more links than this are held for review."
    ),
    Setting("COMMENTSVC_RATELIMIT_LOGIN", "10/minute;100/day", str, "Dashboard login attempts one client IP may make."),
    Setting(
        "COMMENTSVC_RATELIMIT_LOGIN_ACCOUNT",
        "5/minute;50/day",
        str,
        "Dashboard login attempts for one username, from any address (slows password guessing).",
    ),
    Setting("COMMENTSVC_DASHBOARD_PAGE_SIZE", 50, _parse_positive_int, "Comments per page in the moderation queues."),
    Setting(
        "COMMENTSVC_SECURE_COOKIES",
        None,
        _parse_bool,
        "Mark the dashboard session cookie Secure; default: whenever the request came over HTTPS "
        "(as seen through COMMENTSVC_TRUSTED_PROXIES). Set true when TLS ends at a proxy you do not list.",
    ),
    Setting(
        "COMMENTSVC_PUBLIC_URL",
        "http://127.0.0.1:8000",
        str,
        "The address readers reach commentsvc at: the base of every link in emails (confirm, unsubscribe, "
        "List-Unsubscribe) and feeds.",
    ),
    Setting(
        "COMMENTSVC_SMTP_URL",
        "",
        str,
        "Where emails go: smtp://user:pass@host:587 (STARTTLS whenever the server offers it; add ?tls=required to "
        "refuse sending without) or smtps://user:pass@host:465; empty: no emails are sent (webhooks and feeds work).",
    ),
    Setting("COMMENTSVC_MAIL_FROM", "commentsvc@localhost", str, "The From address of every email commentsvc sends."),
    Setting(
        "COMMENTSVC_REPLY_DIGEST_SECONDS",
        60,
        _parse_nonnegative_int,
        "Replies to one reader arriving within this many seconds go out as one email; the first of a burst "
        "leaves at most this late.",
    ),
    Setting(
        "COMMENTSVC_FLOOD_COPIES",
        3,
        _parse_nonnegative_int,
        "The same or nearly the same text posted this many times within COMMENTSVC_FLOOD_MINUTES anywhere on a site "
        "is a flood: that copy and every later one is stored as spam, and the earlier ones go to the Spam queue; 0 "
        "turns flood detection off.",
    ),
    Setting(
        "COMMENTSVC_FLOOD_MINUTES", 60, _parse_positive_int, "How far back flood detection looks for earlier copies."
    ),
    Setting(
        "COMMENTSVC_FLOOD_MIN_CHARS",
        12,
        _parse_nonnegative_int,
        "Comments with fewer letters and digits than this (顶, 沙发, 支持, +1, 谢谢分享) are never a flood.",
    ),
    Setting(
        "COMMENTSVC_SURGE_FACTOR",
        10.0,
        _parse_positive_float,
        "An article getting this many times its usual comments per minute (and at least "
        "COMMENTSVC_SURGE_MIN_PER_MINUTE) is pre-moderated for COMMENTSVC_SURGE_MINUTES (surge mode).",
    ),
    Setting(
        "COMMENTSVC_SURGE_MIN_PER_MINUTE",
        30,
        _parse_positive_int,
        "Comments in one minute an article needs at least before surge mode can start, however quiet it usually is.",
    ),
    Setting(
        "COMMENTSVC_SURGE_MINUTES",
        15,
        _parse_nonnegative_int,
        "How long surge mode pre-moderates an article after its last minute over the thresholds (and how long a "
        "moderator's end or extend lasts); 0 turns surge mode off.",
    ),
    Setting(
        "COMMENTSVC_PREMODERATION_HOURS",
        None,
        _parse_hours,
        "Hours during which every new comment is pending (reason schedule), e.g. `0-7` or `22-6` (past midnight), "
        "in COMMENTSVC_PREMODERATION_TIMEZONE; empty: none.",
    ),
    Setting(
        "COMMENTSVC_PREMODERATION_TIMEZONE",
        "UTC",
        _parse_timezone,
        "The time zone of COMMENTSVC_PREMODERATION_HOURS, e.g. Asia/Shanghai.",
    ),
    Setting(
        "COMMENTSVC_WEBHOOK_ALLOW_PRIVATE",
        False,
        _parse_bool,
        "Let webhooks call private, loopback and link-local addresses (refused by default, so a webhook cannot "
        "probe the internal network).",
    ),
)

# Issue 18: form tokens, proof of work, trust and per-reader limits (domain/form_checks.py and friends).
SETTINGS += (
    Setting(
        "COMMENTSVC_FORM_TOKENS",
        True,
        _parse_bool,
        "Posts need a form token from POST /api/v1/form-tokens (see Posting paths in the README); off opens the "
        "API as before (the honeypot still applies).",
    ),
    Setting(
        "COMMENTSVC_FORM_TOKEN_TTL",
        7200,
        _parse_positive_int,
        "Seconds a form token is good for; an older one is answered form_token_expired and the widget fetches another.",
    ),
    Setting(
        "COMMENTSVC_FORM_MIN_SECONDS",
        2,
        _parse_nonnegative_int,
        "A post sooner than this many seconds after its form token was issued is faster than a person: kept as spam.",
    ),
    Setting(
        "COMMENTSVC_CHALLENGE",
        "suspicious",
        _parse_challenge_mode,
        "Proof of work before posting: suspicious asks it of clients that post a lot or were caught lately; "
        "always asks everyone; off never.",
    ),
    Setting(
        "COMMENTSVC_CHALLENGE_MAX_NUMBER",
        5000,
        _parse_positive_int,
        "Proof-of-work difficulty: the largest number the widget may have to try (SHA-256 each, half of it on "
        "average); the default takes a desktop Chromium about 0.1 s at most (bench/README.md).",
    ),
    Setting(
        "COMMENTSVC_CHALLENGE_AFTER",
        5,
        _parse_positive_int,
        "A reader (identity, or address without one) with this many posts in the last COMMENTSVC_CHALLENGE_WINDOW "
        "seconds looks suspicious.",
    ),
    Setting(
        "COMMENTSVC_CHALLENGE_WINDOW",
        600,
        _parse_positive_int,
        "Seconds of recent activity that COMMENTSVC_CHALLENGE_AFTER counts, and in which a caught post makes its "
        "identity or address suspicious.",
    ),
    Setting(
        "COMMENTSVC_TRUST_FIRST",
        0,
        _parse_nonnegative_int,
        "The first N comments of a reader (identity, or email) are held as pending for review; 0 is off.",
    ),
    Setting(
        "COMMENTSVC_RATELIMIT_POST_IDENTITY",
        "5/minute;100/day",
        str,
        "Comments one reader identity may create, from any address.",
    ),
    Setting(
        "COMMENTSVC_RATELIMIT_POST_ADDRESS",
        "60/minute;2000/day",
        str,
        "Comments one address may create when each carries a reader identity (a campus proxy hides many readers); "
        "posts without one are held to COMMENTSVC_RATELIMIT_POST.",
    ),
    Setting(
        "COMMENTSVC_GEOIP_DB",
        "",
        str,
        "Path of a MaxMind GeoLite2/GeoIP2 City or DB-IP lite city .mmdb file, read at start-up: the region "
        "labels (IP属地) of sites with COMMENTSVC_SHOW_REGION on; empty means no labels.",
    ),
    Setting(
        "COMMENTSVC_SHOW_REGION",
        False,
        _parse_bool,
        'Label each new comment with where its address was ("IP属地：江苏" / "from Germany"; province in '
        "China, country elsewhere), looked up in COMMENTSVC_GEOIP_DB when posted; the address itself is never shown.",
    ),
    Setting(
        "COMMENTSVC_IP_RETENTION_DAYS",
        30,
        _parse_positive_int,
        "Days a comment keeps its raw client IP and user agent; then `commentsvc purge-ips` (or the worker, "
        "daily) keeps only a keyed hash of each and the address's /24 or /48 prefix (README: Privacy).",
    ),
    Setting(
        "COMMENTSVC_RATELIMIT_FORM_TOKEN",
        "60/minute;2000/day",
        str,
        "Form tokens one client IP may ask for.",
    ),
)

SETTING_NAMES = frozenset(setting.name for setting in SETTINGS)


def load_settings(environ: Mapping[str, str], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults, then the environment, then explicit overrides: tests and embedders win."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        value = setting.default
        raw = environ.get(setting.name)
        if raw is not None and raw != "":
            try:
                value = setting.parse(raw)
            except ValueError as exc:
                raise RuntimeError(f"{setting.name}: {exc}") from exc
        values[setting.name] = value
    values.update(overrides or {})
    return values


def allowed_origins(raw: str) -> str | list[str]:
    """'*' stays a wildcard; anything else is an explicit list of origins."""
    origins = [origin.strip() for origin in raw.split(",") if origin.strip()]
    if not origins or "*" in origins:
        return "*"
    return origins


def settings_table() -> str:
    """The README's configuration table, so it can be regenerated instead of kept by hand."""
    rows = ["| Variable | Default | What it does |", "| --- | --- | --- |"]
    for setting in SETTINGS:
        default = "(see description)" if setting.default is None else setting.default
        if isinstance(default, bool):
            default = str(default).lower()
        rows.append(f"| `{setting.name}` | `{default}` | {setting.help} |")
    return "\n".join(rows)
