"""The projector service against a real log and real databases (SQLite, and PostgreSQL when reachable)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from newswire.cli import app
from newswire.core.config import Settings, load_settings
from newswire.core.log import SqliteLog, TopicPartition
from newswire.core.models import DeadLetter, Event, Modality
from newswire.core.topics import DLQ, EVENT_TOPICS
from newswire.projector import synthetic as s
from newswire.projector.query import state_rows
from newswire.projector.service import Rebuild, make_projector, replay
from newswire.projector.store import create_engine, dump_tables, stored_offsets
from newswire.projector.tables import PROJECTION_SCHEMA_VERSION, make_tables

USER_TABLES = ("control", "control_history", "crossings", "meetings", "evidence")


def seed_events() -> list[Event]:
    """Two articles in the shape of the issue's seed articles, built by hand."""
    aj, afp = s.article("aljazeera", "2024-12-07"), s.article("afp", "2024-12-06")
    daraa, hama, deir = s.place("Daraa"), s.place("Hama"), s.place("Deir ez-Zor")
    nassib = s.place("Nassib-Jaber", "crossing")
    doha, qatar = s.place("Doha", "city", "QA"), s.place("Qatar", "country", "QA")
    baghdad = s.place("Baghdad", "city", "IQ")
    tri = [s.actor("turkey"), s.actor("russia"), s.actor("iran")]
    bag = [s.actor("syria"), s.actor("iraq"), s.actor("iran")]
    return [
        s.control(aj, daraa, s.actor("opposition"), None),
        s.control(aj, daraa, s.actor("factions"), "2024-12-06"),
        s.control(aj, hama, s.actor("opposition"), "2024-12-05"),
        s.withdrew(aj, deir, s.actor("government"), "2024-12-06"),
        s.control(aj, deir, s.actor("sdf"), "2024-12-06"),
        s.meeting(aj, tri, doha, "scheduled", "2024-12-07", framework="Astana process"),
        s.meeting(aj, bag, baghdad, "held", "2024-12-06"),
        s.control(afp, daraa, s.actor("factions"), "2024-12-06"),
        s.control(afp, daraa, s.actor("government"), "2018", modality=Modality.HISTORICAL),
        s.crossing(afp, nassib, "seized", s.actor("factions"), "2024-12-06"),
        s.crossing(afp, nassib, "closed", s.actor("jordan"), "2024-12-06"),
        s.control(afp, hama, s.actor("opposition"), None),
        s.withdrew(afp, deir, s.actor("government"), "2024-12-06"),
        s.meeting(afp, tri, qatar, "scheduled", "2024-12"),
        s.meeting(afp, bag, baghdad, "held", None),
    ]


def produce(log: SqliteLog, events: Sequence[Event]) -> None:
    for e in events:
        log.produce(e.TOPIC, e.key(), e.model_dump_json().encode())
    log.flush()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(log_url=f"sqlite:///{tmp_path / 'log.db'}", db_url=db_url)


@pytest.fixture
def log(settings: Settings) -> Iterator[SqliteLog]:
    log = SqliteLog(settings.log_url.removeprefix("sqlite:///"), session_timeout=3.0)
    log.create_topics({t: 3 for t in EVENT_TOPICS} | {DLQ.name: 1})
    yield log
    log.close()


def project(settings: Settings, log: SqliteLog) -> dict[str, int]:
    projector = make_projector(settings, log)
    try:
        return dict(vars(projector.run(once=True)))
    finally:
        projector.close()


