"""The topic catalogue: every topic newswire writes, its key, value schema, producer and consumers.

``newswire schemas export`` writes this table to ``schemas/topics.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from newswire.core.models import (
    Article,
    ControlChanged,
    CrossingStatusChanged,
    DeadLetter,
    DiplomacyMeeting,
    ForcesWithdrew,
    Record,
)

__all__ = ["Topic", "TOPICS", "ARTICLES", "CONTROL", "CROSSINGS", "DIPLOMACY", "DLQ", "EVENT_TOPICS", "topic"]


@dataclass(frozen=True)
class Topic:
    name: str
    key: str
    values: tuple[type[Record], ...]
    producer: str
    consumers: tuple[str, ...]
    partitions: int | None = None  # None: the configured default

    def schema_files(self) -> list[str]:
        return [f"{schema_name(v)}.schema.json" for v in self.values]


def schema_name(model: type[Record]) -> str:
    type_field = model.model_fields.get("type")
    if type_field is not None and isinstance(type_field.default, str):
        return type_field.default
    return {"Article": "article", "DeadLetter": "dead_letter"}.get(model.__name__, model.__name__.lower())


ARTICLES = Topic("newswire.articles.v1", "article_id (hash of the canonical URL)", (Article,),
                 "poller, ingest", ("extractor",))
CONTROL = Topic("conflict.control.v1", "place id", (ControlChanged, ForcesWithdrew),
                "extractor", ("projector", "downstream"))
CROSSINGS = Topic("conflict.crossings.v1", "crossing id", (CrossingStatusChanged,),
                  "extractor", ("projector", "downstream"))
DIPLOMACY = Topic("conflict.diplomacy.v1", "meeting id", (DiplomacyMeeting,),
                  "extractor", ("projector", "downstream"))
DLQ = Topic("newswire.dlq.v1", "the original record's key", (DeadLetter,),
            "extractor, projector", ("operators (newswire dlq)",))

TOPICS: tuple[Topic, ...] = (ARTICLES, CONTROL, CROSSINGS, DIPLOMACY, DLQ)
EVENT_TOPICS: tuple[str, ...] = (CONTROL.name, CROSSINGS.name, DIPLOMACY.name)


def topic(name: str) -> Topic:
    for t in TOPICS:
        if t.name == name:
            return t
    raise KeyError(name)
