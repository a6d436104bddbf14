"""Retention on the embedded log (Kafka's retention.ms / retention.bytes), and `newswire log stats`.

A clock is injected so that a month passes in a test; the file, the SQL and
the background thread are real.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswire.cli import app
from newswire.core.config import load_settings
from newswire.core.log import Retention, SqliteLog, open_log, retention_of
from newswire.core.log.kafka import KafkaLog
from newswire.core.topics import ARTICLES, CONTROL, DLQ

DAY = 86_400.0


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def fill(log: SqliteLog, clock: Clock, topic: str, days: int, per_day: int, size: int = 1000) -> None:
    for _ in range(days):
        for i in range(per_day):
            log.produce(topic, f"k{i}", b"x" * size)
        log.flush()
        clock.now += DAY


def read_all(log: SqliteLog, topic: str) -> list[tuple[int, int]]:
    consumer = log.consumer(None, [topic])
    try:
        out = []
        while batch := consumer.poll(max_records=1000, timeout=0.1):
            out += [(r.partition, r.offset) for r in batch]
        return sorted(out)
    finally:
        consumer.close()


def test_time_retention_deletes_old_records_and_offsets_continue(tmp_path: Path) -> None:
    clock = Clock()
    log = SqliteLog(tmp_path / "log.db", default_partitions=2, clock=clock,
                    retention={"t": Retention(ms=int(10 * DAY * 1000))})
    try:
        fill(log, clock, "t", days=30, per_day=20)
        before = {s.topic: s for s in log.topic_stats()}["t"]
        result = log.enforce_retention()
        after = {s.topic: s for s in log.topic_stats()}["t"]
        assert result.deleted == {"t": before.records - after.records}
        assert after.records == 10 * 20  # the last ten days
        assert after.end_offset == before.end_offset  # offsets are never reused
        assert all(after.oldest_offset[p] > 0 for p in range(2))
        # Reading from the beginning starts at the oldest record kept; producing goes on at the end.
        kept = read_all(log, "t")
        assert {p: min(o for part, o in kept if part == p) for p in range(2)} == after.oldest_offset
        delivery = log.produce("t", "k0", b"new").result()
        assert delivery.offset == after.end_offset[delivery.partition]
    finally:
        log.close()


def test_each_partition_keeps_its_newest_record_so_offsets_never_restart(tmp_path: Path) -> None:
    clock = Clock()
    log = SqliteLog(tmp_path / "log.db", default_partitions=1, clock=clock, retention={"t": Retention(ms=1000)})
    try:
        fill(log, clock, "t", days=3, per_day=5)
        log.enforce_retention()
        [stats] = log.topic_stats()
        assert stats.records == 1 and stats.oldest_offset == {0: 14} and stats.end_offset == {0: 15}
        assert log.produce("t", "k", b"v").result().offset == 15
    finally:
        log.close()


def test_size_retention_keeps_each_partition_under_its_bytes(tmp_path: Path) -> None:
    clock = Clock()
    log = SqliteLog(tmp_path / "log.db", default_partitions=1, clock=clock,
                    retention={"t": Retention(bytes=10_000)})
    try:
        fill(log, clock, "t", days=1, per_day=50, size=1000)  # ~50 kB
        log.enforce_retention()
        [stats] = log.topic_stats()
        assert stats.bytes is not None and 9_000 <= stats.bytes <= 10_000
        assert stats.oldest_offset == {0: 50 - stats.records} and stats.end_offset == {0: 50}
    finally:
        log.close()


def test_topics_without_a_limit_keep_everything(tmp_path: Path) -> None:
    clock = Clock()
    log = SqliteLog(tmp_path / "log.db", clock=clock, retention={"events": Retention(), "t": Retention(ms=1)})
    try:
        fill(log, clock, "events", days=5, per_day=10)
        assert log.enforce_retention().deleted == {}
        assert sum(s.records for s in log.topic_stats() if s.topic == "events") == 50
    finally:
        log.close()


def test_the_space_goes_back_to_the_file_system(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    clock = Clock()
    log = SqliteLog(path, default_partitions=1, clock=clock, retention={"t": Retention(ms=int(DAY * 1000))})
    try:
        fill(log, clock, "t", days=10, per_day=200, size=4000)  # ~8 MB
        log.enforce_retention(now=clock.now - 10 * DAY)  # nothing old yet: a checkpoint, the file at its size
        full = path.stat().st_size
        result = log.enforce_retention()
        assert result.freed_bytes > 0.8 * full * 0.9
        assert path.stat().st_size < full / 5
    finally:
        log.close()


def test_a_log_made_before_incremental_vacuum_reuses_its_pages(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    sqlite3.connect(path).execute("CREATE TABLE legacy (x)").connection.close()  # auto_vacuum stays NONE
    clock = Clock()
    log = SqliteLog(path, default_partitions=1, clock=clock, retention={"t": Retention(ms=int(DAY * 1000))})
    try:
        fill(log, clock, "t", days=5, per_day=100, size=4000)
        log.enforce_retention()
        size = path.stat().st_size
        fill(log, clock, "t", days=1, per_day=300, size=4000)  # fits in the pages the deletes freed
        assert log.enforce_retention().freed_bytes == 0
        assert path.stat().st_size <= size * 1.1
    finally:
        log.close()


def test_background_retention_runs_while_producers_go_on(tmp_path: Path) -> None:
    clock = Clock()
    old = SqliteLog(tmp_path / "log.db", default_partitions=2, clock=clock)
    fill(old, clock, "t", days=3, per_day=3000, size=500)  # 9,000 old records: several delete chunks
    old.close()
    log = SqliteLog(tmp_path / "log.db", default_partitions=2, clock=clock,
                    retention={"t": Retention(ms=int(DAY * 1000))}, retention_interval=0.1)
    produced: list[int] = []
    stop = threading.Event()

    def producer() -> None:
        while not stop.is_set():
            produced.append(log.produce("t", f"n{len(produced)}", b"new").result().offset)

    thread = threading.Thread(target=producer)
    thread.start()
    try:
        until = time.monotonic() + 30  # the clock stands still; the thread's interval is real time
        while sum(s.records for s in log.topic_stats()) > 3000 + len(produced) and time.monotonic() < until:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
    try:
        [stats] = log.topic_stats()
        assert stats.records == 3000 + len(produced), "the old days went; everything produced meanwhile stayed"
        assert len(produced) > 0
        kept = read_all(log, "t")
        for p in range(2):
            offsets = [o for part, o in kept if part == p]
            assert offsets == list(range(offsets[0], offsets[0] + len(offsets))), "dense, nothing lost"
    finally:
        log.close()


def test_processes_sharing_a_log_share_one_retention_run_per_interval(tmp_path: Path) -> None:
    a = SqliteLog(tmp_path / "log.db", retention={"t": Retention(ms=1)}, retention_interval=3600)
    b = SqliteLog(tmp_path / "log.db", retention={"t": Retention(ms=1)}, retention_interval=3600)
    try:
        assert [a._claim_retention_run(), b._claim_retention_run(), a._claim_retention_run()] == [True, False, False]
    finally:
        a.close()
        b.close()


def test_the_catalogue_defaults_and_settings_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = retention_of(load_settings())
    assert policy[ARTICLES.name] == Retention(ms=30 * 86_400_000)
    assert policy[DLQ.name] == Retention(ms=90 * 86_400_000)
    assert policy[CONTROL.name].forever
    monkeypatch.setenv("NEWSWIRE_RETENTION", json.dumps({ARTICLES.name: {"ms": 1000, "bytes": 5000}}))
    assert retention_of(load_settings())[ARTICLES.name] == Retention(ms=1000, bytes=5000)


def test_open_log_runs_retention_in_the_background(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_HOME", str(tmp_path))
    settings = load_settings()
    log = open_log(settings)
    try:
        assert isinstance(log, SqliteLog) and log._retention_thread is not None
        assert log.retention_interval == settings.retention_check_interval == 300
    finally:
        log.close()
    reader = open_log(settings, create=False)
    try:
        assert isinstance(reader, SqliteLog) and reader._retention_thread is None  # read-only: deletes nothing
    finally:
        reader.close()


def test_kafka_topics_are_created_with_their_retention() -> None:
    """The broker enforces it; newswire asks for it when it creates a topic (Tansu does not echo configs)."""
    log = KafkaLog.__new__(KafkaLog)
    log.retention = retention_of(load_settings())
    assert log._topic_configs(ARTICLES.name) == {"retention.ms": str(30 * 86_400_000), "retention.bytes": "-1"}
    assert log._topic_configs(CONTROL.name) == {"retention.ms": "-1", "retention.bytes": "-1"}
    assert log._topic_configs("someone.elses.topic") == {}


def test_log_stats_command(tmp_path: Path) -> None:
    clock = Clock()
    log = SqliteLog(tmp_path / "log.db", default_partitions=1, clock=clock)
    fill(log, clock, ARTICLES.name, days=1, per_day=4, size=100)
    log.close()
    result = CliRunner().invoke(app, ["log", "stats", "--format", "json", "--log-url", f"sqlite:///{tmp_path}/log.db"])
    assert result.exit_code == 0, result.output
    [row] = [r for r in json.loads(result.stdout) if r["topic"] == ARTICLES.name]
    assert (row["records"], row["oldest_offset"], row["end_offset"]) == (4, {"0": 0}, {"0": 4})
    assert row["bytes"] >= 400 and row["retention_ms"] == 30 * 86_400_000
    table = CliRunner().invoke(app, ["log", "stats", "--format", "table", "--log-url", f"sqlite:///{tmp_path}/log.db"])
    assert ARTICLES.name in table.stdout and "30 days" in table.stdout
