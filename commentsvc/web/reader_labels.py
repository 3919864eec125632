"""The widget's label table (static/widget/labels.json) for pages readers see without JavaScript."""

from __future__ import annotations

import functools
import json
from typing import Any

from ..resources import resource_dir

LANGUAGES = ("zh-CN", "en")


@functools.cache
def _table() -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = json.loads(
        (resource_dir("static") / "widget" / "labels.json").read_text(encoding="utf-8")
    )
    return table


def pick_language(requested: Any) -> str:
    """As the widget does: zh-CN unless English is asked for explicitly."""
    return "en" if isinstance(requested, str) and requested.lower().startswith("en") else "zh-CN"


def label(key: str, language: str, **params: Any) -> str:
    """The widget's label, or else the plain pages' own (the `plain_page` section)."""
    strings = _table()[language]
    text = str(strings.get(key, strings["plain_page"].get(key, key)))
    return text.format(**params) if params else text


def counted(key: str, count: int, language: str) -> str:
    """`key_one` for exactly one in English, `key_other` otherwise (Chinese has one form)."""
    strings = _table()[language]
    exact = f"{key}_one" if count == 1 and language == "en" else f"{key}_other"
    return str(strings.get(exact, strings.get(f"{key}_other", key))).format(n=count)


def error_text(code: str, message: str, language: str) -> str:
    """A stable error code in the reader's words; the server's message when the table has none."""
    errors: dict[str, str] = _table()[language]["errors"]
    return errors.get(code, message)
