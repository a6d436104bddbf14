"""One contract for the event log, run on every backend.

:class:`LogContract` holds the tests; each backend subclasses it and says how
to open a log (``make_log``) and how a subprocess opens the same log
(``worker_url``). Kafka runs against a real Kafka-protocol broker (Tansu on
loopback, or ``NEWSWIRE_TEST_KAFKA``). Tests wait for positions, never for
fixed sleeps.

This module is also the subprocess worker the kill and multi-producer tests
spawn: ``python -m tests.test_log_contract produce|consume-and-hang ...``.
"""

from __future__ import annotations

import abc
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newswire.core.config import KafkaSettings
from newswire.core.errors import LogError
from newswire.core.log import Consumer, Log, LogRecord, SqliteLog, TopicPartition
from newswire.core.log.kafka import KafkaLog
from newswire.core.log.sqlite import partition_for

ROOT = Path(__file__).resolve().parent.parent

# Subprocesses open the log with the same group timeouts as the test process.
SQLITE_SESSION_TIMEOUT = 3.0
KAFKA_SETTINGS = KafkaSettings(session_timeout_ms=6000, heartbeat_interval_ms=1000, request_timeout_ms=15000)

WAIT = 60.0  # generous upper bound for any wait on a position; tests return as soon as it is reached
# Just under stock Kafka's message.max.bytes (1,048,588), so the suite also passes on a real cluster.
LARGE_VALUE_BYTES = 1_000_000


def open_url(url: str, partitions: int = 3) -> Log:
    """Open a log by URL the way the test classes do (used by the subprocess workers)."""
    if url.startswith("sqlite:///"):
        return SqliteLog(url.removeprefix("sqlite:///"), default_partitions=partitions,
                         session_timeout=SQLITE_SESSION_TIMEOUT)
    return KafkaLog(url.removeprefix("kafka://").split(","), KAFKA_SETTINGS, default_partitions=partitions)


def poll_until(consumer: Consumer, count: int, timeout: float = WAIT) -> list[LogRecord]:
    """Poll until ``count`` records arrived (or fail after ``timeout``)."""
    records: list[LogRecord] = []
    deadline = time.monotonic() + timeout
    while len(records) < count:
        assert time.monotonic() < deadline, f"only {len(records)} of {count} records after {timeout}s"
        records += consumer.poll(max_records=500, timeout=0.5)
    return records


def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT, step: Callable[[], None] = lambda: None
             ) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        step()


