"""Projection throughput: events per second from the embedded log into the tables, SQLite and PostgreSQL.

    .venv/bin/python benchmarks/projection.py [--events 20000] [--places 2000] [--batch 500 2000]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--no-settle] [--profile]
        [--history 10000 100000 [1000000]] [--tail 20000] [--cache-reports N]

The second table (``--history``; ``--history`` with no sizes skips it) is the
cost per event of the next ``--tail`` events when the tables already hold a
history of N events, N = 10,000 and 100,000 by default (add 1,000,000 by name): one projector applies
the history, then the tail is timed (CPU microseconds per event). The
places and the days grow with the history (one place per 10 events and one
day per 300 events of history and tail; each place in the news for 60 days
of its own, and the stream running through the days in order as a service
receives the news, ``synthetic.stream(days=...)``), so each new event meets a
place, and a meeting a neighbourhood of days, with a history of about the
same size, and the places in the news on any day are about as many whatever
N is. The projector's cache holds at most ``projector.cache_reports``
reports; each row runs in a fresh process, whose resident memory the table
shows.

The events (``newswire.projector.synthetic.stream``: 85% control changes over
``--places`` places, the rest withdrawals, crossings and meetings, 20 outlets,
dates over 60 days) are produced to a fresh SQLite log first; the timed part is
one ``Projector.run(once=True)``: poll, parse, fold, write rows, evidence and
offsets, one transaction per batch. PostgreSQL gets a fresh database, dropped
afterwards; it is skipped when the server does not answer.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import os
import pstats
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from newswire.core import heap
from newswire.core.config import load_settings
from newswire.core.log import SqliteLog
from newswire.core.topics import DLQ, EVENT_TOPICS
from newswire.projector import synthetic
from newswire.projector.service import make_projector


def fill_log(path: Path, events: int, places: int, days: int = 60) -> SqliteLog:
    log = SqliteLog(path)
    log.create_topics({t: 3 for t in EVENT_TOPICS} | {DLQ.name: 1})
    for e in synthetic.stream(events, places=places, days=days):
        log.produce(e.TOPIC, e.key(), e.model_dump_json().encode())
    log.flush()
    return log


def measure(log: SqliteLog, db_url: str, batch: int, settle: bool = True,
            profiler: cProfile.Profile | None = None) -> tuple[int, float, float]:
    settings = load_settings(log_url=log.url, db_url=db_url,
                             projector={"batch_size": batch, "poll_timeout": 0.05, "group_id": f"bench-{uuid.uuid4()}"})
    projector = make_projector(settings, log)
    if settle:
        heap.settle()  # as `newswire project` does before its run loop
    try:
        started, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            stats = profiler.runcall(projector.run, once=True)
        else:
            stats = projector.run(once=True)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        projector.close()
    return stats.events_applied, elapsed, cpu


def rss_mib() -> float:
    """This process's resident memory now (Linux /proc), MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_history(tmp: Path, history: int, tail: int, batch: int, cache_reports: int | None = None
                    ) -> dict[str, Any]:
    """Apply ``history`` events, then time the next ``tail`` ones with the same projector (cache warm)."""
    total = history + tail
    log = fill_log(tmp / f"history-{history}.db", total, total // 10, days=max(60, total // 300))
    try:
        cache = {} if cache_reports is None else {"cache_reports": cache_reports}
        settings = load_settings(log_url=log.url, db_url=f"sqlite:///{tmp}/history-{history}-tables.db",
                                 projector={"batch_size": batch, "poll_timeout": 0.05,
                                            "group_id": f"bench-{uuid.uuid4()}", **cache})
        projector = make_projector(settings, log)
        heap.settle()
        try:
            build_started = time.perf_counter()
            built = projector.run(count=history).events_applied
            build = time.perf_counter() - build_started
            before_applied = projector.stats.events_applied
            started, cpu = time.perf_counter(), time.process_time()
            projector.run(once=True)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            applied = projector.stats.events_applied - before_applied
            return dict(history=built, applied=applied, seconds=elapsed, cpu=cpu, rss=rss_mib(), build=build,
                        cached=projector.cache.reports_held, limit=projector.cache.max_reports)
        finally:
            projector.close()
    finally:
        log.close()
        for f in tmp.glob(f"history-{history}*"):
            f.unlink()


def _quiet() -> None:
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))  # warnings only


