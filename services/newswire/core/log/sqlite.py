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

Retention (:meth:`SqliteLog.enforce_retention`) deletes each topic's records
older than its ``retention.ms`` or beyond its ``retention.bytes``, in short
write transactions of a few thousand rows so producers only ever wait for one
of them, and always keeps each partition's newest record (as Kafka keeps the
active segment) so offsets never restart. Freed pages go back to the file
system (``auto_vacuum=INCREMENTAL``; a log created before that mode reuses
them instead). A log opened with ``retention_interval`` runs it in a
background thread; several processes on one file share one run per interval.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kafka.partitioner.default import murmur2

from newswire.core.errors import DataMissing, LogError, LogUnavailable
from newswire.core.log.types import (
    Delivery,
    Headers,
    LogRecord,
    OffsetReset,
    Retention,
    TopicPartition,
    TopicStats,
    group_lag,
    matching_topics,
)
from newswire.core.logging import get_logger

__all__ = ["SqliteLog", "SqliteConsumer", "RetentionResult", "Stamp", "partition_for",
           "DEFAULT_RETENTION_INTERVAL"]

DEFAULT_SESSION_TIMEOUT = 10.0
DEFAULT_BUSY_TIMEOUT = 60.0
#: Kafka's log.retention.check.interval.ms (5 minutes).
DEFAULT_RETENTION_INTERVAL = 300.0
#: Rows deleted (or pages freed) per write transaction: a producer waits for at most one such transaction.
RETENTION_CHUNK = 2000
# WAL file kept at most this large after a checkpoint (it would otherwise stay at its high-water mark).
_JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
_IDLE_SLEEP = 0.02
_SIZE = "length(value) + coalesce(length(key), 0) + coalesce(length(headers), 0)"

Stamp = Callable[[str, str | None, bytes, Headers], Headers]
"""Adds headers to a record as it is produced: ``(topic, key, value, headers) -> headers``."""

