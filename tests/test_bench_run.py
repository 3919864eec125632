"""bench/run.py's report: what it concludes from the figures it measured."""

from __future__ import annotations

from types import ModuleType

from conftest import load_bench_script


def load_bench() -> ModuleType:
    return load_bench_script("run")


def posting(name: str, cpu_ms: float) -> object:
    bench = load_bench()
    workload = bench.Workload(name, "post", mode="post", defences=name != "W3-OPEN")
    return bench.Result(workload, 500.0, 4.0, 9.0, 0, 1000, {"201": 1000}, 60.0, None, cpu_ms=cpu_ms)


def test_the_summary_says_what_the_spam_defences_add_to_a_posts_worker_cpu() -> None:
    lines = load_bench().summary_lines([posting("W3-OPEN", 2.0), posting("W3", 2.5)])

    assert "- the spam defences add +25.0% to a post's worker CPU (W3 against W3-OPEN; " in lines[0]
    assert lines[0].endswith("issue 18's target: at most +10%): no")


def test_defences_within_a_tenth_of_a_post_meet_the_target() -> None:
    lines = load_bench().summary_lines([posting("W3-OPEN", 2.0), posting("W3", 2.1)])

    assert lines[0].endswith(": yes") and "+5.0%" in lines[0]


def test_the_summary_flags_a_posting_run_whose_posts_were_mostly_not_approved() -> None:
    flooded = posting("W3", 2.5)
    flooded.kept = {"approved": 900, "spam": 100}
    ordinary = posting("W3-OPEN", 2.0)
    ordinary.kept = {"approved": 998, "spam": 2}

    lines = load_bench().summary_lines([ordinary, flooded])

    assert "- W3-OPEN's 1,000 posts kept: approved 998, spam 2" in lines
    assert (
        "- W3's 1,000 posts kept: approved 900, spam 100 — **not an ordinary post's cost: over 1% not approved**"
        in lines
    )
