"""The projector service: ``conflict.*.v1`` in, current-state tables out.

It runs :class:`~newswire.core.runner.ConsumerRunner`'s loop with itself as
the batch handler. The tables' own offsets (``projector_offsets``, written in
the same transaction as the rows) are the source of truth: on start the
consumer seeks to them, and every batch is checked against them again, so a
re-delivered record is skipped and a consumer ahead of the tables (after a
``replay`` swapped in tables that end earlier) is sought back. The log's
committed offsets are written after each batch only so that lag can be
watched from the outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection, Engine

from newswire.core.config import Settings, missing_sqlite_file
from newswire.core.dlq import send_dead_letter
from newswire.core.errors import DataMissing, LogError, ProjectionError, RecordError
from newswire.core.log import Log, open_log
from newswire.core.log.types import Consumer, LogRecord, TopicPartition
from newswire.core.logging import get_logger
from newswire.core.models import parse_event
from newswire.core.runner import ConsumerRunner
from newswire.core.stats import ServiceStats
from newswire.core.topics import event_topics
from newswire.projector.fold import to_report
from newswire.projector.store import (
    Applied,
    BatchRefused,
    SubjectCache,
    apply_batch,
    create_engine,
    ensure_schema,
    lock_live,
    prepare_rebuild,
    schema_version,
    stored_offsets,
    swap_in,
)
from newswire.projector.tables import PROJECTION_SCHEMA_VERSION, Tables, make_tables

__all__ = ["ProjectorStats", "Projector", "Rebuild", "ReplayResult", "make_projector", "replay", "open_tables"]

log_ = get_logger("newswire.projector")
REPLAY_BATCH_SIZE = 2000


@dataclass
class ProjectorStats(ServiceStats):
    """Counters for the operations engineer's metrics."""

    events_applied: int = 0
    duplicates: int = 0
    skipped: int = 0
    rewinds: int = 0

    def summary(self) -> str:
        return (f"projected {self.records_in} record(s): {self.events_applied} applied, {self.duplicates} "
                f"duplicate(s), {self.skipped} already applied, {self.dead_letters} dead-lettered")


