"""Finds templates/, static/ and migrations/ in a source checkout and in an installed wheel alike."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Inside the package when installed from a wheel; beside it (the repo root) in a checkout."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"commentsvc cannot find its {name}/ folder next to {_PACKAGE}")
