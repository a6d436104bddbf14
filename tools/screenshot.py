"""The README's picture of the map page: the bundled sample feed through the pipeline, then a screenshot.

    .venv/bin/python tools/screenshot.py [--output docs/img/map.png]

In a temporary directory: ``newswire run --once`` polls only the bundled
sample feed (five articles written for newswire), extracts and projects
them; ``newswire serve`` serves the tables; headless Chromium (Debian's
``chromium``, driven by Playwright) opens the page, clicks Saraqib and
saves the picture.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
NEWSWIRE = [sys.executable, "-m", "newswire"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", type=Path, default=ROOT / "docs" / "img" / "map.png")
    ap.add_argument("--click", default="Saraqib", help="the place whose history and evidence to open")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    from newswire.poller.feeds import SAMPLE_FEED, SAMPLE_OUTLET

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "newswire.toml").write_text(
            f'[[poller.feeds]]\nurl = "{SAMPLE_FEED}"\noutlet = "{SAMPLE_OUTLET}"\nlocal = true\nlanguage = "en"\n')
        env = {**os.environ, "NEWSWIRE_LOG_LEVEL": "warning"}
        subprocess.run([*NEWSWIRE, "run", "--once"], cwd=tmp, env=env, check=True)  # noqa: S603
        port = free_port()
        server = subprocess.Popen([*NEWSWIRE, "serve", "--port", str(port)], cwd=tmp, env=env)  # noqa: S603
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 820})
                page.goto(base + "/")
                page.wait_for_selector("body[data-ready=true]")
                page.wait_for_selector("#live.on")
                page.locator(f'path.place-marker[data-name="{args.click}"]').click(force=True)
                page.wait_for_selector("#detail .evidence blockquote")
                page.wait_for_timeout(300)
                args.output.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.output))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
