"""Reading the JSON formats: one document, or JSON Lines, with a clear error naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .source import UnreadableFile, read_all


def load_document(path: Path, format_name: str) -> Any:
    data = read_all(path)
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise UnreadableFile(path, f"not a {format_name} export: not UTF-8 text ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise UnreadableFile(
            path,
            f"not a {format_name} export: JSON syntax error at line {error.lineno}, column {error.colno}: {error.msg}",
        ) from None


def load_lines(path: Path, format_name: str) -> list[Any]:
    """JSON Lines: one value per line; a bad line names its number."""
    values = []
    for number, line in enumerate(read_all(path).decode("utf-8-sig", errors="strict").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            values.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise UnreadableFile(
                path,
                f"not a {format_name} export: JSON syntax error at line {number}, column {error.colno}: {error.msg}",
            ) from None
    return values


def text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def expect(condition: bool, path: Path, problem: str) -> None:
    if not condition:
        raise UnreadableFile(path, problem)