class LogContract(abc.ABC):
    """The guarantees of :class:`newswire.core.log.types.Log`; subclass per backend."""

    @abc.abstractmethod
    def make_log(self, partitions: int = 3) -> Log:
        """A new client on this test's log (several may share it, as processes would)."""

    @abc.abstractmethod
    def worker_url(self) -> str:
        """The URL a subprocess opens to reach this test's log."""

    def new_topic(self, log: Log, partitions: int = 3) -> str:
        name = f"t.{uuid.uuid4().hex[:10]}"
        log.create_topics({name: partitions})
        return name

    # -- producing -------------------------------------------------------------

    def test_implements_the_protocols(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log)
        assert isinstance(log, Log)
        consumer = log.consumer(None, [topic])
        try:
            assert isinstance(consumer, Consumer)
        finally:
            consumer.close()

    def test_producing_to_a_new_topic_creates_it_with_the_default_partitions(self) -> None:
        log = self.make_log(partitions=2)
        topic = f"t.{uuid.uuid4().hex[:10]}"
        assert topic not in log.topics()
        delivery = log.produce(topic, "k", b"v").result()
        assert log.topics()[topic] == 2 == log.partitions_for(topic)
        assert delivery.partition == partition_for("k", 2)

    def test_a_key_always_lands_in_the_same_partition(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=3)
        keys = [f"place-{i}" for i in range(40)]
        futures = [(key, log.produce(topic, key, b"x")) for key in keys * 2]
        log.flush()
        for key, future in futures:
            assert future.result().partition == partition_for(key, 3), key
        consumer = log.consumer(None, [topic])
        records = poll_until(consumer, len(futures))
        consumer.close()
        assert {(r.key, r.partition) for r in records} == {(k, partition_for(k, 3)) for k in keys}

    def test_offsets_are_dense_and_increasing(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=3)
        futures = [log.produce(topic, f"k{i % 11}", str(i).encode()) for i in range(90)]
        log.flush()
        delivered: dict[int, list[int]] = defaultdict(list)
        for future in futures:
            delivery = future.result()
            delivered[delivery.partition].append(delivery.offset)
        for partition, offsets in delivered.items():
            assert offsets == list(range(len(offsets))), partition  # in produce order, from 0, no gap
        consumer = log.consumer(None, [topic])
        records = poll_until(consumer, 90)
        consumer.close()
        read: dict[int, list[int]] = defaultdict(list)
        for r in records:
            read[r.partition].append(r.offset)
        assert read == delivered

    def test_order_per_key(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=3)
        keys = ["aleppo", "daraa", "idlib", "homs", "raqqa"]
        for i in range(20):
            for key in keys:
                log.produce(topic, key, f"{key}:{i}".encode())
            if i % 3 == 0:
                log.flush()
        log.flush()
        consumer = log.consumer(None, [topic])
        records = poll_until(consumer, 100)
        consumer.close()
        per_key: dict[str | None, list[str]] = defaultdict(list)
        for r in records:
            per_key[r.key].append(r.value.decode())
        assert per_key == {key: [f"{key}:{i}" for i in range(20)] for key in keys}

    def test_large_values_and_headers_round_trip(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=1)
        value = os.urandom(LARGE_VALUE_BYTES)
        headers = [("trace-id", b"\x00\x01\xfe\xff"), ("empty", b""), ("dup", b"1"), ("dup", b"2")]
        log.produce(topic, "clé-ключ-مفتاح", value, headers)
        log.produce(topic, None, b"{}", ())
        log.flush()
        consumer = log.consumer(None, [topic])
        big, small = poll_until(consumer, 2)
        consumer.close()
        assert (big.key, big.value, big.headers) == ("clé-ключ-مفتاح", value, tuple(headers))
        assert big.header("dup") == b"1" and big.header("missing") is None
        assert (small.key, small.value, small.headers) == (None, b"{}", ())

    def test_two_producer_processes_writing_at_once_lose_nothing(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=3)
        per_process = 300
        workers = [self.spawn("produce", topic, name, str(per_process), stdin=subprocess.PIPE)
                   for name in ("p1", "p2")]
        for w in workers:  # both connected; release them together so their writes interleave
            assert w.stdout is not None and w.stdout.readline().strip() == "ready"
        for w in workers:
            assert w.stdin is not None
            w.stdin.write("go\n")
            w.stdin.flush()
        for w in workers:
            assert w.wait(timeout=WAIT) == 0
        consumer = log.consumer(None, [topic])
        records = poll_until(consumer, 2 * per_process)
        assert consumer.poll(timeout=0.5) == []
        consumer.close()
        assert sorted(r.value.decode() for r in records) == sorted(
            f"{name}:{i}" for name in ("p1", "p2") for i in range(per_process))
        by_partition: dict[int, list[int]] = defaultdict(list)
        for r in records:
            by_partition[r.partition].append(r.offset)
        for offsets in by_partition.values():
            assert offsets == list(range(len(offsets)))

    # -- consuming -------------------------------------------------------------

    def test_group_none_reads_every_partition_and_cannot_commit(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=3)
        for i in range(30):
            log.produce(topic, f"k{i}", b"v")
        log.flush()
        consumer = log.consumer(None, [topic])
        try:
            assert consumer.assignment() == {TopicPartition(topic, p) for p in range(3)}
            assert len(poll_until(consumer, 30)) == 30
            with pytest.raises(LogError):
                consumer.commit()
        finally:
            consumer.close()

    def test_group_resumes_after_its_last_commit(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=1)
        tp = TopicPartition(topic, 0)
        for i in range(10):
            log.produce(topic, "k", str(i).encode())
        log.flush()
        group = f"g-{uuid.uuid4().hex[:8]}"
        first = log.consumer(group, [topic])
        assert first.assignment() == {tp}  # a lone member owns the partition as soon as it has joined
        assert [r.offset for r in poll_until(first, 10)] == list(range(10))
        first.commit({tp: 6})  # records 6..9 polled but not committed
        assert first.committed(tp) == 6
        first.close()
        for i in range(10, 13):
            log.produce(topic, "k", str(i).encode())
        log.flush()
        second = log.consumer(group, [topic])
        try:
            assert second.committed(tp) == 6
            assert [r.offset for r in poll_until(second, 7)] == list(range(6, 13))
            second.commit()
            assert second.committed(tp) == 13
        finally:
            second.close()

    def test_a_pattern_subscription_reads_every_matching_topic(self) -> None:
        """Like KafkaConsumer.subscribe(pattern=...), matching whole topic names on both backends."""
        log = self.make_log()
        base = f"p{uuid.uuid4().hex[:8]}"
        for name in ("a", "b"):
            log.produce(f"{base}.{name}.v1", "k", name.encode())
        log.produce(f"{base}.a.v1x", "k", b"not whole")
        log.produce(f"x{base}.a.v1", "k", b"not from the start")
        log.flush()
        consumer = log.consumer(f"g-{uuid.uuid4().hex[:8]}", pattern=rf"{base}\..*\.v1")
        try:
            assert sorted(r.value for r in poll_until(consumer, 2)) == [b"a", b"b"]
            assert consumer.poll(timeout=1.0) == []
            consumer.commit()
        finally:
            consumer.close()
        without_group = log.consumer(None, pattern=rf"{base}\..*\.v1")
        try:
            assert sorted(r.value for r in poll_until(without_group, 2)) == [b"a", b"b"]
        finally:
            without_group.close()

    def test_latest_starts_at_the_end_where_nothing_is_committed(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=2)
        log.produce(topic, "a", b"old")
        log.flush()
        for group in (None, f"g-{uuid.uuid4().hex[:8]}"):
            consumer = log.consumer(group, [topic], offset_reset="latest")
            try:
                log.produce(topic, "a", b"new")
                log.flush()
                assert [r.value for r in poll_until(consumer, 1)] == [b"new"]
            finally:
                consumer.close()

    def test_topic_stats_count_records_and_offsets(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=2)
        for i in range(7):  # a flush per record: Tansu reports end offsets per batch (DESIGN.md)
            log.produce(topic, f"k{i}", b"x" * 10)
            log.flush()
        [stats] = [t for t in log.topic_stats() if t.topic == topic]
        assert stats.partitions == 2 and stats.records == 7
        assert stats.oldest_offset == {0: 0, 1: 0}
        assert sum(stats.end_offset.values()) == 7
        assert stats.bytes is None or stats.bytes >= 7 * 12

    def test_close_leaves_without_committing_and_twice_is_harmless(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=1)
        for i in range(3):
            log.produce(topic, "k", str(i).encode())
        log.flush()
        group = f"g-{uuid.uuid4().hex[:8]}"
        first = log.consumer(group, [topic])
        assert len(poll_until(first, 3)) == 3
        first.close()
        first.close()
        second = log.consumer(group, [topic])
        try:
            assert [r.offset for r in poll_until(second, 3)] == [0, 1, 2]
        finally:
            second.close()
        log.close()
        log.close()

    def test_polled_but_uncommitted_records_are_redelivered_after_a_kill(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=1)
        for i in range(10):
            log.produce(topic, "k", str(i).encode())
        log.flush()
        group = f"g-{uuid.uuid4().hex[:8]}"
        # The worker polls all 10, commits offset 4, then hangs until killed.
        worker = self.spawn("consume-and-hang", topic, group, "10", "4")
        try:
            assert worker.stdout is not None
            line = worker.stdout.readline()
            assert json.loads(line) == {"polled": list(range(10)), "committed": 4}, line
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=WAIT)
        consumer = log.consumer(group, [topic])
        try:
            records = poll_until(consumer, 6)
            assert [r.offset for r in records] == list(range(4, 10))
            assert [r.value for r in records] == [str(i).encode() for i in range(4, 10)]
        finally:
            consumer.close()

    def test_two_consumers_in_one_group_share_the_partitions(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=4)
        everything = {TopicPartition(topic, p) for p in range(4)}
        group = f"g-{uuid.uuid4().hex[:8]}"
        first = log.consumer(group, [topic])
        wait_for(lambda: first.assignment() == everything, "the first member to own every partition",
                 step=lambda: first.poll(timeout=0.2))
        # A member joins while the other keeps polling (a Kafka rebalance needs every member to poll).
        joined: list[Consumer] = []
        joiner = threading.Thread(target=lambda: joined.append(log.consumer(group, [topic])))
        joiner.start()
        while joiner.is_alive():
            first.poll(timeout=0.2)
        second = joined[0]
        try:
            def shared() -> bool:
                a, b = first.assignment(), second.assignment()
                return bool(a) and bool(b) and not (a & b) and (a | b) == everything

            def step() -> None:
                first.poll(timeout=0.2)
                second.poll(timeout=0.2)

            wait_for(shared, "the two members to split the partitions", step=step)
            # Once shared, each member reads only its own partitions, and together all of them.
            for i in range(40):
                log.produce(topic, f"k{i}", b"v")
            log.flush()
            got: dict[str, list[LogRecord]] = {"first": [], "second": []}

            def read() -> None:
                got["first"] += first.poll(timeout=0.2)
                got["second"] += second.poll(timeout=0.2)

            wait_for(lambda: len(got["first"]) + len(got["second"]) >= 40, "40 records", step=read)
            assert {r.tp for r in got["first"]} <= first.assignment()
            assert {r.tp for r in got["second"]} <= second.assignment()
            assert len(got["first"]) + len(got["second"]) == 40
        finally:
            first.close()
            second.close()

    def test_seek_and_seek_to_beginning(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=1)
        tp = TopicPartition(topic, 0)
        for i in range(10):
            log.produce(topic, "k", str(i).encode())
        log.flush()
        consumer = log.consumer(None, [topic])
        try:
            poll_until(consumer, 10)
            assert consumer.position(tp) == 10
            consumer.seek(tp, 7)
            assert consumer.position(tp) == 7
            assert [r.offset for r in poll_until(consumer, 3)] == [7, 8, 9]
            consumer.seek_to_beginning()
            assert [r.offset for r in poll_until(consumer, 10)] == list(range(10))
            with pytest.raises(LogError):
                consumer.seek(TopicPartition(topic, 5), 0)  # not assigned
        finally:
            consumer.close()

    def test_lag_and_end_offsets(self) -> None:
        log = self.make_log()
        topic = self.new_topic(log, partitions=1)
        tp = TopicPartition(topic, 0)
        for i in range(5):
            log.produce(topic, "k", str(i).encode())
            log.flush()  # one record per batch: Tansu reports end offsets per batch (DESIGN.md)
        assert log.end_offsets(topic) == {0: 5}
        group = f"g-{uuid.uuid4().hex[:8]}"
        assert log.group_lag(group, [topic]) == {tp: 5}  # no commit yet: everything is lag
        consumer = log.consumer(group, [topic])
        try:
            poll_until(consumer, 5)
            consumer.commit({tp: 2})
            assert consumer.end_offsets([tp]) == {tp: 5}
            assert consumer.lag() == {tp: 3}
            assert log.group_lag(group, [topic]) == {tp: 3}
            consumer.commit()
            assert consumer.lag() == {tp: 0}
        finally:
            consumer.close()

    # -- subprocesses ----------------------------------------------------------

    def spawn(self, *args: str, stdin: int | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.test_log_contract", args[0], self.worker_url(), *args[1:]],
            cwd=ROOT, stdin=stdin, stdout=subprocess.PIPE, text=True)


