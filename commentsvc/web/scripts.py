"""Joins the widget's ES modules (static/widget/) into the two classic scripts publishers embed.

Publishers paste `<script src=".../embed.js" async>`, a classic script, so /embed.js and /count.js are each one
file. There is no bundler: the modules keep to a shape simple enough to join by a few rules, and any other
shape is an error here, not a broken script in readers' browsers. Line by line, outside multi-line template
literals (whose lines are copied as they are):

- `import { a, b } from "./x.js";` at column 0 is dropped; x.js must export every name and is joined first.
- `import NAME from "./x.json" with { type: "json" };` becomes `const NAME = <the JSON, compacted>;`, less the
  sections the widget never needs (`moderator_errors`, `plain_page`).
- `export ` is dropped from the front of a top-level `function`, `async function`, `class` or `const`.
  Every other import or export (renaming, default, namespace, dynamic import, import.meta) is refused.
- All modules share one function scope, so each top-level name (a declaration at column 0) is declared once.
- Lines holding only a comment, blank lines and indentation are dropped: they cost readers bytes, and outside
  template literals they mean nothing. A line may not end in a backslash (a string continued on the next line).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from ..resources import resource_dir

ENTRIES = {"embed.js": "main.js", "count.js": "count-main.js", "embed-pow.js": "pow-worker.js"}

_IMPORT = re.compile(r'import \{ (?P<names>\w+(?:, \w+)*) \} from "\./(?P<module>[\w-]+\.js)";')
_IMPORT_JSON = re.compile(r'import (?P<name>\w+) from "\./(?P<file>[\w-]+\.json)" with \{ type: "json" \};')
_EXPORT = re.compile(r"export (?=(?:async )?function |class |const )")
_DECLARATION = re.compile(r"(?:(?:async )?function\*? |class |const |let |var )(?P<name>[\w$]*)")
_MODULE_SYNTAX = re.compile(r"^\s*(?:import|export)\b|\bimport\s*[(.]")


# Sections of a JSON table the widget never needs: labels of errors only moderators meet, and the words
# of the pages served to readers without JavaScript (web/plain.py).
MODERATORS_ONLY = frozenset({"moderator_errors", "plain_page"})


def _for_readers(data: object) -> object:
    """labels.json without its moderators-only sections, one level down (per language)."""
    if not isinstance(data, dict):
        return data
    return {
        key: {k: v for k, v in value.items() if k not in MODERATORS_ONLY} if isinstance(value, dict) else value
        for key, value in data.items()
    }


class ScriptError(RuntimeError):
    """A widget module has a shape the joiner does not understand."""


class _Module:
    """One module file: what it imports, what it exports and declares, and its lines as they are joined."""

    def __init__(self, folder: Path, filename: str) -> None:
        self.folder = folder
        self.filename = filename
        self.imports: list[tuple[str, list[str]]] = []
        self.exports: set[str] = set()
        self.declared: list[str] = []
        self.lines: list[str] = []
        in_template = in_comment = False
        for number, line in enumerate((folder / filename).read_text(encoding="utf-8").splitlines(), 1):
            where = f"widget/{filename}:{number}"
            if in_template:
                self.lines.append(line)
                in_template = line.count("`") % 2 == 0
            elif in_comment or line.lstrip().startswith("/*"):
                in_comment = not line.rstrip().endswith("*/")
                if "*/" in (line if in_comment else line.rstrip()[:-2]):
                    raise ScriptError(f"{where}: code after a block comment on the same line")
            elif line.endswith("\\"):
                raise ScriptError(f"{where}: a line may not end in a backslash")
            else:
                in_template = line.count("`") % 2 == 1
                if (kept := self._code(where, line)) is not None:
                    self.lines.append(kept)
        if in_template or in_comment:
            raise ScriptError(f"widget/{filename}: ends inside a template literal or a comment")

    def _code(self, where: str, line: str) -> str | None:
        """The line as it goes into the joined script, or None when it goes nowhere."""
        if match := _IMPORT.fullmatch(line):
            self.imports.append((match["module"], match["names"].split(", ")))
            return None
        if match := _IMPORT_JSON.fullmatch(line):
            data = _for_readers(json.loads((self.folder / match["file"]).read_text(encoding="utf-8")))
            line = f"const {match['name']} = {json.dumps(data, ensure_ascii=False, separators=(',', ':'))};"
        elif _EXPORT.match(line):
            line = line.removeprefix("export ")
            self.exports.add(self._declare(where, line))
        elif _MODULE_SYNTAX.search(line):
            raise ScriptError(f"{where}: an import or export the joiner does not understand: {line.strip()}")
        if _DECLARATION.match(line):
            self._declare(where, line)
        code = line.lstrip()
        return None if not code or code.startswith("//") else code

    def _declare(self, where: str, line: str) -> str:
        match = _DECLARATION.match(line)
        if match is None or not match["name"]:
            raise ScriptError(f"{where}: a top-level declaration must name one thing: {line.strip()}")
        if match["name"] not in self.declared:
            self.declared.append(match["name"])
        return match["name"]


def _ordered(folder: Path, entry: str) -> list[_Module]:
    """The entry's imports depth first: each module once, after every module it imports."""
    done: dict[str, _Module] = {}
    visiting: list[str] = []

    def visit(filename: str) -> _Module:
        if filename in done:
            return done[filename]
        if filename in visiting:
            raise ScriptError(f"an import cycle: {' -> '.join([*visiting, filename])}")
        visiting.append(filename)
        module = _Module(folder, filename)
        for dependency, names in module.imports:
            missing = set(names) - visit(dependency).exports
            if missing:
                raise ScriptError(
                    f"widget/{filename} imports {', '.join(sorted(missing))}, which widget/{dependency} does not export"
                )
        visiting.pop()
        done[filename] = module
        return module

    visit(entry)
    return list(done.values())


def join(folder: Path, entry: str, name: str) -> str:
    """The modules behind `entry` as one classic script: one function scope, in strict mode."""
    modules = _ordered(folder, entry)
    owners: dict[str, str] = {}
    for module in modules:
        for declared in module.declared:
            if declared in owners:
                raise ScriptError(
                    f"{declared} is declared in both widget/{owners[declared]} and widget/{module.filename}"
                )
            owners[declared] = module.filename
    body = "\n".join(line for module in modules for line in module.lines)
    return f'/* commentsvc {name}, joined from static/widget/{entry} */\n(() => {{\n"use strict";\n{body}\n}})();\n'


@functools.cache
def bundle(name: str) -> bytes:
    """The classic script served as /embed.js or /count.js, joined once per process."""
    if name not in ENTRIES:
        raise KeyError(f"no script named {name!r}; there are {', '.join(ENTRIES)}")
    return join(resource_dir("static") / "widget", ENTRIES[name], name).encode("utf-8")
