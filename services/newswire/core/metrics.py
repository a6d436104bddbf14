"""Prometheus metrics of one service, read from the counters it already keeps.

Services keep a plain ``stats`` object (a dataclass of counters,
:class:`newswire.core.stats.Stats`); they do not call a metrics API in their hot path.
:class:`ServiceMetrics` turns that object into Prometheus families *at scrape
time* (a custom collector), so a counter can never drift from the stats a
``--once`` run prints. What stats cannot know is measured here:

* processing latency: the run loop (``ConsumerRunner.on_batch``) reports each
  batch and its duration; we observe the batch time and, per record, the time
  from its append to the log until its batch was checkpointed;
* consumer lag: end offset minus committed offset, asked of the log (or of
  the projector's own offset table) when scraped.

Families (every one labelled ``service``; names and types as Prometheus asks:
counters end in ``_total``, each label means one thing)::

    newswire_records_in_total                 records read (feed entries for the poller)
    newswire_records_out_total{topic}         records produced, per topic
    newswire_errors_total{kind}               failures by kind (the error class, or the poller's fetch failure kind)
    newswire_feed_fetches_total{outcome}      poller only: fetch outcomes (ok, not_modified, http, timeout, ...)
    newswire_consumer_lag{topic,partition}    gauge: records not yet committed by the service's group
    newswire_batch_seconds                    histogram: one batch, poll excluded, checkpoint included
    newswire_record_latency_seconds           histogram: log append -> processed and committed
    newswire_<service>_<field>_total          a counter per other field of the stats object
                                              (a mapping field gets a label: StatsMapping.labels)
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
from newswire.core.stats import Stats
from newswire.core.topics import ARTICLES, DLQ

__all__ = ["ServiceMetrics", "StatsMapping", "Extract", "pick", "as_topic", "fields", "stats_values", "LATENCY_BUCKETS", "MAPPINGS",
           "LagSource"]

# Batches take milliseconds (projector) to tens of seconds (extractor on a cold start).
LATENCY_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

LagSource = Callable[[], Mapping[TopicPartition, int]]


StatsValue = float | Mapping[str, float] | None
Extract = Callable[[Mapping[str, Any]], StatsValue]
"""Reads one canonical family from a service's stats (as a dict): a number, or a number per label value."""


def _reads(extract: Extract, *names: str) -> Extract:
    """Note which stats fields ``extract`` reads, so they are not exported a second time on their own."""
    extract.reads = names  # type: ignore[attr-defined]
    return extract


def pick(name: str) -> Extract:
    """The stats field ``name`` as is (a number, or a mapping such as errors by kind)."""
    return _reads(lambda values: values.get(name), name)


def as_topic(name: str, topic: str) -> Extract:
    """The number ``name`` as the count of one topic (``records_out{topic=...}``)."""
    return _reads(lambda values: None if values.get(name) is None else {topic: values[name]}, name)


def fields(*names: str) -> Extract:
    """Several stats fields as one family: a number counts under its field name, a mapping per key."""

    def extract(values: Mapping[str, Any]) -> dict[str, float]:
        out: dict[str, float] = {}
        for name in names:
            value = values.get(name)
            items = value.items() if isinstance(value, Mapping) else [(name, value)]
            for key, count in items:
                if (n := _number(count)) is not None:
                    out[str(key)] = out.get(str(key), 0.0) + n
        return out

    return _reads(extract, *names)


FieldSpec = Extract | str | Sequence[str] | None


