"""bench/instructions.py: callgrind's dumps read by label, exports checked against their commit, and two
runs on one tree agreeing within a percent."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ROOT, load_bench_script, skip_or_fail

SCRIPT = ROOT / "bench" / "instructions.py"


def load_tool() -> ModuleType:
    return load_bench_script("instructions")


def dump(trigger: str, total: int) -> str:
    """The head and tail of a callgrind output file as valgrind 3.19 writes them."""
    return (
        "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 26517\npart: 1\n\n\n"
        "desc: I1 cache: \ndesc: D1 cache: \ndesc: LL cache: \n\n"
        f"desc: Timerange: Basic block 0 - 40152618\ndesc: Trigger: {trigger}\n\n"
        f"positions: line\nevents: Ir\nsummary: {total}\n\n\nob=(1) /usr/bin/python3.11\nfn=(1) main\n0 17\n\n"
        f"totals: {total}\n"
    )


def test_each_client_request_dump_gives_its_label_and_instruction_total(tmp_path: Path) -> None:
    (tmp_path / "callgrind.out.1").write_text(dump("Client Request: CEIL", 183143933))
    (tmp_path / "callgrind.out.2").write_text(dump("Client Request: W3", 1296353438))

    assert load_tool().collect_dumps(tmp_path) == {"CEIL": 183143933, "W3": 1296353438}


def test_the_dump_valgrind_writes_at_exit_is_not_counted_as_a_workload(tmp_path: Path) -> None:
    (tmp_path / "callgrind.out.1").write_text(dump("Client Request: W3", 1296353438))
    (tmp_path / "callgrind.out").write_text(dump("Program termination", 10))

    assert load_tool().collect_dumps(tmp_path) == {"W3": 1296353438}


def test_two_dumps_with_one_label_are_refused(tmp_path: Path) -> None:
    (tmp_path / "callgrind.out.1").write_text(dump("Client Request: W3", 1))
    (tmp_path / "callgrind.out.2").write_text(dump("Client Request: W3", 2))

    with pytest.raises(ValueError, match="two callgrind dumps are labelled 'W3'"):
        load_tool().collect_dumps(tmp_path)


def test_growth_against_an_earlier_run_is_given_in_percent_for_each_workload_and_the_ratio() -> None:
    earlier = {"commit_id": "2fe6c5e8f3db", "instructions_per_request": {"CEIL": 600_000.0, "W3": 4_000_000.0}}

    lines = load_tool().comparison({"CEIL": 600_000.0, "W3": 4_400_000.0}, earlier)

    assert lines == [
        "- CEIL: 600,000 against 600,000 instructions/req on 2fe6c5e8f3db: +0.00%",
        "- W3: 4,400,000 against 4,000,000 instructions/req on 2fe6c5e8f3db: +10.00%",
        "- W3 × ceiling's instructions: 7.33 against 6.67: +10.00%",
    ]


def test_an_export_that_differs_from_the_commit_it_names_is_refused_in_one_line(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        skip_or_fail(f"{ROOT} is not a git checkout")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive, check=True)
    (tmp_path / "commentsvc" / "errors.py").write_text("# changed after the export\n")

    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--tree", str(tmp_path), "--commit", "HEAD"], capture_output=True, text=True
    )

    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines() == [
        f"instructions: {tmp_path} is not commit {head[:12]}: 1 file differs (commentsvc/errors.py)."
    ]


@pytest.mark.slow
def test_two_runs_on_the_same_tree_count_the_same_instructions_within_a_percent(tmp_path: Path) -> None:
    for program in ("valgrind", "gcc"):
        if not shutil.which(program):
            skip_or_fail(f"{program} is not installed")
    if not Path("/usr/include/valgrind/callgrind.h").exists():
        skip_or_fail("valgrind's callgrind.h is not installed")

    subprocess.run(
        [sys.executable, str(SCRIPT), "--requests", "100", "--warmup", "100", "--repeat", "2", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )

    runs = json.loads((tmp_path / "results.json").read_text())["runs"]
    for name in ("CEIL", "W3"):
        first, second = (run[name] for run in runs)
        assert abs(first - second) / first < 0.01, (name, first, second)


def test_the_table_says_what_the_spam_defences_add_to_a_post() -> None:
    text = load_tool().table({"CEIL": 600_000.0, "W3-OPEN": 6_000_000.0, "W3": 6_600_000.0}, 200)

    assert text.splitlines()[-1] == (
        "The spam defences add +10.0% to a post (W3 against W3-OPEN; issue 18's budget: +10%)."
    )
