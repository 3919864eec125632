"""The benchmark suite in one command: `python bench/run.py` (see bench/README.md).

Builds the data set into a fresh database, starts commentsvc and a minimal fixed-JSON Flask
app (the ceiling) under the same gunicorn settings (2 sync workers on 127.0.0.1), drives each
workload with wrk for a fixed time, and prints req/s, p50/p99 latency, the ratio to the
ceiling measured in the same run, errors (anything but 2xx/304) and peak RSS per worker.
Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import dataset  # noqa: E402
from instructions import DEFENCES_OFF  # noqa: E402

ORIGIN = "https://news.example"
WORKERS = 2
# --nginx: the cached reads through README's nginx against the bare WSGI ceiling, and against the bare app.
NGINX_OVER_WSGI = 1.5
NGINX_OVER_BARE = 5.0
NGINX_WORKLOADS = ("W1", "W2", "W2b", "R304")
FRESHNESS_POSTS = 6
WRK_RUNS = itertools.count()


@dataclass
class Workload:
    name: str
    what: str
    path: str = ""
    mode: str = "get"
    target: float | None = None
    # Against the bare WSGI ceiling (bench/ceiling.py's `bare`), measured in the same round.
    wsgi_target: float | None = None
    env: dict[str, str] = field(default_factory=dict)
    ceiling: bool = False
    # False: served by a second commentsvc with COMMENTSVC_RESPONSE_CACHE_MB=0, so every page is built afresh.
    page_cache: bool = True
    # False: served by a commentsvc with issue 18's checks off (instructions.DEFENCES_OFF), for W3-OPEN.
    defences: bool = True


@dataclass
class Result:
    workload: Workload
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    statuses: dict[str, int]
    rss_mb: float | None
    body_bytes: int | None
    cpu_ms: float | None = None
    ratio: float | None = None
    wsgi_ratio: float | None = None
    # --nginx: throughput through nginx against the bare app's in the same round.
    bare_ratio: float | None = None
    # A posting workload: how the comments it posted were kept, by status.
    kept: dict[str, int] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_wrk() -> str:
    """Debian's wrk; installed with apt-get when missing (the bench needs a real load generator)."""
    return ensure_tool("wrk")


