"""The event log: one interface (:class:`Log`), two backends.

``sqlite:///PATH`` opens the embedded :class:`SqliteLog`; ``kafka://h:p,...``
opens :class:`~newswire.core.log.kafka.KafkaLog`. Services see only ``Log``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newswire.core.errors import ConfigError
from newswire.core.log.sqlite import SqliteLog
from newswire.core.log.types import (
    Consumer,
    Delivery,
    DeliveryFuture,
    Headers,
    Log,
    LogRecord,
    Retention,
    TopicPartition,
    TopicStats,
)

if TYPE_CHECKING:
    from newswire.core.config import Settings

__all__ = [
    "Consumer",
    "Delivery",
    "DeliveryFuture",
    "Headers",
    "Log",
    "LogRecord",
    "Retention",
    "SqliteLog",
    "TopicPartition",
    "TopicStats",
    "open_log",
    "retention_of",
]


def retention_of(settings: Settings) -> dict[str, Retention]:
    """Each topic's retention: the catalogue's (articles 30 days, dead letters 90, events forever), then settings."""
    from newswire.core.topics import TOPICS

    policy = {t.name: Retention(ms=t.retention_ms) for t in TOPICS}
    policy.update({name: Retention(ms=r.ms, bytes=r.bytes) for name, r in settings.retention.items()})
    return policy


def open_log(settings: Settings, *, create: bool = True) -> Log:
    """Open the log the settings name; every record produced through it carries CloudEvents headers.

    ``create`` (the services): create the embedded log's file and newswire's
    topics if missing, with their retention; the embedded log enforces it in
    the background. Without ``create`` (read-only commands) nothing is created
    or deleted, and a missing embedded log raises ``DataMissing``.
    """
    from newswire.core.cloudevents import stamp
    from newswire.core.topics import TOPICS

    url = settings.log_url
    retention = retention_of(settings)
    log: Log
    if url.startswith("sqlite:///"):
        log = SqliteLog(url.removeprefix("sqlite:///"), default_partitions=settings.partitions, create=create,
                        retention=retention, stamp=stamp,
                        retention_interval=settings.retention_check_interval if create else None)
    elif url.startswith("kafka://"):
        from newswire.core.log.kafka import KafkaLog

        log = KafkaLog(url.removeprefix("kafka://").split(","), settings.kafka,
                       default_partitions=settings.partitions, retention=retention, stamp=stamp)
    else:  # Settings validates the scheme; this guards callers that built a URL by hand.
        raise ConfigError(f"unknown log URL scheme in {url!r}", where="log_url")
    if create:
        log.create_topics({t.name: t.partitions or settings.partitions for t in TOPICS})
    return log
