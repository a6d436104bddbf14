"""Read API latency: requests/s and p95 of /api/v1/control (JSON and GeoJSON) at 1,000 and 20,000 places, SQLite.

    .venv/bin/python -m benchmarks.api [--places 1000 20000] [--requests 200]

For each size: synthetic events (one control report per place, a second,
later one for every third place, each place with coordinates) are produced
to a fresh embedded log and projected into a fresh SQLite database by the
projector; then ``newswire serve`` runs as its own process over that
database and one client on the same machine sends the requests one after
another (a warm-up of 3 first). Four ways of asking:

- ``repeat``: the same GET again: the server checks the tables' version
  (one small query) and sends the body it compressed for that version;
- ``304``: the same GET with ``If-None-Match``: version check, no body;
- ``new batch``: before each request (untimed) the projector applies one
  more report about one of the places, so every request finds the tables
  changed: the server reads the changed row, joins the encoded rows and
  compresses the list again;
- ``no cache``: a server with the response cache off
  (``NEWSWIRE_API__CACHE_MB=0``): every request joins and compresses.

Also printed: the first request after the server starts (it reads and
encodes every row). Latency is from sending the request to the last byte of
the answer as sent (gzip: the client asks for it, as browsers and httpx do),
the way wrk or hey measure it; inflating and parsing the document is the
client's work and not counted.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from newswire.core.config import load_settings
from newswire.core.log import SqliteLog
from newswire.core.models import Actor
from newswire.core.topics import DLQ, EVENT_TOPICS
from newswire.projector import synthetic
from newswire.projector.service import make_projector

GOAL_P95_MS = 50.0
START = date(2026, 1, 1)
SIDES = [synthetic.ACTORS[k] for k in ("opposition", "government", "sdf", "hts")]


class Tables:
    """A database of ``places`` controlled places, and the log and projector that fill it."""

    def __init__(self, tmp: Path, places: int) -> None:
        self.places = places
        self.log = SqliteLog(tmp / "log.db")
        self.log.create_topics({t: 3 for t in EVENT_TOPICS} | {DLQ.name: 1})
        self.side = int(places ** 0.5) + 1
        self.added = 0
        for i in range(places):
            day = START + timedelta(days=i % 60)
            self.report(i, SIDES[i % 4], day, f"outlet{i % 20}")
            if i % 3 == 0:
                self.report(i, SIDES[(i + 1) % 4], day + timedelta(days=10), f"outlet{(i + 7) % 20}")
        self.log.flush()
        self.url = f"sqlite:///{tmp / 'tables.db'}"
        settings = load_settings(log_url=self.log.url, db_url=self.url,
                                 projector={"batch_size": 2000, "poll_timeout": 0.05})
        self.projector = make_projector(settings, self.log)
        began = time.perf_counter()
        self.projector.run(once=True)
        self.seconds = time.perf_counter() - began

    def report(self, i: int, who: Actor, day: date, outlet: str) -> None:
        # A grid over Syria and its neighbours: distinct coordinates for every place.
        where = synthetic.place(f"Town {i}", "town", "SY", lat=32.0 + 5.0 * (i // self.side) / self.side,
                                lon=35.5 + 7.0 * (i % self.side) / self.side)
        e = synthetic.control((outlet, day.isoformat()), where, who, day.isoformat())
        self.log.produce(e.TOPIC, e.key(), e.model_dump_json().encode())

    def new_batch(self) -> None:
        """One more report, about one of the places, projected."""
        self.added += 1
        i = (self.added * 7919) % self.places
        self.report(i, SIDES[(i + 2) % 4], START + timedelta(days=90 + self.added), "late-outlet")
        self.log.flush()
        self.projector.run(once=True)

    def close(self) -> None:
        self.projector.close()
        self.log.close()


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


def measure(base: str, path: str, n: int, conditional: bool = False, before: Callable[[], None] | None = None
            ) -> tuple[float, float, float, int, int]:
    """(requests/s, p50 ms, p95 ms, document bytes, bytes on the wire) of ``n`` sequential GETs after a warm-up.

    ``before`` runs (untimed) before each request.
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
        busy = 0.0
        for _ in range(n):
            if before is not None:
                t0 = time.perf_counter()
                before()
                busy += time.perf_counter() - t0
            t0 = time.perf_counter()
            wire = fetch()
            times.append((time.perf_counter() - t0) * 1000)
    q = statistics.quantiles(times, n=100, method="inclusive")
    return n / (sum(times) / 1000), q[49], q[94], len(first.content), wire


def first_request(base: str) -> float:
    """Milliseconds of the first GET of the control list after the server started."""
    t0 = time.perf_counter()
    with httpx.Client(base_url=base, timeout=120) as client, client.stream("GET", "/api/v1/control") as response:
        for _ in response.iter_raw():
            pass
    return (time.perf_counter() - t0) * 1000


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
            tables = Tables(Path(tmp), places)
            try:
                notes.append(f"{places:,} places projected in {tables.seconds:.1f} s")
                for mode, cache_mb in (("repeat", None), ("304", None), ("new batch", None), ("no cache", 0)):
                    with serving(tables.url, cache_mb) as base:
                        if mode == "repeat":
                            notes.append(f"first request after start at {places:,}: {first_request(base):,.0f} ms")
                        for path in ("/api/v1/control", "/api/v1/control?format=geojson"):
                            n = args.requests if mode in ("repeat", "304") else max(10, args.requests // 4)
                            rps, p50, p95, size, wire = measure(
                                base, path, n, conditional=mode == "304",
                                before=tables.new_batch if mode == "new batch" else None)
                            table.add_row(f"{places:,}", path.removeprefix("/api/v1"), mode, str(n), f"{rps:,.0f}",
                                          f"{p50:.1f}", f"{p95:.1f}", f"{size / 1024:,.0f}", f"{wire / 1024:,.0f}")
            finally:
                tables.close()
    console.print(table)
    console.print("; ".join(notes) + f". Goal: p95 < {GOAL_P95_MS:.0f} ms at 20,000 places.", highlight=False)


if __name__ == "__main__":
    main()
