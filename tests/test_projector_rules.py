"""The fold's rules (docs/projector.md, "The fold's rules"): ordering, precision, corroboration, contested.

The folds are pure functions of a set of reports; these tests call them
directly, shuffle and duplicate their inputs, and check that a projection
built batch by batch (with the projector's cache) equals one from scratch.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from newswire.core.log.types import TopicPartition
from newswire.core.models import Event
from newswire.projector import synthetic as s
from newswire.projector.fold import Report, fold_crossing, fold_place, place_state, to_report, transitions
from newswire.projector.store import Applied, SubjectCache, apply_batch, create_engine, dump_tables, ensure_schema
from newswire.projector.tables import make_tables

ALEPPO = s.place("Aleppo")
OPP, GOV, SDF = s.actor("opposition"), s.actor("government"), s.actor("sdf")


def reports(*events: Event) -> list[Report]:
    return [to_report(e) for e in events]


def canonical(rs: Sequence[Report]) -> tuple[object, ...]:
    """A fold's output in a comparable form."""
    result = fold_place(rs)
    return result.control, sorted(map(repr, result.history)), result.facts


# --- the seed articles' Aleppo -------------------------------------------------

# As the extractor reads the two seed articles (issue 13): Al Jazeera dates the capture ("five days
# after they took ... Aleppo"), AFP's undated "has lost second city Aleppo" takes its publication day.
ALJAZEERA_ALEPPO = s.control(s.article("aljazeera", "2024-12-07"), ALEPPO, OPP, "2024-11-30", words="five days after")
AFP_ALEPPO = s.control(s.article("afp", "2024-12-06"), ALEPPO, OPP, "2024-12-06", inferred=True)


def test_an_event_without_the_words_of_its_date_is_inferred() -> None:
    assert to_report(AFP_ALEPPO).inferred and to_report(AFP_ALEPPO).date_words is None
    assert not to_report(ALJAZEERA_ALEPPO).inferred


@pytest.mark.parametrize("order", list(itertools.permutations([ALJAZEERA_ALEPPO, AFP_ALEPPO])))
def test_an_inferred_date_never_moves_since_later_for_the_same_controller(order: tuple[Event, ...]) -> None:
    row = place_state(reports(*order))
    assert row is not None
    assert (row["side"], row["since"], row["since_text"], row["precision"]) == (
        "opposition", date(2024, 11, 30), "five days after", "day")
    assert (row["n_sources"], row["n_reports"]) == (2, 2)
    assert [(h["valid_from"], h["valid_to"]) for h in transitions(reports(*order))] == [(date(2024, 11, 30), None)]


# --- precision -----------------------------------------------------------------


def _ctl(outlet: str, published: str, on: str | None, who: object = OPP, *, inferred: bool = False,
         n: int = 0) -> Event:
    return s.control(s.article(outlet, published, n=n), ALEPPO, who, on, inferred=inferred)  # type: ignore[arg-type]


@pytest.mark.parametrize(("events", "since", "precision"), [
    # a day beats a month, even a later day: the month says less
    ([_ctl("a", "2024-12-10", "2024-11"), _ctl("b", "2024-12-10", "2024-11-28")], date(2024, 11, 28), "day"),
    # a month beats an inferred date
    ([_ctl("a", "2024-11-20", "2024-11-20", inferred=True), _ctl("b", "2024-12-10", "2024-11")],
     date(2024, 11, 1), "month"),
    # a read date beats an earlier inferred one (a publication day is no reading)
    ([_ctl("a", "2024-11-27", "2024-11-27", inferred=True), _ctl("b", "2024-12-01", "2024-11-29")],
     date(2024, 11, 29), "day"),
    # a report with no occurred_on at all is inferred too
    ([_ctl("a", "2024-11-27", None), _ctl("b", "2024-12-01", "2024-12-01", inferred=True)], date(2024, 11, 27), "day"),
    # among read days, the earliest
    ([_ctl("a", "2024-12-10", "2024-12-03"), _ctl("b", "2024-12-10", "2024-11-29")], date(2024, 11, 29), "day"),
], ids=["day-over-month", "month-over-inferred", "read-over-earlier-inferred", "no-date-is-inferred",
        "earliest-read-day"])
def test_since_is_the_most_precise_then_earliest_read_date(events: list[Event], since: date, precision: str) -> None:
    for order in itertools.permutations(events):
        row = place_state(reports(*order))
        assert row is not None
        assert (row["since"], row["precision"]) == (since, precision)


def test_another_side_in_between_ends_the_hold() -> None:
    rs = reports(_ctl("a", "2024-11-30", "2024-11-30"), _ctl("b", "2024-12-02", "2024-12-02", GOV, n=1),
                 _ctl("c", "2024-12-10", "2024-12-10", inferred=True, n=2))
    row = place_state(rs)
    assert row is not None and (row["side"], row["since"]) == ("opposition", date(2024, 12, 10))
    assert [(h["side"], h["valid_from"], h["valid_to"]) for h in transitions(rs)] == [
        ("opposition", date(2024, 11, 30), date(2024, 12, 2)),
        ("government", date(2024, 12, 2), date(2024, 12, 10)),
        ("opposition", date(2024, 12, 10), None)]


