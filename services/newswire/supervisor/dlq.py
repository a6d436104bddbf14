"""Dead letters: list them, and replay them to their source topic once the cause is fixed.

A dead letter (``newswire.dlq.v1``, see :mod:`newswire.core.dlq`) carries the
failed record's value, key, headers and where it came from. Replay
re-publishes that record to its source topic, where its consumer group reads
it as a new record.

Each letter is replayed at most once: the replay is recorded in the
``dlq_replays`` table of the service-state database (``db_url``), keyed by the
letter's own position in the dead-letter topic. Order, per letter:

1. insert the ``dlq_replays`` row in a transaction (a concurrent replay of the
   same letter conflicts on the key and skips it);
2. produce the record to its source topic and flush;
3. commit the transaction.

A crash between 2 and 3 replays that letter again next time (at least once);
its event ids are deterministic, so the projector folds the duplicate away.
A filter (``--topic``, ``--partition``, ``--offset``) replays only the
letters it matches; the others stay pending for a later replay.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from newswire.core.log.types import Log
from newswire.core.models import DeadLetter
from newswire.core.topics import DLQ

__all__ = ["DeadLetterEntry", "ReplayResult", "REPLAY_HEADER", "dlq_engine", "existing_dlq_engine", "read_dead_letters",
           "replayed_positions", "replay_dead_letters", "dlq_replays"]

REPLAY_HEADER = "newswire-replay-of"
"""Header on a replayed record: ``<dlq topic>:<partition>:<offset>`` of the letter it came from."""

metadata = MetaData()
dlq_replays = Table(
    "dlq_replays", metadata,
    Column("dlq_topic", String(255), primary_key=True),
    Column("dlq_partition", Integer, primary_key=True),
    Column("dlq_offset", Integer, primary_key=True),
    Column("source_topic", String(255), nullable=False),
    Column("source_partition", Integer, nullable=False),
    Column("source_offset", Integer, nullable=False),
    Column("replayed_to", String(300), nullable=True, comment="topic:partition:offset of the new record"),
    Column("replayed_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class DeadLetterEntry:
    """One record of the dead-letter topic; ``letter`` is None when it does not parse."""

    partition: int
    offset: int
    letter: DeadLetter | None
    raw: bytes
    replayed_at: datetime | None = None

    @property
    def position(self) -> str:
        return f"{self.partition}:{self.offset}"

    def as_json(self) -> dict[str, Any]:
        letter = self.letter.model_dump(mode="json") if self.letter is not None else None
        return {"dlq_partition": self.partition, "dlq_offset": self.offset,
                "replayed_at": self.replayed_at.isoformat() if self.replayed_at else None,
                "letter": letter, **({} if letter else {"raw": self.raw.decode("utf-8", "replace")})}


@dataclass
class ReplayResult:
    replayed: list[DeadLetterEntry]
    already_replayed: int = 0
    unmatched: int = 0
    unparsable: int = 0


def dlq_engine(db_url: str) -> Engine:
    """An engine on the service-state database with the ``dlq_replays`` table created if missing."""
    from newswire.core.config import sqlalchemy_url

    url = sqlalchemy_url(db_url)
    connect_args: dict[str, Any] = {"timeout": 30} if url.startswith("sqlite") else {}
    engine = create_engine(url, connect_args=connect_args)
    metadata.create_all(engine, checkfirst=True)
    return engine


def existing_dlq_engine(db_url: str) -> Engine | None:
    """For reading: an engine on the database if it holds ``dlq_replays``, else None (nothing is created)."""
    from sqlalchemy import inspect

    from newswire.core.config import missing_sqlite_file, sqlalchemy_url

    if missing_sqlite_file(db_url) is not None:
        return None
    engine = create_engine(sqlalchemy_url(db_url))
    if not inspect(engine).has_table(dlq_replays.name):
        engine.dispose()
        return None
    return engine


def _read(log: Log, timeout: float) -> Iterator[tuple[int, int, bytes]]:
    """Every record of the DLQ topic, without a group: until caught up *and* a poll comes back empty.

    The empty poll matters on brokers that report end offsets early (DESIGN.md, Tansu).
    """
    consumer = log.consumer(None, [DLQ.name])
    try:
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(consumer.assignment())
        deadline = time.monotonic() + timeout
        while True:
            records = consumer.poll(max_records=500, timeout=0.2)
            for r in records:
                yield r.partition, r.offset, r.value
            if not records and all(consumer.position(tp) >= end for tp, end in ends.items()):
                return
            if time.monotonic() >= deadline:
                return
    finally:
        consumer.close()


def replayed_positions(engine: Engine) -> dict[tuple[int, int], datetime]:
    with engine.connect() as conn:
        rows = conn.execute(select(dlq_replays.c.dlq_partition, dlq_replays.c.dlq_offset,
                                   dlq_replays.c.replayed_at).where(dlq_replays.c.dlq_topic == DLQ.name))
        return {(p, o): at for p, o, at in rows}


def read_dead_letters(log: Log, engine: Engine | None = None, *, timeout: float = 30.0) -> list[DeadLetterEntry]:
    """Every dead letter in offset order per partition, with when it was replayed (if ``engine``)."""
    replayed = replayed_positions(engine) if engine is not None else {}
    entries = []
    for partition, offset, raw in _read(log, timeout):
        try:
            letter: DeadLetter | None = DeadLetter.model_validate_json(raw)
        except ValidationError:
            letter = None
        entries.append(DeadLetterEntry(partition, offset, letter, raw, replayed.get((partition, offset))))
    return sorted(entries, key=lambda e: (e.partition, e.offset))


def _matches(letter: DeadLetter, topic: str | None, partition: int | None, offset: int | None) -> bool:
    return ((topic is None or letter.topic == topic) and (partition is None or letter.partition == partition)
            and (offset is None or letter.offset == offset))


def replay_dead_letters(log: Log, engine: Engine, *, topic: str | None = None, partition: int | None = None,
                        offset: int | None = None, dry_run: bool = False) -> ReplayResult:
    """Re-publish the matching, not yet replayed letters to their source topics (see the module doc)."""
    result = ReplayResult(replayed=[])
    for entry in read_dead_letters(log, engine):
        letter = entry.letter
        if letter is None:
            result.unparsable += 1
            continue
        if not _matches(letter, topic, partition, offset):
            result.unmatched += 1
            continue
        if entry.replayed_at is not None:
            result.already_replayed += 1
            continue
        if dry_run:
            result.replayed.append(entry)
            continue
        now = datetime.now(UTC)
        try:
            with engine.begin() as conn:
                conn.execute(insert(dlq_replays).values(
                    dlq_topic=DLQ.name, dlq_partition=entry.partition, dlq_offset=entry.offset,
                    source_topic=letter.topic, source_partition=letter.partition, source_offset=letter.offset,
                    replayed_at=now))
                headers = [(k, v.encode()) for k, v in letter.headers.items() if k != REPLAY_HEADER]
                headers.append((REPLAY_HEADER, f"{DLQ.name}:{entry.partition}:{entry.offset}".encode()))
                future = log.produce(letter.topic, letter.key, letter.value.encode("utf-8"), headers=headers)
                log.flush()
                delivery = future.result()
                conn.execute(dlq_replays.update().where(
                    (dlq_replays.c.dlq_topic == DLQ.name) & (dlq_replays.c.dlq_partition == entry.partition)
                    & (dlq_replays.c.dlq_offset == entry.offset)).values(
                    replayed_to=f"{delivery.topic}:{delivery.partition}:{delivery.offset}"))
        except IntegrityError:  # another replay took this letter between our read and our insert
            result.already_replayed += 1
            continue
        result.replayed.append(DeadLetterEntry(entry.partition, entry.offset, letter, entry.raw, now))
    return result
