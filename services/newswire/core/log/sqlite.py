"""The embedded log: Kafka's semantics on one SQLite file in WAL mode.

Several processes on one machine may share the file (a poller and an
extractor, two extractors in one group). Writers serialise on SQLite's write
lock (``BEGIN IMMEDIATE``); each produce batch takes the next dense offsets of
its partitions inside that transaction, so offsets never collide or skip.

Consumer groups: every member heartbeats in ``group_members`` when it polls;
members silent for ``session_timeout`` seconds are dropped. The assignment is
a pure function of the live members and the partitions (round robin over
both, sorted), so every member computes the same one without a coordinator.
A commit only writes partitions the member still owns at that instant, the
way Kafka rejects commits from a stale generation.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from kafka.partitioner.default import murmur2

from newswire.core.errors import LogError, LogUnavailable
from newswire.core.log.types import Delivery, Headers, LogRecord, TopicPartition, group_lag

__all__ = ["SqliteLog", "SqliteConsumer", "partition_for"]

DEFAULT_SESSION_TIMEOUT = 10.0
DEFAULT_BUSY_TIMEOUT = 60.0
_IDLE_SLEEP = 0.02

_SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (
    name TEXT PRIMARY KEY,
    partitions INTEGER NOT NULL
);
-- A rowid table, not WITHOUT ROWID: values are ~1 KiB and more, and SQLite
-- stores large rows poorly in a clustered index (its docs advise WITHOUT ROWID
-- only for rows under ~1/20 of a page): measured 2x faster batched produce
-- with 1 KiB values (benchmarks/log.py). The unique index keeps offsets unique.
CREATE TABLE IF NOT EXISTS records (
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    key TEXT,
    value BLOB NOT NULL,
    headers TEXT,
    ts REAL NOT NULL,
    UNIQUE (topic, partition, offset)
);
CREATE TABLE IF NOT EXISTS group_offsets (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_members (
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    topics TEXT NOT NULL,
    heartbeat REAL NOT NULL,
    PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
"""


def partition_for(key: str | None, partitions: int) -> int:
    """Kafka's default partitioner, so a key lands in the same partition on either backend."""
    if key is None:
        return random.randrange(partitions)
    return (murmur2(key.encode("utf-8")) & 0x7FFFFFFF) % partitions


def _encode_headers(headers: Headers) -> str | None:
    return json.dumps([[k, v.hex()] for k, v in headers]) if headers else None


def _decode_headers(raw: str | None) -> tuple[tuple[str, bytes], ...]:
    return tuple((k, bytes.fromhex(v)) for k, v in json.loads(raw)) if raw else ()


class _Future:
    __slots__ = ("_log", "_delivery", "_error")

    def __init__(self, log: SqliteLog) -> None:
        self._log = log
        self._delivery: Delivery | None = None
        self._error: LogError | None = None

    def result(self, timeout: float | None = None) -> Delivery:
        if self._delivery is None and self._error is None:
            self._log.flush(timeout)
        if self._error is not None:
            raise self._error
        assert self._delivery is not None
        return self._delivery