def pg_database(admin_url: str) -> tuple[str, str] | None:
    import psycopg

    name = f"newswire_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(admin_url, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        return None
    return name, f"postgresql+psycopg://{admin_url.removeprefix('postgresql://').rsplit('/', 1)[0]}/{name}"


def drop_pg(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--places", type=int, default=2_000)
    parser.add_argument("--batch", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--profile", action="store_true",
                        help="after the table, profile one more SQLite run at the first batch size (cProfile)")
    parser.add_argument("--no-settle", action="store_true",
                        help="keep CPython's default garbage-collector settings (to see what heap.settle() gains)")
    # 1,000,000 is asked for by name (--history 10000 100000 1000000): building that history takes about
    # six minutes on the development machine (docs/projector.md), and `make bench` runs this module
    # with its defaults.
    parser.add_argument("--history", type=int, nargs="*", default=[10_000, 100_000],
                        help="history sizes of the cost-per-event table (none: skip it)")
    parser.add_argument("--tail", type=int, default=20_000, help="events timed after each history")
    parser.add_argument("--cache-reports", type=int, default=None,
                        help="projector.cache_reports for the history table (default: the configured one)")
    args = parser.parse_args()

    _quiet()
    # Not on a terminal (benchmarks/report.py captures it): wide enough that no row wraps.
    console = Console(width=None if sys.stdout.isatty() else 160)
    table = Table(title=f"projection throughput: {args.events} events, {args.places} places (one process, one core)")
    # CPU seconds are this process's only (the database server's are not counted for PostgreSQL);
    # they show the cost when other work shares the machine and wall time does not.
    for col in ("database", "batch", "events applied", "seconds", "events/s", "CPU s", "events/CPU-s"):
        table.add_column(col, justify="right" if col != "database" else "left", no_wrap=True)
    with tempfile.TemporaryDirectory() as tmp:
        log = fill_log(Path(tmp) / "log.db", args.events, args.places)
        try:
            for batch in args.batch:
                applied, seconds, cpu = measure(log, f"sqlite:///{tmp}/tables-{batch}.db", batch, not args.no_settle)
                table.add_row("SQLite (WAL)", str(batch), str(applied), f"{seconds:.2f}", f"{applied / seconds:,.0f}",
                              f"{cpu:.2f}", f"{applied / cpu:,.0f}")
                pg = pg_database(args.pg)
                if pg is None:
                    table.add_row("PostgreSQL", str(batch), "-", "-", f"skipped: no server at {args.pg}")
                    continue
                try:
                    applied, seconds, cpu = measure(log, pg[1], batch, not args.no_settle)
                finally:
                    drop_pg(args.pg, pg[0])
                table.add_row("PostgreSQL", str(batch), str(applied), f"{seconds:.2f}", f"{applied / seconds:,.0f}",
                              f"{cpu:.2f}", f"{applied / cpu:,.0f}")
            if args.profile:
                profiler = cProfile.Profile()
                measure(log, f"sqlite:///{tmp}/tables-profile.db", args.batch[0], not args.no_settle, profiler)
        finally:
            log.close()
    console.print(table)
    if args.history:
        cost = Table(title=f"cost per event after a history of N events: SQLite, batch 500, the next {args.tail} "
                           "events timed")
        for col in ("history (events)", "places", "days", "events timed", "seconds", "events/s", "CPU µs/event",
                    "cached reports (limit)", "RSS MiB", "history built in s"):
            cost.add_column(col, justify="right", no_wrap=True)
        with tempfile.TemporaryDirectory() as tmp:
            for n in args.history:
                # each history in a fresh process: its resident memory is that projector's alone, not
                # what the previous rows left in this process's heap
                with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_quiet) as pool:
                    m = pool.submit(measure_history, Path(tmp), n, args.tail, 500, args.cache_reports).result()
                row = (f"{m['history']:,}", f"{(n + args.tail) // 10:,}", f"{max(60, (n + args.tail) // 300):,}",
                       f"{m['applied']:,}", f"{m['seconds']:.2f}", f"{m['applied'] / m['seconds']:,.0f}",
                       f"{m['cpu'] / m['applied'] * 1e6:,.0f}", f"{m['cached']:,} ({m['limit']:,})",
                       f"{m['rss']:,.0f}", f"{m['build']:.0f}")
                cost.add_row(*row)
                print(" | ".join(row), file=sys.stderr, flush=True)  # progress: the 1,000,000 row takes minutes
        console.print(cost)
    if args.profile:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        console.print(out.getvalue(), highlight=False, markup=False)


if __name__ == "__main__":
    main()
