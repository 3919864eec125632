"""Import speed and memory: generates a Disqus export of N comments (100,000 by default) and imports it
into a fresh SQLite database with `commentsvc import disqus`, printing comments/s and the importing
process's peak RSS. Run from the repository root: `python bench/imports.py [--comments N] [--keep]`."""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

THREADS_PER_1000 = 5
REPLY_SHARE = 0.4


def write_export(path: Path, comments: int, seed: int = 14) -> None:
    """A Disqus export written as a stream: threads first, then posts, 40% of them replies."""
    rng = random.Random(seed)
    threads = max(1, comments * THREADS_PER_1000 // 1000)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n')
        out.write('<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n')
        for number in range(threads):
            out.write(
                f'<thread dsq:id="t{number}"><id/><link>https://news.example.com/{2020 + number % 5}/story-{number}/'
                f"</link><title>Story {number} &amp; more</title><isClosed>false</isClosed>"
                "<isDeleted>false</isDeleted></thread>\n"
            )
        recent: dict[int, list[int]] = {}
        for number in range(comments):
            thread = rng.randrange(threads)
            earlier = recent.setdefault(thread, [])
            parent = (
                f'<parent dsq:id="p{rng.choice(earlier[-50:])}"/>' if earlier and rng.random() < REPLY_SHARE else ""
            )
            body = escape(
                f"<p>Reader comment {number} on story {thread}: I think the council got this one wrong.</p>"
                f"<p>Thanks for reporting, <em>really</em>.</p>"
            )
            out.write(
                f'<post dsq:id="p{number}"><id/><message>{body}</message>'
                f"<createdAt>2024-0{1 + number % 9}-1{number % 10}T12:{number % 60:02d}:00Z</createdAt>"
                f"<isDeleted>false</isDeleted><isSpam>{'true' if number % 97 == 0 else 'false'}</isSpam>"
                f"<author><name>Reader {number % 5000}</name><email>reader{number % 5000}@example.com</email>"
                f"<isAnonymous>false</isAnonymous></author><ipAddress>10.0.{number % 250}.{number % 200}</ipAddress>"
                f'<thread dsq:id="t{thread}"/>{parent}</post>\n'
            )
            earlier.append(number)
        out.write("</disqus>\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the export and the database")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="commentsvc-import-bench-"))
    export = folder / "disqus.xml"
    write_export(export, args.comments)
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMMENTSVC_")}
    env.update({"COMMENTSVC_INSTANCE_PATH": str(folder / "data"), "COMMENTSVC_SECRET_KEY": "bench"})
    command = Path(sys.executable).with_name("commentsvc")
    subprocess.run([command, "init"], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    result = subprocess.run(
        [command, "import", "disqus", str(export), "--json"], env=env, check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = json.loads(result.stdout)
    size_mb = export.stat().st_size / 2**20
    print(f"| comments in file | {args.comments:,} ({size_mb:.0f} MB of XML) |")
    print(
        f"| stored / replies / spam skipped | {report['comments']:,} / {report['replies']:,} / {report['skipped']['spam']:,} |"
    )
    print(f"| time | {seconds:.1f} s |")
    print(f"| rate | {args.comments / seconds:,.0f} comments/s |")
    print(f"| peak RSS of the import process | {peak_mb:.0f} MB |")
    if args.keep:
        print(f"kept in {folder}")
    else:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
