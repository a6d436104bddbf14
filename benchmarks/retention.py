"""Disk over a simulated year: the embedded log's retention and the poller's pruned state stay flat.

    .venv/bin/python -m benchmarks.retention [--days 365] [--per-day 10000] [--value-bytes 3000]

A clock runs a simulated year on the real file: each day, ``--per-day``
articles (``--value-bytes`` each, about a cleaned article's JSON) are produced
to ``newswire.articles.v1`` (3 partitions, 30-day retention, the default) in
batches of 1,000, then retention runs, as the background thread would (it runs
every 5 minutes; once a simulated day changes nothing but the granularity).
The poller's seen-article table gets the same articles, and is pruned past its
90-day horizon. Printed every 30 days: records kept, the log file's size (with
its WAL), the state database's size, and the longest produce-and-flush while
retention was deleting, for a producer flushing a record every 10 ms (it waits for at most one chunk
transaction).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

from newswire.core.log import Retention, SqliteLog
from newswire.core.logging import configure_logging
from newswire.core.topics import ARTICLES, DAY_MS
from newswire.poller.state import PollerState, articles_table

START = datetime(2027, 1, 1, tzinfo=UTC).timestamp()
HORIZON_DAYS = 90.0  # poller.seen_horizon_days, the default


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.retention", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=10_000)
    parser.add_argument("--value-bytes", type=int, default=3000)
    parser.add_argument("--every", type=int, default=30, help="print a row every this many days")
    args = parser.parse_args(argv)
    configure_logging("warning", "console")
    console = Console(width=140)
    clock = {"now": START}
    with tempfile.TemporaryDirectory(prefix="newswire-retention-") as tmp:
        log_path, state_path = Path(tmp) / "log.db", Path(tmp) / "state.db"
        log = SqliteLog(log_path, clock=lambda: clock["now"],
                        retention={ARTICLES.name: Retention(ms=ARTICLES.retention_ms)})
        log.create_topics({ARTICLES.name: 3})
        state = PollerState.open(f"sqlite:///{state_path}")
        table = Table(title=f"{args.days} simulated days, {args.per_day:,} articles a day of {args.value_bytes:,} "
                            f"bytes; articles kept {ARTICLES.retention_ms // DAY_MS} days, seen ids "
                            f"{HORIZON_DAYS:g} days")
        for col in ("day", "articles produced", "records on the log", "oldest offset (p0)", "log file MiB",
                    "state rows", "state file MiB", "max produce+flush during retention, ms", "wall s"):
            table.add_column(col, justify="right")
        value = os.urandom(args.value_bytes // 2).hex().encode()[:args.value_bytes]
        produced, started = 0, time.monotonic()
        for day in range(1, args.days + 1):
            for batch in range(0, args.per_day, 1000):
                for i in range(batch, min(args.per_day, batch + 1000)):
                    log.produce(ARTICLES.name, f"{day}-{i}", value)
                log.flush()
            produced += args.per_day
            at = datetime.fromtimestamp(clock["now"], UTC)
            with state.engine.begin() as conn:
                conn.execute(insert(articles_table), [
                    dict(article_id=f"{day}-{i}", content_hash=f"h{day}-{i}", story_id=f"{day}-{i}",
                         signature=b"\0" * 512, url=f"https://example.org/{day}/{i}", feed_url=None,
                         first_seen=at) for i in range(args.per_day)])
            state.prune(at - timedelta(days=HORIZON_DAYS))
            slowest = retention_with_a_producer(log)
            if day % args.every == 0 or day == args.days:
                [stats] = [s for s in log.topic_stats() if s.topic == ARTICLES.name]
                table.add_row(str(day), f"{produced:,}", f"{stats.records:,}", f"{stats.oldest_offset[0]:,}",
                              f"{size(log_path) / 2**20:,.0f}", f"{state.count_articles():,}",
                              f"{size(state_path) / 2**20:,.0f}", f"{slowest * 1000:.0f}",
                              f"{time.monotonic() - started:.0f}")
            clock["now"] += 86_400
        state.close()
        log.close()
    console.print(table)


def retention_with_a_producer(log: SqliteLog) -> float:
    """Run retention while another thread produces and flushes a record every 10 ms; its slowest, in seconds."""
    done = threading.Event()
    slowest = [0.0]

    def produce() -> None:
        while not done.is_set():
            began = time.perf_counter()
            log.produce("bench.other", "k", b"x")
            log.flush()
            slowest[0] = max(slowest[0], time.perf_counter() - began)
            done.wait(0.01)

    thread = threading.Thread(target=produce)
    thread.start()
    try:
        log.enforce_retention()
    finally:
        done.set()
        thread.join()
    return slowest[0]


if __name__ == "__main__":
    main()
