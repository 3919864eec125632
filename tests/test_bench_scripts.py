"""The full-size simulations in bench/ run as documented and keep their promises (bench/README.md)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_the_full_size_flood_publishes_no_bot_comment_and_every_honest_one() -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "flood.py")], capture_output=True, text=True, timeout=300
    )

    assert completed.returncode == 0, completed.stderr
    report = completed.stdout.splitlines()
    assert "bot comments published: 0.0%" in report
    assert "honest readers published: 100.0% (pending 0.0%)" in report
    assert "non-201 answers to the bot: none" in report
    assert "non-201 answers to honest readers: none" in report


def test_the_fingerprint_report_finds_no_false_copy() -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "fingerprint.py"), "--pairs", "100"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert completed.returncode == 0, completed.stderr
    rows = [line.split("|") for line in completed.stdout.splitlines() if line.startswith("| ") and "%" in line]
    assert len(rows) == 4
    assert all(row[3].strip() == "0.00%" for row in rows)
    assert rows[-1][2].strip() == "100.0%"  # one changed word in 60 characters is always found
