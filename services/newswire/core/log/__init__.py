"""The event log: one interface (:class:`Log`), two backends.

``sqlite:///PATH`` opens the embedded :class:`SqliteLog`; ``kafka://h:p,...``
opens :class:`~newswire.core.log.kafka.KafkaLog`. Services see only ``Log``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newswire.core.errors import ConfigError
from newswire.core.log.sqlite import SqliteLog
from newswire.core.log.types import Consumer, Delivery, DeliveryFuture, Headers, Log, LogRecord, TopicPartition

if TYPE_CHECKING:
    from newswire.core.config import Settings

__all__ = [
    "Consumer",
    "Delivery",
    "DeliveryFuture",
    "Headers",
    "Log",
    "LogRecord",
    "SqliteLog",
    "TopicPartition",
    "open_log",
]


def open_log(settings: Settings) -> Log:
    """Open the log the settings name, creating newswire's topics if missing."""
    from newswire.core.topics import TOPICS

    url = settings.log_url
    log: Log
    if url.startswith("sqlite:///"):
        log = SqliteLog(url.removeprefix("sqlite:///"), default_partitions=settings.partitions)
    elif url.startswith("kafka://"):
        from newswire.core.log.kafka import KafkaLog

        log = KafkaLog(url.removeprefix("kafka://").split(","), settings.kafka,
                       default_partitions=settings.partitions)
    else:  # Settings validates the scheme; this guards callers that built a URL by hand.
        raise ConfigError(f"unknown log URL scheme in {url!r}", where="log_url")
    log.create_topics({t.name: t.partitions or settings.partitions for t in TOPICS})
    return log
