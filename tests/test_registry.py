"""One module registers a new event type, with its data, and it flows through every stage.

The type, ``ceasefire.declared``, exists only here: its model (topic, key,
payload, hence its JSON Schema) and its extractor data
(``tests/data/frames/ceasefire.yaml``) are registered with
``register_event``, its table and fold with ``register_projection``. No other
module knows it; the article goes through the real extractor, the log, the
projector and ``state_rows`` (what ``newswire state`` reads).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from newswire.cli import app

from newswire.core import models
from newswire.core.config import load_settings
from newswire.core.log import SqliteLog
from newswire.core.models import Actor, Article, Event, Place, Record, register_event
from newswire.core.topics import ARTICLES, event_topics
from newswire.extractor.extract import Extractor
from newswire.extractor.service import make_extractor
from newswire.projector.fold import Report
from newswire.projector.query import state_rows
from newswire.projector.registry import PROJECTIONS, Projection, register_projection
from newswire.projector.service import make_projector, replay
from newswire.projector.store import create_engine, dump_tables

FRAMES = Path(__file__).parent / "data" / "frames" / "ceasefire.yaml"


class CeasefireDeclaredData(Record):
    place: Place
    actor: Actor | None = None


class CeasefireDeclared(Event):
    """A ceasefire was declared over a place (test-only)."""

    TOPIC: ClassVar[str] = "conflict.ceasefires.v1"
    KEY_FIELD: ClassVar[str] = "place"
    FRAMES: ClassVar[Path] = FRAMES
    type: Literal["ceasefire.declared"] = "ceasefire.declared"
    data: CeasefireDeclaredData


def fold_ceasefire(reports: Sequence[Report]) -> dict[str, Any]:
    """One row per place: the earliest declaration, how many articles told it."""
    first = min(reports, key=lambda r: (r.day_start, r.event_id))
    return {"place_id": first.subject, "place_name": first.subject_name, "since": first.day_start,
            "declared_by": first.actor_name, "n_reports": len({r.article_id for r in reports})}


CEASEFIRES = Projection(
    type="ceasefire.declared", view="ceasefires", key="place_id", actor_field="actor",
    columns=lambda: [sa.Column("place_id", sa.String(200), primary_key=True), sa.Column("place_name", sa.String(300)),
                     sa.Column("since", sa.Date, nullable=False), sa.Column("declared_by", sa.String(300)),
                     sa.Column("n_reports", sa.Integer, nullable=False)],
    fold=fold_ceasefire)


@pytest.fixture
def registered() -> Iterator[None]:
    register_event(CeasefireDeclared)
    register_projection(CEASEFIRES)
    yield
    # The registries are process-wide: leave them as the other tests expect them.
    del PROJECTIONS[CEASEFIRES.type], models.EVENT_TYPES[CeasefireDeclared.model_fields["type"].default]
    models._adapter.cache_clear()


def article(text: str, n: int) -> Article:
    return Article(article_id=f"cease-{n}", outlet=f"wire-{n}", title="Truce", published=datetime(2025, 3, 14, tzinfo=UTC),
                   fetched_at=datetime(2025, 3, 14, tzinfo=UTC), text=text, content_hash=f"hash-{n}",
                   url=f"https://wire-{n}.example/truce")


def test_a_type_registered_in_one_module_flows_through_extract_topic_table_and_state(
        registered: None, tmp_path: Path) -> None:
    assert CeasefireDeclared.TOPIC in event_topics()
    settings = load_settings(log_url=f"sqlite:///{tmp_path / 'log.db'}", db_url=f"sqlite:///{tmp_path / 'db.db'}")
    log = SqliteLog(tmp_path / "log.db")
    try:
        for i, text in enumerate(["The army declared a ceasefire in Idlib on Thursday.",
                                  "A truce was announced in Idlib on Thursday, officials said."]):
            a = article(text, i)
            log.produce(ARTICLES.name, a.article_id, a.model_dump_json().encode())
        log.flush()

        extractor = make_extractor(settings, log, extractor=Extractor())  # a fresh one reads the new frames
        extractor.run(once=True)
        extractor.close()
        assert extractor.stats.records_out == {CeasefireDeclared.TOPIC: 2}, extractor.stats.records_out

        projector = make_projector(settings, log)
        projector.run(once=True)
        projector.close()

        engine = create_engine(settings.projector_db_url())
        try:
            [row] = state_rows(engine, "ceasefires")  # type: ignore[arg-type]
            assert (row["place_name"], str(row["since"])) == ("Idlib", "2025-03-13")
            assert (row["n_reports"], len(row["evidence"])) == (2, 2), row
            out = CliRunner().invoke(app, ["--log-url", settings.log_url, "--db-url", settings.db_url,
                                           "state", "ceasefires", "--format", "jsonl"])
            assert out.exit_code == 0, out.output
            assert [json.loads(line)["place_name"] for line in out.output.splitlines()] == ["Idlib"]
            before = dump_tables(engine)
            replay(engine, log)
            assert dump_tables(engine) == before  # the new table is rebuilt by replay like the others
        finally:
            engine.dispose()
    finally:
        log.close()
