"""The actor lexicon on the shipped data; texts are written for these tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswire.extractor import actors as actors_module
from newswire.extractor.actors import ActorLexicon, ActorMention


@pytest.fixture(scope="module")
def lex() -> ActorLexicon:
    return ActorLexicon.default()


def ids(mentions: list[ActorMention]) -> list[tuple[str, str]]:
    return [(m.text, m.actor.id) for m in mentions]


def test_exports() -> None:
    for name in actors_module.__all__:
        assert hasattr(actors_module, name)


def test_the_army_depends_on_the_country(lex: ActorLexicon) -> None:
    text = "The army said it had repelled an attack."
    syria = lex.find(text, country="SY")
    sudan = lex.find(text, country="SD")
    assert ids(syria) == [("The army", "sy.government")]
    assert ids(sudan) == [("The army", "sd.saf")]
    assert syria[0].actor.side == "government"


def test_generic_names_without_context_fall_back_to_a_side(lex: ActorLexicon) -> None:
    found = lex.find("Rebels and government forces traded fire.")
    assert [(m.actor.id, m.actor.side) for m in found] == [("rebels", "opposition"),
                                                           ("government-forces", "government")]


def test_specific_names_mean_one_actor_anywhere(lex: ActorLexicon) -> None:
    found = lex.find("HTS and Hayat Tahrir al-Sham, the SDF, the YPG and the Islamic State group.", country="SD")
    assert [m.actor.id for m in found] == ["sy.hts", "sy.hts", "sy.sdf", "sy.ypg", "islamic-state"]


def test_fakes_style_possessive_without_apostrophe(lex: ActorLexicon) -> None:
    found = lex.find("Assads forces and Assad's forces pushed on", country="SY")
    assert [m.actor.id for m in found] == ["sy.government", "sy.government"]
    assert found[0].actor.mention == "Assads forces"


def test_acronyms_only_in_upper_case(lex: ActorLexicon) -> None:
    found = lex.find("IS fighters said it is what it is.", country="SY")
    assert ids(found) == [("IS fighters", "islamic-state")]


def test_longest_match_wins(lex: ActorLexicon) -> None:
    found = lex.find("the Kurdish-led Syrian Democratic Forces advanced", country="SY")
    assert ids(found) == [("Kurdish-led Syrian Democratic Forces", "sy.sdf")]


@pytest.mark.parametrize(("text", "country", "actor_id", "side"), [
    ("Russian troops shelled the town", "UA", "ru.forces", "Russia"),
    ("Ukrainian forces held the line", "UA", "ua.forces", "Ukraine"),
    ("the Rapid Support Forces took the base", "SD", "sd.rsf", "RSF"),
    ("Houthi rebels fired a missile", "YE", "ye.houthis", "Houthis"),
    ("Turkish troops crossed the border", "SY", "tr.forces", "Turkey"),
    ("Israeli forces entered the camp", "PS", "il.forces", "Israel"),
    ("Jordanian authorities closed the crossing", "SY", "state:JO", "Jordan"),
    ("Egyptian troops deployed", None, "forces:EG", "Egypt"),
])
def test_other_conflicts(lex: ActorLexicon, text: str, country: str | None, actor_id: str, side: str) -> None:
    found = lex.find(text, country=country)
    assert found[0].actor.id == actor_id and found[0].actor.side == side


def test_every_actor_carries_its_aliases_for_name_matching(lex: ActorLexicon) -> None:
    gov = lex.get("sy.government")
    assert {"Syrian army", "regime forces", "the army", "government forces"} <= set(gov.aliases)
    assert "Daish" in lex.get("islamic-state").aliases


def test_state_from_name_demonym_or_code(lex: ActorLexicon) -> None:
    for word in ("Jordan", "Jordanian", "JO"):
        assert lex.state(word).id == "state:JO"  # type: ignore[union-attr]
    assert lex.state("Turkiye").id == lex.state("Turkey").id == "state:TR"  # type: ignore[union-attr]
    assert lex.state("Narnia") is None


def test_get_unknown_actor_names_it(lex: ActorLexicon) -> None:
    with pytest.raises(KeyError, match="nope"):
        lex.get("nope")


@pytest.mark.parametrize("text", ["", "\x00", "’s", "THE ARMY" * 1000, "🙂 rebels 🙂"])
def test_find_never_raises(lex: ActorLexicon, text: str) -> None:
    for m in lex.find(text, country="SY"):
        assert text[m.start:m.end] == m.text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.sampled_from([None, "SY", "SD", "UA", "XX"]))
def test_find_never_raises_property(text: str, country: str | None) -> None:
    found = ActorLexicon.default().find(text, country)
    for a, b in zip(found, found[1:]):
        assert a.end <= b.start
    for m in found:
        assert text[m.start:m.end] == m.text == m.actor.mention


def test_actor_data_is_well_formed() -> None:
    import yaml

    from newswire.extractor.gazetteer import DATA_DIR

    entries = yaml.safe_load((DATA_DIR / "actors.yaml").read_text(encoding="utf-8"))["actors"]
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    for e in entries:
        assert e["name"] and e.get("side"), e["id"]
        assert e.get("aliases") or e.get("generic"), e["id"]
        for cc in e.get("context", []) + ([e["country"]] if e.get("country") else []):
            assert len(cc) == 2 and cc.isupper(), e["id"]


def test_generic_names_have_a_fallback_outside_their_wars(lex: ActorLexicon) -> None:
    for text in ("rebels", "militants"):
        found = lex.find(f"Yesterday {text} moved.", country="FR")
        assert len(found) == 1 and found[0].actor.country is None, text
    # a government-side name with no curated meaning in the text's country is that country's forces
    for text in ("the army", "government forces"):
        found = lex.find(f"Yesterday {text} moved.", country="ML")
        assert len(found) == 1 and found[0].actor.country == "ML", text
    found = lex.find("Yesterday the army moved.")
    assert len(found) == 1 and found[0].actor.country is None  # no country to go by: the side-only fallback


def test_an_alias_starting_in_lower_case_matches_as_written(lex: ActorLexicon) -> None:
    found = lex.find("Sudan's paramilitary Rapid Support Forces seized the town.", country="SD")
    assert [(m.text, m.actor.id) for m in found][-1] == ("paramilitary Rapid Support Forces", "sd.rsf")


@pytest.mark.parametrize(("text", "country", "actor_id"), [
    ("The Arakan Army said it had taken the town.", "MM", "mm.arakan-army"),
    ("The Kachin Independence Army attacked a junta base.", "MM", "mm.kia"),
    ("The Sudan Liberation Army withdrew from the town.", "SD", "sd.slm"),
    ("The Ta'ang National Liberation Army and the army clashed.", "MM", "mm.tnla"),
    ("The Karen National Liberation Army shelled the camp.", "MM", "mm.knu"),
])
def test_an_armed_group_named_x_army_is_that_group_not_the_states_army(lex: ActorLexicon, text: str, country: str,
                                                                       actor_id: str) -> None:
    found = lex.find(text, country=country)
    assert found[0].actor.id == actor_id, ids(found)
    assert found[0].actor.side != lex.find("the army", country=country)[0].actor.side


@pytest.mark.parametrize(("text", "iso2"), [
    ("Malian army", "ML"), ("Pakistani troops", "PK"), ("Nigerien soldiers", "NE"), ("Chadian forces", "TD"),
    ("Burkinabè soldiers", "BF"), ("Ivorian troops", "CI"), ("Emirati warplanes", "AE"), ("Congolese army", "CD"),
    ("Guinean soldiers", "GN"), ("Togolese troops", "TG"), ("Kosovar security forces", "XK"),
])
def test_every_states_demonym_names_its_forces(lex: ActorLexicon, text: str, iso2: str) -> None:
    found = lex.find(f"{text} were deployed to the border on Monday.")
    assert found[0].text == text and found[0].actor.country == iso2 and not found[0].actor.id.startswith("state:")


def test_every_un_member_has_a_demonym_or_a_reason() -> None:
    import yaml

    from newswire.extractor.gazetteer import DATA_DIR

    countries = yaml.safe_load((DATA_DIR / "countries.yaml").read_text(encoding="utf-8"))["countries"]
    assert len(countries) >= 197 and all(isinstance(k, str) and len(k) == 2 for k in countries)
    # Dominica's "Dominican" is the Dominican Republic's; Congo-Brazzaville's "Congolese" is DR Congo's.
    assert [k for k, v in countries.items() if not v.get("demonyms")] == ["CG", "DM", "VA"]


@pytest.mark.parametrize(("text", "country", "actor_id", "elsewhere"), [
    ("AA fighters took the base.", "MM", "mm.arakan-army", None),
    ("The ADF killed villagers.", "CD", "cd.adf", None),
    ("The TDF retook the town.", "ET", "et.tplf", None),
    ("The TDF held the line.", "UA", "ua.territorial-defence", None),
    ("al-Shabab insurgents attacked the town.", "MZ", "mz.is-mozambique", "so.al-shabaab"),
    ("al-Shabab insurgents attacked the town.", "SO", "so.al-shabaab", "so.al-shabaab"),
])
def test_names_other_bodies_share_resolve_by_the_war(lex: ActorLexicon, text: str, country: str, actor_id: str,
                                                     elsewhere: str | None) -> None:
    assert lex.find(text, country=country)[0].actor.id == actor_id
    found = lex.find(text, country="FR")  # a text about none of these wars
    assert (found[0].actor.id if found and found[0].start == lex.find(text, country=country)[0].start else None) \
        == elsewhere


def test_leaders_speak_for_states_organisations_and_armed_groups(lex: ActorLexicon) -> None:
    found = lex.find("Guterres met Hemedti, Haftar, Witkoff and Min Aung Hlaing; Rutte called Zelensky.")
    assert [m.actor.id for m in found] == ["un", "sd.rsf", "ly.lna", "state:US", "state:MM", "nato", "state:UA"]
    assert "Dar" not in {m.text for m in lex.find("Ishaq Dar flew to Dar es Salaam.")}