class Projector:
    """Folds event records into ``tables``; the batch handler of its own run loop.

    ``dead_letters=False`` (replays) counts bad records without sending them
    to the dead-letter topic again.
    """

    def __init__(self, log: Log, engine: Engine, consumer: Consumer, *, tables: Tables | None = None,
                 batch_size: int = 500, poll_timeout: float = 0.5, dead_letters: bool = True,
                 owns_log: bool = False, topics: Sequence[str] | None = None, cache_reports: int = 200_000) -> None:
        self.log = log
        self.engine = engine
        self.consumer = consumer
        self.tables = tables or make_tables()
        self.dead_letters = dead_letters
        self.stats = ProjectorStats()
        self._owns_log = owns_log
        self._rewound: set[TopicPartition] = set()
        self._accepted: dict[TopicPartition, int] = {}
        # Set during a replay's final catch-up: batches join the swap transaction.
        self.conn: Connection | None = None
        self.cache = SubjectCache(cache_reports)
        self.consumer_topics = list(topics or event_topics())
        self.runner = ConsumerRunner(consumer, self, batch_size=batch_size, poll_timeout=poll_timeout,
                                     done=self.tables_caught_up)
        self.seek_to_stored()

    @property
    def group_id(self) -> str:
        return self.consumer.group_id or "newswire-projector-replay"

    def seek_to_stored(self) -> None:
        """Position the consumer at the offsets stored with the rows (0 where none)."""
        with self.engine.connect() as conn:
            stored = stored_offsets(conn, self.tables)
        for tp in self.consumer.assignment():
            self.consumer.seek(tp, stored.get(tp, 0))

    # -- the run loop ------------------------------------------------------------

    def run(self, once: bool = False, timeout: float | None = None, count: int | None = None) -> ProjectorStats:
        """Project until stopped, caught up (``once``), ``timeout`` seconds or ``count`` records."""
        log_.info("projector.start", tables=self.engine.url.render_as_string(hide_password=True),
                  group=self.consumer.group_id, once=once)
        self.runner.run(once=once, timeout=timeout, count=count)
        self.stats.log(log_, "projector.stop")
        return self.stats

    def stop(self) -> None:
        """Finish the batch in hand, commit it, return from :meth:`run` (safe from a signal handler)."""
        self.runner.stop()

    def close(self) -> None:
        self.consumer.close()
        self.engine.dispose()
        if self._owns_log:
            self.log.close()

    # -- BatchHandler --------------------------------------------------------------

    def process(self, records: list[LogRecord]) -> None:
        """Parse, dead-letter what cannot be applied, apply the rest in one transaction.

        A batch the database refuses (a value it cannot store) is split in two
        and each half applied in turn, down to the one record at fault, which
        is dead-lettered; the others are applied. The halves keep the log's
        order, so each starts where the one before it ended.
        """
        self.stats.records_in += len(records)
        rejected = self.stats.dead_letters
        parsed = [(record, self._parse(record)) for record in records]
        if self.dead_letters and self.stats.dead_letters > rejected:
            # Dead letters are durable before the offsets that skip their records commit.
            self.log.flush()
        self._apply(parsed)

    def _parse(self, record: LogRecord) -> Applied | None:
        try:
            event = parse_event(record.value)
            report = to_report(event, record_time=record.timestamp)
        except ValidationError as exc:
            self._reject(record, RecordError.invalid("an event", exc, where=f"{record.tp}@{record.offset}"))
            return None
        except ProjectionError as exc:
            self._reject(record, exc)
            return None
        return Applied(event, report, record.tp, record.offset)

    def _apply(self, parsed: list[tuple[LogRecord, Applied | None]]) -> None:
        positions: dict[TopicPartition, tuple[int, int]] = {}
        for record, _ in parsed:
            first, last = positions.get(record.tp, (record.offset, record.offset))
            positions[record.tp] = (min(first, record.offset), max(last, record.offset))
        items = [item for _, item in parsed if item is not None]
        try:
            outcome = apply_batch(self.engine, self.tables, items, positions, gaps_ok=self._rewound,
                                  conn=self.conn, cache=self.cache)
        except BatchRefused as exc:
            if not items:
                raise
            if len(items) > 1:
                log_.warning("projector.batch_refused", records=len(parsed), error=str(exc))
                middle = next(i for i, (_, item) in enumerate(parsed) if item is items[len(items) // 2])
                self._apply(parsed[:middle])
                self._apply(parsed[middle:])
                return
            culprit = next(record for record, item in parsed if item is not None)
            self._reject(culprit, RecordError(exc.message, where=f"{culprit.tp}@{culprit.offset}"))
            if self.dead_letters:
                self.log.flush()
            self._apply([(record, None) for record, _ in parsed])
            return
        self.stats.events_applied += outcome.applied
        self.stats.duplicates += outcome.duplicates
        self.stats.skipped += outcome.skipped
        self.stats.batches += 1
        self._rewound -= set(outcome.offsets)
        self._accepted.update(outcome.offsets)
        for tp, offset in outcome.rewind.items():
            log_.info("projector.rewind", partition=str(tp), offset=offset)
            self.stats.rewinds += 1
            self._rewound.add(tp)
            self.consumer.seek(tp, offset)

    def tables_caught_up(self) -> bool:
        """Whether the tables hold every partition of the event topics up to the log's end.

        A ``--once`` run stops only then, not when its own partitions are done:
        a partition of a second projector in the group that died is this one's
        to apply once the group hands it over.
        """
        if self.conn is not None:  # a replay's catch-up: its own transaction holds the offsets it wrote
            stored = stored_offsets(self.conn, self.tables)
        else:
            with self.engine.connect() as conn:
                stored = stored_offsets(conn, self.tables)
        return all(stored.get(TopicPartition(topic, partition), 0) >= end
                   for topic in self.consumer_topics for partition, end in self.log.end_offsets(topic).items())

    def checkpoint(self, records: list[LogRecord]) -> None:
        """The rows and offsets are committed already; mirror the offsets into the log for lag metrics."""
        accepted, self._accepted = self._accepted, {}
        if self.consumer.group_id is None or not accepted:
            return
        try:
            self.consumer.commit(accepted)
        except LogError as exc:  # advisory only: the tables hold the real offsets
            log_.warning("projector.commit_failed", error=str(exc))

    def _reject(self, record: LogRecord, exc: Exception) -> None:
        self.stats.error(type(exc).__name__)
        self.stats.dead_letters += 1
        log_.warning("projector.dead_letter", partition=str(record.tp), offset=record.offset, error=str(exc))
        if self.dead_letters:
            send_dead_letter(self.log, self.group_id, record, exc)


def open_tables(settings: Settings, log: Log | None = None, *, create: bool = True) -> tuple[Engine, Tables]:
    """The engine of the projector's database and its tables: the one place both are built.

    1. Without ``create`` (``newswire state``, ``export``), a SQLite file that is not there is
       :class:`DataMissing` before anything is written.
    2. The engine is created (``settings.projector_db_url()``).
    3. With ``create`` (the projector, ``replay``), the tables are created if missing and tables of an
       older schema rebuilt by replay, logged (:func:`_ready_tables`); ``log`` is opened from
       ``settings`` only for that replay. Without ``create`` nothing is written: missing tables raise
       :class:`DataMissing`, tables of an older schema a :class:`ProjectionError` saying how to rebuild them.

    On an error the engine is disposed before it propagates.
    """
    db_url = settings.projector_db_url()
    if not create and (path := missing_sqlite_file(db_url)) is not None:
        raise DataMissing("no such file", where=f"database {path}",
                          hint="nothing has run with this data home yet: `newswire run` or `newswire project` "
                               "creates it; or set NEWSWIRE_HOME, --db-url or NEWSWIRE_DB_URL")
    engine = create_engine(db_url)
    try:
        tables = _ready_tables(engine, log, settings) if create else _existing_tables(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine, tables


def _ready_tables(engine: Engine, log: Log | None, settings: Settings) -> Tables:
    """The live tables, created if missing; tables of an older schema are rebuilt by replay, and it is logged.

    A replay reads the whole log, so it never happens unsaid.
    """
    tables = make_tables()
    if ensure_schema(engine, tables) == "stale":
        log_.warning("projector.schema_changed", action="rebuild by replay", schema_version=PROJECTION_SCHEMA_VERSION)
        owned = log is None
        log = log or open_log(settings)
        try:
            replay(engine, log)
        finally:
            if owned:
                log.close()
    return tables


def _existing_tables(engine: Engine) -> Tables:
    """The tables already in ``engine``'s database, at the current schema version; writes nothing."""
    tables = make_tables()
    where = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as conn:
            version = schema_version(conn, tables)
    except sa.exc.OperationalError as exc:
        raise ProjectionError(f"cannot use the database: {str(exc.orig or exc).strip().splitlines()[0]}",
                              where=where, hint="check NEWSWIRE_PROJECTOR__DB_URL / NEWSWIRE_DB_URL and that "
                                                "the server is up") from None
    if version is None:
        raise DataMissing("no newswire tables in this database", where=where,
                          hint="`newswire project` (or `newswire run`) creates them; or set --db-url")
    if version != PROJECTION_SCHEMA_VERSION:
        raise ProjectionError(f"the tables are of schema version {version}, this newswire reads "
                              f"{PROJECTION_SCHEMA_VERSION}", where=where,
                              hint="`newswire project` or `newswire replay` rebuilds them from the log")
    return tables


def make_projector(settings: Settings, log: Log | None = None) -> Projector:
    """Build the projector: open the log (unless injected), its engine and tables (:func:`open_tables`),
    and join the consumer group."""
    owns_log = log is None
    log = log or open_log(settings)
    try:
        engine, tables = open_tables(settings, log)
    except BaseException:
        if owns_log:
            log.close()
        raise
    cfg = settings.projector
    consumer = log.consumer(cfg.group_id, event_topics())
    return Projector(log, engine, consumer, tables=tables, batch_size=cfg.batch_size,
                     poll_timeout=cfg.poll_timeout, owns_log=owns_log, cache_reports=cfg.cache_reports)


@dataclass(frozen=True)
class ReplayResult:
    events: int
    records: int
    offsets: dict[TopicPartition, int]


class Rebuild:
    """A replay in its two steps: :meth:`build` the fresh tables, then :meth:`swap` them in."""

    def __init__(self, engine: Engine, log: Log, *, topics: Sequence[str] | None = None,
                 batch_size: int = REPLAY_BATCH_SIZE) -> None:
        self.engine = engine
        self.tables = prepare_rebuild(engine)
        topics = list(topics or event_topics())
        self.consumer = log.consumer(None, topics)
        self.consumer.seek_to_beginning()
        self.folder = Projector(log, engine, self.consumer, tables=self.tables, batch_size=batch_size,
                                poll_timeout=0.1, dead_letters=False, topics=topics)

    def build(self) -> None:
        """Read every partition from offset 0 to its end into the rebuild tables."""
        self.folder.runner.run(once=True)

    def swap(self) -> ReplayResult:
        """Catch up and swap in one transaction that holds the live tables' write lock.

        Whatever a running projector committed meanwhile came from the log, so
        reading the log to its end under the lock leaves the rebuilt tables at
        or past the live ones; that projector then skips what it already read.
        """
        live = make_tables()
        try:
            with self.engine.begin() as conn:
                lock_live(conn, live)
                self.folder.conn = conn
                self.folder.runner.run(once=True)
                self.folder.conn = None
                offsets = stored_offsets(conn, self.tables)
                swap_in(conn, self.tables, live)
        finally:
            self.consumer.close()
        stats = self.folder.stats
        log_.info("projector.replayed", events=stats.events_applied, records=stats.records_in)
        return ReplayResult(stats.events_applied, stats.records_in, offsets)


def replay(engine: Engine, log: Log, *, topics: Sequence[str] | None = None,
           batch_size: int = REPLAY_BATCH_SIZE) -> ReplayResult:
    """Rebuild every table from offset zero into fresh tables, then swap them in atomically.

    1. create empty ``rebuild_*`` tables (dropping left-overs of an interrupted replay);
    2. read every partition from offset 0 to its end, outside any consumer group;
    3. in one transaction holding the live tables' write lock: read what was
       appended meanwhile, drop the live tables and rename the rebuilt ones.
    The live tables stay readable, and a running projector keeps writing them, until step 3.
    """
    rebuild = Rebuild(engine, log, topics=topics, batch_size=batch_size)
    try:
        rebuild.build()
    except BaseException:
        rebuild.consumer.close()
        raise
    return rebuild.swap()