class TestSqliteLog(LogContract):
    def test_a_topic_created_later_joins_a_pattern_subscription(self) -> None:
        """The embedded log re-reads its topics every session_timeout/5 s, as a Kafka client its metadata."""
        log = self.make_log()
        log.produce("pat.a.v1", "k", b"a")
        log.flush()
        for group in ("g", None):
            consumer = log.consumer(group, pattern=r"pat\..*\.v1")
            try:
                poll_until(consumer, 1)
                log.produce(f"pat.{group or 'none'}.v1", "k", b"new")
                log.flush()
                assert [r.value for r in poll_until(consumer, 1)] == [b"new"]
            finally:
                consumer.close()

    @pytest.fixture(autouse=True)
    def _log_file(self, tmp_path: Path) -> Iterator[None]:
        self.path = tmp_path / "log.db"
        self.logs: list[SqliteLog] = []
        yield
        for log in self.logs:
            log.close()

    def make_log(self, partitions: int = 3) -> Log:
        log = SqliteLog(self.path, default_partitions=partitions, session_timeout=SQLITE_SESSION_TIMEOUT)
        self.logs.append(log)
        return log

    def worker_url(self) -> str:
        return f"sqlite:///{self.path}"


@pytest.mark.kafka
class TestKafkaLog(LogContract):
    @pytest.fixture(autouse=True)
    def _broker(self, kafka_bootstrap: str, kafka_log_factory: Callable[..., KafkaLog]) -> None:
        self.bootstrap = kafka_bootstrap
        self.factory = kafka_log_factory

    def make_log(self, partitions: int = 3) -> Log:
        return self.factory(partitions)

    def worker_url(self) -> str:
        return f"kafka://{self.bootstrap}"


# -- the subprocess worker -----------------------------------------------------


def _worker(argv: list[str]) -> None:
    from newswire.core.logging import configure_logging

    configure_logging("warning", "json")  # stdout carries the worker's answers only
    command, url, *rest = argv
    log = open_url(url)
    if command == "produce":
        topic, name, count = rest[0], rest[1], int(rest[2])
        log.partitions_for(topic)  # connected and topic known before the start signal
        print("ready", flush=True)
        sys.stdin.readline()
        for i in range(count):
            log.produce(topic, f"{name}-{i % 7}", f"{name}:{i}".encode())
            if i % 5 == 4:
                log.flush()
        log.close()
    elif command == "consume-and-hang":
        topic, group, count, commit_at = rest[0], rest[1], int(rest[2]), int(rest[3])
        consumer = log.consumer(group, [topic])
        records = poll_until(consumer, count)
        consumer.commit({TopicPartition(topic, 0): commit_at})
        print(json.dumps({"polled": [r.offset for r in records], "committed": commit_at}), flush=True)
        while True:  # a consumer busy with its batch, until SIGKILL
            time.sleep(0.5)
    else:
        raise SystemExit(f"unknown worker command {command!r}")


if __name__ == "__main__":
    _worker(sys.argv[1:])
