"""Dead letters: a record a consumer could not process goes to ``newswire.dlq.v1`` with its error."""

from __future__ import annotations

from datetime import UTC, datetime

from newswire.core.log.types import DeliveryFuture, Log, LogRecord
from newswire.core.models import DeadLetter
from newswire.core.topics import DLQ

__all__ = ["dead_letter", "send_dead_letter"]


def dead_letter(consumer: str, record: LogRecord, exc: BaseException) -> DeadLetter:
    """The dead-letter record for ``record``, which failed with ``exc`` in group ``consumer``."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    return DeadLetter(
        error=message[:2000],
        error_type=type(exc).__name__,
        consumer=consumer,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value.decode("utf-8", "replace"),
        headers={k: v.decode("utf-8", "replace") for k, v in record.headers},
        failed_at=datetime.now(UTC),
    )


def send_dead_letter(log: Log, consumer: str, record: LogRecord, exc: BaseException) -> DeliveryFuture:
    letter = dead_letter(consumer, record, exc)
    return log.produce(DLQ.name, record.key, letter.model_dump_json().encode(),
                       headers=(("newswire-error", letter.error_type.encode()),))
