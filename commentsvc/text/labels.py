"""Readers' labels in both languages, from static/widget/labels.json: the one table the widget is built with
and the dashboard reads for report reasons and comment statuses."""

from __future__ import annotations

import functools
import json
from typing import Any

from ..resources import resource_dir


@functools.cache
def label_table() -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = json.loads(
        (resource_dir("static") / "widget" / "labels.json").read_text("utf-8")
    )
    return table


def code_label(kind: str, code: str, language: str) -> str:
    """The label of a stable code (`kind` is reasons, statuses or errors); the code itself when unknown."""
    labels: dict[str, str] = label_table()["zh-CN" if language == "zh-CN" else "en"][kind]
    return labels.get(code, code)
