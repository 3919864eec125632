"""How long the widget's proof-of-work worker (/embed-pow.js) takes in Chromium, worst case (the answer
is maxNumber itself), for a few difficulties: `python bench/pow_solve.py [MAX_NUMBER ...]`."""

from __future__ import annotations

import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from commentsvc.web.scripts import bundle

SOLVE = """async (c) => {
  const started = performance.now();
  const worker = new Worker('/embed-pow.js');
  const n = await new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); worker.postMessage(c); });
  worker.terminate();
  if (n !== c.maxNumber) throw new Error('wrong answer ' + n);
  return performance.now() - started;
}"""


def main(max_numbers: list[int], trials: int = 7) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "embed-pow.js").write_bytes(bundle("embed-pow.js"))
        Path(folder, "index.html").write_text("<!doctype html><title>pow</title>")
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", "8765", "--bind", "127.0.0.1"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    headless=True,
                    args=["--no-sandbox", "--disable-background-networking"],
                )
                page = browser.new_page()
                page.goto("http://127.0.0.1:8765/index.html")
                for max_number in max_numbers:
                    times = []
                    for trial in range(trials):
                        salt = f"bench{trial}?expires=9999999999&"
                        target = hashlib.sha256(f"{salt}{max_number}".encode()).hexdigest()
                        challenge = {"algorithm": "SHA-256", "challenge": target, "salt": salt, "maxNumber": max_number}
                        times.append(page.evaluate(SOLVE, challenge))
                    print(
                        f"maxNumber={max_number}: worst case median {statistics.median(times):.0f} ms "
                        f"(min {min(times):.0f}, max {max(times):.0f}); the average case is about half"
                    )
                browser.close()
        finally:
            server.terminate()


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [5000, 10000, 20000, 50000])
