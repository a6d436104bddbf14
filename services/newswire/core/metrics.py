"""Prometheus metrics of one service, read from the counters it already keeps.

Services keep a plain ``stats`` object (a dataclass of counters, see the
service shape in DESIGN.md); they do not call a metrics API in their hot path.
:class:`ServiceMetrics` turns that object into Prometheus families *at scrape
time* (a custom collector), so a counter can never drift from the stats a
``--once`` run prints. What stats cannot know is measured here:

* processing latency: the run loop (``ConsumerRunner.on_batch``) reports each
  batch and its duration; we observe the batch time and, per record, the time
  from its append to the log until its batch was checkpointed;
* consumer lag: end offset minus committed offset, asked of the log (or of
  the projector's own offset table) when scraped.

Families (every one labelled ``service``)::

    newswire_records_in_total                 records read (articles polled for the poller)
    newswire_records_out_total{topic}         records produced / rows written
    newswire_errors_total{kind}               failures by kind (error class or outcome)
    newswire_feed_fetches_total{outcome}      poller only: fetch outcomes (ok, not_modified, http_error, ...)
    newswire_consumer_lag{topic,partition}    records not yet committed by the service's group
    newswire_batch_seconds                    histogram: one batch, poll excluded, checkpoint included
    newswire_record_latency_seconds           histogram: log append -> processed and committed
    newswire_stat{name}                       any other numeric counter of the stats object
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from newswire.core.log.types import LogRecord, TopicPartition

__all__ = ["ServiceMetrics", "StatsMapping", "stats_values", "LATENCY_BUCKETS"]

# Batches take milliseconds (projector) to tens of seconds (extractor on a cold start).
LATENCY_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

LagSource = Callable[[], Mapping[TopicPartition, int]]


@dataclasses.dataclass(frozen=True)
class StatsMapping:
    """Which fields of a service's stats object feed the canonical families.

    Each entry names an attribute of the stats object. A number feeds the
    family as is; a mapping (``{"ExtractionError": 2}``) becomes one sample
    per key under the family's label. Fields not named here are exported as
    ``newswire_stat{name=...}`` so nothing a service counts is hidden.
    """

    records_in: tuple[str, ...] = ("records_in",)
    records_out: tuple[str, ...] = ("records_out",)
    errors: tuple[str, ...] = ("errors",)
    feed_fetches: tuple[str, ...] = ()


def stats_values(stats: object) -> dict[str, Any]:
    """The public fields and properties of a stats object as a dict (dataclass, pydantic or plain object)."""
    if stats is None:
        return {}
    if dataclasses.is_dataclass(stats) and not isinstance(stats, type):
        values = {f.name: getattr(stats, f.name) for f in dataclasses.fields(stats)}
    elif hasattr(stats, "model_dump"):
        values = dict(stats.model_dump())
    elif isinstance(stats, Mapping):
        values = dict(stats)
    else:
        values = {k: v for k, v in vars(stats).items()}
    return {k: v for k, v in values.items() if not k.startswith("_")}


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return None


class _StatsCollector(Collector):
    """Builds the counter and lag families from the live stats object on every scrape."""

    def __init__(self, owner: ServiceMetrics) -> None:
        self.owner = owner

    def collect(self) -> Iterable[Metric]:
        o = self.owner
        values = stats_values(o.stats_source()) if o.stats_source is not None else {}
        used: set[str] = set()

        def family(name: str, doc: str, fields: Sequence[str], label: str | None) -> CounterMetricFamily:
            labels = ["service"] + ([label] if label else [])
            fam = CounterMetricFamily(name, doc, labels=labels)
            for field in fields:
                if field not in values:
                    continue
                used.add(field)
                value = values[field]
                if isinstance(value, Mapping):
                    for key, count in sorted(value.items(), key=lambda kv: str(kv[0])):
                        n = _number(count)
                        if n is not None:
                            fam.add_metric([o.service, str(key)] if label else [o.service], n)
                else:
                    n = _number(value)
                    if n is not None:
                        fam.add_metric([o.service, field] if label else [o.service], n)
            return fam

        m = o.mapping
        yield family("newswire_records_in", "Records read by the service.", m.records_in, None)
        yield family("newswire_records_out", "Records produced or rows written by the service.",
                     m.records_out, "topic")
        yield family("newswire_errors", "Failures by kind.", m.errors, "kind")
        yield family("newswire_feed_fetches", "Feed fetch outcomes (poller).", m.feed_fetches, "outcome")

        other = GaugeMetricFamily("newswire_stat", "Other counters of the service's stats object.",
                                  labels=["service", "name"])
        for name, value in sorted(values.items()):
            n = _number(value)
            if name not in used and n is not None:
                other.add_metric([o.service, name], n)
        yield other

        lag = GaugeMetricFamily("newswire_consumer_lag", "End offset minus committed offset.",
                                labels=["service", "topic", "partition"])
        if o.lag_source is not None:
            try:
                for tp, n in sorted(o.lag_source().items()):
                    lag.add_metric([o.service, tp.topic, str(tp.partition)], float(n))
            except Exception:  # noqa: BLE001 - a scrape must not fail because the log is briefly away
                o.lag_errors += 1
        yield lag


class ServiceMetrics:
    """The metrics registry of one service instance.

    ``stats`` returns the service's current stats object; ``lag`` returns its
    consumer lag. Both are called at scrape time, from the HTTP server's
    thread: they must only read.
    """

    def __init__(self, service: str, *, stats: Callable[[], object] | None = None,
                 lag: LagSource | None = None, mapping: StatsMapping | None = None,
                 registry: CollectorRegistry | None = None) -> None:
        self.service = service
        self.stats_source = stats
        self.lag_source = lag
        self.mapping = mapping or StatsMapping()
        self.lag_errors = 0
        self.registry = registry if registry is not None else CollectorRegistry()
        self.batch_seconds = Histogram(
            "newswire_batch_seconds", "Time to process and checkpoint one batch.", ["service"],
            registry=self.registry, buckets=LATENCY_BUCKETS).labels(service)
        self.record_latency = Histogram(
            "newswire_record_latency_seconds", "Time from a record's append to the log until it was processed.",
            ["service"], registry=self.registry, buckets=LATENCY_BUCKETS).labels(service)
        self.registry.register(_StatsCollector(self))

    def observe_batch(self, records: Sequence[LogRecord], seconds: float, now: float | None = None) -> None:
        """Record one processed batch (the ``ConsumerRunner.on_batch`` hook)."""
        self.batch_seconds.observe(seconds)
        now = time.time() if now is None else now
        for record in records:
            if record.timestamp > 0:
                self.record_latency.observe(max(0.0, now - record.timestamp))

    def render(self) -> bytes:
        """The Prometheus text exposition of every family."""
        return generate_latest(self.registry)

    def samples(self) -> Iterator[tuple[str, dict[str, str], float]]:
        """Every sample as (name, labels, value): what tests and the panel read."""
        for metric in self.registry.collect():
            for s in metric.samples:
                yield s.name, dict(s.labels), s.value