def ensure_tool(name: str) -> str:
    """A Debian package's program of the same name, installed with apt-get when missing (as root)."""
    path = f"{os.environ.get('PATH', '')}:/usr/sbin:/usr/local/sbin"
    found = shutil.which(name, path=path)
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit(f"{name} is not installed: run `sudo apt-get install {name}` and try again.")
    print(f"bench: installing {name} with apt-get ...", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", name], check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    )
    found = shutil.which(name, path=path)
    if not found:
        sys.exit(f"{name} is still not on PATH after apt-get install {name}.")
    return found


class Server:
    """gunicorn, 2 sync workers, 127.0.0.1; the same settings for commentsvc and the ceiling."""

    def __init__(
        self,
        name: str,
        app: str,
        env: dict[str, str],
        log_dir: Path,
        pythonpath: Path | None = None,
        app_server: str = "gunicorn",
    ) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ]
        if pythonpath:
            command += ["--pythonpath", str(pythonpath)]
        if app_server == "granian":
            # The trial of a Rust-based server: the same 2 worker processes, one Python thread each.
            command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1"]
            command += ["--port", str(self.port), "--workers", str(WORKERS), "--blocking-threads", "1"]
            command += ["--log-level", "warning", "--no-access-log", app]
        self.process = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT)

    def wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=5) as response:
                    if response.status == 200 and len(self.worker_pids()) == WORKERS:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not become ready:\n{self.log_path.read_text(errors='replace')}")

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 4 (after the parenthesised command, which may contain spaces) is the parent pid.
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.append(int(entry.name))
        return pids

    def cpu_seconds(self) -> float:
        """User + system CPU time the workers have used: per request, a figure that a busy machine
        disturbs far less than throughput."""
        ticks = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return ticks / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float | None:
        """VmHWM: the most resident memory each worker has had since it started."""
        peaks = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return max(peaks) if peaks else None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    """Status, headers (looked up without regard to case: granian sends them in lower case) and body."""
    request = urllib.request.Request(url, headers={"Origin": ORIGIN, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def readme_nginx_block() -> str:
    """The nginx configuration exactly as README.md's "### nginx" section gives it."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### nginx") :]
    start = section.index("```nginx\n") + len("```nginx\n")
    return section[start : section.index("```", start)]


def nginx_config(block: str, *, upstream_port: int, port: int, root: Path) -> str:
    """README's block on 127.0.0.1: its upstream servers become the bench's app, `listen 443 ssl` a plain
    port, the cache folder one under `root`; every other line as written. Wrapped in a main config."""
    lines = []
    in_upstream = False
    for line in block.splitlines():
        stripped = line.strip()
        if stripped.startswith("upstream "):
            in_upstream = True
            lines.append(line)
            lines.append(f"    server 127.0.0.1:{upstream_port};")
            continue
        if in_upstream and stripped.startswith("server "):
            continue
        if stripped == "}":
            in_upstream = False
        if stripped.startswith("listen "):
            line = f"    listen 127.0.0.1:{port};"
        if stripped.startswith("# ssl_"):
            continue
        if stripped.startswith("proxy_cache_path "):
            line = line.replace("/var/cache/nginx/commentsvc", str(root / "cache"))
        lines.append(line)
    temp = " ".join(f"{kind}_temp_path {root / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    body = "\n".join("    " + line for line in lines)
    return (
        f"daemon off;\nworker_processes 1;\npid {root / 'nginx.pid'};\nerror_log {root / 'error.log'} warn;\n"
        f"events {{ worker_connections 4096; }}\n"  # room for bench/polling.py's 1,000 connections
        f"http {{\n    access_log off;\n    {temp}\n{body}\n}}\n"
    )


class Nginx:
    """Debian's nginx on 127.0.0.1 with README's configuration in front of one commentsvc server."""

    def __init__(self, app: Server, log_dir: Path) -> None:
        self.app = app
        self.name = "nginx"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        root = log_dir / "nginx"
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o777)  # nginx's workers run as nobody when started as root
        config = root / "nginx.conf"
        config.write_text(nginx_config(readme_nginx_block(), upstream_port=app.port, port=self.port, root=root))
        self.log_path = root / "nginx.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [ensure_tool("nginx"), "-p", str(root), "-c", str(config)], stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited early:\n{self.log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"nginx did not become ready:\n{self.log_path.read_text(errors='replace')}")

    def cpu_seconds(self) -> float:
        """The app's workers: what reaches them through the cache."""
        return self.app.cpu_seconds()

    def peak_rss_mb(self) -> float | None:
        return self.app.peak_rss_mb()

    def stop(self) -> None:
        Server.stop(self)  # type: ignore[arg-type]  # the same process and log handling


def post_comment(base: str, site: str, article: str, body: str) -> int:
    payload = json.dumps({"site": site, "article": article, "title": "Bench story", "name": "读者", "body": body})
    request = urllib.request.Request(
        base + "/api/v1/comments",
        data=payload.encode(),
        headers={"Origin": ORIGIN, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status != 201:
            raise RuntimeError(f"freshness: a post answered {response.status}")
        return int(json.loads(response.read())["id"])


def measure_freshness(
    wrk: str, front: Nginx, site: str, article: str, max_age: int, posts: int, connections: int
) -> dict[str, Any]:
    """Posts through nginx while wrk keeps reading the thread through it, and polls that thread every
    20 ms: how long from each 201 until a read shows the comment, and how many reads after max-age + 1 s
    still did not (stale answers)."""
    path = thread_path(site, article, sort="newest")
    seconds = posts * (max_age + 3) + 5
    load = subprocess.Popen(
        [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "-H", f"Origin: {ORIGIN}", front.base + path],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    delays: list[float] = []
    stale = reads = 0
    try:
        time.sleep(1)
        for number in range(posts):
            comment_id = post_comment(front.base, site, article, f"freshness {secrets.token_hex(4)} {number}")
            posted = time.monotonic()
            while True:
                status, _, body = fetch(front.base + path)
                elapsed = time.monotonic() - posted
                reads += 1
                if status == 200 and any(c["id"] == comment_id for c in json.loads(body)["comments"]):
                    delays.append(elapsed)
                    break
                if elapsed > max_age + 1:
                    stale += 1
                if elapsed > max_age + 30:
                    delays.append(float("inf"))
                    break
                time.sleep(0.02)
            time.sleep(0.5 + (number % 3) * 0.7)  # posts land at different points of the cached copy's life
    finally:
        load.terminate()
        load.wait()
    return {"max_age": max_age, "delays_s": delays, "stale_answers": stale, "reads": reads}


def run_wrk(wrk: str, url: str, workload: Workload, seconds: float, connections: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "BENCH_MODE": workload.mode,
        "BENCH_NONCE": secrets.token_hex(4),
        "BENCH_RUN": str(next(WRK_RUNS)),
        **workload.env,
    }
    command = [
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / "wrk.lua"),
        "-H",
        f"Origin: {ORIGIN}",
        url,
    ]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60)
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"wrk gave no summary for {workload.name}:\n{completed.stdout}\n{completed.stderr}")


def measure(
    wrk: str, server: Server, workload: Workload, args: argparse.Namespace, body_bytes: int | None, warmup: float
) -> Result:
    url = server.base + workload.path
    if warmup > 0:
        run_wrk(wrk, url, workload, warmup, args.connections)
    cpu_before = server.cpu_seconds()
    summary = run_wrk(wrk, url, workload, args.duration, args.connections)
    cpu_used = server.cpu_seconds() - cpu_before
    statuses = summary["statuses"]
    good = sum(count for status, count in statuses.items() if 200 <= int(status) < 300 or int(status) == 304)
    socket_errors = sum(summary["socket_errors"].values())
    seconds = summary["duration_us"] / 1e6
    return Result(
        workload=workload,
        rps=good / seconds if seconds else 0.0,
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        errors=summary["requests"] - good + socket_errors,
        requests=summary["requests"],
        statuses=statuses,
        rss_mb=server.peak_rss_mb(),
        body_bytes=body_bytes,
        cpu_ms=cpu_used * 1000 / good if good else None,
    )


def query(database_url: str, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params or {}).all())
    finally:
        engine.dispose()


def newest_comment(database_url: str) -> int:
    return int(query(database_url, "SELECT coalesce(max(id), 0) FROM comments")[0][0])


def statuses_since(database_url: str, newest_before: int) -> dict[str, int]:
    """How the comments after `newest_before` were kept: a posting workload measures an ordinary post
    only while nearly all are approved (posts held as spam measured the flood detection's catch)."""
    sql = "SELECT status, count(*) FROM comments WHERE id > :newest GROUP BY status"
    return {status: int(count) for status, count in query(database_url, sql, {"newest": newest_before})}


def combine(per_round: list[Result]) -> Result:
    """Medians over the rounds; errors and requests add up; the peak RSS is the highest seen."""
    statuses: dict[str, int] = {}
    for result in per_round:
        for status, count in result.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    ratios = [r.ratio for r in per_round if r.ratio is not None]
    wsgi_ratios = [r.wsgi_ratio for r in per_round if r.wsgi_ratio is not None]
    bare_ratios = [r.bare_ratio for r in per_round if r.bare_ratio is not None]
    peaks = [r.rss_mb for r in per_round if r.rss_mb is not None]
    return Result(
        workload=per_round[0].workload,
        rps=statistics.median(r.rps for r in per_round),
        p50_ms=statistics.median(r.p50_ms for r in per_round),
        p99_ms=statistics.median(r.p99_ms for r in per_round),
        errors=sum(r.errors for r in per_round),
        requests=sum(r.requests for r in per_round),
        statuses=statuses,
        rss_mb=max(peaks) if peaks else None,
        body_bytes=per_round[0].body_bytes,
        cpu_ms=statistics.median(cpus) if (cpus := [r.cpu_ms for r in per_round if r.cpu_ms is not None]) else None,
        ratio=statistics.median(ratios) if ratios else None,
        wsgi_ratio=statistics.median(wsgi_ratios) if wsgi_ratios else None,
        bare_ratio=statistics.median(bare_ratios) if bare_ratios else None,
    )


def thread_path(site: str, article: str, **extra: str) -> str:
    """What the widget asks for: the first page, default sort and size."""
    return "/api/v1/comments?" + urllib.parse.urlencode({"site": site, "article": article, **extra})


def workloads(info: dict[str, Any]) -> list[Workload]:
    site = info["site"]
    counts = "/api/v1/counts?" + urllib.parse.urlencode(
        [("site", site)] + [("article", a) for a in info["count_articles"]]
    )
    return [
        Workload("W1", "counts for 50 articles in one GET", counts, target=0.6, wsgi_target=0.4),
        Workload(
            "W1-cold",
            "W1 with the response cache off: the counts read from the database every time",
            counts,
            page_cache=False,
        ),
        Workload("W2", "first page of the hot article (3,000 comments)", thread_path(site, info["hot"]), target=0.3),
        Workload(
            "W2b",
            "first page of a typical 20-comment thread",
            thread_path(site, info["typical"]),
            target=0.4,
            wsgi_target=0.4,
        ),
        Workload(
            "W2-cold",
            "W2 with the page cache off: the page built from the database every time",
            thread_path(site, info["hot"]),
            page_cache=False,
        ),
        Workload("W2b-cold", "W2b with the page cache off", thread_path(site, info["typical"]), page_cache=False),
        # limit=10: the sized threads share their first 10 comments, so only the thread size differs;
        # page cache off, so what is compared is the cost of building the page from the database.
        *(
            Workload(
                f"S{size}",
                f"first 10 comments of a {int(size):,}-comment thread (page cache off)",
                thread_path(site, article, limit=str(dataset.SIZED_HEAD)),
                page_cache=False,
            )
            for size, article in info["sized"].items()
        ),
        Workload(
            "R304", "W2 again with If-None-Match: 304", thread_path(site, info["hot"]), target=0.7, wsgi_target=0.5
        ),
        Workload(
            "W3-OPEN",
            "W3 with the spam defences off: what they add is W3's CPU per post over this one's",
            "/api/v1/comments",
            mode="post",
            env={"BENCH_SITE": site, "BENCH_ARTICLES": ",".join(info["post_articles"]), "BENCH_NETWORK": "11"},
            defences=False,
        ),
        Workload(
            "W3",
            "post a new comment (unique bodies)",
            "/api/v1/comments",
            mode="post",
            target=0.2,
            env={"BENCH_SITE": site, "BENCH_ARTICLES": ",".join(info["post_articles"])},
        ),
    ]


# --- databases -----------------------------------------------------------------------------


def create_postgres(url: str, replace: bool) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database
    if not name or parsed.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("--database-url must name a database on 127.0.0.1, which the bench creates and drops.")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first()
        if exists and not replace:
            sys.exit(
                f"database {name!r} already exists; the bench only uses a database it creates "
                f"(drop it, pick another name, or pass --replace-database)."
            )
        if exists:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


# --- report --------------------------------------------------------------------------------


def verdict(result: Result) -> str:
    checks = [
        (result.ratio, result.workload.target),
        (result.wsgi_ratio, result.workload.wsgi_target),
        (result.bare_ratio, NGINX_OVER_BARE if result.bare_ratio is not None else None),
    ]
    checked = [ratio >= target for ratio, target in checks if ratio is not None and target is not None]
    if not checked:
        return ""
    return "yes" if all(checked) else "**no**"


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _target(value: float | None) -> str:
    return "" if value is None else f"≥ {value:g}"


def table(results: list[Result]) -> str:
    nginx = any(r.bare_ratio is not None for r in results)
    lines = [
        "| workload | what | req/s | p50 ms | p99 ms | × ceiling | target | × WSGI ceiling | target (WSGI) "
        + ("| × bare app " if nginx else "")
        + "| met | errors | peak RSS/worker MB | body KB | worker CPU ms/req | × ceiling by CPU |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if nginx else "") + ":-:|---:|---:|---:|---:|---:|",
    ]
    ceiling_cpu = results[0].cpu_ms
    for r in results:
        by_cpu = ceiling_cpu / r.cpu_ms if ceiling_cpu and r.cpu_ms else None
        lines.append(
            f"| {r.workload.name} | {r.workload.what} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
            f"{_ratio(r.ratio)} | {_target(r.workload.target)} | {_ratio(r.wsgi_ratio)} | "
            f"{_target(r.workload.wsgi_target)} | "
            + (f"{_ratio(r.bare_ratio)} | " if nginx else "")
            + f"{verdict(r)} | {r.errors} | "
            f"{'' if r.rss_mb is None else f'{r.rss_mb:.0f}'} | "
            f"{'' if r.body_bytes is None else f'{r.body_bytes / 1024:.1f}'} | "
            f"{'' if r.cpu_ms is None else f'{r.cpu_ms:.2f}'} | {'' if by_cpu is None else f'{by_cpu:.2f}'} |"
        )
    return "\n".join(lines)


def summary_lines(results: list[Result]) -> list[str]:
    by_name = {r.workload.name: r for r in results}
    lines = []
    if "S10" in by_name and "S5000" in by_name:
        s10, s5000 = by_name["S10"], by_name["S5000"]
        ratio = s5000.ratio / s10.ratio if s10.ratio and s5000.ratio else s5000.rps / s10.rps
        lines.append(
            f"- S5000 against S10, throughput (× ceiling): {ratio:.2f} (target: within 20%, i.e. ≥ 0.80): "
            f"{'yes' if ratio >= 0.8 else 'no'}"
        )
        if s10.cpu_ms and s5000.cpu_ms:
            cost = s5000.cpu_ms / s10.cpu_ms
            lines.append(
                f"- S5000 against S10, worker CPU per request: {cost:.2f}× (target: within 20%, i.e. ≤ 1.20): "
                f"{'yes' if cost <= 1.2 else 'no'}"
            )
    if "W3" in by_name and "W3-OPEN" in by_name and by_name["W3"].cpu_ms and by_name["W3-OPEN"].cpu_ms:
        added = by_name["W3"].cpu_ms / by_name["W3-OPEN"].cpu_ms - 1
        lines.append(
            f"- the spam defences add {added:+.1%} to a post's worker CPU (W3 against W3-OPEN; "
            f"issue 18's target: at most +10%): {'yes' if added <= 0.1 else 'no'}"
        )
    peaks = [r.rss_mb for r in results if r.rss_mb is not None and not r.workload.ceiling]
    if peaks:
        lines.append(
            f"- peak RSS per commentsvc worker: {max(peaks):.0f} MB (target ≤ 120 MB): "
            f"{'yes' if max(peaks) <= 120 else 'no'}"
        )
    for r in results:
        if r.kept:
            posted = sum(r.kept.values())
            approved = r.kept.get("approved", 0)
            lines.append(
                f"- {r.workload.name}'s {posted:,} posts kept: "
                + ", ".join(f"{status} {count:,}" for status, count in sorted(r.kept.items()))
                + ("" if approved >= 0.99 * posted else " — **not an ordinary post's cost: over 1% not approved**")
            )
    errors = sum(r.errors for r in results)
    lines.append(f"- errors (non-2xx/304 or socket errors) over all workloads: {errors}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=2, help="seconds per measurement (default 2)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="measurements of each workload, each paired with one of the ceiling (default 3)",
    )
    parser.add_argument("--warmup", type=float, default=1, help="seconds of warm-up before each workload (default 1)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (default 4)")
    parser.add_argument(
        "--database-url",
        help="run against this PostgreSQL database, which the bench creates and "
        "drops, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/commentsvc_bench",
    )
    parser.add_argument(
        "--replace-database", action="store_true", help="drop the --database-url database first if it exists"
    )
    parser.add_argument("--only", help="comma-separated workloads to run, e.g. W1,R304 (the ceiling always runs)")
    parser.add_argument("--keep", action="store_true", help="keep the data (SQLite file or PostgreSQL database)")
    parser.add_argument(
        "--app-server",
        choices=("gunicorn", "granian"),
        default="gunicorn",
        help="what serves commentsvc (the ceilings stay on gunicorn): the granian trial (pip install granian)",
    )
    parser.add_argument(
        "--nginx",
        action="store_true",
        help="measure W1, W2, W2b and R304 through Debian's nginx with README's configuration (installed "
        "with apt-get when missing), each beside the bare app, and the freshness of a post read through it",
    )
    args = parser.parse_args()

    wrk = ensure_wrk()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = BENCH / "results" / stamp
    out.mkdir(parents=True, exist_ok=True)
    if args.database_url:
        database_url = args.database_url
        create_postgres(database_url, args.replace_database)
    else:
        database_url = f"sqlite:///{out / 'bench.sqlite3'}"
    started = datetime.now(UTC)
    print(
        f"bench: {started:%Y-%m-%d %H:%M:%S} UTC, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"database {database_url.split('://')[0]}{' behind nginx' if args.nginx else ''}, results in "
        f"{out.relative_to(ROOT)}",
        flush=True,
    )

    servers: list[Server] = []
    try:
        info = dataset.build(database_url, log=lambda message: print(f"bench: {message}", flush=True))
        base_env = {key: value for key, value in os.environ.items() if not key.startswith("COMMENTSVC_")}
        ceiling = Server("ceiling", "ceiling:app", base_env, out, pythonpath=BENCH)
        service_env = {
            **base_env,
            "COMMENTSVC_DATABASE_URL": database_url,
            "COMMENTSVC_INSTANCE_PATH": str(out / "instance"),
            "COMMENTSVC_SECRET_KEY": secrets.token_urlsafe(32),
            "COMMENTSVC_RATELIMIT_ENABLED": "false",
            "COMMENTSVC_AUTO_MIGRATE": "false",
            # W3 posts like the widget (a form token, then each answer's next one), so every check runs;
            # at machine speed (no too-fast catch), each post from another reader's address (X-Forwarded-For).
            "COMMENTSVC_FORM_MIN_SECONDS": "0",
            "COMMENTSVC_TRUSTED_PROXIES": "1",
            # Each wrk thread posts hundreds a second to its one article, which is a surge: every post
            # would then be asked for proof of work (403 challenge_required). W3 is an ordinary post,
            # so the surge check runs on every post (its rate row read and written) and never fires.
            "COMMENTSVC_SURGE_MIN_PER_MINUTE": "1000000",
        }
        chosen = workloads(info)
        if args.nginx:
            chosen = [w for w in chosen if w.name in NGINX_WORKLOADS]
            for w in chosen:
                w.what += " — through nginx"
                w.target, w.wsgi_target = None, NGINX_OVER_WSGI
        if args.only:
            wanted = {name.strip() for name in args.only.split(",")}
            chosen = [w for w in chosen if w.name in wanted]
        service = Server("commentsvc", "commentsvc.wsgi:app", service_env, out, app_server=args.app_server)
        bare = Server("ceiling-wsgi", "ceiling:bare", base_env, out, pythonpath=BENCH)
        servers += [ceiling, bare, service]
        front: Nginx | Server = service
        if args.nginx:
            front = Nginx(service, out)
            servers.append(front)
        # A workload with the page cache off, or the spam defences off, has a commentsvc of its own.
        variants = {
            "commentsvc-cold": {"COMMENTSVC_RESPONSE_CACHE_MB": "0"},
            "commentsvc-open": {name: "off" if value is False else str(value) for name, value in DEFENCES_OFF.items()},
        }

        def variant(workload: Workload) -> str | None:
            if not workload.page_cache:
                return "commentsvc-cold"
            return None if workload.defences else "commentsvc-open"

        served_by: dict[str | None, Server] = {None: front}
        for name in sorted({variant(w) for w in chosen} - {None}):
            served_by[name] = Server(
                name, "commentsvc.wsgi:app", {**service_env, **variants[name]}, out, app_server=args.app_server
            )
            servers.append(served_by[name])
        for server in servers:
            server.wait_ready("/fixed" if server in (ceiling, bare) else "/healthz")
        # Check every workload answers as intended before timing it, and note the body sizes.
        sizes: dict[str, int | None] = {}
        first_page: tuple[int, int] | None = None
        for workload in chosen:
            if workload.mode == "post":
                sizes[workload.name] = None
                continue
            server = served_by[variant(workload)]
            status, headers, body = fetch(server.base + workload.path)
            if status != 200:
                raise RuntimeError(f"{workload.name}: {workload.path} answered {status}: {body[:300]!r}")
            sizes[workload.name] = len(body)
            if workload.name == "W2":
                wire = len(fetch(server.base + workload.path, {"Accept-Encoding": "gzip"})[2])
                first_page = (len(body), wire)
            if workload.name == "R304":
                workload.env["BENCH_ETAG"] = headers["ETag"]
                status, _, _ = fetch(front.base + workload.path, {"If-None-Match": headers["ETag"]})
                if status != 304:
                    raise RuntimeError(f"R304: a conditional request answered {status}, not 304")
                sizes[workload.name] = 0

        fixed = Workload("CEIL", "ceiling: fixed ~2 KB JSON from a minimal Flask app", "/fixed", ceiling=True)
        sizes["CEIL"] = len(fetch(ceiling.base + "/fixed")[2])
        fixed_wsgi = Workload(
            "CEIL-WSGI", "bare WSGI ceiling: the same JSON from a plain WSGI callable", "/", ceiling=True
        )
        sizes["CEIL-WSGI"] = len(fetch(bare.base + "/")[2])
        bare_ceilings: list[Result] = []
        # Each measurement of a workload comes right after one of the ceiling (a pair), so a burst of
        # load from elsewhere on the machine hits both sides of a pair, and the median over the
        # pairs shrugs off the bursts that fall between them.
        ceilings: list[Result] = []
        results = []
        for workload in chosen:
            pairs: list[Result] = []
            newest_before = newest_comment(database_url)
            for number in range(args.rounds):
                warmup = args.warmup if number == 0 else 0
                fixed_result = measure(wrk, ceiling, fixed, args, sizes["CEIL"], warmup if not ceilings else 0)
                wsgi_result = measure(
                    wrk, bare, fixed_wsgi, args, sizes["CEIL-WSGI"], warmup if not bare_ceilings else 0
                )
                result = measure(
                    wrk,
                    served_by[variant(workload)],
                    workload,
                    args,
                    sizes[workload.name],
                    warmup,
                )
                result.ratio = result.rps / fixed_result.rps if fixed_result.rps else None
                result.wsgi_ratio = result.rps / wsgi_result.rps if wsgi_result.rps else None
                if args.nginx:
                    direct = measure(wrk, service, workload, args, sizes[workload.name], warmup)
                    result.bare_ratio = result.rps / direct.rps if direct.rps else None
                fixed_result.ratio = 1.0
                wsgi_result.ratio = wsgi_result.rps / fixed_result.rps if fixed_result.rps else None
                wsgi_result.wsgi_ratio = 1.0
                ceilings.append(fixed_result)
                bare_ceilings.append(wsgi_result)
                pairs.append(result)
            combined = combine(pairs)
            if workload.mode == "post":
                combined.kept = statuses_since(database_url, newest_before)
            results.append(combined)
            print(
                f"bench: {workload.name}: {combined.rps:,.0f} req/s, {combined.ratio or 0:.2f} × ceiling, "
                f"{combined.cpu_ms or 0:.2f} CPU ms/req, errors {combined.errors}",
                flush=True,
            )
        results.insert(0, combine(ceilings))
        results.insert(1, combine(bare_ceilings))
        freshness = None
        if args.nginx:
            max_age = 5  # COMMENTSVC_CACHE_MAX_AGE's default, which the bench's commentsvc runs with
            freshness = measure_freshness(
                wrk,
                front,
                info["site"],
                info["typical"],
                max_age,
                FRESHNESS_POSTS,
                args.connections,
            )
            print(f"bench: freshness: {freshness}", flush=True)
    finally:
        for server in servers:
            server.stop()
        if args.database_url and not args.keep:
            drop_postgres(database_url)
        elif not args.keep and not args.database_url:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{out / 'bench.sqlite3'}{suffix}").unlink(missing_ok=True)

    ceiling_rps = results[0].rps
    finished = datetime.now(UTC)
    header = (
        f"Run {started:%Y-%m-%d %H:%M}–{finished:%H:%M} UTC on {os.cpu_count()} CPUs; "
        f"{database_url.split('://')[0]}"
        + (f" (SQLite {sqlite3.sqlite_version})" if not args.database_url else "")
        + (" behind nginx (README's configuration, 1 worker process)" if args.nginx else "")
        + (
            f"; commentsvc on granian ({WORKERS} workers), the ceilings on gunicorn"
            if args.app_server == "granian"
            else ""
        )
        + f"; gunicorn {WORKERS} sync workers; wrk -t1 -c{args.connections}; each workload measured "
        f"{args.rounds} times for {args.duration:g} s (after {args.warmup:g} s warm-up), each time right after "
        f"the ceiling; figures are medians, × ceiling is the median of the pairs' ratios; ceiling "
        f"{ceiling_rps:,.0f} req/s (median of {len(ceilings)}, range {min(c.rps for c in ceilings):,.0f}–"
        f"{max(c.rps for c in ceilings):,.0f})."
    )
    extra = []
    if first_page is not None:
        plain, wire = first_page
        extra.append(
            f"- the hot thread's first page: {plain / 1024:.1f} KB of JSON (target ≤ 60 KB), {wire / 1024:.1f} KB on "
            f"the wire with gzip (target ≤ 15 KB): {'yes' if plain <= 60 * 1024 and wire <= 15 * 1024 else 'no'}"
        )
    if freshness is not None:
        delays = freshness["delays_s"]
        bound = freshness["max_age"] + 1
        extra.append(
            f"- freshness through nginx: a post shown {min(delays):.2f}–{max(delays):.2f} s after its 201 "
            f"(median {statistics.median(delays):.2f} s, {len(delays)} posts, max-age {freshness['max_age']} s; "
            f"target ≤ {bound} s): {'yes' if max(delays) <= bound else 'no'}; reads after max-age + 1 s "
            f"that still lacked it: {freshness['stale_answers']} of {freshness['reads']}"
        )
    report = "\n".join([header, "", table(results), "", *summary_lines(results), *extra])
    print()
    print(report)
    (out / "results.md").write_text(report + "\n")
    (out / "results.json").write_text(
        json.dumps(
            {
                "started": started.isoformat(),
                "finished": finished.isoformat(),
                "database": database_url.split("://")[0],
                "dataset": {k: v for k, v in info.items() if k not in ("count_articles", "post_articles")},
                "ceiling_rps": ceiling_rps,
                "ceiling_measurements": [c.rps for c in ceilings],
                "nginx": args.nginx,
                "freshness": freshness,
                "results": [
                    {
                        "workload": r.workload.name,
                        "rps": r.rps,
                        "p50_ms": r.p50_ms,
                        "p99_ms": r.p99_ms,
                        "ratio": r.ratio,
                        "wsgi_ratio": r.wsgi_ratio,
                        "bare_ratio": r.bare_ratio,
                        "target": r.workload.target,
                        "errors": r.errors,
                        "requests": r.requests,
                        "statuses": r.statuses,
                        "peak_rss_mb": r.rss_mb,
                        "body_bytes": r.body_bytes,
                        "worker_cpu_ms_per_request": r.cpu_ms,
                        "kept": r.kept or None,
                    }
                    for r in results
                ],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