@dataclasses.dataclass(frozen=True)
class StatsMapping:
    """How a service's stats object feeds the canonical families (None: the service has none).

    Each family takes an :data:`Extract` function, or field names (``("entries",)``)
    read with :func:`fields`. Every other numeric field is exported as its own
    counter, ``newswire_<service>_<field>_total``, so nothing a service counts is
    hidden; a mapping field's keys go in the label ``labels[field]`` (default ``key``).
    """

    records_in: FieldSpec = "records_in"
    records_out: FieldSpec = "records_out"
    errors: FieldSpec = "errors"
    feed_fetches: FieldSpec = None
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            if f.name == "labels":
                continue
            spec = getattr(self, f.name)
            if isinstance(spec, str):
                object.__setattr__(self, f.name, pick(spec))
            elif isinstance(spec, Sequence):
                object.__setattr__(self, f.name, fields(*spec))

    def extractor(self, family: str) -> Extract | None:
        spec = getattr(self, family)
        return spec if callable(spec) else None

    def read_fields(self) -> set[str]:
        """The stats fields the canonical families read."""
        return {name for family in FAMILIES if (extract := self.extractor(family)) is not None
                for name in getattr(extract, "reads", ())}


FAMILIES = ("records_in", "records_out", "errors", "feed_fetches")


# The services' stats fields (PollerStats, ExtractorStats, ProjectorStats: newswire.core.stats.Stats) by family.
MAPPINGS: dict[str, StatsMapping] = {
    "poller": StatsMapping(records_in=pick("entries"), records_out=as_topic("published", ARTICLES.name),
                           errors=pick("errors"), feed_fetches=pick("fetches")),
    # ExtractorStats: records_out and errors are per topic / per kind already.
    "extractor": StatsMapping(records_in=pick("records_in"), records_out=pick("records_out"), errors=pick("errors"),
                              labels={"events": "type"}),
    # The projector writes rows, not records (newswire_projector_events_applied_total); it produces dead letters only.
    "projector": StatsMapping(records_in=pick("records_in"), records_out=as_topic("dead_letters", DLQ.name),
                              errors=pick("errors")),
}


def stats_values(stats: object) -> dict[str, Any]:
    """The public fields and properties of a stats object as a dict (dataclass, pydantic or plain object)."""
    if stats is None:
        return {}
    if isinstance(stats, Stats):  # every service's stats: their one reading (newswire.core.stats)
        values = stats.as_dict()
    elif dataclasses.is_dataclass(stats) and not isinstance(stats, type):
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
        def family(name: str, doc: str, kind: str, label: str | None) -> CounterMetricFamily:
            fam = CounterMetricFamily(name, doc, labels=["service"] + ([label] if label else []))
            extract = o.mapping.extractor(kind)
            value = extract(values) if extract is not None else None
            if isinstance(value, Mapping) and not label:  # one number wanted: the total
                value = sum(n for c in value.values() if (n := _number(c)) is not None)
            if isinstance(value, Mapping):
                for key, count in sorted(value.items(), key=lambda kv: str(kv[0])):
                    n = _number(count)
                    if n is not None:
                        fam.add_metric([o.service, str(key)] if label else [o.service], n)
            elif (n := _number(value)) is not None:
                fam.add_metric([o.service, "all"] if label else [o.service], n)
            return fam

        yield family("newswire_records_in", "Records read by the service.", "records_in", None)
        yield family("newswire_records_out", "Records produced or rows written by the service.",
                     "records_out", "topic")
        yield family("newswire_errors", "Failures by kind.", "errors", "kind")
        yield family("newswire_feed_fetches", "Feed fetch outcomes (poller).", "feed_fetches", "outcome")

        read = o.mapping.read_fields()
        for name, value in sorted(values.items()):
            if name in read:
                continue
            metric = f"newswire_{o.service}_{name}"
            if isinstance(value, Mapping):
                label = o.mapping.labels.get(name, "key")
                fam = CounterMetricFamily(metric, f"{o.service} stats: {name}, by {label}.",
                                          labels=["service", label])
                for key, count in sorted(value.items(), key=lambda kv: str(kv[0])):
                    if (n := _number(count)) is not None:
                        fam.add_metric([o.service, str(key)], n)
                yield fam
            elif (n := _number(value)) is not None:
                fam = CounterMetricFamily(metric, f"{o.service} stats: {name}.", labels=["service"])
                fam.add_metric([o.service], n)
                yield fam

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
        # Collectors without names (ours builds its families at scrape time) still answer ?name[]= filters.
        self.registry = registry if registry is not None else CollectorRegistry(support_collectors_without_names=True)
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
