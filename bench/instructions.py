"""Instructions per request, counted by callgrind: a posting-cost figure that other load on the machine
cannot move (`python bench/instructions.py`, see bench/README.md).

Builds bench/dataset.py's SQLite data set with the tree's own code, then runs one process under
`valgrind --tool=callgrind --instr-atstart=no`: it builds the tree's app as `commentsvc.wsgi` does for
gunicorn, calls it as a WSGI application with the request bench/run.py's W3 sends (a new comment with
a unique body), warm-up first, and counts only the measured loop, between two client requests made by
a three-function C helper (compiled with gcc against valgrind's callgrind.h). The ceiling app
(bench/ceiling.py, GET /fixed) is measured the same way in the same process, before the tree's app is
imported.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ORIGIN = "https://news.example"
# The body bench/wrk.lua posts for W3, with a fixed nonce so every tree posts the same sequence.
NONCE = "instr"
CHINESE = ("这篇报道写得很清楚", "我不太同意作者的观点", "希望有关部门尽快回应", "感谢记者的深入调查")
SECRET_KEY = "bench-instructions-fixed-secret-key-0123456789"

HELPER_C = r"""
#include <valgrind/callgrind.h>
void commentsvc_bench_start(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void commentsvc_bench_stop(const char *label) { CALLGRIND_DUMP_STATS_AT(label); CALLGRIND_STOP_INSTRUMENTATION; }
int commentsvc_bench_on_valgrind(void) { return RUNNING_ON_VALGRIND; }
"""


@dataclass(frozen=True)
class Workload:
    name: str
    what: str
    expected_status: str


WORKLOADS = (
    Workload("CEIL", "ceiling: GET /fixed on bench/ceiling.py (fixed ~2 KB JSON from a minimal Flask app)", "200"),
    Workload("W3-OPEN", "W3 with the spam defences off (DEFENCES_OFF): what they add is W3 over W3-OPEN", "201"),
    Workload("W3", "POST /api/v1/comments: a new comment with a unique body, as bench/run.py's W3", "201"),
)
# Issue 18's form token, speed and proof-of-work checks, flood detection and surge mode, all off (the
# honeypot stays: it costs one comparison). A tree before them ignores the names.
DEFENCES_OFF = {
    "COMMENTSVC_FORM_TOKENS": False,
    "COMMENTSVC_CHALLENGE": "off",
    "COMMENTSVC_FLOOD_COPIES": 0,
    "COMMENTSVC_SURGE_MINUTES": 0,
}


# --- pure logic: callgrind's files and the table ------------------------------------------------


def read_dump(text: str) -> tuple[str | None, int]:
    """The client-request label and the instruction total of one callgrind output file."""
    label = None
    total = None
    for line in text.splitlines():
        if line.startswith("desc: Trigger: Client Request: "):
            label = line.removeprefix("desc: Trigger: Client Request: ").strip()
        elif line.startswith(("totals:", "summary:")) and total is None:
            total = int(line.split(":", 1)[1].split()[0])
    if total is None:
        raise ValueError("no totals: or summary: line in the callgrind output")
    return label, total


def collect_dumps(folder: Path) -> dict[str, int]:
    """Instruction totals by label, from every dump a client request wrote into `folder`."""
    totals: dict[str, int] = {}
    for path in sorted(folder.glob("callgrind.out.*")):
        label, total = read_dump(path.read_text(errors="replace"))
        if label is None:
            continue  # the dump valgrind writes at exit
        if label in totals:
            raise ValueError(f"two callgrind dumps are labelled {label!r}")
        totals[label] = total
    return totals


def per_request(totals: dict[str, int], requests: int) -> dict[str, float]:
    return {name: total / requests for name, total in totals.items()}


def spread(values: list[float]) -> float:
    """How far apart repeated totals are: (highest - lowest) / lowest."""
    return (max(values) - min(values)) / min(values)


def growth(value: float, base: float) -> float:
    return value / base - 1


def table(instructions: dict[str, float], requests: int) -> str:
    """Workload, instructions per request, and the ratios both ways to the ceiling of the same run."""
    ceiling = instructions["CEIL"]
    lines = [
        "| workload | what | requests | instructions/req | × ceiling's instructions | ceiling ÷ workload |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for workload in WORKLOADS:
        if workload.name not in instructions:
            continue
        value = instructions[workload.name]
        lines.append(
            f"| {workload.name} | {workload.what} | {requests:,} | {value:,.0f} | {value / ceiling:.2f} | "
            f"{ceiling / value:.3f} |"
        )
    if "W3" in instructions and "W3-OPEN" in instructions:
        added = growth(instructions["W3"], instructions["W3-OPEN"])
        lines += ["", f"The spam defences add {added:+.1%} to a post (W3 against W3-OPEN; issue 18's budget: +10%)."]
    return "\n".join(lines)


def comparison(instructions: dict[str, float], base: dict[str, Any]) -> list[str]:
    """One line per workload: its instructions per request against an earlier results.json."""
    lines = []
    base_ratio = base["instructions_per_request"]["W3"] / base["instructions_per_request"]["CEIL"]
    for name, value in instructions.items():
        before = base["instructions_per_request"].get(name)
        if before:
            lines.append(
                f"- {name}: {value:,.0f} against {before:,.0f} instructions/req on {base['commit_id']}: "
                f"{growth(value, before):+.2%}"
            )
    if "W3" in instructions:
        ratio = instructions["W3"] / instructions["CEIL"]
        lines.append(
            f"- W3 × ceiling's instructions: {ratio:.2f} against {base_ratio:.2f}: {growth(ratio, base_ratio):+.2%}"
        )
    return lines


# --- the tree -----------------------------------------------------------------------------------


def git(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], capture_output=True, text=True, env=env)


def tree_commit(tree: Path, claimed: str | None) -> str:
    """The commit the tree holds: a checkout says so itself; an export (git archive) is checked file by
    file against the commit named with --commit, using this checkout's repository."""
    inside = git("-C", str(tree), "rev-parse", "--show-toplevel")
    if inside.returncode == 0 and Path(inside.stdout.strip()).resolve() == tree:
        head = git("-C", str(tree), "rev-parse", "--short=12", "HEAD").stdout.strip()
        dirty = git("-C", str(tree), "status", "--porcelain", "--untracked-files=no").stdout.strip()
        if claimed and not head.startswith(claimed[:12]):
            sys.exit(f"instructions: --commit {claimed} but {tree} is a checkout of {head}.")
        return head + (" with uncommitted changes" if dirty else "")
    if not claimed:
        return "unknown (not a git checkout; pass --commit REV to name and check it)"
    resolved = git("-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{claimed}^{{commit}}")
    if resolved.returncode != 0:
        sys.exit(f"instructions: --commit {claimed} is not a commit of the repository at {ROOT}.")
    full = resolved.stdout.strip()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(folder) / "index")}
        git("-C", str(ROOT), "read-tree", full, env=env)
        git("-C", str(ROOT), f"--work-tree={tree}", "update-index", "-q", "--refresh", env=env)
        differs = git("-C", str(ROOT), f"--work-tree={tree}", "diff-files", "--name-only", env=env).stdout.split()
    if differs:
        shown = ", ".join(differs[:5]) + (" …" if len(differs) > 5 else "")
        sys.exit(
            f"instructions: {tree} is not commit {full[:12]}: "
            f"{len(differs)} {'file differs' if len(differs) == 1 else 'files differ'} ({shown})."
        )
    return f"{full[:12]} (export; every file of the commit is there unchanged)"


