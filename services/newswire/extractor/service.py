"""The extractor service: ``newswire.articles.v1`` in, typed events out on ``conflict.*.v1``.

It is the batch handler of a :class:`~newswire.core.runner.ConsumerRunner`:

1. ``process``: each article record is parsed and run through the pure
   :func:`~newswire.extractor.extract.extract`; its events are produced to
   their topics (JSON, keyed by the subject entity). A record that is not an
   article, or whose extraction raises, goes to ``newswire.dlq.v1`` with its
   error, and the batch goes on.
2. ``checkpoint``: flush the producer (events and dead letters are durable),
   then commit the consumer's offsets. A crash between the two re-delivers the
   batch; the events' deterministic ids fold the duplicates away downstream.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pydantic import ValidationError

from newswire.core.config import Settings
from newswire.core.dlq import send_dead_letter
from newswire.core.errors import ExtractionError, RecordError
from newswire.core.log import Log, open_log
from newswire.core.log.types import Consumer, LogRecord
from newswire.core.logging import get_logger
from newswire.core.models import Article, Event
from newswire.core.runner import ConsumerRunner
from newswire.core.stats import ServiceStats
from newswire.core.topics import ARTICLES
from newswire.extractor.extract import Extractor, default_extractor

__all__ = ["ExtractorStats", "ExtractorService", "make_extractor"]

log_ = get_logger("newswire.extractor")


@dataclass
class ExtractorStats(ServiceStats):
    """Counters for the metrics: records in, events out per topic and type, errors by kind."""

    articles: int = 0
    records_out: Counter[str] = field(default_factory=Counter)  # by topic
    events: Counter[str] = field(default_factory=Counter)  # by event type

    def summary(self) -> str:
        return (f"extracted {sum(self.events.values())} event(s) from {self.articles} article(s); "
                f"{self.dead_letters} dead-lettered")


class ExtractorService:
    """Consumes articles in a consumer group and produces their events; see the module docstring."""

    def __init__(self, log: Log, consumer: Consumer, extractor: Extractor, *, batch_size: int = 500,
                 poll_timeout: float = 0.5, owns_log: bool = False) -> None:
        self.log = log
        self.consumer = consumer
        self.extractor = extractor
        self.stats = ExtractorStats()
        self._owns_log = owns_log
        self.runner = ConsumerRunner(consumer, self, batch_size=batch_size, poll_timeout=poll_timeout)

    @property
    def group_id(self) -> str:
        return self.consumer.group_id or "newswire-extractor"

    def run(self, once: bool = False, timeout: float | None = None, count: int | None = None) -> ExtractorStats:
        """Extract until stopped, caught up (``once``), ``timeout`` seconds or ``count`` records."""
        log_.info("extractor.start", group=self.consumer.group_id, once=once)
        self.runner.run(once=once, timeout=timeout, count=count)
        self.stats.log(log_, "extractor.stop")
        return self.stats

    def stop(self) -> None:
        """Finish the batch in hand, checkpoint it and return from :meth:`run` (safe from a signal handler)."""
        self.runner.stop()

    def close(self) -> None:
        self.consumer.close()
        if self._owns_log:
            self.log.close()

    # -- BatchHandler ----------------------------------------------------------------

    def process(self, records: list[LogRecord]) -> None:
        """Extract the batch's articles and produce their events; failures go to the dead-letter topic.

        1. parse each record (a bad one is dead-lettered);  2. extract the articles together (their
        sentences parsed in one call);  3. should that fail, extract them one by one, so that only the
        article at fault is dead-lettered;  4. produce the events in record order.
        """
        parsed: list[tuple[LogRecord, Article]] = []
        for record in records:
            self.stats.records_in += 1
            try:
                parsed.append((record, _parse(record)))
            except RecordError as exc:
                self._reject(record, exc)
        try:
            found: list[list[Event] | Exception] = list(self.extractor.extract_many([a for _, a in parsed]))
        except Exception:  # noqa: BLE001 - one article must not stop the batch: find it
            found = [self._extract_one(article) for _, article in parsed]
        for (record, article), events in zip(parsed, found, strict=True):
            if isinstance(events, Exception):
                self._reject(record, ExtractionError(f"{type(events).__name__}: {events}",
                                                     where=f"article {article.article_id}"))
                continue
            self.stats.articles += 1
            for event in events:
                self._produce(event)

    def _extract_one(self, article: Article) -> list[Event] | Exception:
        try:
            return self.extractor.extract(article)
        except Exception as exc:  # noqa: BLE001 - reported as that article's dead letter
            return exc

    def checkpoint(self, records: list[LogRecord]) -> None:
        """1. flush what was produced (events, dead letters)  2. commit the batch's offsets."""
        self.log.flush()
        self.consumer.commit()
        self.stats.batches += 1

    # -- helpers -------------------------------------------------------------------------

    def _produce(self, event: Event) -> None:
        topic = event.TOPIC
        self.log.produce(topic, event.key(), event.model_dump_json().encode("utf-8"),
                         headers=(("newswire-type", event.type.encode()),))
        self.stats.records_out[topic] += 1
        self.stats.events[event.type] += 1

    def _reject(self, record: LogRecord, exc: Exception) -> None:
        kind = type(exc).__name__
        self.stats.error(kind)
        self.stats.dead_letters += 1
        log_.warning("extractor.dead_letter", partition=str(record.tp), offset=record.offset, error=str(exc))
        send_dead_letter(self.log, self.group_id, record, exc)


def _parse(record: LogRecord) -> Article:
    where = f"{record.tp}@{record.offset}"
    try:
        return Article.model_validate_json(record.value)
    except ValidationError as exc:
        raise RecordError.invalid("an article", exc, where=where) from None
    except UnicodeDecodeError:
        raise RecordError("not UTF-8 JSON", where=where) from None


def make_extractor(settings: Settings, log: Log | None = None, *, extractor: Extractor | None = None
                   ) -> ExtractorService:
    """The extractor service of ``settings``: its log (opened unless injected) and consumer group."""
    owns = log is None
    log = log if log is not None else open_log(settings)
    consumer = log.consumer(settings.extractor.group_id, [ARTICLES.name])
    return ExtractorService(log, consumer, extractor or default_extractor(),
                            batch_size=settings.extractor.batch_size,
                            poll_timeout=settings.extractor.poll_timeout, owns_log=owns)
