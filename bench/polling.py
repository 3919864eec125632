"""How many readers polling for new comments one 2-core box serves: the live notice's ETag check.

Each reader's widget revalidates the thread's first page every 10 s while its tab is visible (static/widget/
live.js); an unchanged thread answers 304. N readers are then N / 10 conditional GETs a second, so a box
serves (304s a second) × 10 readers. This measures that rate for the hot article's first page under README's
deployment (gunicorn with commentsvc/gunicorn_conf.py, 2 gthread workers of 4 threads, keep-alive), with few
and with many open keep-alive connections (wrk -c), and through README's nginx block, each measurement right
after the ceilings (bench/ceiling.py's Flask app and bare WSGI callable under the same gunicorn settings).

    python bench/polling.py                 # about 4 minutes on 2 cores
    python bench/polling.py --connections 4,256,1000 --duration 3 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import dataset
import run
from run import BENCH, ROOT, Result, Server, Workload, combine, fetch, measure, thread_path

WORKERS = 2
CHECK_EVERY_S = 10
TARGET_READERS = 5000


class ReadmeServer(Server):
    """gunicorn with README's settings file (gthread, 4 threads, keep-alive 75 s) and 2 workers. Workers are
    not recycled (--max-requests 0) so that their CPU time can be read from /proc for the whole run."""

    def __init__(self, name: str, app: str, env: dict[str, str], log_dir: Path, pythonpath: Path | None = None) -> None:
        self.name = name
        self.port = run.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        command = [sys.executable, "-m", "gunicorn", "-c", "python:commentsvc.gunicorn_conf", "--workers", str(WORKERS)]
        command += ["--bind", f"127.0.0.1:{self.port}", "--max-requests", "0", app]
        if pythonpath:
            command += ["--pythonpath", str(pythonpath)]
        self.process = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT)


def readers(result: Result) -> float:
    return result.rps * CHECK_EVERY_S


def readers_by_cpu(result: Result) -> float | None:
    """Readers the box's 2 cores would serve at this CPU cost per check, were nothing else running."""
    return (os.cpu_count() or 2) * 1000 / result.cpu_ms * CHECK_EVERY_S if result.cpu_ms else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=2, help="seconds per measurement (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each, each after the ceilings (3)")
    parser.add_argument("--connections", default="4,256,1000", help="wrk connection counts (default 4,256,1000)")
    parser.add_argument("--no-nginx", action="store_true", help="skip the measurement through README's nginx")
    args = parser.parse_args()
    counts = [int(n) for n in args.connections.split(",")]

    wrk = run.ensure_wrk()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = BENCH / "results" / f"{stamp}-polling"
    out.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{out / 'bench.sqlite3'}"
    started = datetime.now(UTC)
    servers: list[Server] = []
    rows: list[tuple[str, str, int, Result]] = []
    try:
        info = dataset.build(database_url, log=lambda message: print(f"bench: {message}", flush=True))
        base_env = {key: value for key, value in os.environ.items() if not key.startswith("COMMENTSVC_")}
        service_env = {
            **base_env,
            "COMMENTSVC_DATABASE_URL": database_url,
            "COMMENTSVC_INSTANCE_PATH": str(out / "instance"),
            "COMMENTSVC_SECRET_KEY": secrets.token_urlsafe(32),
            "COMMENTSVC_RATELIMIT_ENABLED": "false",
            "COMMENTSVC_AUTO_MIGRATE": "false",
        }
        ceiling = ReadmeServer("ceiling", "ceiling:app", base_env, out, pythonpath=BENCH)
        bare = ReadmeServer("ceiling-wsgi", "ceiling:bare", base_env, out, pythonpath=BENCH)
        service = ReadmeServer("commentsvc", "commentsvc.wsgi:app", service_env, out)
        servers += [ceiling, bare, service]
        fronts: list[tuple[str, Server | run.Nginx]] = [("gunicorn", service)]
        if not args.no_nginx:
            nginx = run.Nginx(service, out)
            servers.append(nginx)  # type: ignore[arg-type]
            fronts.append(("nginx → gunicorn", nginx))
        for server in servers:
            server.wait_ready("/fixed" if server in (ceiling, bare) else "/healthz")
        path = thread_path(info["site"], info["hot"])
        etags = {}
        for _, front in fronts:
            # The widget's first load (which also fills nginx's cache), then its check with that ETag.
            status, headers, _ = fetch(front.base + path)
            if status != 200:
                raise RuntimeError(f"{front.name}: {path} answered {status}")
            etags[front.name] = headers["ETag"]
            status = fetch(front.base + path, {"If-None-Match": etags[front.name]})[0]
            if status != 304:
                raise RuntimeError(f"{front.name}: a conditional request answered {status}, not 304")
        fixed = Workload("CEIL", "Flask ceiling", "/fixed", ceiling=True)
        fixed_wsgi = Workload("CEIL-WSGI", "bare WSGI ceiling", "/", ceiling=True)
        for where, front in fronts:
            check = Workload("POLL", "live check", path, env={"BENCH_ETAG": etags[front.name]})
            for connections in counts:
                per_round = []
                for number in range(args.rounds):
                    args.connections = connections  # run.measure reads the connection count from args
                    warmup = 1.0 if number == 0 else 0.0
                    flask = measure(wrk, ceiling, fixed, args, None, warmup)
                    wsgi = measure(wrk, bare, fixed_wsgi, args, None, warmup)
                    result = measure(wrk, front, check, args, 0, warmup)  # type: ignore[arg-type]
                    result.ratio = result.rps / flask.rps if flask.rps else None
                    result.wsgi_ratio = result.rps / wsgi.rps if wsgi.rps else None
                    result.bare_ratio = flask.rps  # the round's Flask ceiling, for the table
                    per_round.append(result)
                combined = combine(per_round)
                combined.bare_ratio = statistics.median(r.bare_ratio or 0 for r in per_round)
                rows.append((where, f"wrk -t1 -c{connections}", connections, combined))
                print(
                    f"bench: {where} -c{connections}: {combined.rps:,.0f} 304/s = {readers(combined):,.0f} readers, "
                    f"{combined.ratio or 0:.2f} × ceiling, {combined.cpu_ms or 0:.3f} CPU ms/check, "
                    f"errors {combined.errors}",
                    flush=True,
                )
    finally:
        for server in servers:
            server.stop()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{out / 'bench.sqlite3'}{suffix}").unlink(missing_ok=True)

    finished = datetime.now(UTC)
    lines = [
        f"Run {started:%Y-%m-%d %H:%M}–{finished:%H:%M} UTC on {os.cpu_count()} CPUs; SQLite; README's gunicorn "
        f"settings (gunicorn_conf.py: gthread, 4 threads, keep-alive) with {WORKERS} workers; one conditional GET "
        f"of the hot article's first page answered 304; each measured {args.rounds} times for {args.duration:g} s, "
        "each right after both ceilings at the same connection count; medians.",
        "",
        "| served by | load | 304/s | readers served (× 10 s) | × 5,000 target | met | Flask ceiling req/s | "
        "× ceiling | × WSGI ceiling | p50 ms | p99 ms | errors | app CPU ms/check | readers by CPU (2 cores) |",
        "|---|---|---:|---:|---:|:-:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for where, load, _, r in rows:
        by_cpu = readers_by_cpu(r)
        lines.append(
            f"| {where} | {load} | {r.rps:,.0f} | {readers(r):,.0f} | {readers(r) / TARGET_READERS:.2f} | "
            f"{'yes' if readers(r) >= TARGET_READERS and not r.errors else '**no**'} | {r.bare_ratio or 0:,.0f} | "
            f"{r.ratio or 0:.2f} | {r.wsgi_ratio or 0:.2f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | "
            f"{'' if r.cpu_ms is None else f'{r.cpu_ms:.3f}'} | {'' if by_cpu is None else f'{by_cpu:,.0f}'} |"
        )
    report = "\n".join(lines)
    print()
    print(report)
    (out / "results.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
