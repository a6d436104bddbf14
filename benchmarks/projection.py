"""Projection throughput: events per second from the embedded log into the tables, SQLite and PostgreSQL.

    .venv/bin/python benchmarks/projection.py [--events 20000] [--places 2000] [--batch 500 2000]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--no-settle] [--profile]

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
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

from newswire.core import heap
from newswire.core.config import load_settings
from newswire.core.log import SqliteLog
from newswire.core.topics import DLQ, EVENT_TOPICS
from newswire.projector import synthetic
from newswire.projector.service import make_projector


def fill_log(path: Path, events: int, places: int) -> SqliteLog:
    log = SqliteLog(path)
    log.create_topics({t: 3 for t in EVENT_TOPICS} | {DLQ.name: 1})
    for e in synthetic.stream(events, places=places):
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
    args = parser.parse_args()

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))  # quiet: warnings only
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
    if args.profile:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        console.print(out.getvalue(), highlight=False, markup=False)


if __name__ == "__main__":
    main()