def test_a_claim_by_another_side_within_the_window_is_contested() -> None:
    rs = reports(_ctl("a", "2024-12-01", "2024-12-01"), _ctl("b", "2024-12-03", "2024-12-03", GOV, n=1))
    row = place_state(rs)
    assert row is not None and (row["side"], row["status"]) == ("government", "contested")
    assert {c["side"] for c in row["claims"]} == {"government", "opposition"}
    assert {h["status"] for h in transitions(rs)} == {"contested"}


def test_the_fold_is_pure_its_input_unchanged_and_its_answer_repeatable() -> None:
    rs = reports(ALJAZEERA_ALEPPO, AFP_ALEPPO, _ctl("c", "2024-12-20", "2024-12-20", GOV))
    before = list(rs)
    first = canonical(rs)
    assert rs == before
    assert canonical(rs) == first == canonical(list(reversed(rs)))


def test_a_duplicate_report_counts_once() -> None:
    rs = reports(ALJAZEERA_ALEPPO, AFP_ALEPPO)
    assert canonical(rs + rs[:1]) == canonical(rs)
    crossing = reports(s.crossing(("afp", "2024-12-06"), s.place("Nassib", "crossing"), "seized", OPP, "2024-12-06"))
    assert fold_crossing(crossing * 2) == fold_crossing(crossing)


# --- property: any order, any duplicates ---------------------------------------


@dataclass(frozen=True)
class Scenario:
    """Holds of alternating sides, 100 days apart, each told by a few reports of mixed precision."""

    events: list[Event]
    last_side: str
    last_reports: list[Event]


SIDES = {"opposition": OPP, "government": GOV, "kurdish-led": SDF}
START = date(2024, 1, 1)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    n_holds = draw(st.integers(1, 4))
    sides: list[str] = []
    for _ in range(n_holds):
        sides.append(draw(st.sampled_from([k for k in SIDES if not sides or k != sides[-1]])))
    events: list[Event] = []
    last: list[Event] = []
    n = 0
    for i, side in enumerate(sides):
        begin = START + timedelta(days=100 * i)
        hold: list[Event] = []
        for _ in range(draw(st.integers(1, 5))):
            day = begin + timedelta(days=draw(st.integers(0, 20)))
            kind = draw(st.sampled_from(["day", "month", "inferred", "undated"]))
            published = day + timedelta(days=0 if kind in ("inferred", "undated") else draw(st.integers(0, 3)))
            art = s.article(draw(st.sampled_from(["afp", "reuters", "aljazeera", "sana"])), published.isoformat(), n=n)
            n += 1
            on = {"day": day.isoformat(), "month": day.isoformat()[:7], "inferred": day.isoformat(),
                  "undated": None}[kind]
            hold.append(s.control(art, ALEPPO, SIDES[side], on, inferred=kind == "inferred"))
        events += hold
        last = hold
    return Scenario(events, sides[-1], last)


def expected_since(events: Sequence[Event]) -> date:
    """The hold's most precise, earliest read date, computed without the fold: day, then month, then inferred."""
    rank = {"day": 0, "month": 1, "year": 2}

    def worth(e: Event) -> tuple[int, date]:
        if e.occurred_on is None or e.occurred_on.text is None:
            day = e.occurred_on.date if e.occurred_on is not None else e.reported_at.date().isoformat()  # type: ignore[union-attr]
            return 3, date.fromisoformat(str(day))
        return rank[e.occurred_on.precision], date.fromisoformat((e.occurred_on.date + "-01-01")[:10])

    return min(map(worth, events))[1]


@settings(max_examples=150, deadline=None)
@given(scenario=scenarios(), data=st.data())
def test_any_order_and_duplicates_give_one_fold_and_since_from_the_current_hold(scenario: Scenario,
                                                                                 data: st.DataObject) -> None:
    base = reports(*scenario.events)
    dupes = data.draw(st.lists(st.sampled_from(base), max_size=4))
    shuffled = data.draw(st.permutations(base + dupes))
    assert canonical(shuffled) == canonical(base)
    row = place_state(shuffled)
    assert row is not None
    assert (row["side"], row["status"]) == (scenario.last_side, "held")
    assert row["since"] == expected_since(scenario.last_reports)
    # one history row per hold, in time order
    holds = sorted((h for h in transitions(shuffled) if h["kind"] == "control"), key=lambda h: h["valid_from"])
    assert [h["side"] for h in holds] == _sides_in_order(scenario.events)


def _sides_in_order(events: Sequence[Event]) -> list[str]:
    """The sides of the scenario's holds in time order (consecutive duplicates collapsed)."""
    out: list[str] = []
    for r in sorted(reports(*events), key=lambda r: r.day_start):
        side = r.side or ""
        if not out or out[-1] != side:
            out.append(side)
    return out


