"""Precision fixes from the FA-KES audit, each on a sentence written for the test, set in another conflict.

Every test names a general construction that produced false alarms on text the rules were not tuned on.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from newswire.core.models import Event
from newswire.extractor.articles import article_from_record
from newswire.extractor.extract import Extractor, default_extractor


@pytest.fixture(scope="module")
def extractor() -> Iterator[Extractor]:
    yield default_extractor()


def events(ex: Extractor, text: str, published: str = "2024-12-06") -> list[Event]:
    return ex.extract(article_from_record({"doc_id": "t:1", "outlet": "test", "published": published,
                                           "text": text, "title": "", "url": ""}))


def test_an_x_backed_modifier_is_not_the_agent(extractor: Extractor) -> None:
    [e] = events(extractor, "The U.S.-backed Syrian rebels took control of the town of Manbij on Friday.")
    assert e.data.controller.side != "state" and e.data.controller.country != "US"
    assert "United States" not in e.data.controller.name
    [e] = events(extractor, "The UAE-backed RSF captured El Fasher on Sunday.")
    assert e.data.controller.id == "sd.rsf"


@pytest.mark.parametrize("part", ["part of", "parts of", "some of", "areas of", "the outskirts of",
                                  "neighbourhoods of", "positions near"])
def test_a_part_of_a_place_is_not_control_of_it(extractor: Extractor, part: str) -> None:
    assert events(extractor, f"The RSF seized {part} Omdurman on Sunday.") == []


@pytest.mark.parametrize("whole", ["most of", "nearly all of"])
def test_most_of_a_place_is_control_of_it(extractor: Extractor, whole: str) -> None:
    [e] = events(extractor, f"The army seized {whole} Omdurman on Sunday.")
    assert e.data.place.name == "Omdurman" and e.data.controller.id == "sd.saf"


def test_the_agent_of_a_participle_is_the_main_subject_not_the_object(extractor: Extractor) -> None:
    [e] = events(extractor, "Ukrainian troops continued operations to expel Russian forces from the villages they "
                            "infiltrated on Monday, re-establishing control over Robotyne.")
    assert e.data.place.name == "Robotyne" and e.data.controller.country == "UA"


def test_a_forum_attended_in_a_caption_is_not_a_meeting(extractor: Extractor) -> None:
    text = ("Ukrainian President Volodymyr Zelensky attends a meeting of the European Council in Brussels "
            "Thursday Oct. 17 2024 (Photo AP) Print Tweet Related Ukraine US talks on aid Russia FM hosts talks "
            "with Iran and Turkey.")
    assert [e for e in events(extractor, text) if e.type == "diplomacy.meeting"] == []


def test_the_source_of_a_report_is_not_a_participant(extractor: Extractor) -> None:
    [m] = events(extractor, "Senior diplomats from Egypt, Saudi Arabia and the UAE met in Jeddah on Saturday, "
                            "the Sudanese foreign ministry said.")
    assert {p.id for p in m.data.participants} == {"state:EG", "state:SA", "state:AE"}
    assert m.attribution == "Sudanese foreign ministry"
    [m] = events(extractor, "The foreign ministers of Egypt and Saudi Arabia met in Cairo on Sunday, according to "
                            "the Sudanese foreign ministry.")
    assert {p.id for p in m.data.participants} == {"state:EG", "state:SA"}


@pytest.mark.parametrize(("text", "source"), [
    ("The RSF seized Bara on Sunday, the Jordanian interior ministry said.", "Jordanian interior ministry"),
    ("The RSF seized Bara on Sunday, according to commanders of the armed groups.",
     "commanders of the armed groups"),
    ("The RSF seized Bara on Sunday the statement said.", "statement"),
])
def test_attribution_keeps_the_whole_noun_phrase(extractor: Extractor, text: str, source: str) -> None:
    [e] = events(extractor, text)
    assert e.attribution == source


@pytest.mark.parametrize(("text", "states", "status"), [
    ("Kerry met Lavrov in Geneva on Friday.", {"state:US", "state:RU"}, "held"),
    ("Erdogan hosted Putin in Ankara on Monday.", {"state:TR", "state:RU"}, "held"),
    ("Zelensky will meet Macron in Paris next week.", {"state:UA", "state:FR"}, "scheduled"),
    ("Burhan met Sisi in Cairo on Tuesday.", {"state:SD", "state:EG"}, "held"),
])
def test_leaders_named_only_by_name_stand_for_their_states(extractor: Extractor, text: str, states: set[str],
                                                           status: str) -> None:
    [m] = events(extractor, text)
    assert {p.id for p in m.data.participants} == states and m.data.status == status


def test_capitals_stand_for_their_states(extractor: Extractor) -> None:
    [m] = events(extractor, "Moscow and Ankara held talks in Sochi on Monday.")
    assert {p.id for p in m.data.participants} == {"state:RU", "state:TR"}
    [w] = events(extractor, "Tehran has started to withdraw its forces from Deir ez-Zor.")
    assert w.type == "forces.withdrew" and w.data.actor.id == "state:IR"
    assert events(extractor, "Turkey hosts Syrian refugees in Gaziantep.") == []


def test_a_loss_needs_a_known_loser(extractor: Extractor) -> None:
    evs = events(extractor, "Russian forces captured Soledar in January 2023 when the embattled brigade lost the "
                            "town of Bakhmut.")
    assert [(e.data.place.name, e.data.controller.country) for e in evs] == [("Soledar", "RU")]


def test_an_excepted_place_is_not_the_events(extractor: Extractor) -> None:
    evs = events(extractor, "Most of Khan Younis except the town of Bani Suheila is now back under Israeli army "
                            "control.")
    assert all("Suheila" not in e.data.place.name for e in evs)


def test_a_goal_is_not_an_event(extractor: Extractor) -> None:
    assert events(extractor, "Capturing all of El Fasher has been one of the RSF's biggest goals this year.") == []


def test_the_topic_of_a_meeting_is_not_a_party(extractor: Extractor) -> None:
    [m] = events(extractor, "Senior U.S. and Russian diplomats would meet in Geneva next Wednesday to discuss "
                            "ending Ukraine's war.")
    assert {p.id for p in m.data.participants} == {"state:US", "state:RU"} and m.data.status == "scheduled"


def test_a_subordinate_clause_with_an_unnamed_subject_has_no_agent(extractor: Extractor) -> None:
    text = ("If Bakhmut is captured by the Russian-backed fighters it will be the biggest defeat for Ukraine since "
            "2022 when the embattled brigade lost the town of Soledar.")
    assert [e for e in events(extractor, text) if e.data.place.name == "Soledar"] == []


def test_a_date_in_another_clause_loses_to_the_verbs_own(extractor: Extractor) -> None:
    evs = events(extractor, "The RSF, which seized Wad Madani last December, withdrew from the city on Sunday.",
                 published="2024-11-27")
    dates = {e.type: e.occurred_on.date for e in evs if e.occurred_on is not None}
    assert dates == {"control.changed": "2023-12", "forces.withdrew": "2024-11-24"}


def test_each_clause_of_a_round_up_is_its_own_meeting(extractor: Extractor) -> None:
    evs = events(extractor, "Lavrov met Fidan in Antalya on Monday, while Blinken will meet Kuleba in Brussels "
                            "next week.")
    assert sorted(tuple(sorted(p.id for p in m.data.participants)) for m in evs) == [
        ("state:RU", "state:TR"), ("state:UA", "state:US")]


def test_the_city_is_never_a_district_of_it(extractor: Extractor) -> None:
    [e] = events(extractor, "Shelling hit Kherson on Monday. The blast hit the neighbourhood of Shumenskyi which was "
                            "on the front line before Ukrainian forces retook full control of the city in November "
                            "2022.")
    assert e.data.place.name == "Kherson" and e.data.controller.country == "UA"


def test_it_is_not_a_place_named_after_across(extractor: Extractor) -> None:
    [e] = events(extractor, "The Houthis have linked up gains across Yemen and Saudi Arabia where they seized the "
                            "port city of Hodeidah in 2015.")
    assert e.data.place.country == "YE" and e.data.controller.id == "ye.houthis"


def test_every_conjunct_of_a_backed_by_phrase_is_oblique(extractor: Extractor) -> None:
    [e] = events(extractor, "Fighting raged near Damascus. Troops backed by pro-government militiamen and Lebanon's "
                            "Shiite movement Hezbollah have captured most of Yabroud.")
    assert e.data.controller.side == "government"


def test_the_village_is_never_a_city(extractor: Extractor) -> None:
    [e] = events(extractor, "RSF fighters killed 40 people in Wad al-Nourah village in Gezira state, activists said. "
                            "The fighters looted homes before withdrawing from the village on Thursday night.")
    assert e.type == "forces.withdrew" and e.data.place.name == "Wad al-Nourah"


def test_a_since_date_in_an_apposition_is_not_the_events(extractor: Extractor) -> None:
    [e] = events(extractor, "Ukrainian forces retook Kupiansk, a town Russia had held since 2022, the army said.")
    assert e.occurred_on is not None and e.occurred_on.text is None and e.occurred_on.date == "2024-12-06"
