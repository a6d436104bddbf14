"""The pure folds: corroboration, time over arrival order, contested claims, meetings, crossings."""

from __future__ import annotations

import importlib
import random
from datetime import date
from typing import Any

import pytest

from newswire.core.models import Actor, Modality
from newswire.projector import fold
from newswire.projector import synthetic as s
from newswire.projector.fold import Report, fold_crossing, fold_meetings, fold_place, to_report

DARAA = s.place("Daraa")


def reports(*events: object) -> list[Report]:
    return [to_report(e) for e in events]  # type: ignore[arg-type]


def test_same_fact_from_two_outlets_is_one_row_with_two_sources() -> None:
    result = fold_place(reports(
        s.control(("aljazeera", "2024-12-07"), DARAA, s.actor("opposition"), "2024-12-06"),
        s.control(("afp", "2024-12-06"), DARAA, s.actor("factions"), "2024-12-06"),
    ))
    assert result.control is not None
    assert (result.control["side"], result.control["since"]) == ("opposition", date(2024, 12, 6))
    assert (result.control["n_sources"], result.control["n_reports"]) == (2, 2)
    assert len([h for h in result.history if h["kind"] == "control"]) == 1


def test_syndicated_copies_and_one_outlet_count_as_one_source() -> None:
    result = fold_place(reports(
        s.control(("afp", "2024-12-06"), DARAA, s.actor("opposition"), "2024-12-06", story_id="wire-1"),
        s.control(("yahoo", "2024-12-06"), DARAA, s.actor("opposition"), "2024-12-06", story_id="wire-1"),
        s.control(s.article("afp", "2024-12-07", n=2), DARAA, s.actor("opposition"), "2024-12-06"),
        s.control(("reuters", "2024-12-07"), DARAA, s.actor("opposition"), "2024-12-06"),
    ))
    assert result.control is not None
    assert result.control["n_reports"] == 4
    assert result.control["n_sources"] == 2  # {afp, yahoo copy of afp's wire story, afp again}, {reuters}


def test_count_sources_links_outlets_through_story_ids() -> None:
    rs = reports(
        s.control(("a", "2024-12-06"), DARAA, s.actor("opposition"), None, story_id="x"),
        s.control(("b", "2024-12-06"), DARAA, s.actor("opposition"), None, story_id="x"),
        s.control(("c", "2024-12-06"), DARAA, s.actor("opposition"), None),
    )
    assert fold.count_sources(rs) == 2


def test_reports_further_apart_than_the_window_are_separate_facts() -> None:
    facts = fold.cluster(reports(
        s.control(("afp", "2024-12-01"), DARAA, s.actor("opposition"), "2024-12-01"),
        s.control(("reuters", "2024-12-10"), DARAA, s.actor("opposition"), "2024-12-10"),
    ), key=lambda r: r.side or "")
    assert [f.day for f in facts] == [date(2024, 12, 1), date(2024, 12, 10)]


def test_a_repeat_report_of_the_state_held_is_corroboration_not_a_transition() -> None:
    result = fold_place(reports(
        s.control(("afp", "2024-12-01"), DARAA, s.actor("opposition"), "2024-12-01"),
        s.control(("reuters", "2024-12-10"), DARAA, s.actor("opposition"), "2024-12-10"),
    ))
    assert len(result.history) == 1
    assert result.control is not None
    assert (result.control["since"], result.control["n_sources"]) == (date(2024, 12, 1), 2)


def test_latest_occurred_on_wins_and_a_late_older_report_only_adds_history() -> None:
    newer = s.control(("afp", "2024-12-06"), DARAA, s.actor("opposition"), "2024-12-06")
    older = s.control(("sana", "2024-12-08"), DARAA, s.actor("government"), "2024-11-20")
    for order in ([newer, older], [older, newer]):
        result = fold_place(reports(*order))
        assert result.control is not None
        assert result.control["side"] == "opposition"
        assert result.control["status"] == "held"
        spans = sorted((h["valid_from"], h["valid_to"], h["side"]) for h in result.history)
        assert spans == [(date(2024, 11, 20), date(2024, 12, 6), "government"),
                         (date(2024, 12, 6), None, "opposition")]


def test_historical_events_go_into_history_only() -> None:
    result = fold_place(reports(
        s.control(("afp", "2024-12-06"), DARAA, s.actor("government"), "2018", modality=Modality.HISTORICAL)))
    assert result.control is None
    assert [(h["historical"], h["precision"]) for h in result.history] == [(True, "year")]


def test_conflicting_claims_within_the_window_are_contested_and_both_kept() -> None:
    result = fold_place(reports(
        s.control(("sana", "2024-12-07"), DARAA, s.actor("government"), "2024-12-07", attribution="state media"),
        s.control(("aljazeera", "2024-12-07"), DARAA, s.actor("opposition"), "2024-12-06"),
        s.control(("afp", "2024-12-07"), DARAA, s.actor("opposition"), "2024-12-06"),
    ))
    assert result.control is not None
    assert result.control["status"] == "contested"
    assert result.control["side"] == "government"  # the latest date wins, the rival claim is kept
    assert sorted(c["side"] for c in result.control["claims"]) == ["government", "opposition"]
    assert {h["status"] for h in result.history} == {"contested"}


def test_same_date_tie_goes_to_more_sources() -> None:
    result = fold_place(reports(
        s.control(("sana", "2024-12-07"), DARAA, s.actor("government"), "2024-12-06"),
        s.control(("aljazeera", "2024-12-07"), DARAA, s.actor("opposition"), "2024-12-06"),
        s.control(("afp", "2024-12-07"), DARAA, s.actor("opposition"), "2024-12-06"),
    ))
    assert result.control is not None
    assert (result.control["side"], result.control["status"]) == ("opposition", "contested")