_log = get_logger("newswire.log")

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
-- 'retention_last_run': when any process last enforced retention (one run per interval for all of them).
CREATE TABLE IF NOT EXISTS log_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"""


@dataclass
class RetentionResult:
    """What one retention run did: records deleted per topic, and the bytes handed back to the file system."""

    deleted: dict[str, int] = field(default_factory=dict)
    freed_bytes: int = 0


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
                 session_timeout: float = DEFAULT_SESSION_TIMEOUT, max_pending: int = 5000,
                 create: bool = True, retention: Mapping[str, Retention] | None = None,
                 retention_interval: float | None = None, clock: Callable[[], float] = time.time,
                 stamp: Stamp | None = None) -> None:
        """Open (``create``: or create) the log at ``path``.

        ``retention``: the policy per topic (topics not named keep everything);
        ``retention_interval``: seconds between background runs (None: only
        :meth:`enforce_retention` calls). ``clock`` stamps records and judges
        their age. ``stamp`` adds headers to every produced record.
        Without ``create``, a missing file raises :class:`DataMissing` and nothing is written.
        """
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self.default_partitions = default_partitions
        self.session_timeout = session_timeout
        self.max_pending = max_pending
        self.retention = dict(retention or {})
        self.retention_interval = retention_interval
        self.clock = clock
        self.stamp = stamp
        self._lock = threading.RLock()
        self._pending: list[tuple[str, str | None, bytes, Headers, _Future]] = []
        self._partitions: dict[str, int] = {}
        self._stopping = threading.Event()
        self._retention_thread: threading.Thread | None = None
        if not create and not self.path.is_file():
            raise DataMissing("no such file", where=f"log {self.path}",
                              hint="nothing has run with this data home yet: `newswire run` or `newswire poll` "
                                   "creates it; or set NEWSWIRE_HOME, --log-url or NEWSWIRE_LOG_URL")
        try:
            if create and not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Only a new, empty file takes INCREMENTAL, and before WAL mode writes its header
                # (an existing log would need a full VACUUM; it reuses freed pages instead).
                with sqlite3.connect(self.path, isolation_level=None) as new:
                    new.execute("PRAGMA auto_vacuum=INCREMENTAL")
                    new.execute("PRAGMA journal_mode=WAL")
                new.close()
            self._conn = self.connect()
            if create:
                with self._write(self._conn):
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            self._conn.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise LogUnavailable(f"cannot open the log: {exc}", where=self.url) from None
        if retention_interval is not None and any(not r.forever for r in self.retention.values()):
            self._retention_thread = threading.Thread(target=self._retain_forever, name="log-retention",
                                                      daemon=True)
            self._retention_thread.start()

    # -- connections -----------------------------------------------------------

    def connect(self) -> sqlite3.Connection:
        """A new connection in WAL mode, in autocommit so transactions are explicit."""
        conn = sqlite3.connect(self.path, timeout=DEFAULT_BUSY_TIMEOUT, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(f"PRAGMA journal_size_limit={_JOURNAL_SIZE_LIMIT}")
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

    def topic_stats(self) -> list[TopicStats]:
        with self._lock:
            topics = self.topics()
            rows = self._conn.execute(
                f"SELECT topic, partition, COUNT(*), SUM({_SIZE}), MIN(offset), MAX(offset) + 1"
                " FROM records GROUP BY topic, partition").fetchall()
        by_topic: dict[str, list[tuple[int, int, int, int, int]]] = {}
        for topic, partition, count, size, oldest, end in rows:
            by_topic.setdefault(topic, []).append((partition, count, size, oldest, end))
        stats = []
        for topic, n in topics.items():
            parts = {p: (count, size, oldest, end) for p, count, size, oldest, end in by_topic.get(topic, [])}
            stats.append(TopicStats(
                topic, n, records=sum(v[0] for v in parts.values()), bytes=sum(v[1] for v in parts.values()),
                oldest_offset={p: parts[p][2] if p in parts else 0 for p in range(n)},
                end_offset={p: parts[p][3] if p in parts else 0 for p in range(n)}))
        return stats

    # -- producing -------------------------------------------------------------

    def produce(self, topic: str, key: str | None, value: bytes, headers: Headers = ()) -> _Future:
        if not isinstance(value, bytes | bytearray):
            raise TypeError(f"value must be bytes, not {type(value).__name__}")
        future = _Future(self)
        if self.stamp is not None:
            headers = self.stamp(topic, key, bytes(value), headers)
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
            now = self.clock()
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

    def consumer(self, group_id: str | None, topics: Sequence[str] = (), *, pattern: str | None = None,
                 offset_reset: OffsetReset = "earliest") -> SqliteConsumer:
        return SqliteConsumer(self, group_id, topics, pattern=pattern, offset_reset=offset_reset)

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

    # -- retention ---------------------------------------------------------------

    def enforce_retention(self, now: float | None = None) -> RetentionResult:
        """Delete what each topic's :class:`Retention` no longer keeps, then give the space back.

        Each partition keeps its newest record whatever its age, so its next offset
        stays where it was. Runs on its own connection, in transactions of at most
        :data:`RETENTION_CHUNK` rows, so producers and consumers go on meanwhile.
        """
        now = self.clock() if now is None else now
        result = RetentionResult()
        conn = self.connect()
        try:
            for topic, policy in sorted(self.retention.items()):
                if policy.forever:
                    continue
                partitions = conn.execute("SELECT partitions FROM topics WHERE name = ?", (topic,)).fetchone()
                for partition in range(partitions[0] if partitions else 0):
                    deleted = self._retain_partition(conn, topic, partition, policy, now)
                    if deleted:
                        result.deleted[topic] = result.deleted.get(topic, 0) + deleted
            result.freed_bytes = self._vacuum(conn)
        finally:
            conn.close()
        if result.deleted:
            _log.info("log retention", log=self.url, deleted=result.deleted, freed_bytes=result.freed_bytes)
        return result

    def _retain_partition(self, conn: sqlite3.Connection, topic: str, partition: int, policy: Retention,
                          now: float) -> int:
        tp = (topic, partition)
        oldest, newest = conn.execute("SELECT MIN(offset), MAX(offset) FROM records WHERE topic = ? AND partition = ?",
                                      tp).fetchone()
        if newest is None:
            return 0
        keep_from = 0  # the first offset to keep; below it everything goes
        if policy.ms >= 0:
            keep_from = self._first_since(conn, tp, oldest, newest, now - policy.ms / 1000)
        if policy.bytes >= 0:
            # The oldest offset whose records, with every newer one, still fit in retention.bytes.
            row = conn.execute(
                f"SELECT offset FROM (SELECT offset, SUM({_SIZE}) OVER (ORDER BY offset DESC) AS kept"
                " FROM records WHERE topic = ? AND partition = ?) WHERE kept > ? ORDER BY offset DESC LIMIT 1",
                (*tp, policy.bytes)).fetchone()
            if row is not None:
                keep_from = max(keep_from, row[0] + 1)
        keep_from = min(keep_from, newest)
        if keep_from <= oldest:  # nothing to delete: no write transaction either
            return 0
        deleted = 0
        while not self._stopping.is_set():
            with self._write(conn):
                n = conn.execute(
                    "DELETE FROM records WHERE rowid IN (SELECT rowid FROM records WHERE topic = ? AND partition = ?"
                    " AND offset < ? ORDER BY offset LIMIT ?)", (*tp, keep_from, RETENTION_CHUNK)).rowcount
            deleted += n
            if n < RETENTION_CHUNK:
                break
        return deleted

    @staticmethod
    def _first_since(conn: sqlite3.Connection, tp: tuple[str, int], oldest: int, newest: int, cutoff: float) -> int:
        """The first offset of the partition appended at or after ``cutoff`` (``newest`` if none).

        A binary search over offsets, about 20 index lookups for a million records, instead of a scan:
        records are stamped when flushed, so their times grow with their offsets.
        """
        low, high = oldest, newest
        while low < high:
            middle = (low + high) // 2
            (ts,) = conn.execute("SELECT ts FROM records WHERE topic = ? AND partition = ? AND offset >= ?"
                                 " ORDER BY offset LIMIT 1", (*tp, middle)).fetchone()
            if ts >= cutoff:
                high = middle
            else:
                low = middle + 1
        return low

    def _vacuum(self, conn: sqlite3.Connection) -> int:
        """Return free pages to the file system in chunks (unless the log predates ``auto_vacuum=INCREMENTAL``:
        then they are reused by the next records)."""
        if conn.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            return 0
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        freed = 0
        while not self._stopping.is_set():
            (free,) = conn.execute("PRAGMA freelist_count").fetchone()
            if free == 0:
                break
            # executescript steps the pragma to the end (execute() frees a single page).
            conn.executescript(f"BEGIN IMMEDIATE; PRAGMA incremental_vacuum({min(free, RETENTION_CHUNK)}); COMMIT;")
            freed += min(free, RETENTION_CHUNK) * page_size
        # A passive checkpoint (it never waits for readers or blocks producers) copies the shrunken file out of
        # the WAL, so the file system sees the space now; journal_size_limit then trims the WAL itself.
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        return freed

    def _retain_forever(self) -> None:
        """The background thread: one run per interval across every process sharing the file."""
        assert self.retention_interval is not None
        while not self._stopping.wait(min(self.retention_interval, 5.0)):
            try:
                if self._claim_retention_run():
                    self.enforce_retention()
            except sqlite3.Error as exc:  # the log may be briefly busy or closing: try again next time
                _log.warning("log retention failed", log=self.url, error=str(exc))

    def _claim_retention_run(self) -> bool:
        assert self.retention_interval is not None
        conn = self.connect()
        try:
            now = self.clock()
            with self._write(conn):
                row = conn.execute("SELECT value FROM log_meta WHERE key = 'retention_last_run'").fetchone()
                if row is not None and now - float(row[0]) < self.retention_interval:
                    return False
                conn.execute("INSERT INTO log_meta (key, value) VALUES ('retention_last_run', ?)"
                             " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(now),))
                return True
        finally:
            conn.close()

    def close(self) -> None:
        self._stopping.set()
        if self._retention_thread is not None:
            self._retention_thread.join()
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

    def __init__(self, log: SqliteLog, group_id: str | None, topics: Sequence[str] = (), *,
                 pattern: str | None = None, offset_reset: OffsetReset = "earliest") -> None:
        if bool(topics) == (pattern is not None):
            raise ValueError("subscribe to topics or to a pattern, not both or neither")
        self.log = log
        self.group_id = group_id
        self.pattern = pattern
        self.offset_reset = offset_reset
        self.member_id = f"{uuid.uuid4().hex[:12]}"
        self._conn = log.connect()
        self._positions: dict[TopicPartition, int] = {}
        self._assignment: set[TopicPartition] = set()
        self._last_heartbeat = 0.0
        self._topics_checked = 0.0
        self._closed = False
        if pattern is not None:
            re.compile(pattern)  # a bad pattern fails here, not on the first poll
            self.topics = self._matching()
        else:
            self.topics = list(topics)
        for topic in self.topics:
            log.partitions_for(topic)
        self._rebalance(force=True)

    def _matching(self) -> list[str]:
        assert self.pattern is not None
        self._topics_checked = time.monotonic()
        return matching_topics(self.pattern, [t for (t,) in self._conn.execute("SELECT name FROM topics")])

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
        if self.pattern is not None and time.monotonic() - self._topics_checked > self.log.session_timeout / 5:
            topics = self._matching()
            if topics != self.topics:  # a topic matching the pattern appeared: rebalance now
                self.topics, force = topics, True
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
                self._positions[tp] = committed if committed is not None else self._reset_position(tp)
            self._assignment = assignment

    def _reset_position(self, tp: TopicPartition) -> int:
        """Where a partition without a committed offset starts: 0 (the oldest record on) or its end."""
        if self.offset_reset == "earliest":
            return 0
        (last,) = self._conn.execute("SELECT MAX(offset) FROM records WHERE topic = ? AND partition = ?",
                                     (tp.topic, tp.partition)).fetchone()
        return 0 if last is None else last + 1

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
