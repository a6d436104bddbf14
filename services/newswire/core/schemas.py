"""The published contract: a JSON Schema per record type and an AsyncAPI 3 document of the topics.

``newswire schemas export`` writes them to ``schemas/``; ``newswire schemas
check`` (and a test) fail when the committed files differ from the models.

Schema evolution (docs/operations.md): within a topic version (``.v1``) a
record type may only gain optional fields. Readers ignore fields they do not
know, so the schemas leave ``additionalProperties`` open. Removing, renaming
or retyping a field, making one required, or changing a field's allowed
values or constraints is a breaking change: it goes to a new topic version
(``conflict.control.v2``). :func:`breaking_changes` checks a schema against a
released one; a test runs it against every release kept in ``tests/data/released-schemas/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from newswire import __version__
from newswire.core.topics import SCHEMA_BASE, TOPICS, Topic, schema_id, schema_name

__all__ = ["ASYNCAPI_FILE", "render_schemas", "render_asyncapi", "export_schemas", "drifted_schemas",
           "breaking_changes"]

ASYNCAPI_FILE = "asyncapi.yaml"
_KAFKA_BINDING = "0.5.0"
# Keywords that document rather than constrain: changing them breaks no reader.
_DOCUMENTATION = {"description", "title", "examples", "default", "$comment", "$id", "$schema", "deprecated"}


def _json_schemas() -> dict[str, dict[str, Any]]:
    schemas = {}
    for t in TOPICS:
        for model in t.values:
            schema = model.model_json_schema(mode="serialization")
            schema["$id"] = schema_id(schema_name(model))
            schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
            schemas[f"{schema_name(model)}.schema.json"] = schema
    return schemas


def _channel_id(topic: Topic) -> str:
    return topic.name.replace(".", "-")


def _cloudevents_headers() -> dict[str, Any]:
    from newswire.core.cloudevents import CONTENT_TYPE, SPEC_VERSION, TYPE_PREFIX

    text = {"type": "string"}
    return {
        "type": "object",
        "description": "CloudEvents 1.0, Kafka protocol binding, binary content mode: the context attributes "
                       "as headers, the record's JSON as the value (docs/operations.md).",
        "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type",
                     "ce_dataschema"],
        "properties": {
            "ce_specversion": {**text, "const": SPEC_VERSION},
            "ce_id": {**text, "description": "the record's id: event_id, article_id; for a dead letter a hash "
                                             "of the consumer and the failed record's position"},
            "ce_source": {**text, "format": "uri-reference",
                          "description": "the stage that produced it: /newswire/poller, /newswire/extractor, "
                                         "/newswire/dlq"},
            "ce_type": {**text, "description": f"{TYPE_PREFIX}<record type>, e.g. {TYPE_PREFIX}control.changed"},
            "ce_time": {**text, "format": "date-time",
                        "description": "an event's reported_at, an article's publication (else fetch) time, a "
                                       "dead letter's failed_at; the produce time when the record has none"},
            "ce_subject": {**text, "description": "the record's key"},
            "content-type": {**text, "const": CONTENT_TYPE},
            "ce_dataschema": {**text, "format": "uri", "description": f"the record type's JSON Schema ({SCHEMA_BASE}…)"},
        },
    }


def _first_line(text: str | None) -> str:
    return next(iter((text or "").strip().splitlines()), "")


def render_asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3 document: a channel per topic, a message per record type, who sends and receives."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for t in TOPICS:
        channel = _channel_id(t)
        refs = {}
        for model in t.values:
            name = schema_name(model)
            messages[name] = {
                "name": name,
                "title": model.__name__,
                "summary": _first_line(model.__doc__),
                "contentType": "application/json",
                "headers": {"$ref": "#/components/schemas/cloudEventHeaders"},
                "payload": {"$ref": f"./{name}.schema.json"},
                "bindings": {"kafka": {"key": {"type": "string", "description": t.key},
                                       "bindingVersion": _KAFKA_BINDING}},
            }
            refs[name.replace(".", "_")] = {"$ref": f"#/components/messages/{name}"}
        config: dict[str, Any] = {"retention.ms": t.retention_ms}
        channels[channel] = {
            "address": t.name,
            "title": t.name,
            "description": f"Keyed by {t.key}. Produced by {t.producer}; read by {', '.join(t.consumers)}.",
            "messages": refs,
            "bindings": {"kafka": {"topic": t.name, "topicConfiguration": config,
                                   **({"partitions": t.partitions} if t.partitions else {}),
                                   "bindingVersion": _KAFKA_BINDING}},
        }
        message_refs = [{"$ref": f"#/channels/{channel}/messages/{key}"} for key in refs]
        operations[f"send-{channel}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{channel}"}, "messages": message_refs,
            "summary": f"{t.producer} publish to {t.name}."}
        operations[f"receive-{channel}"] = {
            "action": "receive", "channel": {"$ref": f"#/channels/{channel}"}, "messages": message_refs,
            "summary": f"{', '.join(t.consumers)} read {t.name}."}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "newswire",
            "version": __version__,
            "description": "Event-sourced newswire ingestion for conflict monitoring: cleaned articles, typed "
                           "conflict events and dead letters on Kafka topics (or newswire's embedded log). "
                           "Generated by `newswire schemas export`; do not edit.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": {"cloudEventHeaders": _cloudevents_headers()}},
    }


def render_schemas() -> dict[str, str]:
    """File name -> content of every file ``schemas/`` should hold."""
    files = {name: json.dumps(schema, indent=2, sort_keys=True) + "\n" for name, schema in _json_schemas().items()}
    files[ASYNCAPI_FILE] = ("# Generated by `newswire schemas export`; do not edit.\n"
                            + yaml.safe_dump(render_asyncapi(), sort_keys=False, width=120))
    return files


def export_schemas(directory: Path) -> list[Path]:
    """Write every rendered file and delete files no model renders any more."""
    directory.mkdir(parents=True, exist_ok=True)
    files = render_schemas()
    for stale in _stale(directory, files):
        (directory / stale).unlink()
    written = []
    for name, content in files.items():
        path = directory / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def drifted_schemas(directory: Path) -> list[str]:
    """Names of files in ``directory`` that are missing, differ from the models, or are left over."""
    files = render_schemas()
    drifted = []
    for name, content in files.items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            drifted.append(name)
    return drifted + _stale(directory, files)


def _stale(directory: Path, files: dict[str, str]) -> list[str]:
    """Contract files in ``directory`` that nothing renders (a removed record type, the old topics.yaml)."""
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir()
                  if p.name.endswith((".schema.json", ".yaml")) and p.name not in files)


# -- schema evolution ------------------------------------------------------------------


def breaking_changes(released: Mapping[str, Any], current: Mapping[str, Any], where: str = "") -> list[str]:
    """How ``current`` breaks readers or writers of ``released`` (two JSON Schemas); [] when compatible.

    Compatible: a new optional property anywhere, documentation changes, a
    closed object (``additionalProperties: false``) opened. Everything else that
    differs is reported, one line each, with the path of the property.
    """
    return list(_compare(released, released, current, current, where or "(root)"))


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """``schema`` with its local ``$ref`` (``#/$defs/Place``) replaced by what it points at."""
    while str(schema.get("$ref", "")).startswith("#/"):
        ref = str(schema["$ref"])
        target: Any = root
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _compare(old: Mapping[str, Any], old_root: Mapping[str, Any], new: Mapping[str, Any],
             new_root: Mapping[str, Any], where: str) -> Iterator[str]:
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    keys = (set(old) | set(new)) - _DOCUMENTATION - {"$defs"}
    for key in sorted(keys):
        before, after = old.get(key), new.get(key)
        if key == "properties":
            before, after = before or {}, after or {}
            for name in sorted(before):
                if name not in after:
                    yield f"{where}.{name}: removed"
                else:
                    yield from _compare(before[name], old_root, after[name], new_root, f"{where}.{name}")
        elif key == "required":
            added = sorted(set(after or ()) - set(before or ()))
            dropped = sorted(set(before or ()) - set(after or ()))
            yield from (f"{where}.{name}: now required" for name in added)
            yield from (f"{where}.{name}: no longer required" for name in dropped)
        elif key == "additionalProperties":
            if after is False and before is not False:
                yield f"{where}: closed to additional properties"
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            if len(before or ()) != len(after or ()):
                yield f"{where}: {key} changed from {len(before or ())} to {len(after or ())} alternatives"
            else:
                for i, (b, a) in enumerate(zip(before or (), after or ())):
                    yield from _compare(b, old_root, a, new_root, f"{where}[{i}]")
        elif key in ("items", "additionalItems", "not", "contains"):
            if isinstance(before, Mapping) and isinstance(after, Mapping):
                yield from _compare(before, old_root, after, new_root, f"{where}[]")
            elif before != after:
                yield f"{where}: {key} changed"
        elif before != after:
            yield f"{where}: {key} changed from {json.dumps(before)} to {json.dumps(after)}"
