"""The published contract in ``schemas/`` is generated from the models and must not drift from them.

When a test here fails after a model change, run ``newswire schemas export``
and commit ``schemas/``. The schema-evolution policy (docs/operations.md) is
checked against every released contract kept in ``tests/data/released-schemas/``.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml
from pydantic import Field
from typer.testing import CliRunner

import newswire.core.schemas as schemas_module
from newswire.cli import app
from newswire.core.models import Article, ControlChanged, parse_event
from newswire.core.schemas import ASYNCAPI_FILE, breaking_changes, drifted_schemas, export_schemas, render_schemas
from newswire.core.topics import CONTROL, TOPICS, schema_name

COMMITTED = Path(__file__).resolve().parent.parent / "schemas"
RELEASED = Path(__file__).resolve().parent / "data" / "released-schemas"
FIX = "run `newswire schemas export` and commit schemas/"


def test_committed_schemas_equal_the_models() -> None:
    committed = {p.name: p.read_text(encoding="utf-8") for p in COMMITTED.iterdir() if p.is_file()}
    rendered = render_schemas()
    assert sorted(committed) == sorted(rendered), FIX
    for name, content in rendered.items():
        assert committed[name] == content, f"schemas/{name} drifted from the models: {FIX}"
    assert drifted_schemas(COMMITTED) == []


def modified_control_topic() -> tuple[object, ...]:
    """The topic catalogue with one model changed the way a developer would: a new field."""

    class ControlChanged_(ControlChanged):  # noqa: N801 - renamed below so only the field differs
        sector: str | None = Field(default=None, description="a field added after the last export")

    ControlChanged_.__name__ = ControlChanged.__name__
    ControlChanged_.__doc__ = ControlChanged.__doc__
    changed = dataclasses.replace(CONTROL, values=(ControlChanged_, *CONTROL.values[1:]))
    return tuple(changed if t is CONTROL else t for t in TOPICS)


def test_a_changed_model_is_reported_as_drift(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schemas_module, "TOPICS", modified_control_topic())
    assert drifted_schemas(COMMITTED) == ["control.changed.schema.json"]
    assert "sector" in render_schemas()["control.changed.schema.json"]


def test_edited_missing_and_left_over_files_are_reported(tmp_path: Path) -> None:
    copy = tmp_path / "schemas"
    shutil.copytree(COMMITTED, copy)
    (copy / "article.schema.json").write_text("{}\n")
    (copy / ASYNCAPI_FILE).unlink()
    (copy / "control.retired.schema.json").write_text("{}\n")
    (copy / "topics.yaml").write_text("topics: []\n")  # the catalogue asyncapi.yaml replaced
    assert drifted_schemas(copy) == ["article.schema.json", ASYNCAPI_FILE, "control.retired.schema.json",
                                     "topics.yaml"]
    export_schemas(copy)  # export repairs all four, removing the left-over files
    assert drifted_schemas(copy) == []
    assert not (copy / "control.retired.schema.json").exists() and not (copy / "topics.yaml").exists()


def test_every_schema_is_valid_json_schema_and_names_its_record() -> None:
    for name, content in render_schemas().items():
        if name.endswith(".schema.json"):
            schema = json.loads(content)
            jsonschema.Draft202012Validator.check_schema(schema)
            assert schema["$id"].endswith("/" + name)


def test_an_article_validates_against_its_published_schema() -> None:
    schema = json.loads(render_schemas()["article.schema.json"])
    article = Article(
        article_id="a1b2c3", url="https://example.org/news/1", outlet="example", title="Town changes hands",
        published=datetime(2026, 3, 6, 9, 0, tzinfo=UTC), fetched_at=datetime(2026, 3, 6, 9, 5, tzinfo=UTC),
        language="en", text="A town changed hands on Friday, a monitor said.", content_hash="ffee")
    jsonschema.validate(article.model_dump(mode="json"), schema)
    # A field added by a later release is no error for a reader of this one (the evolution policy).
    jsonschema.validate({**article.model_dump(mode="json"), "added_later": 1}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**article.model_dump(mode="json"), "outlet": 7}, schema)


def test_readers_ignore_fields_they_do_not_know() -> None:
    """The projector of this release reads an event of a later one that gained an optional field."""
    from newswire.projector import synthetic as s

    event = s.control(("afp", "2026-03-06"), s.place("Saraqib"), s.actor("opposition"), "2026-03-05"
                      ).model_dump(mode="json")
    parsed = parse_event({**event, "sector": "north", "data": {**event["data"], "front": "east"}})
    assert parsed.event_id == event["event_id"] and not hasattr(parsed, "sector")


def resolve(document: dict[str, object], ref: str) -> object:
    target: object = document
    for part in ref.removeprefix("#/").split("/"):
        assert isinstance(target, dict) and part in target, ref
        target = target[part]
    return target


def test_the_asyncapi_document_describes_every_topic_and_its_refs_resolve() -> None:
    doc = yaml.safe_load(render_schemas()[ASYNCAPI_FILE])
    assert doc["asyncapi"] == "3.0.0" and doc["info"]["title"] == "newswire" and doc["info"]["version"]
    assert [c["address"] for c in doc["channels"].values()] == [t.name for t in TOPICS]
    for topic, channel in zip(TOPICS, doc["channels"].values(), strict=True):
        binding = channel["bindings"]["kafka"]
        assert binding["topic"] == topic.name and binding["topicConfiguration"]["retention.ms"] == topic.retention_ms
        names = sorted(resolve(doc, m["$ref"])["name"] for m in channel["messages"].values())  # type: ignore[index]
        assert names == sorted(schema_name(v) for v in topic.values)
    for name, message in doc["components"]["messages"].items():
        assert (COMMITTED / message["payload"]["$ref"].removeprefix("./")).is_file(), name
        assert resolve(doc, message["headers"]["$ref"])["properties"]["ce_id"]  # type: ignore[index]
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
    actions = {(op["action"], op["channel"]["$ref"]) for op in doc["operations"].values()}
    assert actions == {(a, f"#/channels/{c}") for c in doc["channels"] for a in ("send", "receive")}
    for op in doc["operations"].values():
        for ref in op["messages"]:
            resolve(doc, ref["$ref"])


@pytest.mark.parametrize("release", sorted(p.name for p in RELEASED.iterdir()))
def test_current_schemas_are_compatible_with_each_released_one(release: str) -> None:
    """The schema-evolution policy: within a topic version only new optional fields (docs/operations.md)."""
    current = {name: json.loads(text) for name, text in render_schemas().items() if name.endswith(".schema.json")}
    released = RELEASED / release
    assert list(released.glob("*.schema.json")), f"{released} holds no schemas"
    for path in sorted(released.glob("*.schema.json")):
        assert path.name in current, f"{path.name} of release {release} is gone: publish a new topic version"
        assert breaking_changes(json.loads(path.read_text()), current[path.name]) == [], path.name
    topics = {t.name: {schema_name(v) for v in t.values} for t in TOPICS}
    for entry in yaml.safe_load((released / "topics.yaml").read_text())["topics"]:
        assert set(entry["value_types"]) <= topics.get(entry["topic"], set()), entry["topic"]


def control_schema() -> dict[str, object]:
    return json.loads(render_schemas()["control.changed.schema.json"])


@pytest.mark.parametrize("change, expected", [
    (lambda s: s["properties"].pop("rule"), "(root).rule: removed"),
    (lambda s: s["properties"]["confidence"].update(type="string"), "(root).confidence: type changed"),
    (lambda s: s["required"].append("attribution"), "(root).attribution: now required"),
    (lambda s: s["$defs"]["Place"]["properties"]["kind"]["enum"].append("sector"), "(root).data.place.kind: enum"),
    (lambda s: s["$defs"]["Place"]["properties"].pop("lat"), "(root).data.place.lat: removed"),
    (lambda s: s.update(additionalProperties=False), "(root): closed to additional properties"),
])
def test_breaking_changes_are_reported(change: object, expected: str) -> None:
    released, current = control_schema(), control_schema()
    change(current)  # type: ignore[operator]
    problems = breaking_changes(released, current)
    assert problems and problems[0].startswith(expected), problems


def test_a_new_optional_field_and_new_words_are_compatible() -> None:
    released, current = control_schema(), control_schema()
    current["properties"]["sector"] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}  # type: ignore[index]
    current["properties"]["rule"]["description"] = "reworded"  # type: ignore[index]
    current["$defs"]["Place"]["properties"]["population"] = {"type": "integer"}  # type: ignore[index]
    assert breaking_changes(released, current) == []
    assert breaking_changes({**released, "additionalProperties": False}, current) == []  # opened: fine


def test_schemas_check_elsewhere_says_where_the_schemas_are(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["schemas", "check"])  # the working directory is the test's, empty
    assert result.exit_code == 2
    assert "schemas: no such directory" in result.stderr and "out of date" not in result.stderr


def test_schemas_check_command(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["schemas", "check", str(COMMITTED)])
    assert ok.exit_code == 0, ok.output
    copy = tmp_path / "schemas"
    shutil.copytree(COMMITTED, copy)
    (copy / "article.schema.json").write_text("{}\n")
    drifted = runner.invoke(app, ["schemas", "check", str(copy)])
    assert drifted.exit_code == 1
    assert "article.schema.json" in drifted.stderr and "newswire schemas export" in drifted.stderr
