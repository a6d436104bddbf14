"""The published contract in ``schemas/`` is generated from the models and must not drift from them.

When a test here fails after a model change, run ``newswire schemas export``
and commit ``schemas/``.
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
from newswire.core.models import Article, ControlChanged
from newswire.core.schemas import drifted_schemas, export_schemas, render_schemas
from newswire.core.topics import CONTROL, TOPICS

COMMITTED = Path(__file__).resolve().parent.parent / "schemas"
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
    (copy / "topics.yaml").unlink()
    (copy / "control.retired.schema.json").write_text("{}\n")
    assert drifted_schemas(copy) == ["article.schema.json", "topics.yaml", "control.retired.schema.json"]
    export_schemas(copy)  # export repairs all three, removing the left-over schema
    assert drifted_schemas(copy) == []
    assert not (copy / "control.retired.schema.json").exists()


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
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**article.model_dump(mode="json"), "unknown_field": 1}, schema)


def test_the_topic_catalogue_lists_every_topic_with_existing_schemas() -> None:
    catalogue = yaml.safe_load(render_schemas()["topics.yaml"])
    assert [t["topic"] for t in catalogue["topics"]] == [t.name for t in TOPICS]
    for entry in catalogue["topics"]:
        assert entry["key"] and entry["producer"] and entry["consumers"]
        for file in entry["value_schemas"]:
            assert (COMMITTED / file).is_file(), file


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
