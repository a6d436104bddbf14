"""The topic catalogue: every topic newswire writes, its key, value schemas, producer, consumers and retention.

``newswire schemas export`` writes it as ``schemas/asyncapi.yaml`` (AsyncAPI 3).
Retention follows Kafka's topic configs (``retention.ms``, -1: forever):
articles 30 days (the extractor reads them within seconds; a replay starts
from the events, which are kept forever), dead letters 90 days.
"""

from __future__ import annotations

from dataclasses import dataclass

from newswire.core.models import (
    EVENT_TYPES,
    Article,
    ControlChanged,
    CrossingStatusChanged,
    DeadLetter,
    DiplomacyMeeting,
    Record,
)

__all__ = ["Topic", "TOPICS", "SCHEMA_BASE", "schema_id", "schema_name", "ARTICLES", "CONTROL", "CROSSINGS", "DIPLOMACY", "DLQ", "EVENT_TOPICS", "event_topics", "topic"]


@dataclass(frozen=True)
class Topic:
    name: str
    key: str
    values: tuple[type[Record], ...]
    producer: str
    consumers: tuple[str, ...]
    source: str  # the CloudEvents ce_source of its records: the stage that produces them
    retention_ms: int = -1  # Kafka's retention.ms; -1 keeps every record
    partitions: int | None = None  # None: the configured default

    def schema_files(self) -> list[str]:
        return [f"{schema_name(v)}.schema.json" for v in self.values]


#: Where the published JSON Schemas say they live (their $id); ce_dataschema points here too.
SCHEMA_BASE = "https://newswire.dev/schemas/"


def schema_id(name: str) -> str:
    """The $id of record type ``name``'s JSON Schema."""
    return f"{SCHEMA_BASE}{name}.schema.json"


def schema_name(model: type[Record]) -> str:
    type_field = model.model_fields.get("type")
    if type_field is not None and isinstance(type_field.default, str):
        return type_field.default
    return {"Article": "article", "DeadLetter": "dead_letter"}.get(model.__name__, model.__name__.lower())


DAY_MS = 24 * 3600 * 1000

ARTICLES = Topic("newswire.articles.v1", "article_id (hash of the canonical URL)", (Article,),
                 "poller, ingest", ("extractor",), "/newswire/poller", retention_ms=30 * DAY_MS)


def _carried(name: str) -> tuple[type[Record], ...]:
    """The registered event models whose ``TOPIC`` is ``name``: a topic's name is written once, on its models."""
    return tuple(cls for cls in EVENT_TYPES.values() if cls.TOPIC == name)


CONTROL = Topic(ControlChanged.TOPIC, "place id", _carried(ControlChanged.TOPIC),
                "extractor", ("projector", "downstream"), "/newswire/extractor")
CROSSINGS = Topic(CrossingStatusChanged.TOPIC, "crossing id", _carried(CrossingStatusChanged.TOPIC),
                  "extractor", ("projector", "downstream"), "/newswire/extractor")
DIPLOMACY = Topic(DiplomacyMeeting.TOPIC, "meeting id", _carried(DiplomacyMeeting.TOPIC),
                  "extractor", ("projector", "downstream"), "/newswire/extractor")
DLQ = Topic("newswire.dlq.v1", "the original record's key", (DeadLetter,),
            "extractor, projector", ("operators (newswire dlq)",), "/newswire/dlq", retention_ms=90 * DAY_MS)

TOPICS: tuple[Topic, ...] = (ARTICLES, CONTROL, CROSSINGS, DIPLOMACY, DLQ)
EVENT_TOPICS: tuple[str, ...] = (CONTROL.name, CROSSINGS.name, DIPLOMACY.name)


def event_topics() -> tuple[str, ...]:
    """The topics of every registered event model: the shipped ones, then those of types registered since."""
    extra = sorted({cls.TOPIC for cls in EVENT_TYPES.values()} - set(EVENT_TOPICS))
    return (*EVENT_TOPICS, *extra)


def topic(name: str) -> Topic:
    for t in TOPICS:
        if t.name == name:
            return t
    raise KeyError(name)
