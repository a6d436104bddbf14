"""The downstream example (examples/control_view.py) run as a user runs it: embedded log and real broker."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswire.core.log import SqliteLog
from newswire.core.log.kafka import KafkaLog
from newswire.core.models import (
    Actor,
    ControlChanged,
    ControlChangedData,
    Evidence,
    ForcesWithdrew,
    ForcesWithdrewData,
    Modality,
    OccurredOn,
    Place,
    Precision,
    Source,
)
from newswire.core.topics import CONTROL, TOPICS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "control_view.py"

SARAQIB = Place(id="geonames:163270", name="Saraqib", kind="city", country="SY")
DARAA = Place(id="geonames:170592", name="Daraa", kind="city", country="SY")
ARMY = Actor(id="syrian-army", name="Syrian Army", side="government")
HTS = Actor(id="hts", name="Hayat Tahrir al-Sham", side="opposition")


def envelope(article: str, day: str, modality: Modality = Modality.ASSERTED) -> dict:
    return dict(occurred_on=OccurredOn(date=day, precision=Precision.DAY),
                reported_at=datetime.fromisoformat(day + "T12:00:00+00:00").astimezone(UTC),
                source=Source(article_id=article, outlet="example-wire", url=f"https://example.org/{article}"),
                evidence=Evidence(sentence="(a sentence written for this test)", start=0, end=34),
                modality=modality, confidence=0.9, rule="test")


def changed(article: str, place: Place, who: Actor, day: str, **kw: object) -> bytes:
    event = ControlChanged(event_id=ControlChanged.make_id(article, place.id), data=ControlChangedData(
        place=place, controller=who), **envelope(article, day, **kw))
    return event.model_dump_json().encode()


def withdrew(article: str, place: Place, who: Actor, day: str) -> bytes:
    event = ForcesWithdrew(event_id=ForcesWithdrew.make_id(article, place.id),
                           data=ForcesWithdrewData(place=place, actor=who), **envelope(article, day))
    return event.model_dump_json().encode()


STREAM: list[tuple[str, bytes]] = [
    (SARAQIB.id, changed("a1", SARAQIB, ARMY, "2024-11-20")),
    (SARAQIB.id, changed("a2", SARAQIB, HTS, "2024-12-01")),
    (SARAQIB.id, changed("a2", SARAQIB, HTS, "2024-12-01")),  # a redelivery: same event id
    (SARAQIB.id, changed("a0", SARAQIB, ARMY, "2016-02-01", modality=Modality.HISTORICAL)),
    (DARAA.id, changed("a3", DARAA, ARMY, "2024-12-05")),
    (DARAA.id, withdrew("a4", DARAA, ARMY, "2024-12-06")),
    (DARAA.id, b'{"type": "control.changed", "event_id": "broken"}'),  # breaks the schema
    (DARAA.id, b"not json"),
]


def run_example(*args: str, view: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(EXAMPLE), *args, "--view", str(view), "--idle-exit", "1.5"],
                          capture_output=True, text=True, timeout=90, check=False)


def view_rows(view: Path) -> dict[str, tuple[str | None, str]]:
    with sqlite3.connect(view) as conn:
        return {p: (c, s) for p, c, s in conn.execute("SELECT place_id, controller_id, since FROM control_view")}


EXPECTED = {SARAQIB.id: ("hts", "2024-12-01"), DARAA.id: (None, "2024-12-06")}


def test_embedded_log(tmp_path: Path) -> None:
    log = SqliteLog(tmp_path / "log.db")
    log.create_topics({t.name: 3 for t in TOPICS})
    for key, value in STREAM:
        log.produce(CONTROL.name, key, value)
    log.flush()
    view = tmp_path / "view.db"
    done = run_example("--log", str(tmp_path / "log.db"), view=view)
    assert done.returncode == 0, done.stderr
    assert view_rows(view) == EXPECTED
    assert "8 record(s) read, 2 skipped" in done.stdout
    assert "skipped: schema: (root): 'source' is a required property" in done.stderr
    assert "skipped: not JSON" in done.stderr
    # Offsets were committed after the view was saved: a second run reads nothing new.
    assert sum(log.group_lag("example-control-view", [CONTROL.name]).values()) == 0
    again = run_example("--log", str(tmp_path / "log.db"), view=view)
    assert "0 record(s) read" in again.stdout and view_rows(view) == EXPECTED
    log.close()


@pytest.mark.kafka
def test_kafka(kafka_broker_factory, kafka_settings, tmp_path: Path) -> None:
    # The topic name is fixed (the example's contract): a private broker, so no other test shares it.
    kafka_bootstrap = kafka_broker_factory()
    log = KafkaLog([kafka_bootstrap], kafka_settings, default_partitions=3)
    try:
        log.create_topics({CONTROL.name: 3})
        for key, value in STREAM:
            log.produce(CONTROL.name, key, value)
        log.flush()
    finally:
        log.close()
    view = tmp_path / "view.db"
    done = run_example("--kafka", kafka_bootstrap, view=view)
    assert done.returncode == 0, done.stderr
    assert view_rows(view) == EXPECTED
    assert "skipped: not JSON" in done.stderr


def test_the_example_validates_against_the_committed_schemas() -> None:
    sys.path.insert(0, str(EXAMPLE.parent))
    try:
        import control_view
    finally:
        sys.path.pop(0)
    validators = control_view.load_validators()
    assert set(validators) == {"control.changed", "forces.withdrew"}
    assert not list(validators["control.changed"].iter_errors(__import__("json").loads(STREAM[0][1])))
