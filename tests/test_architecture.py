"""Business rules stay in plain modules: they must not import Flask (house style, principle 3)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "commentsvc"
# The dashboard/ package is web layer as a whole; only top-level modules hold business rules.
# Modules that wire requests, responses or the CLI to the services.
WEB_LAYER = {"__init__.py", "api.py", "widget.py", "errors.py", "cli.py", "wsgi.py", "server.py",
             "extensions.py", "database.py", "caching.py", "ratelimits.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


SERVICE_MODULES = sorted(p for p in PACKAGE.glob("*.py") if p.name not in WEB_LAYER)


@pytest.mark.parametrize("module", SERVICE_MODULES, ids=lambda p: p.name)
def test_service_modules_do_not_import_flask(module):
    assert not imported_modules(module) & {"flask", "flask_sqlalchemy", "flask_limiter", "flask_wtf", "werkzeug"} - (
        {"werkzeug"} if module.name == "auth.py" else set())


def test_only_sanitize_imports_bleach_or_nh3():
    users = {p.name for p in PACKAGE.rglob("*.py") if imported_modules(p) & {"bleach", "nh3"}}
    assert users == {"sanitize.py"}