def use_tree(tree: Path) -> None:
    """Import commentsvc, dataset and ceiling from the tree, not from the checkout holding this script
    (found, not imported: the ceiling is measured before anything of the tree is loaded)."""
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH]
    sys.path[:0] = [str(tree / "bench"), str(tree)]
    spec = importlib.util.find_spec("commentsvc")
    found = Path(spec.origin).resolve() if spec and spec.origin else None
    if found is None or not found.is_relative_to(tree):
        sys.exit(
            f"instructions: this Python imports commentsvc from {found.parent if found else 'nowhere'}, not from "
            f"--tree {tree}; run it with that tree's Python ({tree}/.venv/bin/python)."
        )


# --- the two child phases -----------------------------------------------------------------------


def prepare(tree: Path, workdir: Path) -> None:
    """Outside valgrind: the data set, built by the tree's bench/dataset.py (seconds, not minutes)."""
    use_tree(tree)
    import dataset

    info = dataset.build(
        f"sqlite:///{workdir / 'bench.sqlite3'}", log=lambda message: print(f"instructions: {message}")
    )
    (workdir / "dataset.json").write_text(json.dumps(info))


WORDS = [
    "alliance",
    "treaty",
    "summit",
    "budget",
    "minister",
    "election",
    "trade",
    "border",
    "energy",
    "housing",
    "schools",
    "transit",
    "river",
    "harbour",
    "tariffs",
    "wages",
    "farmers",
    "rainfall",
    "vaccine",
    "museum",
    "stadium",
    "council",
    "courts",
    "police",
    "airport",
    "bridge",
    "rents",
    "pensions",
    "startups",
    "reporters",
    "sources",
    "numbers",
    "history",
    "weather",
    "markets",
    "exports",
    "villages",
    "students",
]


