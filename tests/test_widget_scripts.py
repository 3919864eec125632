"""The widget's JavaScript: its node unit tests and lint, the labels table, and the joiner that serves the
ES modules in static/widget/ as the classic scripts /embed.js and /count.js."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, skip_or_fail

from commentsvc.web.scripts import ENTRIES, ScriptError, bundle, join

WIDGET = ROOT / "static" / "widget"
LABELS = json.loads((WIDGET / "labels.json").read_text(encoding="utf-8"))


def _node_tool(*command: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None:
        skip_or_fail("node is not installed (the widget's JavaScript tests need Node 20)")
    if not (ROOT / "node_modules" / "eslint").is_dir():
        skip_or_fail("node_modules is missing: run `npm ci` at the repository root")
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_widget_modules_pass_their_node_unit_tests() -> None:
    result = _node_tool("node", "--test", "tests/js")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_widget_modules_and_their_tests_pass_eslint() -> None:
    result = _node_tool("npx", "--no-install", "eslint", "static/widget", "static/dashboard.js", "tests/js")
    assert result.returncode == 0, result.stdout + result.stderr


# --- labels ---------------------------------------------------------------------------------------


def _keys(table: dict[str, object], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in table.items():
        keys.add(prefix + key)
        if isinstance(value, dict):
            keys |= _keys(value, f"{prefix}{key}.")
    return keys


def test_every_label_exists_in_both_languages() -> None:
    assert set(LABELS) == {"en", "zh-CN"}
    english, chinese = _keys(LABELS["en"]), _keys(LABELS["zh-CN"])
    assert english - chinese == set(), "missing in zh-CN"
    assert chinese - english == set(), "missing in en"
    for language in LABELS.values():
        assert {"reasons", "statuses", "errors", "moderator_errors"} <= language.keys()
        assert all(isinstance(value, str) and value for value in _flat(language)), "every label is a non-empty string"


def _flat(table: dict[str, object]) -> list[object]:
    return [leaf for value in table.values() for leaf in (_flat(value) if isinstance(value, dict) else [value])]


def _error_codes_in_the_server() -> set[str]:
    """Codes the server can put in an error body: literal code="…", class defaults and the HTTP table."""
    package = ROOT / "commentsvc"
    source = "\n".join(path.read_text(encoding="utf-8") for path in package.rglob("*.py"))
    codes = set(re.findall(r'\bcode="([a-z_]+)"', source)) | set(re.findall(r'^\s+code = "([a-z_]+)"$', source, re.M))
    table = re.search(r"_HTTP_CODES = \{(.*?)\}", source, re.S)
    assert table, "the HTTP error code table moved"
    codes |= set(re.findall(r'"([a-z_]+)"', table.group(1)))
    # Spelled outside those patterns: the fallbacks, the unexpected errors, and the f"{field}_invalid" codes.
    return codes | {
        "http_error",
        "database_unavailable",
        "internal_error",
        "limit_invalid",
        "parent_id_invalid",
        "ids_invalid",
        "id_invalid",
    }


def test_every_error_code_the_server_can_send_has_a_label() -> None:
    codes = _error_codes_in_the_server()
    assert len(codes) > 50
    labelled = LABELS["en"]["errors"].keys() | LABELS["en"]["moderator_errors"].keys()
    assert sorted(codes - labelled) == []


def test_readers_get_no_labels_only_moderators_need() -> None:
    """embed.js carries `errors` but not `moderator_errors`, which only the dashboard meets."""
    embedded = bundle("embed.js").decode()
    assert LABELS["zh-CN"]["errors"]["body_too_long"] in embedded
    assert all(label not in embedded for label in LABELS["zh-CN"]["moderator_errors"].values())


def test_the_errors_table_also_names_the_codes_of_the_coming_checks() -> None:
    upcoming = {
        "form_token_required",
        "form_token_expired",
        "challenge_required",
        "sso_invalid",
        "login_required",
        "idempotency_key_reused",
        "banned",
    }
    assert upcoming <= LABELS["zh-CN"]["errors"].keys()


def test_report_reasons_use_the_dashboards_wording() -> None:
    assert LABELS["zh-CN"]["reasons"] == {
        "illegal": "违法违规",
        "sexual": "色情低俗",
        "abuse": "谩骂攻击",
        "spam": "垃圾广告",
        "misinformation": "不实信息",
        "other": "其他",
    }
    assert list(LABELS["en"]["statuses"]) == ["approved", "pending", "rejected", "spam", "deleted"]


# --- the joiner -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_each_joined_script_is_one_classic_script_that_parses(name: str, tmp_path: Path) -> None:
    text = bundle(name).decode()
    assert text.count('"use strict"') == 1
    assert not re.search(r"^\s*(import|export)\b", text, re.M)
    script = tmp_path / f"{name}.cjs"
    script.write_text(text, encoding="utf-8")
    result = _node_tool("node", "--check", str(script))
    assert result.returncode == 0, result.stderr


def test_the_embed_script_carries_the_labels_table() -> None:
    text = bundle("embed.js").decode()
    for_readers = {
        language: {key: value for key, value in table.items() if key not in ("moderator_errors", "plain_page")}
        for language, table in LABELS.items()
    }
    assert "const LABELS = " + json.dumps(for_readers, ensure_ascii=False, separators=(",", ":")) + ";" in text


def test_count_js_is_built_from_the_widgets_own_counting_module() -> None:
    counting = [
        line
        for line in join(WIDGET, "counts.js", "counts").splitlines()
        if "class Counter" in line or "function countRequests" in line
    ]
    assert len(counting) == 2
    for name in ("embed.js", "count.js"):  # embed-pow.js, the proof-of-work worker, counts nothing
        assert all(line in bundle(name).decode().splitlines() for line in counting), name


def test_the_joined_script_is_memoised_per_process() -> None:
    assert bundle("count.js") is bundle("count.js")


def _modules(tmp_path: Path, files: dict[str, str]) -> Path:
    for filename, text in files.items():
        (tmp_path / filename).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_joiner_orders_modules_by_their_imports_and_drops_module_syntax(tmp_path: Path) -> None:
    folder = _modules(
        tmp_path,
        {
            "main.js": 'import { twice } from "./b.js";\n/* entry */\nconsole.log(twice(2));\n',
            "b.js": 'import { one } from "./c.js";\n// why\nexport function twice(n) {\n  return n * 2 * one;\n}\n',
            "c.js": "export const one = 1;\nconst css = `\n  kept as is\n`;\n",
        },
    )
    text = join(folder, "main.js", "x.js")
    body = text.split('"use strict";\n', 1)[1]
    assert (
        body == "const one = 1;\nconst css = `\n  kept as is\n`;\nfunction twice(n) {\nreturn n * 2 * one;\n}\n"
        "console.log(twice(2));\n})();\n"
    )


@pytest.mark.parametrize(
    ("files", "complaint"),
    [
        ({"main.js": 'import { a as b } from "./b.js";\n', "b.js": "export const a = 1;\n"}, "does not understand"),
        ({"main.js": 'import b from "./b.js";\n', "b.js": "export default 1;\n"}, "does not understand"),
        ({"main.js": 'import * as b from "./b.js";\n', "b.js": "export const a = 1;\n"}, "does not understand"),
        ({"main.js": "export default function () {}\n"}, "does not understand"),
        ({"main.js": "export let a = 1;\n"}, "does not understand"),
        ({"main.js": "export { a };\nconst a = 1;\n"}, "does not understand"),
        ({"main.js": "const m = import.meta.url;\n"}, "does not understand"),
        ({"main.js": 'import("./b.js");\n'}, "does not understand"),
        ({"main.js": 'import { a } from "./b.js";\n', "b.js": "const a = 1;\n"}, "does not export"),
        (
            {"main.js": 'import { a } from "./b.js";\nconst a = 2;\n', "b.js": "export const a = 1;\n"},
            "declared in both",
        ),
        (
            {
                "main.js": 'import { a } from "./b.js";\nexport const c = 1;\n',
                "b.js": 'import { c } from "./main.js";\nexport const a = c;\n',
            },
            "import cycle",
        ),
        ({"main.js": "export const { a, b } = {};\n"}, "must name one thing"),
        ({"main.js": "const s = `never closed\n"}, "ends inside"),
        ({"main.js": "/* a */ const a = 1;\n"}, "block comment"),
        ({"main.js": 'const s = "one\\\n two";\n'}, "backslash"),
    ],
)
def test_the_joiner_refuses_a_module_shape_it_does_not_understand(
    tmp_path: Path, files: dict[str, str], complaint: str
) -> None:
    with pytest.raises(ScriptError, match=complaint):
        join(_modules(tmp_path, files), "main.js", "x.js")