class SqliteLog:
    """A durable log in one SQLite file. Thread-safe; one instance per process is enough."""

    def __init__(self, path: str | Path, *, default_partitions: int = 3,
                 session_timeout: float = DEFAULT_SESSION_TIMEOUT, max_pending: int = 5000) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self.default_partitions = default_partitions
        self.session_timeout = session_timeout
        self.max_pending = max_pending
        self._lock = threading.RLock()
        self._pending: list[tuple[str, str | None, bytes, Headers, _Future]] = []
        self._partitions: dict[str, int] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = self.connect()
            with self._write(self._conn):
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._conn.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise LogUnavailable(f"cannot open the log: {exc}", where=self.url) from None

    # -- connections -----------------------------------------------------------

    def connect(self) -> sqlite3.Connection:
        """A new connection in WAL mode, in autocommit so transactions are explicit."""
        conn = sqlite3.connect(self.path, timeout=DEFAULT_BUSY_TIMEOUT, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    class _Tx:
        def __init__(self, conn: sqlite3.Connection, mode: str) -> None:
            self.conn, self.mode = conn, mode

        def __enter__(self) -> sqlite3.Connection:
            self.conn.execute(f"BEGIN {self.mode}")
            return self.conn

        def __exit__(self, exc_type: object, *_: object) -> None:
            self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")

    def _write(self, conn: sqlite3.Connection) -> SqliteLog._Tx:
        # BEGIN IMMEDIATE takes the write lock up front, so concurrent writers
        # wait on the busy timeout instead of failing with SQLITE_BUSY mid-way.
        return SqliteLog._Tx(conn, "IMMEDIATE")

    # -- topics ----------------------------------------------------------------

    def create_topics(self, topics: Mapping[str, int]) -> None:
        with self._lock, self._write(self._conn) as conn:
            conn.executemany("INSERT OR IGNORE INTO topics (name, partitions) VALUES (?, ?)",
                             list(topics.items()))

    def partitions_for(self, topic: str) -> int:
        with self._lock:
            if topic not in self._partitions:
                row = self._conn.execute("SELECT partitions FROM topics WHERE name = ?", (topic,)).fetchone()
                if row is None:
                    self.create_topics({topic: self.default_partitions})
                    row = self._conn.execute("SELECT partitions FROM topics WHERE name = ?", (topic,)).fetchone()
                self._partitions[topic] = int(row[0])
            return self._partitions[topic]

    def topics(self) -> dict[str, int]:
        with self._lock:
            return dict(self._conn.execute("SELECT name, partitions FROM topics ORDER BY name").fetchall())

    # -- producing -------------------------------------------------------------

    def produce(self, topic: str, key: str | None, value: bytes, headers: Headers = ()) -> _Future:
        if not isinstance(value, bytes | bytearray):
            raise TypeError(f"value must be bytes, not {type(value).__name__}")
        future = _Future(self)
        with self._lock:
            self._pending.append((topic, key, bytes(value), tuple(headers), future))
            if len(self._pending) >= self.max_pending:
                self.flush()
        return future

    def flush(self, timeout: float | None = None) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
            if not pending:
                return
            now = time.time()
            # Outside the write transaction: a topic produced to for the first time is
            # created here, in a transaction of its own (SQLite transactions do not nest).
            partitions = {topic: self.partitions_for(topic) for topic, *_ in pending}
            try:
                with self._write(self._conn) as conn:
                    next_offset: dict[tuple[str, int], int] = {}
                    rows = []
                    for topic, key, value, headers, future in pending:
                        partition = partition_for(key, partitions[topic])
                        tp = (topic, partition)
                        if tp not in next_offset:
                            (last,) = conn.execute(
                                "SELECT MAX(offset) FROM records WHERE topic = ? AND partition = ?", tp
                            ).fetchone()
                            next_offset[tp] = 0 if last is None else last + 1
                        offset = next_offset[tp]
                        next_offset[tp] = offset + 1
                        rows.append((topic, partition, offset, key, value, _encode_headers(headers), now))
                        future._delivery = Delivery(topic, partition, offset)
                    conn.executemany(
                        "INSERT INTO records (topic, partition, offset, key, value, headers, ts)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            except sqlite3.Error as exc:
                error = LogError(f"write failed: {exc}", where=self.url)
                for *_, future in pending:
                    future._delivery, future._error = None, error
                raise error from None

    # -- reading ---------------------------------------------------------------

    def consumer(self, group_id: str | None, topics: Sequence[str]) -> SqliteConsumer:
        return SqliteConsumer(self, group_id, topics)

    def end_offsets(self, topic: str) -> dict[int, int]:
        with self._lock:
            n = self.partitions_for(topic)
            rows = dict(self._conn.execute(
                "SELECT partition, MAX(offset) + 1 FROM records WHERE topic = ? GROUP BY partition", (topic,)))
        return {p: int(rows.get(p, 0)) for p in range(n)}

    def committed_offsets(self, group_id: str, topics: Sequence[str]) -> dict[TopicPartition, int]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT topic, partition, offset FROM group_offsets WHERE group_id = ?"
                f" AND topic IN ({','.join('?' * len(topics))})", (group_id, *topics)).fetchall()
        return {TopicPartition(t, p): o for t, p, o in rows}

    def group_lag(self, group_id: str, topics: Sequence[str]) -> dict[TopicPartition, int]:
        return group_lag(self, group_id, topics, self.committed_offsets(group_id, topics))

    def ping(self) -> None:
        try:
            with self._lock:
                self._conn.execute("SELECT 1 FROM topics LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise LogUnavailable(f"log unreadable: {exc}", where=self.url) from None

    def close(self) -> None:
        with self._lock:
            try:
                self.flush()
            finally:
                self._conn.close()

    def __enter__(self) -> SqliteLog:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class SqliteConsumer:
    """One member of a consumer group on a :class:`SqliteLog`, with its own connection."""

    def __init__(self, log: SqliteLog, group_id: str | None, topics: Sequence[str]) -> None:
        self.log = log
        self.group_id = group_id
        self.topics = list(topics)
        self.member_id = f"{uuid.uuid4().hex[:12]}"
        self._conn = log.connect()
        self._positions: dict[TopicPartition, int] = {}
        self._assignment: set[TopicPartition] = set()
        self._last_heartbeat = 0.0
        self._closed = False
        for topic in self.topics:
            log.partitions_for(topic)
        self._rebalance(force=True)

    # -- membership ------------------------------------------------------------

    def _all_partitions(self) -> list[TopicPartition]:
        return sorted(TopicPartition(t, p) for t in self.topics for p in range(self.log.partitions_for(t)))

    def _assigned(self, conn: sqlite3.Connection, now: float) -> set[TopicPartition]:
        """The partitions this member owns given the live members; pure given the table."""
        partitions = self._all_partitions()
        if self.group_id is None:
            return set(partitions)
        members = [m for (m,) in conn.execute(
            "SELECT member_id FROM group_members WHERE group_id = ? AND heartbeat >= ? ORDER BY member_id",
            (self.group_id, now - self.log.session_timeout))]
        if self.member_id not in members:
            return set()
        index, count = members.index(self.member_id), len(members)
        return {tp for i, tp in enumerate(partitions) if i % count == index}

    def _rebalance(self, force: bool = False) -> None:
        now = time.time()
        if self.group_id is not None and (force or now - self._last_heartbeat > self.log.session_timeout / 5):
            with self.log._write(self._conn) as conn:
                conn.execute(
                    "INSERT INTO group_members (group_id, member_id, topics, heartbeat) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (group_id, member_id) DO UPDATE SET heartbeat = excluded.heartbeat",
                    (self.group_id, self.member_id, json.dumps(self.topics), now))
                conn.execute("DELETE FROM group_members WHERE group_id = ? AND heartbeat < ?",
                             (self.group_id, now - 2 * self.log.session_timeout))
            self._last_heartbeat = now
        elif not force and self.group_id is not None:
            return
        assignment = self._assigned(self._conn, now)
        if assignment != self._assignment or force:
            for tp in self._assignment - assignment:
                self._positions.pop(tp, None)
            for tp in assignment - self._assignment:
                committed = self.committed(tp)
                self._positions[tp] = committed if committed is not None else 0
            self._assignment = assignment

    # -- the consumer protocol -------------------------------------------------

    def poll(self, max_records: int = 500, timeout: float = 1.0) -> list[LogRecord]:
        self._check_open()
        deadline = time.monotonic() + timeout
        while True:
            self._rebalance()
            records = self._read(max_records)
            if records or time.monotonic() >= deadline:
                return records
            time.sleep(min(_IDLE_SLEEP, max(0.0, deadline - time.monotonic())))

    def _read(self, max_records: int) -> list[LogRecord]:
        # Share the batch across partitions so one busy partition cannot starve
        # the others; then let the partitions that still have records fill what
        # the idle ones left, so a batch is as large as asked (bigger batches
        # are what make the projector's one-transaction-per-batch fast).
        active = sorted(self._assignment)
        records: list[LogRecord] = []
        while active and len(records) < max_records:
            share = max(1, (max_records - len(records)) // len(active))
            still_active = []
            for tp in active:
                limit = min(share, max_records - len(records))
                if limit <= 0:
                    break
                rows = self._conn.execute(
                    "SELECT offset, key, value, headers, ts FROM records"
                    " WHERE topic = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?",
                    (tp.topic, tp.partition, self._positions[tp], limit)).fetchall()
                for offset, key, value, headers, ts in rows:
                    records.append(LogRecord(tp.topic, tp.partition, offset, key, bytes(value),
                                             _decode_headers(headers), ts))
                if rows:
                    self._positions[tp] = rows[-1][0] + 1
                if len(rows) == limit:
                    still_active.append(tp)
            active = still_active
        return records

    def commit(self, offsets: Mapping[TopicPartition, int] | None = None) -> None:
        self._check_open()
        if self.group_id is None:
            raise LogError("cannot commit without a consumer group", where=self.log.url)
        offsets = dict(self._positions if offsets is None else offsets)
        with self.log._write(self._conn) as conn:
            owned = self._assigned(conn, time.time())
            conn.executemany(
                "INSERT INTO group_offsets (group_id, topic, partition, offset) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (group_id, topic, partition) DO UPDATE SET offset = excluded.offset",
                [(self.group_id, tp.topic, tp.partition, off) for tp, off in offsets.items() if tp in owned])

    def committed(self, tp: TopicPartition) -> int | None:
        if self.group_id is None:
            return None
        row = self._conn.execute(
            "SELECT offset FROM group_offsets WHERE group_id = ? AND topic = ? AND partition = ?",
            (self.group_id, tp.topic, tp.partition)).fetchone()
        return None if row is None else int(row[0])

    def seek(self, tp: TopicPartition, offset: int) -> None:
        if tp not in self._assignment:
            raise LogError(f"partition {tp} is not assigned to this consumer", where=self.log.url)
        self._positions[tp] = offset

    def seek_to_beginning(self, tps: Iterable[TopicPartition] | None = None) -> None:
        for tp in (self._assignment if tps is None else tps):
            self.seek(tp, 0)

    def assignment(self) -> set[TopicPartition]:
        return set(self._assignment)

    def position(self, tp: TopicPartition) -> int:
        return self._positions[tp]

    def end_offsets(self, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        result = {}
        for tp in tps:
            (last,) = self._conn.execute(
                "SELECT MAX(offset) FROM records WHERE topic = ? AND partition = ?",
                (tp.topic, tp.partition)).fetchone()
            result[tp] = 0 if last is None else last + 1
        return result

    def lag(self) -> dict[TopicPartition, int]:
        ends = self.end_offsets(self._assignment)
        return {tp: max(0, end - (self.committed(tp) or 0)) for tp, end in ends.items()}

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.group_id is not None:
            with self.log._write(self._conn) as conn:
                conn.execute("DELETE FROM group_members WHERE group_id = ? AND member_id = ?",
                             (self.group_id, self.member_id))
        self._conn.close()

    def _check_open(self) -> None:
        if self._closed:
            raise LogError("consumer is closed", where=self.log.url)

    def __enter__(self) -> SqliteConsumer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
