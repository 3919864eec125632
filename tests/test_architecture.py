"""The layers are folders and imports run one way: web → domain → storage → models, text/ usable by all."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "commentsvc"
FLASK_WORLD = ("flask", "flask_sqlalchemy", "flask_limiter", "flask_wtf", "flask_cors", "werkzeug")
# Password hashing is the one werkzeug module the domain may use: it is not HTTP.
ALLOWED_IN_DOMAIN = {"werkzeug.security"}


def imported_modules(path: Path) -> set[str]:
    """Absolute dotted names of every import, relative ones resolved against the module's package."""
    package = path.relative_to(PACKAGE.parent).parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            names.add(module)
            if node.module is None:
                names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def modules_in(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _ids(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def starts_with(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


@pytest.mark.parametrize("module", modules_in("domain") + modules_in("text"), ids=_ids)
def test_domain_and_text_know_nothing_of_flask_or_web(module: Path) -> None:
    """Domain and text know nothing of Flask or the web layer."""
    offending = {
        name
        for name in imported_modules(module) - ALLOWED_IN_DOMAIN
        if starts_with(name, (*FLASK_WORLD, "commentsvc.web", "commentsvc.cli", "commentsvc.instance"))
    }
    assert not offending


@pytest.mark.parametrize("module", modules_in("text"), ids=_ids)
def test_text_needs_no_database(module: Path) -> None:
    offending = {
        name
        for name in imported_modules(module)
        if starts_with(name, ("sqlalchemy", "commentsvc.domain", "commentsvc.storage", "commentsvc.models"))
    }
    assert not offending


@pytest.mark.parametrize("module", modules_in("storage"), ids=_ids)
def test_storage_imports_no_domain_or_web(module: Path) -> None:
    offending = {
        name for name in imported_modules(module) if starts_with(name, ("commentsvc.domain", "commentsvc.web", "flask"))
    }
    assert not offending


@pytest.mark.parametrize("module", modules_in("web/dashboard"), ids=_ids)
def test_the_dashboard_never_imports_the_api_blueprint(module: Path) -> None:
    assert "commentsvc.web.api" not in imported_modules(module)


@pytest.mark.parametrize(
    "module",
    [PACKAGE / name for name in ("models.py", "errors.py", "extensions.py", "clock.py", "config.py")],
    ids=_ids,
)
def test_the_foundations_import_no_layer_above_them(module: Path) -> None:
    offending = {
        name
        for name in imported_modules(module)
        if starts_with(name, ("commentsvc.domain", "commentsvc.web", "commentsvc.storage", "flask"))
        and not (module.name == "extensions.py" and starts_with(name, FLASK_WORLD))
    }
    assert not offending


def test_sql_tuning_lives_only_in_storage() -> None:
    users = {_ids(p) for p in PACKAGE.rglob("*.py") if "PreparedStatement" in p.read_text(encoding="utf-8")}
    assert users and all(user.startswith("storage/") for user in users), users


def test_only_the_sanitizer_imports_bleach_or_nh3() -> None:
    users = {
        _ids(p)
        for p in PACKAGE.rglob("*.py")
        if {name.split(".")[0] for name in imported_modules(p)} & {"bleach", "nh3"}
    }
    assert users == {"text/sanitize.py"}