def user_tables(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    engine = create_engine(settings.projector_db_url())
    try:
        return {k: v for k, v in dump_tables(engine).items() if k in USER_TABLES}
    finally:
        engine.dispose()


def rows(settings: Settings, view: str, **kw: object) -> list[dict[str, object]]:
    engine = create_engine(settings.projector_db_url())
    try:
        return state_rows(engine, view, **kw)  # type: ignore[arg-type]
    finally:
        engine.dispose()


def test_seed_articles_give_the_issue_rows(settings: Settings, log: SqliteLog) -> None:
    produce(log, seed_events())
    stats = project(settings, log)
    assert stats["events_applied"] == 15

    control = {r["place_name"]: r for r in rows(settings, "control")}
    assert set(control) == {"Daraa", "Hama", "Deir ez-Zor"}
    assert (control["Daraa"]["side"], control["Daraa"]["since"], control["Daraa"]["n_sources"]) == (
        "opposition", date(2024, 12, 6), 2)
    assert (control["Hama"]["side"], control["Hama"]["since"]) == ("opposition", date(2024, 12, 5))
    assert (control["Deir ez-Zor"]["controller_name"], control["Deir ez-Zor"]["since"]) == (
        "Kurdish-led forces", date(2024, 12, 6))
    assert {e["outlet"] for e in control["Daraa"]["evidence"]} == {"afp", "aljazeera"}

    [crossing] = rows(settings, "crossings")
    assert (crossing["status"], crossing["holder_name"]) == ("seized", "local factions")
    assert crossing["sides"]["JO"]["status"] == "closed"

    meetings = {r["location_name"]: r for r in rows(settings, "meetings")}
    assert set(meetings) == {"Doha", "Baghdad"}
    assert (meetings["Doha"]["date"], meetings["Doha"]["status"], meetings["Doha"]["participants"]) == (
        date(2024, 12, 7), "scheduled", ["Iran", "Russia", "Turkey"])
    assert meetings["Doha"]["framework"] == "Astana process"
    assert (meetings["Baghdad"]["date"], meetings["Baghdad"]["status"], meetings["Baghdad"]["participants"]) == (
        date(2024, 12, 6), "held", ["Iran", "Iraq", "Syria"])


def test_reverse_order_and_replay_give_identical_tables(settings: Settings, log: SqliteLog,
                                                        tmp_path: Path) -> None:
    events = seed_events()
    produce(log, events)
    project(settings, log)
    forward = dump_tables(create_engine(settings.projector_db_url()))

    with SqliteLog(tmp_path / "reversed.db") as reversed_log:
        reversed_log.create_topics({t: 3 for t in EVENT_TOPICS})
        produce(reversed_log, events[::-1])
        replay(create_engine(settings.projector_db_url()), reversed_log)
    assert user_tables(settings) == {k: v for k, v in forward.items() if k in USER_TABLES}

    replay(create_engine(settings.projector_db_url()), log)
    assert dump_tables(create_engine(settings.projector_db_url())) == forward


def test_a_redelivered_event_changes_nothing(settings: Settings, log: SqliteLog) -> None:
    events = seed_events()
    produce(log, events)
    project(settings, log)
    before = dump_tables(create_engine(settings.projector_db_url()))
    produce(log, events[:5])  # the producer retried: the same events again, at new offsets
    stats = project(settings, log)
    assert (stats["records_in"], stats["duplicates"], stats["events_applied"]) == (5, 5, 0)
    after = dump_tables(create_engine(settings.projector_db_url()))
    assert {k: v for k, v in after.items() if k != "projector_offsets"} == {
        k: v for k, v in before.items() if k != "projector_offsets"}


def test_offsets_are_stored_with_the_rows_and_win_over_the_logs(settings: Settings, log: SqliteLog) -> None:
    produce(log, seed_events())
    project(settings, log)
    engine = create_engine(settings.projector_db_url())
    with engine.connect() as conn:
        stored = stored_offsets(conn, make_tables())
    ends = {TopicPartition(t, p): n for t in EVENT_TOPICS for p, n in log.end_offsets(t).items() if n}
    assert stored == ends

    # The log's committed offsets say "start over": the tables know better, nothing is re-read.
    consumer = log.consumer(settings.projector.group_id, EVENT_TOPICS)
    consumer.commit({tp: 0 for tp in consumer.assignment()})
    consumer.close()
    stats = project(settings, log)
    assert stats["records_in"] == 0


def test_a_consumer_ahead_of_the_tables_is_sought_back(settings: Settings, log: SqliteLog) -> None:
    events = seed_events()
    produce(log, events)
    projector = make_projector(settings, log)
    try:
        projector.run(once=True)
        expected = user_tables(settings)
        # While it runs, the tables are replaced by ones that end earlier (here: empty, as a replay
        # of an empty log would leave them); its consumer positions are now ahead of them.
        engine = create_engine(settings.projector_db_url())
        tables = make_tables()
        with engine.begin() as conn:
            for table in (tables.control, tables.control_history, tables.crossings, tables.meetings,
                          tables.evidence, tables.applied_events, tables.offsets):
                conn.execute(table.delete())
        produce(log, events)  # re-delivered: each partition's next batch starts past its stored offset 0
        stats = projector.run(once=True)
    finally:
        projector.close()
    assert stats.rewinds >= 1
    assert user_tables(settings) == expected


def test_replay_swaps_in_what_a_running_projector_applied_meanwhile(settings: Settings, log: SqliteLog) -> None:
    events = seed_events()
    produce(log, events[:7])
    projector = make_projector(settings, log)
    try:
        projector.run(once=True)
        rebuild = Rebuild(create_engine(settings.projector_db_url()), log)
        rebuild.build()
        produce(log, events[7:])  # appended after the rebuild read to the end...
        projector.run(once=True)  # ...and applied by the running projector before the swap
        rebuild.swap()
        applied_before = projector.stats.events_applied
        stats = projector.run(once=True)
    finally:
        projector.close()
    assert stats.events_applied == applied_before == len(events)  # the swap's catch-up had them already
    engine = create_engine(settings.projector_db_url())
    assert len(state_rows(engine, "meetings")) == 2
    swapped = dump_tables(engine)
    replay(engine, log)
    assert dump_tables(engine) == swapped
    with engine.connect() as conn:
        assert stored_offsets(conn, make_tables()) == {
            TopicPartition(t, p): n for t in EVENT_TOPICS for p, n in log.end_offsets(t).items() if n}


def test_a_bad_record_is_dead_lettered_and_the_rest_applied(settings: Settings, log: SqliteLog) -> None:
    events = seed_events()
    log.produce(EVENT_TOPICS[0], "test:daraa", b'{"type": "control.changed", "nonsense": 1}')
    produce(log, events)
    stats = project(settings, log)
    assert (stats["dead_letters"], stats["events_applied"]) == (1, len(events))
    consumer = log.consumer(None, [DLQ.name])
    [record] = consumer.poll(timeout=2)
    consumer.close()
    letter = DeadLetter.model_validate_json(record.value)
    assert (letter.topic, letter.consumer, letter.error_type) == (EVENT_TOPICS[0], "newswire-projector", "RecordError")
    assert "not an event" in letter.error


def test_a_new_schema_version_rebuilds_by_replay(settings: Settings, log: SqliteLog) -> None:
    produce(log, seed_events())
    project(settings, log)
    expected = user_tables(settings)
    engine = create_engine(settings.projector_db_url())
    tables = make_tables()
    with engine.begin() as conn:
        conn.execute(tables.meta.update().values(value="0"))
        conn.execute(tables.control.delete())
    stats = project(settings, log)
    assert stats["records_in"] == 0  # the rebuild read everything; the service had nothing left
    assert user_tables(settings) == expected
    with engine.connect() as conn:
        assert conn.execute(sa.select(tables.meta.c.value)).scalar_one() == str(PROJECTION_SCHEMA_VERSION)


def test_meetings_years_apart_in_one_batch_each_join_their_own_meeting(settings: Settings, log: SqliteLog) -> None:
    """A batch reads only the days around its meeting reports, yet every report still finds its meeting."""
    tri = [s.actor("turkey"), s.actor("russia"), s.actor("iran")]
    doha, sochi = s.place("Doha", "city", "QA"), s.place("Sochi", "city", "RU")
    produce(log, [s.meeting(("afp", "2024-12-06"), tri, doha, "scheduled", "2024-12-07"),
                  s.meeting(("afp", "2026-11-20"), tri, sochi, "scheduled", "2026-11-22")])
    project(settings, log)
    produce(log, [s.meeting(("reuters", "2024-12-07"), tri, doha, "held", "2024-12-07"),
                  s.meeting(("tass", "2026-11-22"), tri, sochi, "held", "2026-11-22")])
    project(settings, log)

    got = {(r["location_name"], str(r["date"])): (r["status"], r["n_sources"]) for r in rows(settings, "meetings")}
    assert got == {("Doha", "2024-12-07"): ("held", 2), ("Sochi", "2026-11-22"): ("held", 2)}
    tables = user_tables(settings)
    replay(create_engine(settings.projector_db_url()), log)
    assert user_tables(settings) == tables


@pytest.mark.parametrize("batches", [1, 2])
def test_undated_meetings_months_apart_are_two_meetings(settings: Settings, log: SqliteLog, batches: int) -> None:
    """The extractor gives undated reports of the same parties and place one meeting_id; the rows stay apart."""
    tri = [s.actor("turkey"), s.actor("russia"), s.actor("iran")]
    doha = s.place("Doha", "city", "QA")
    first, later = (s.meeting(("afp", "2024-11-01"), tri, doha, "held", None),
                    s.meeting(("reuters", "2024-12-20"), tri, doha, "held", None))
    assert first.data.meeting_id == later.data.meeting_id
    for chunk in ([first, later],) if batches == 1 else ([first], [later]):
        produce(log, chunk)
        project(settings, log)

    got = sorted((str(r["date"]), r["n_reports"]) for r in rows(settings, "meetings"))
    assert got == [("2024-11-01", 1), ("2024-12-20", 1)]
    tables = user_tables(settings)
    replay(create_engine(settings.projector_db_url()), log)
    assert user_tables(settings) == tables


def test_a_batch_of_meetings_on_many_far_apart_days_is_read_in_chunks(settings: Settings, log: SqliteLog) -> None:
    """Hundreds of disjoint date spans in one batch (a replay of years of history) stay one correct fold."""
    tri = [s.actor("turkey"), s.actor("russia"), s.actor("iran")]
    doha = s.place("Doha", "city", "QA")
    days = [date(1990, 1, 1) + timedelta(days=10 * i) for i in range(1100)]  # 1,100 disjoint spans
    produce(log, [s.meeting(("afp", d.isoformat()), tri, doha, "held", d.isoformat()) for d in days])
    produce(log, [s.meeting(("reuters", d.isoformat()), tri, doha, "held", d.isoformat()) for d in days])
    project(settings.model_copy(update={"projector": settings.projector.model_copy(update={"batch_size": 5000})}),
            log)

    got = rows(settings, "meetings")
    assert len(got) == 1100 and {r["n_sources"] for r in got} == {2}


def test_as_of_reads_history(settings: Settings, log: SqliteLog) -> None:
    produce(log, seed_events())
    project(settings, log)
    [daraa_2020] = rows(settings, "control", as_of=date(2020, 6, 1), place="daraa")
    assert (daraa_2020["side"], daraa_2020["since_text"], daraa_2020["historical"]) == ("government", "2018", True)
    assert rows(settings, "control", as_of=date(2024, 12, 5), place="Deir") == []
    assert [r["side"] for r in rows(settings, "control", as_of=date(2024, 12, 6), place="Daraa")] == ["opposition"]
    assert rows(settings, "crossings", as_of=date(2024, 12, 1)) == []
    # On the 6th only AFP had reported the talks: "in Qatar this weekend", a month-precision date.
    assert [(r["location_name"], r["date_text"]) for r in rows(settings, "meetings", as_of=date(2024, 12, 6))] == [
        ("Qatar", "2024-12"), ("Baghdad", "2024-12-06")]


def test_state_rows_filter_by_place(settings: Settings, log: SqliteLog) -> None:
    produce(log, seed_events())
    project(settings, log)
    assert [r["place_name"] for r in rows(settings, "control", place="HAMA")] == ["Hama"]
    assert [r["location_name"] for r in rows(settings, "meetings", place="iraq")] == ["Baghdad"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cli_project_state_replay(settings: Settings, log: SqliteLog) -> None:
    produce(log, seed_events())
    runner = CliRunner()
    base = ["--log-url", settings.log_url, "--db-url", settings.db_url]
    result = runner.invoke(app, [*base, "project", "--once"])
    assert result.exit_code == 0, result.output
    assert "15 applied" in result.output

    result = runner.invoke(app, [*base, "state", "control", "--format", "json", "--place", "daraa"])
    assert result.exit_code == 0, result.output
    [daraa] = json.loads(result.stdout)
    assert (daraa["place_name"], daraa["since"], daraa["n_sources"]) == ("Daraa", "2024-12-06", 2)

    result = runner.invoke(app, [*base, "state", "control", "--as-of", "yesterday"])
    assert result.exit_code == 2
    assert "--as-of 'yesterday': not a date; use YYYY-MM-DD" in result.output

    before = user_tables(settings)
    result = runner.invoke(app, [*base, "replay"])
    assert result.exit_code == 0, result.output
    assert "replayed 15 record(s)" in result.output
    assert user_tables(settings) == before


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cli_reports_an_unusable_database_url_in_one_line(settings: Settings) -> None:
    result = CliRunner().invoke(app, ["--log-url", settings.log_url, "--db-url", "nonsense://", "state", "control"])
    assert result.exit_code == 2
    assert "db_url (NEWSWIRE_DB_URL): Value error, must be sqlite:///PATH or postgresql://" in result.output


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cli_reports_an_unreachable_database_in_one_line(settings: Settings) -> None:
    url = "postgresql://postgres@127.0.0.1:9/nowhere"  # port 9 (discard): nothing listens
    result = CliRunner().invoke(app, ["--log-url", settings.log_url, "--db-url", url, "state", "control"])
    assert result.exit_code == 3
    assert "cannot reach the database" in result.output
    assert "Traceback" not in result.output


def test_since_text_holds_the_words_the_date_came_from(settings: Settings, log: SqliteLog) -> None:
    afp = s.article("afp", "2024-12-06")
    produce(log, [s.control(afp, s.place("Saraqib"), s.actor("opposition"), "2024-12-05", words="on Thursday"),
                  s.control(afp, s.place("Hama"), s.actor("opposition"), None),  # no date in the text: inferred
                  s.control(afp, s.place("Idlib"), s.actor("opposition"), "2024-11", words="last month")])
    project(settings, log)
    got = {r["place_name"]: (r["since"], r["precision"], r["since_text"]) for r in rows(settings, "control")}
    assert got == {"Saraqib": (date(2024, 12, 5), "day", "on Thursday"),
                   "Hama": (date(2024, 12, 6), "day", None),
                   "Idlib": (date(2024, 11, 1), "month", "last month")}
    [saraqib] = rows(settings, "control", as_of=date(2024, 12, 7), place="Saraqib")
    assert saraqib["since_text"] == "on Thursday"
    runner = CliRunner()
    table = runner.invoke(app, ["--log-url", settings.log_url, "--db-url", settings.db_url, "state", "control",
                                "--format", "table"], env={"COLUMNS": "200"})
    assert "2024-12-05 (on Thursday)" in table.stdout and "2024-11 (last month)" in table.stdout


# -- the projector's engine and tables: one home, open_tables ---------------------------------


def test_make_projector_builds_its_engine_and_tables_with_open_tables(
        settings: Settings, log: SqliteLog, monkeypatch: pytest.MonkeyPatch) -> None:
    from newswire.projector import service

    built: list[tuple[object, object]] = []

    def recording(*args: object, **kwargs: object) -> tuple[object, object]:
        engine, tables = real(*args, **kwargs)  # type: ignore[arg-type]
        built.append((engine, tables))
        return engine, tables

    real = service.open_tables
    monkeypatch.setattr(service, "open_tables", recording)
    projector = make_projector(settings, log)
    try:
        assert built == [(projector.engine, projector.tables)]
    finally:
        projector.close()


def test_only_open_tables_creates_the_projectors_engine() -> None:
    import ast
    import inspect

    from newswire.projector import service

    tree = ast.parse(inspect.getsource(service))
    callers = {fn.name for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)
               for node in ast.walk(fn) if isinstance(node, ast.Call) and getattr(node.func, "id", None)
               in ("create_engine", "ensure_schema", "schema_version")}
    assert callers == {"open_tables", "_ready_tables", "_existing_tables"}
    creators = {fn.name for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)
                for node in ast.walk(fn) if isinstance(node, ast.Call) and getattr(node.func, "id", None)
                == "create_engine"}
    assert creators == {"open_tables"}


def test_open_tables_reads_without_creating_and_creates_when_asked(settings: Settings, log: SqliteLog) -> None:
    from newswire.core.errors import DataMissing
    from newswire.projector.service import open_tables

    if settings.projector_db_url().startswith("sqlite"):
        with pytest.raises(DataMissing, match="no such file"):
            open_tables(settings, create=False)
    engine, tables = open_tables(settings, log)
    engine.dispose()
    engine, again = open_tables(settings, create=False)
    engine.dispose()
    assert [t.name for t in again.metadata.sorted_tables] == [t.name for t in tables.metadata.sorted_tables]