def post_bodies(site: str, articles: list[str], first: int, count: int, run: str = "1") -> list[bytes]:
    """W3's requests as bench/wrk.lua writes them, numbered from `first`; `run` keeps two runs' bodies apart."""
    bodies = []
    for counter in range(first, first + count):
        article = articles[counter % len(articles)]
        # Each reader's own words, as bench/wrk.lua draws them: template bodies would be a flood.
        own = " ".join(random.Random(counter).choices(WORDS, k=9))
        text = f"{CHINESE[counter % len(CHINESE)]}. {own} ({NONCE}-{run}-{counter})"
        bodies.append(
            json.dumps(
                {"site": site, "article": article, "title": "Bench story", "name": "压测读者", "body": text},
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode()
        )
    return bodies


def from_readers(batch: list[dict[str, Any]], network: int = 1) -> list[dict[str, Any]]:
    """Each post from another reader's address, as bench/wrk.lua sends them through a proxy hop: one
    address posting at machine speed is what the flood and proof-of-work checks are there to stop."""
    for number, environ in enumerate(batch):
        environ["REMOTE_ADDR"] = f"10.{network}.{number // 256 % 256}.{number % 256}"
    return batch


def with_form_tokens(app: Any, environs: Any, bodies: list[bytes]) -> list[bytes]:
    """Each body with a form token asked for before counting starts, as the widget has one before it
    posts (the next one comes in each 201, so asking is not part of a post's cost). A tree without
    POST /api/v1/form-tokens (before issue 18) posts the bodies as they are."""
    signed = []
    statuses: list[str] = []
    for body in bodies:
        fields = json.loads(body)
        request = json.dumps({"site": fields["site"], "article": fields["article"]}).encode()
        answer = list(app(environs("POST", "/api/v1/form-tokens", [request])[0], lambda s, *_: statuses.append(s)))
        if not statuses[-1].startswith("200"):
            return bodies
        fields["form_token"] = json.loads(b"".join(answer))["form_token"]
        signed.append(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode())
    return signed


def measure(tree: Path, workdir: Path, requests: int, warmup: int) -> None:
    """Under callgrind: warm-up, then the counted loop; the ceiling first, before the tree's app is
    imported, so it costs the same whichever tree is measured (as its own server does in bench/run.py)."""
    import ctypes

    use_tree(tree)
    marks = ctypes.CDLL(str(workdir / "callgrind_marks.so"))
    marks.commentsvc_bench_stop.argtypes = [ctypes.c_char_p]
    if not marks.commentsvc_bench_on_valgrind():
        sys.exit("instructions: the measuring process is not running under valgrind.")

    from werkzeug.test import EnvironBuilder

    base = {"REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000"}

    def environs(method: str, path: str, bodies: list[bytes | None]) -> list[dict[str, Any]]:
        headers = {"Origin": ORIGIN}
        if method == "POST":
            headers["Content-Type"] = "application/json"
        return [
            EnvironBuilder(
                path=path,
                method=method,
                base_url="http://127.0.0.1:8000",
                headers=headers,
                data=body,
                environ_base=base,
            ).get_environ()
            for body in bodies
        ]

    def run(application: Any, batch: list[dict[str, Any]]) -> list[str]:
        statuses: list[str] = []

        def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            statuses.append(status)
            return None

        for environ in batch:
            body = application(environ, start_response)
            try:
                for _chunk in body:
                    pass
            finally:
                if hasattr(body, "close"):
                    body.close()
        return statuses

    answered: dict[str, dict[str, int]] = {}

    def count(name: str, application: Any, warm: list[dict[str, Any]], counted: list[dict[str, Any]]) -> None:
        run(application, warm)
        marks.commentsvc_bench_start()
        statuses = run(application, counted)
        marks.commentsvc_bench_stop(name.encode())
        answered[name] = {status: statuses.count(status) for status in set(statuses)}

    import ceiling

    count("CEIL", ceiling.app, environs("GET", "/fixed", [None] * warmup), environs("GET", "/fixed", [None] * requests))

    from commentsvc import create_app
    from commentsvc.wsgi import app

    info = json.loads((workdir / "dataset.json").read_text())
    site, articles = info["site"], info["post_articles"]
    # First, so W3 (the target) posts into the slightly larger database.
    count(
        "W3-OPEN",
        create_app(DEFENCES_OFF),
        from_readers(environs("POST", "/api/v1/comments", post_bodies(site, articles, 1, warmup, run="open")), 2),
        from_readers(
            environs("POST", "/api/v1/comments", post_bodies(site, articles, 1 + warmup, requests, run="open")), 2
        ),
    )
    warm_bodies = with_form_tokens(app, environs, post_bodies(site, articles, 1, warmup))
    counted_bodies = with_form_tokens(app, environs, post_bodies(site, articles, 1 + warmup, requests))
    count(
        "W3",
        app,
        from_readers(environs("POST", "/api/v1/comments", list(warm_bodies))),
        from_readers(environs("POST", "/api/v1/comments", list(counted_bodies))),
    )
    (workdir / "answered.json").write_text(json.dumps(answered))


# --- the driver ---------------------------------------------------------------------------------


def child_env(workdir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMMENTSVC_")}
    return {
        **env,
        # Same hashes, so the same dict and set layouts, in every run.
        "PYTHONHASHSEED": "0",
        "COMMENTSVC_DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "COMMENTSVC_INSTANCE_PATH": str(workdir / "instance"),
        "COMMENTSVC_SECRET_KEY": SECRET_KEY,
        "COMMENTSVC_RATELIMIT_ENABLED": "false",
        "COMMENTSVC_AUTO_MIGRATE": "false",
        # A post right after its token is "faster than a person"; W3 measures the accepted path, as
        # bench/run.py does. Trees before the form defence do not read it.
        "COMMENTSVC_FORM_MIN_SECONDS": "0",
    }


def read_results(path: Path) -> dict[str, Any]:
    """An earlier run's results.json, or one clear line saying why it cannot be compared with."""
    try:
        results = json.loads(path.read_text())
        results["instructions_per_request"]["W3"], results["instructions_per_request"]["CEIL"], results["commit_id"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        sys.exit(f"instructions: --against {path} is not a results.json of this tool ({error!r}).")
    return dict(results)


def need(program: str, hint: str) -> str:
    found = shutil.which(program)
    if not found:
        sys.exit(f"instructions: {program} is not installed ({hint}).")
    return found


def one_run(args: argparse.Namespace, tree: Path, workdir: Path) -> dict[str, float]:
    """Build the data set, count the loops under callgrind, and return instructions per request."""
    workdir.mkdir(parents=True)
    (workdir / "callgrind_marks.c").write_text(HELPER_C)
    compiled = subprocess.run(
        [need("gcc", "apt-get install gcc"), "-shared", "-fPIC", "-O1", "-o", str(workdir / "callgrind_marks.so")]
        + [str(workdir / "callgrind_marks.c")],
        capture_output=True,
        text=True,
    )
    if compiled.returncode != 0:
        sys.exit(
            f"instructions: the callgrind helper did not compile (is valgrind's callgrind.h installed?):\n"
            f"{compiled.stderr.strip()}"
        )
    env = child_env(workdir)
    script = [sys.executable, str(Path(__file__).resolve()), "--tree", str(tree), "--workdir", str(workdir)]
    if subprocess.run([*script, "--phase", "prepare"], env=env).returncode != 0:
        sys.exit("instructions: building the data set failed (its error is above).")
    valgrind = need("valgrind", "apt-get install valgrind")
    measured = subprocess.run(
        [
            valgrind,
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={workdir / 'callgrind.out'}",
            f"--log-file={workdir / 'valgrind.log'}",
            *script,
            "--phase",
            "measure",
            "--requests",
            str(args.requests),
            "--warmup",
            str(args.warmup),
        ],
        env=env,
    )
    if measured.returncode != 0:
        sys.exit(f"instructions: the measured process failed (exit {measured.returncode}); see {workdir}/valgrind.log")
    answered = json.loads((workdir / "answered.json").read_text())
    for workload in WORKLOADS:
        wrong = {s: n for s, n in answered[workload.name].items() if not s.startswith(workload.expected_status)}
        if wrong:
            sys.exit(f"instructions: {workload.name} answered {wrong}, not only {workload.expected_status}.")
    if not args.keep:
        for suffix in ("", "-wal", "-shm", "-write-turn"):
            Path(f"{workdir / 'bench.sqlite3'}{suffix}").unlink(missing_ok=True)
    return per_request(collect_dumps(workdir), args.requests)


def versions() -> str:
    probe = (
        "import platform, sqlite3, flask, werkzeug, sqlalchemy; from importlib.metadata import version; "
        'print(f\'Python {platform.python_version()}, Flask {version("flask")}, Werkzeug {version("werkzeug")}, '
        'SQLAlchemy {version("sqlalchemy")}, SQLite {sqlite3.sqlite_version}\')'
    )
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", default=str(ROOT), help="the source tree to measure (default: this checkout)")
    parser.add_argument("--commit", help="the commit an exported tree (git archive) holds; checked file by file")
    parser.add_argument("--requests", type=int, default=300, help="counted requests per workload (default 300)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=100,
        help="requests before counting starts (default 100: one post on each of W3's 100 articles)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="whole runs, each on a fresh data set (default 1)")
    parser.add_argument("--against", help="an earlier run's results.json: print the growth against it")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite data set of each run")
    parser.add_argument("--out", help="folder for the results (default: bench/results/<time>-instructions)")
    parser.add_argument("--phase", choices=("prepare", "measure"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    tree = Path(args.tree).resolve()
    if not (tree / "commentsvc").is_dir() or not (tree / "bench" / "dataset.py").is_file():
        sys.exit(f"instructions: {tree} is not a commentsvc tree (no commentsvc/ or bench/dataset.py).")
    if args.phase == "prepare":
        prepare(tree, Path(args.workdir))
        return
    if args.phase == "measure":
        measure(tree, Path(args.workdir), args.requests, args.warmup)
        return
    if args.requests < 1 or args.warmup < 0 or args.repeat < 1:
        sys.exit("instructions: --requests and --repeat must be at least 1, --warmup at least 0.")
    base = read_results(Path(args.against)) if args.against else None
    commit = tree_commit(tree, args.commit)
    use_tree(tree)  # fails early, with the reason, when this Python would measure another tree
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = Path(args.out).resolve() if args.out else BENCH / "results" / f"{stamp}-instructions"
    if out.exists() and any(out.iterdir()):
        sys.exit(f"instructions: {out} is not empty; name a new folder with --out.")
    started = datetime.now(UTC)
    runs = []
    for number in range(1, args.repeat + 1):
        print(f"instructions: run {number} of {args.repeat} on {tree} ({commit})", flush=True)
        runs.append(one_run(args, tree, out / f"run{number}"))
    instructions = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
    header = (
        f"Run {started:%Y-%m-%d %H:%M}–{datetime.now(UTC):%H:%M} UTC; tree {tree}, commit {commit}; "
        f"{versions()}; callgrind instructions of the measured loop only, {args.requests:,} requests per "
        f"workload after {args.warmup:,} warm-up, through the WSGI app in one process"
        + (f"; median of {args.repeat} runs" if args.repeat > 1 else "")
        + "."
    )
    lines = [header, "", table(instructions, args.requests)]
    if args.repeat > 1:
        lines.append("")
        for name in instructions:
            totals = [run[name] * args.requests for run in runs]
            lines.append(
                f"- {name} totals over {args.repeat} runs: {', '.join(f'{t:,.0f}' for t in totals)} "
                f"(spread {spread(totals):.3%})"
            )
    if base:
        lines += ["", *comparison(instructions, base)]
    report = "\n".join(lines)
    print()
    print(report)
    (out / "results.md").write_text(report + "\n")
    (out / "results.json").write_text(
        json.dumps(
            {
                "tree": str(tree),
                "commit": commit,
                "commit_id": commit.split()[0],
                "requests": args.requests,
                "warmup": args.warmup,
                "instructions_per_request": instructions,
                "runs": runs,
            },
            indent=2,
        )
    )
    print(f"\ninstructions: results and callgrind files in {out}")


if __name__ == "__main__":
    main()