# --- incremental projection equals projection from scratch ---------------------

TP = TopicPartition("conflict.control.v1", 0)


def _apply_all(engine: Engine, events: Sequence[Event], batches: Sequence[int], cache: SubjectCache | None) -> None:
    """Apply ``events`` as one partition's records, in batches of the given sizes."""
    tables = make_tables()
    ensure_schema(engine, tables)
    items = [Applied(e, to_report(e, record_time=1.0e9 + i), TP, i) for i, e in enumerate(events)]
    start = 0
    for size in [*batches, len(items)]:
        chunk = items[start:start + size]
        if chunk:
            apply_batch(engine, tables, chunk, {TP: (chunk[0].offset, chunk[-1].offset)}, cache=cache)
        start += size
        if start >= len(items):
            break


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[list[Engine]]:
    made: list[Engine] = []

    def make(name: str) -> Engine:
        engine = create_engine(f"sqlite:///{tmp_path / name}.db")
        made.append(engine)
        return engine

    yield make  # type: ignore[misc]
    for engine in made:
        engine.dispose()


def test_incremental_projection_equals_projection_from_scratch(engines: object) -> None:
    """Many small batches through the cache == the same events in one batch without it (places, crossings, meetings)."""
    events = list(s.stream(1500, places=30, seed=11))
    rng = random.Random(5)
    batches = [rng.randint(1, 40) for _ in range(200)]
    incremental, scratch = engines("incremental"), engines("scratch")  # type: ignore[operator]
    _apply_all(incremental, events, batches, SubjectCache())
    _apply_all(scratch, events, [len(events)], None)
    assert dump_tables(incremental) == dump_tables(scratch)


def test_month_and_year_meetings_are_found_by_later_batches_in_any_order(engines: object) -> None:
    """A month- or year-precision meeting report starts before the days a later report looks around.

    The meeting neighbourhood reads bounded day ranges (store._overlapping);
    this checks that reports starting on the first of their month or on
    1 January are still found from a later batch, in every order, one event
    per batch, and match as one meeting (docs/projector.md, Meetings).
    """
    who = [s.actor("turkey"), s.actor("russia"), s.actor("iran")]
    doha = s.place("Doha", "city", "QA")
    events = [
        s.meeting(("afp", "2024-11-02"), who, doha, "scheduled", "2024"),
        s.meeting(("reuters", "2024-11-03"), who, doha, "scheduled", "2024-12"),
        s.meeting(("bbc", "2024-12-20"), who, doha, "held", "2024-12-18"),
        s.meeting(("ap", "2024-12-21"), who, doha, "held", "2024-12-19"),
    ]
    scratch = engines("scratch")  # type: ignore[operator]
    _apply_all(scratch, events, [len(events)], None)
    expected = dump_tables(scratch)
    assert len(expected["meetings"]) == 1
    for i, order in enumerate(itertools.permutations(events)):
        one_by_one = engines(f"order{i}")  # type: ignore[operator]
        _apply_all(one_by_one, list(order), [1] * len(order), SubjectCache())
        got = dump_tables(one_by_one)
        for name in ("applied_events", "projector_offsets"):  # where each event sat in the log differs by design
            got.pop(name), expected.pop(name, None)
        assert got == {k: v for k, v in expected.items() if k not in ("applied_events", "projector_offsets")}


def test_a_tiny_cache_evicts_and_still_equals_projection_from_scratch(engines: object) -> None:
    events = list(s.stream(600, places=10, seed=2))
    cache = SubjectCache(max_reports=40)
    small, scratch = engines("small"), engines("scratch")  # type: ignore[operator]
    _apply_all(small, events, [7] * 100, cache)
    assert cache.reports_held <= 40
    _apply_all(scratch, events, [len(events)], None)
    assert dump_tables(small) == dump_tables(scratch)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios(), data=st.data())
def test_tables_are_the_same_for_any_order_batching_and_duplicates(tmp_path_factory: pytest.TempPathFactory,
                                                                    scenario: Scenario, data: st.DataObject) -> None:
    dupes = data.draw(st.lists(st.sampled_from(scenario.events), max_size=4))
    shuffled = data.draw(st.permutations(scenario.events + dupes))
    batches = data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=8))
    where = tmp_path_factory.mktemp("order")
    a, b = create_engine(f"sqlite:///{where / 'a.db'}"), create_engine(f"sqlite:///{where / 'b.db'}")
    try:
        _apply_all(a, scenario.events, [len(scenario.events)], None)
        _apply_all(b, shuffled, batches, SubjectCache())
        dump_a, dump_b = dump_tables(a), dump_tables(b)
        # applied_events and the offsets record where each event sat in the log: they differ by design.
        for name in ("applied_events", "projector_offsets"):
            dump_a.pop(name), dump_b.pop(name)
        assert dump_a == dump_b
        [row] = dump_b["control"]
        assert expected_since(scenario.last_reports) in row
    finally:
        a.dispose()
        b.dispose()
