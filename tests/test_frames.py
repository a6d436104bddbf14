"""The frames data: every file loads, paths parse, word classes expand to their forms, bad data is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from newswire.core.models import EVENT_TYPES
from newswire.extractor.checks import Checks
from newswire.extractor.frames import FRAMES_DIR, Lexicon, load_event_frames, load_frames, parse_path


def test_every_event_type_has_one_frames_file_and_every_role_a_payload_field() -> None:
    types = {ev.type: ev for ev in load_frames()}
    assert set(types) == set(EVENT_TYPES)
    for ev in types.values():
        fields = EVENT_TYPES[ev.type].model_fields["data"].annotation.model_fields  # type: ignore[union-attr]
        assert set(ev.roles) <= set(fields), ev.type
        assert set(ev.identity) <= set(ev.roles) | {"status"}, ev.type
        for frame in ev.frames:
            assert frame.verbs or frame.nouns, frame.rule
            assert set(frame.fallback) <= set(ev.roles), frame.rule


def test_a_lemma_gives_every_form_and_the_tagger_decides_verb_or_noun() -> None:
    lex = Lexicon.build(load_frames())
    assert {"seize", "seized", "seizes", "seizing"} <= set(lex.forms)
    assert ("retake", "V") in lex.forms["retook"] and ("withdrawal", "N") in lex.forms["withdrawal"]
    # forms English uses only as verbs are verbs whatever the tagger says
    assert {"retook", "overran", "seized"} <= lex.verb_only
    assert "capture" not in lex.verb_only  # "the capture of X" is a noun


def test_a_frame_needs_its_cue_words_to_be_worth_parsing() -> None:
    lex = Lexicon.build(load_frames())
    assert lex.worth_parsing("rebels captured the town".split())
    assert not lex.worth_parsing("the delegation held a reception".split())  # "held" needs talks, a meeting ...
    assert lex.worth_parsing("the delegation held talks".split())
    assert not lex.worth_parsing("pakistan closed its embassy".split())  # a crossing event needs a crossing word


def test_paths_parse_into_steps_alternatives_and_unions() -> None:
    [[first, second], [third]] = parse_path("patient[control].of|over | agent + with")
    assert [s.func for s in first] == ["patient", "prep"]
    assert "controls" in first[0].lemmas and first[1].preps == {"of", "over"}
    assert [s.func for s in second] == ["agent"] and third[0].preps == {"with"}
    with pytest.raises(ValueError, match="bad path step"):
        parse_path("patient[Control!]")


def test_a_malformed_frames_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("type: control.changed\nroles: {}\nframes:\n  - name: x\n    verbs: [take]\n"
                   "    particles: [off]\n    roles: {place: patient}\n")
    with pytest.raises(ValueError, match="unknown roles"):
        load_event_frames(bad)
    bad.write_text("type: control.changed\nroles: {place: {entity: place}}\nframes:\n  - name: x\n"
                   "    verbs: [take]\n    particles: [off]\n    roles: {place: patient}\n")
    with pytest.raises(ValueError, match="quote it"):
        load_event_frames(bad)  # YAML reads a bare "off" as false
    bad.write_text("type: control.changed\n")
    with pytest.raises(ValueError, match="malformed frames file"):
        load_event_frames(bad)
    frame = "  - name: x\n    verbs: [take]\n    roles: {place: patient}\n"
    bad.write_text("type: control.changed\nroles: {place: {entity: place}}\nframes:\n" + frame + frame)
    with pytest.raises(ValueError, match="frame names used twice: control.changed/x"):
        load_event_frames(bad)


def test_the_shared_checks_load_their_words_in_every_form() -> None:
    checks = Checks.default()
    assert {"failed", "fails", "failing"} <= checks.cancel and "no" in checks.negation
    assert {"said", "says", "reported"} <= checks.report
    assert (FRAMES_DIR.parent / "checks.yaml").is_file()
