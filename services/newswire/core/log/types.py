"""The event log's interface: what services see, whatever the backend.

Semantics are Kafka's: topics split into partitions; a record's key picks its
partition (Kafka's murmur2 partitioner, so both backends agree); offsets in a
partition are dense and increasing; a consumer group shares the partitions of
its topics among its members and resumes each partition at its last committed
offset; a committed offset is the offset of the *next* record to read.

Delivery is at least once: a record polled but not committed is delivered
again to whoever owns its partition next.

A consumer subscribes to a list of topics or, like KafkaConsumer's
``subscribe(pattern=...)``, to every topic whose whole name matches a regular
expression (topics created later join the subscription). A partition without
a committed offset starts at its oldest record (``offset_reset="earliest"``,
newswire's services) or at its end (``"latest"``, Kafka's console consumer
without ``--from-beginning``).

Retention (:class:`Retention`) deletes a topic's oldest records by age and by
size, like Kafka's ``retention.ms`` and ``retention.bytes``; offsets of the
remaining records never change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "Headers",
    "TopicPartition",
    "LogRecord",
    "Delivery",
    "DeliveryFuture",
    "Consumer",
    "Log",
    "OffsetReset",
    "Retention",
    "TopicStats",
    "group_lag",
    "matching_topics",
]

Headers = Sequence[tuple[str, bytes]]
OffsetReset = Literal["earliest", "latest"]


@dataclass(frozen=True, slots=True)
class Retention:
    """How long a topic keeps records, as Kafka's topic configs: -1 means no limit.

    ``ms``: records older than this are deleted (``retention.ms``); ``bytes``:
    the oldest records of a partition are deleted while it holds more than this
    (``retention.bytes``, per partition, keys + values + headers).
    """

    ms: int = -1
    bytes: int = -1

    @property
    def forever(self) -> bool:
        return self.ms < 0 and self.bytes < 0


@dataclass(frozen=True, slots=True)
class TopicStats:
    """What ``newswire log stats`` prints for one topic; ``bytes`` is None when the backend cannot tell."""

    topic: str
    partitions: int
    records: int
    bytes: int | None
    oldest_offset: dict[int, int]  # per partition: the offset of its oldest record (its end when empty)
    end_offset: dict[int, int]  # per partition: one past its newest record


@dataclass(frozen=True, slots=True, order=True)
class TopicPartition:
    topic: str
    partition: int

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]"


@dataclass(frozen=True, slots=True)
class LogRecord:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()
    timestamp: float = field(default=0.0, compare=False)  # seconds since the epoch, set by the log

    @property
    def tp(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)

    def header(self, name: str) -> bytes | None:
        return next((v for k, v in self.headers if k == name), None)


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a produced record landed."""

    topic: str
    partition: int
    offset: int


class DeliveryFuture(Protocol):
    def result(self, timeout: float | None = None) -> Delivery:
        """Block until the record is durably written; raises ``LogError`` if it was not."""
        ...


@runtime_checkable
class Consumer(Protocol):
    """A member of a consumer group (or, with ``group_id=None``, a reader of every partition)."""

    group_id: str | None

    def poll(self, max_records: int = 500, timeout: float = 1.0) -> list[LogRecord]:
        """Up to ``max_records`` records from the assigned partitions, in offset order per partition.

        Waits up to ``timeout`` seconds when none are ready. Also keeps the
        member alive in its group and picks up rebalances.
        """
        ...

    def commit(self, offsets: Mapping[TopicPartition, int] | None = None) -> None:
        """Commit the next offsets to read; ``None`` commits the current positions."""
        ...

    def committed(self, tp: TopicPartition) -> int | None: ...

    def seek(self, tp: TopicPartition, offset: int) -> None: ...

    def seek_to_beginning(self, tps: Iterable[TopicPartition] | None = None) -> None: ...

    def assignment(self) -> set[TopicPartition]: ...

    def position(self, tp: TopicPartition) -> int: ...

    def end_offsets(self, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        """The offset one past the last record of each partition (see DESIGN.md on Tansu)."""
        ...

    def lag(self) -> dict[TopicPartition, int]:
        """End offset minus committed offset for each assigned partition."""
        ...

    def close(self) -> None:
        """Leave the group (its partitions go to the other members) without committing."""
        ...


@runtime_checkable
class Log(Protocol):
    """The event log: produce records, open consumers, manage topics."""

    url: str

    def create_topics(self, topics: Mapping[str, int]) -> None:
        """Create missing topics with the given partition counts; existing ones are left alone."""
        ...

    def partitions_for(self, topic: str) -> int:
        """The topic's partition count; a missing topic is created with the default count."""
        ...

    def topics(self) -> dict[str, int]:
        """Every existing topic and its partition count (without creating any)."""
        ...

    def produce(self, topic: str, key: str | None, value: bytes, headers: Headers = ()) -> DeliveryFuture:
        """Queue one record; it is durable once :meth:`flush` returns or its future resolves."""
        ...

    def flush(self, timeout: float | None = None) -> None:
        """Write every queued record; raises ``LogError`` if any could not be written."""
        ...

    def consumer(self, group_id: str | None, topics: Sequence[str] = (), *, pattern: str | None = None,
                 offset_reset: OffsetReset = "earliest") -> Consumer:
        """Join ``group_id`` subscribed to ``topics`` (or to the topics matching ``pattern``).

        Positions start at the committed offsets, else as ``offset_reset`` says.
        """
        ...

    def topic_stats(self) -> list[TopicStats]:
        """Records, bytes and offsets of every topic (without creating any)."""
        ...

    def group_lag(self, group_id: str, topics: Sequence[str]) -> dict[TopicPartition, int]:
        """End offset minus committed offset of a group, without joining it."""
        ...

    def end_offsets(self, topic: str) -> dict[int, int]: ...

    def ping(self) -> None:
        """Raise ``LogUnavailable`` unless the log is reachable."""
        ...

    def close(self) -> None:
        """Flush and release connections."""
        ...


def group_lag(log: Log, group_id: str, topics: Sequence[str],
              committed: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
    """End offset minus committed offset of every partition of ``topics`` (0 committed: from the start)."""
    lag = {}
    for topic in topics:
        for partition, end in log.end_offsets(topic).items():
            tp = TopicPartition(topic, partition)
            lag[tp] = max(0, end - committed.get(tp, 0))
    return lag


def matching_topics(pattern: str, topics: Iterable[str]) -> list[str]:
    """The topics whose whole name matches ``pattern`` (as Kafka's Java client matches), sorted.

    Raises ``re.error`` on a bad pattern.
    """
    regex = re.compile(pattern)
    return sorted(t for t in topics if regex.fullmatch(t) and not t.startswith("__"))
