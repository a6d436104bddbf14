"""Poison records: one bad event never stops projection (issue 12, item 1), on SQLite and PostgreSQL.

Each case puts one bad record in the middle of a batch of good ones. The bad
record goes to ``newswire.dlq.v1`` with its error; every good event is
applied; the run ends caught up. Before the fix, PostgreSQL failed the whole
batch with ``DataError`` on every retry and SQLite stored the bad values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from newswire.core.config import Settings, load_settings
from newswire.core.log import SqliteLog, TopicPartition
from newswire.core.models import DeadLetter, Event
from newswire.core.topics import DLQ, EVENT_TOPICS
from newswire.projector import synthetic as s
from newswire.projector.service import ProjectorStats, make_projector
from newswire.projector.store import create_engine, dump_tables, ensure_schema, stored_offsets
from newswire.projector.tables import make_tables

USER_TABLES = ("control", "control_history", "crossings", "meetings", "evidence")  # applied_events: offsets differ


def good_events() -> list[Event]:
    art = s.article("wire", "2024-12-07")
    return [s.control(art, s.place(f"Town {i}"), s.actor("opposition"), "2024-12-06") for i in range(12)] + [
        s.crossing(art, s.place("Nassib-Jaber", "crossing"), "closed", s.actor("jordan"), "2024-12-06"),
        s.meeting(art, [s.actor("turkey"), s.actor("russia")], s.place("Doha", "city", "QA"), "held", "2024-12-05")]


def poison_base() -> dict[str, Any]:
    event = s.control(s.article("poison", "2024-12-07"), s.place("Poisonville"), s.actor("factions"), "2024-12-06")
    return json.loads(event.model_dump_json())


def nul_in_an_id(e: dict[str, Any]) -> None:
    e["data"]["controller"]["id"] = "newswire:local\u0000factions"


def long_place_name(e: dict[str, Any]) -> None:
    e["data"]["place"]["name"] = "Poisonville " * 40


def long_event_id(e: dict[str, Any]) -> None:
    e["event_id"] = "e" * 5000


def long_place_id(e: dict[str, Any]) -> None:
    e["data"]["place"]["id"] = "test:" + "p" * 5000


def undated(e: dict[str, Any]) -> None:
    e["occurred_on"] = None
    e["reported_at"] = None


POISONS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "nul-in-an-id": (nul_in_an_id, "data.controller.id: String should match pattern"),
    "long-place-name": (long_place_name, "data.place.name: String should have at most 300 characters"),
    "long-event-id": (long_event_id, "event_id: String should have at most 64 characters"),
    "long-place-id": (long_place_id, "data.place.id: String should have at most 200 characters"),
    "undated": (undated, "a date is required"),
}


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(log_url=f"sqlite:///{tmp_path / 'log.db'}", db_url=db_url)


@pytest.fixture
def log(settings: Settings) -> Iterator[SqliteLog]:
    log = SqliteLog(settings.log_url.removeprefix("sqlite:///"), session_timeout=3.0)
    log.create_topics({t: 1 for t in EVENT_TOPICS} | {DLQ.name: 1})
    yield log
    log.close()


def produce_with(log: SqliteLog, events: list[Event], bad: bytes | None, at: int) -> None:
    """The events, with ``bad`` produced in their middle on the control topic (one partition: one batch)."""
    for i, e in enumerate(events):
        if i == at and bad is not None:
            log.produce(EVENT_TOPICS[0], "test:poisonville", bad)
        log.produce(e.TOPIC, e.key(), e.model_dump_json().encode())
    log.flush()


def dead_letters(log: SqliteLog) -> list[DeadLetter]:
    consumer = log.consumer(None, [DLQ.name])
    try:
        return [DeadLetter.model_validate_json(r.value) for r in consumer.poll(max_records=100, timeout=1)]
    finally:
        consumer.close()


def user_rows(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(db_url)
    try:
        return {k: v for k, v in dump_tables(engine).items() if k in USER_TABLES}
    finally:
        engine.dispose()


def caught_up(settings: Settings, log: SqliteLog) -> bool:
    engine = create_engine(settings.projector_db_url())
    try:
        with engine.connect() as conn:
            stored = stored_offsets(conn, make_tables())
    finally:
        engine.dispose()
    return all(stored.get(TopicPartition(t, p), 0) >= n for t in EVENT_TOPICS for p, n in log.end_offsets(t).items())


def expected_rows(tmp_path: Path, events: list[Event]) -> dict[str, list[tuple[Any, ...]]]:
    """The tables of the good events alone, projected into a fresh SQLite database."""
    ref = load_settings(log_url=f"sqlite:///{tmp_path / 'ref-log.db'}", db_url=f"sqlite:///{tmp_path / 'ref.db'}")
    with SqliteLog(tmp_path / "ref-log.db") as ref_log:
        ref_log.create_topics({t: 1 for t in EVENT_TOPICS} | {DLQ.name: 1})
        produce_with(ref_log, events, None, 0)
        projector = make_projector(ref, ref_log)
        try:
            projector.run(once=True, timeout=120)
        finally:
            projector.close()
    return user_rows(ref.db_url)


def project_once(settings: Settings, log: SqliteLog) -> ProjectorStats:
    projector = make_projector(settings, log)
    try:
        return projector.run(once=True, timeout=120)
    finally:
        projector.close()


def project_and_check(tmp_path: Path, settings: Settings, log: SqliteLog, events: list[Event]) -> DeadLetter:
    """Run the projector once; the one bad record was dead-lettered, every good event applied. Its letter."""
    stats = project_once(settings, log)
    assert (stats.dead_letters, stats.events_applied) == (1, len(events))
    assert caught_up(settings, log)
    assert user_rows(settings.projector_db_url()) == expected_rows(tmp_path, events)
    [letter] = dead_letters(log)
    return letter


@pytest.mark.parametrize("poison", list(POISONS))
def test_a_poison_event_is_dead_lettered_and_the_batch_applied(
        tmp_path: Path, settings: Settings, log: SqliteLog, poison: str) -> None:
    spoil, reason = POISONS[poison]
    bad = poison_base()
    spoil(bad)
    events = good_events()
    produce_with(log, events, json.dumps(bad).encode(), at=6)

    letter = project_and_check(tmp_path, settings, log, events)
    assert (letter.topic, letter.offset, letter.error_type) == (EVENT_TOPICS[0], 6, "RecordError")
    assert reason in letter.error


def refuse_rows_saying(engine: sa.Engine, word: str) -> None:
    """A trigger on ``evidence``: the database itself refuses any row whose sentence contains ``word``.

    Stands for a value the models accept but the database cannot store: the
    projector cannot know in advance, so it must find the record by itself.
    """
    ensure_schema(engine, make_tables())
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"""
                CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN
                  IF position('{word}' in NEW.sentence) > 0 THEN
                    RAISE EXCEPTION 'value refused' USING ERRCODE = '22023';
                  END IF;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql""")
            conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON evidence FOR EACH ROW EXECUTE FUNCTION refuse()")
        else:
            conn.exec_driver_sql(f"""
                CREATE TRIGGER refuse BEFORE INSERT ON evidence WHEN NEW.sentence LIKE '%{word}%'
                BEGIN SELECT RAISE(ABORT, 'value refused'); END""")


def test_a_record_the_database_refuses_is_found_and_dead_lettered(
        tmp_path: Path, settings: Settings, log: SqliteLog) -> None:
    engine = create_engine(settings.projector_db_url())
    refuse_rows_saying(engine, "REFUSED")
    engine.dispose()
    events = good_events()
    culprit = s.control(s.article("odd", "2024-12-07"), s.place("Oddtown"), s.actor("sdf"), "2024-12-06")
    culprit = culprit.model_copy(update={"evidence": culprit.evidence.model_copy(
        update={"sentence": "REFUSED by the database."})})
    produce_with(log, events, culprit.model_dump_json().encode(), at=9)

    letter = project_and_check(tmp_path, settings, log, events)
    assert (letter.topic, letter.offset, letter.error_type) == (EVENT_TOPICS[0], 9, "RecordError")
    assert "the database refused the batch" in letter.error and "value refused" in letter.error


def test_a_nul_in_the_articles_words_is_stored_as_a_replacement_character(
        tmp_path: Path, settings: Settings, log: SqliteLog) -> None:
    """The sentence, title and extent are the article's words: kept, with a NUL (which PostgreSQL cannot
    store) shown as U+FFFD on every backend, and the batch applied. In a name it becomes a space."""
    events = good_events()
    place = s.place("Oddtown").model_copy(update={"name": "Odd\u0000town"})
    odd = s.control(s.article("odd", "2024-12-07"), place, s.actor("sdf"), "2024-12-06",
                    extent="most\u0000 of", attribution="state\u0000 media")
    odd = type(odd).model_validate_json(odd.model_dump_json())  # read as the projector reads it
    odd = odd.model_copy(update={
        "evidence": odd.evidence.model_copy(update={"sentence": "Kurdish-led forces took\u0000 Oddtown."}),
        "source": odd.source.model_copy(update={"title": "Odd\u0000 news"})})
    events.insert(5, odd)
    produce_with(log, events, None, 0)

    stats = project_once(settings, log)
    assert (stats.dead_letters, stats.events_applied) == (0, len(events))
    engine = create_engine(settings.projector_db_url())
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT sentence, title, attribution FROM evidence WHERE event_id = :e"),
                           {"e": odd.event_id}).one()
        control = conn.execute(sa.text("SELECT extent, place_name FROM control WHERE place_id = 'test:oddtown'")
                               ).one()
    engine.dispose()
    assert tuple(row) == ("Kurdish-led forces took\ufffd Oddtown.", "Odd\ufffd news", "state\ufffd media")
    assert tuple(control) == ("most\ufffd of", "Odd town")
    assert caught_up(settings, log)
