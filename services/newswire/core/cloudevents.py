"""CloudEvents on every record: the Kafka protocol binding's binary-mode headers.

The value stays the record's JSON (the event itself, not a CloudEvents
envelope); the context attributes travel as headers, so a consumer can route
or filter on them without decoding bodies (CloudEvents 1.0, Kafka binding,
binary content mode)::

    ce_specversion  1.0
    ce_id           the record's id: event_id, article_id; a dead letter's is a hash of where it failed
    ce_source       the stage that produced it: /newswire/poller, /newswire/extractor, /newswire/dlq
    ce_type         dev.newswire.<record type>: dev.newswire.control.changed, dev.newswire.article ...
    ce_time         RFC 3339 UTC: an event's reported_at, an article's publication (else fetch) time,
                    a dead letter's failed_at; the produce time when the record has none
    ce_subject      the record's key (a place, crossing or meeting id; an article id)
    content-type    application/json
    ce_dataschema   the JSON Schema of the record type (its $id under https://newswire.dev/schemas/)

:func:`stamp` adds them as a record is produced to a catalogued topic (see
:func:`newswire.core.log.open_log`), so every producer, the extractor among
them, carries them without code of its own. A record that already has
``ce_specversion`` (a dead letter replayed with its original headers) keeps its
headers; a value that is not a JSON object of its topic is left as it is.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from newswire.core.log.types import Headers
from newswire.core.models import stable_id
from newswire.core.topics import ARTICLES, DLQ, TOPICS, Topic, schema_id, schema_name

__all__ = ["SPEC_VERSION", "CONTENT_TYPE", "TYPE_PREFIX", "HEADERS", "cloudevent_headers", "stamp"]

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
#: CloudEvents asks for a reverse-DNS prefix on ce_type.
TYPE_PREFIX = "dev.newswire."
#: The header names, in the order they are written.
HEADERS = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type",
           "ce_dataschema")

_BY_NAME: dict[str, Topic] = {t.name: t for t in TOPICS}


def _type_name(topic: Topic, value: dict[str, Any]) -> str | None:
    """The record type, as named in schemas/ (an event's ``type``; the topic's only type otherwise)."""
    names = [schema_name(model) for model in topic.values]
    if len(names) == 1:
        return names[0]
    kind = value.get("type")
    return kind if kind in names else None


def _record_id(topic: Topic, value: dict[str, Any]) -> str | None:
    if topic is ARTICLES:
        return value.get("article_id")
    if topic is DLQ:
        return stable_id("dead_letter", value.get("consumer"), value.get("topic"), value.get("partition"),
                         value.get("offset"))
    return value.get("event_id")


def _time(topic: Topic, value: dict[str, Any]) -> str:
    fields = ("published", "fetched_at") if topic is ARTICLES else ("failed_at",) if topic is DLQ else ("reported_at",)
    for name in fields:
        text = value.get(name)
        if isinstance(text, str) and text:
            try:
                return datetime.fromisoformat(text).astimezone(UTC).isoformat().replace("+00:00", "Z")
            except ValueError:
                continue
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def cloudevent_headers(topic: str, key: str | None, value: bytes) -> list[tuple[str, bytes]] | None:
    """The binary-mode headers of a record, or None when ``topic`` is not newswire's or ``value`` not its JSON."""
    catalogued = _BY_NAME.get(topic)
    if catalogued is None:
        return None
    try:
        record = json.loads(value)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    name, record_id = _type_name(catalogued, record), _record_id(catalogued, record)
    if name is None or not record_id:
        return None
    attributes = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": str(record_id),
        "ce_source": catalogued.source,
        "ce_type": TYPE_PREFIX + name,
        "ce_time": _time(catalogued, record),
        "ce_subject": key,
        "content-type": CONTENT_TYPE,
        "ce_dataschema": schema_id(name),
    }
    return [(k, v.encode("utf-8")) for k, v in attributes.items() if v is not None]


def stamp(topic: str, key: str | None, value: bytes, headers: Headers) -> Headers:
    """``headers`` plus the CloudEvents headers of the record (see the module docstring)."""
    if any(name == "ce_specversion" for name, _ in headers):
        return headers
    added = cloudevent_headers(topic, key, value)
    return headers if added is None else [*added, *headers]