def test_undated_report_uses_reported_date_but_an_explicit_date_decides() -> None:
    result = fold_place(reports(
        s.control(("aljazeera", "2024-12-07"), s.place("Hama"), s.actor("opposition"), "2024-12-05"),
        s.control(("afp", "2024-12-06"), s.place("Hama"), s.actor("opposition"), None),
    ))
    assert result.control is not None
    assert (result.control["since"], result.control["n_sources"]) == (date(2024, 12, 5), 2)


def test_withdrawal_is_history_not_a_controller() -> None:
    deir = s.place("Deir ez-Zor")
    result = fold_place(reports(
        s.withdrew(("afp", "2024-12-06"), deir, s.actor("government"), "2024-12-06"),
        s.control(("aljazeera", "2024-12-07"), deir, s.actor("sdf"), "2024-12-06"),
    ))
    assert result.control is not None and result.control["controller_name"] == "Kurdish-led forces"
    assert sorted(h["kind"] for h in result.history) == ["control", "withdrawal"]


def test_folds_do_not_depend_on_report_order() -> None:
    events = [e for e in s.stream(80, places=2, seed=3) if e.type in fold.CONTROL_TYPES]
    rs = [to_report(e) for e in events if e.key() == events[0].key()]
    assert len(rs) > 20
    base = fold_place(rs)
    rng = random.Random(1)
    for _ in range(50):
        rng.shuffle(rs)
        again = fold_place(list(rs))
        assert (again.control, sorted(map(repr, again.history)), again.facts) == (
            base.control, sorted(map(repr, base.history)), base.facts)


def test_crossing_holder_and_side_status() -> None:
    nassib = s.place("Nassib", "crossing")
    result = fold_crossing(reports(
        s.crossing(("afp", "2024-12-06"), nassib, "seized", s.actor("factions"), "2024-12-06"),
        s.crossing(("afp", "2024-12-06"), nassib, "closed", s.actor("jordan"), "2024-12-06"),
    ))
    row = result.row
    assert (row["status"], row["holder_name"], row["holder_side"]) == ("seized", "local factions", "opposition")
    assert row["sides"] == {"JO": {"status": "closed", "since": "2024-12-06", "actor": "Jordan", "n_sources": 1}}


def test_crossing_reopened_later_updates_the_side() -> None:
    nassib = s.place("Nassib", "crossing")
    row = fold_crossing(reports(
        s.crossing(("reuters", "2024-12-20"), nassib, "opened", s.actor("jordan"), "2024-12-20"),
        s.crossing(("afp", "2024-12-06"), nassib, "closed", s.actor("jordan"), "2024-12-06"),
    )).row
    assert row["sides"]["JO"]["status"] == "opened"


TRI = [s.actor("turkey"), s.actor("russia"), s.actor("iran")]


def test_meetings_match_across_wording_city_and_country_and_precision() -> None:
    result = fold_meetings(reports(
        s.meeting(("aljazeera", "2024-12-07"), TRI, s.place("Doha", "city", "QA"), "scheduled", "2024-12-07"),
        s.meeting(("afp", "2024-12-06"), TRI, s.place("Qatar", "country", "QA"), "scheduled", "2024-12"),
    ))
    assert len(result.rows) == 1
    row = result.rows[0]
    assert (row["location_name"], row["date"], row["status"], row["n_sources"]) == (
        "Doha", date(2024, 12, 7), "scheduled", 2)
    assert row["participants"] == ["Iran", "Russia", "Turkey"]


def test_scheduled_meeting_is_upgraded_to_held() -> None:
    doha = s.place("Doha", "city", "QA")
    result = fold_meetings(reports(
        s.meeting(("afp", "2024-12-06"), TRI, doha, "scheduled", "2024-12-07"),
        s.meeting(("reuters", "2024-12-08"), TRI, doha, "held", "2024-12-07"),
    ))
    assert [r["status"] for r in result.rows] == ["held"]


def test_different_dates_places_or_parties_are_different_meetings() -> None:
    doha, baghdad = s.place("Doha", "city", "QA"), s.place("Baghdad", "city", "IQ")
    result = fold_meetings(reports(
        s.meeting(("afp", "2024-12-06"), TRI, doha, "held", "2024-12-06"),
        s.meeting(("afp", "2024-12-20"), TRI, doha, "held", "2024-12-20"),
        s.meeting(("reuters", "2024-12-06"), TRI, baghdad, "held", "2024-12-06"),
        s.meeting(("sana", "2024-12-06"), [s.actor("syria"), s.actor("iraq")], doha, "held", "2024-12-06"),
    ))
    assert len(result.rows) == 4


@pytest.mark.parametrize("name", ["newswire.projector", "newswire.projector.fold", "newswire.projector.store",
                                  "newswire.projector.service", "newswire.projector.tables",
                                  "newswire.projector.query", "newswire.projector.cli",
                                  "newswire.projector.synthetic"])
def test_every_exported_name_exists_once(name: str) -> None:
    module = importlib.import_module(name)
    assert len(module.__all__) == len(set(module.__all__))
    for member in module.__all__:
        assert hasattr(module, member), f"{name}.{member}"


def test_a_side_reopened_after_the_whole_crossing_closed_reopens_the_crossing() -> None:
    adre = s.place("Adre", "crossing")
    row = fold_crossing(reports(
        s.crossing(("afp", "2026-11-23"), adre, "closed", None, "2026-11"),
        s.crossing(("afp", "2026-11-23"), adre, "opened", Actor(id="iso:SD", name="Sudan", country="SD"), "2026-11-22"),
    )).row
    assert row["status"] == "opened"
    assert row["sides"]["SD"]["status"] == "opened"
