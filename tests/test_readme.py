"""The README's Quickstart stays two commands, and CI runs the README's test command verbatim."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", section, flags=re.S)
    return [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_the_quickstart_is_exactly_two_commands_serve_and_test():
    commands = quickstart_commands()
    assert len(commands) == 2
    serve, test = commands
    assert "commentsvc serve" in serve
    assert "pytest" in test


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = quickstart_commands()[1].replace("pip install -e", "pip install -q -e")
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
