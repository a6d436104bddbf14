"""Read API latency: requests/s and p95 of /api/v1/control (JSON and GeoJSON) at 1,000 and 20,000 places, SQLite.

    .venv/bin/python -m benchmarks.api [--places 1000 20000] [--requests 200]

For each size: synthetic events (one control report per place, a second,
later one for every third place, each place with coordinates) are produced
to a fresh embedded log and projected into a fresh SQLite database by the
projector; then ``newswire serve`` runs as its own process over that
database and one client on the same machine sends the requests one after
another (a warm-up of 3 first). Three ways of asking:

- ``repeat``: the same GET again: the server checks the tables' version
  (one small query) and sends the body it encoded for that version;
- ``304``: the same GET with ``If-None-Match``: version check, no body;
- ``cold``: a server with the response cache off (``NEWSWIRE_API__CACHE_MB=0``):
  every request reads the rows and their evidence and encodes them, as the
  first request after each projector batch does.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from newswire.core.config import load_settings
from newswire.core.log import SqliteLog
from newswire.core.topics import DLQ, EVENT_TOPICS
from newswire.projector import synthetic
from newswire.projector.service import make_projector

GOAL_P95_MS = 50.0


def fill(tmp: Path, places: int) -> tuple[str, float]:
    """A database of ``places`` controlled places; returns its URL and the seconds projection took."""
    log = SqliteLog(tmp / "log.db")
    log.create_topics({t: 3 for t in EVENT_TOPICS} | {DLQ.name: 1})
    sides = [synthetic.ACTORS[k] for k in ("opposition", "government", "sdf", "hts")]
    start = date(2026, 1, 1)
    side = int(places ** 0.5) + 1
    for i in range(places):
        # A grid over Syria and its neighbours: distinct coordinates for every place.
        where = synthetic.place(f"Town {i}", "town", "SY", lat=32.0 + 5.0 * (i // side) / side,
                                lon=35.5 + 7.0 * (i % side) / side)
        day = start + timedelta(days=i % 60)
        events = [synthetic.control((f"outlet{i % 20}", day.isoformat()), where, sides[i % 4], day.isoformat())]
        if i % 3 == 0:
            later = day + timedelta(days=10)
            events.append(synthetic.control((f"outlet{(i + 7) % 20}", later.isoformat()), where,
                                            sides[(i + 1) % 4], later.isoformat()))
        for e in events:
            log.produce(e.TOPIC, e.key(), e.model_dump_json().encode())
    log.flush()
    url = f"sqlite:///{tmp / 'tables.db'}"
    settings = load_settings(log_url=log.url, db_url=url, projector={"batch_size": 2000, "poll_timeout": 0.05})
    projector = make_projector(settings, log)
    began = time.perf_counter()
    try:
        projector.run(once=True)
    finally:
        projector.close()
        log.close()
    return url, time.perf_counter() - began


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(db_url: str, cache_mb: int | None = None) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env["NEWSWIRE_LOG_LEVEL"] = "warning"
    if cache_mb is not None:
        env["NEWSWIRE_API__CACHE_MB"] = str(cache_mb)
    proc = subprocess.Popen([sys.executable, "-m", "newswire", "--db-url", db_url, "serve", "--port", str(port)],  # noqa: S603
                            env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def measure(base: str, path: str, n: int, conditional: bool = False) -> tuple[float, float, float, int, int]:
    """(requests/s, p50 ms, p95 ms, document bytes, bytes on the wire) of ``n`` sequential GETs after a warm-up.

    Latency is from sending the request to the last byte of the answer, as
    sent (gzip: the client asks for it, as browsers and httpx do), the way
    wrk or hey measure it; inflating and parsing the document is the
    client's work and not counted.
    """
    with httpx.Client(base_url=base, timeout=120) as client:
        first = client.get(path)
        first.raise_for_status()
        headers = {"If-None-Match": first.headers["etag"]} if conditional else {}

        def fetch() -> int:
            with client.stream("GET", path, headers=headers) as response:
                wire = sum(len(chunk) for chunk in response.iter_raw())
            assert response.status_code == (304 if conditional else 200), response.status_code
            return wire

        for _ in range(2):
            fetch()
        times = []
        began = time.perf_counter()
        for _ in range(n):
            t0 = time.perf_counter()
            wire = fetch()
            times.append((time.perf_counter() - t0) * 1000)
        elapsed = time.perf_counter() - began
    q = statistics.quantiles(times, n=100, method="inclusive")
    return n / elapsed, q[49], q[94], len(first.content), wire


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--places", type=int, nargs="+", default=[1000, 20000])
    ap.add_argument("--requests", type=int, default=200, help="timed requests per row (cold rows: a fifth)")
    args = ap.parse_args()

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
    console = Console(width=None if sys.stdout.isatty() else 160)
    table = Table(title="read API on SQLite: sequential requests from one client on the same machine")
    for col in ("places", "request", "mode", "requests", "req/s", "p50 ms", "p95 ms", "JSON KiB", "sent KiB"):
        table.add_column(col, justify="left" if col in ("request", "mode") else "right", no_wrap=True)
    notes = []
    for places in args.places:
        with tempfile.TemporaryDirectory() as tmp:
            url, seconds = fill(Path(tmp), places)
            notes.append(f"{places:,} places projected in {seconds:.1f} s")
            for mode, cache_mb, conditional in (("repeat", None, False), ("304", None, True), ("cold", 0, False)):
                with serving(url, cache_mb) as base:
                    for path in ("/api/v1/control", "/api/v1/control?format=geojson"):
                        n = args.requests if mode != "cold" else max(10, args.requests // 5)
                        rps, p50, p95, size, wire = measure(base, path, n, conditional)
                        table.add_row(f"{places:,}", path.removeprefix("/api/v1"), mode, str(n), f"{rps:,.0f}",
                                      f"{p50:.1f}", f"{p95:.1f}", f"{size / 1024:,.0f}", f"{wire / 1024:,.0f}")
    console.print(table)
    console.print("; ".join(notes) + f". Goal: p95 < {GOAL_P95_MS:.0f} ms at 20,000 places.", highlight=False)


if __name__ == "__main__":
    main()
