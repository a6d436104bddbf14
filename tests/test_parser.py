"""The shipped tagger and parser load offline from the package and parse what the extractor needs."""

from __future__ import annotations

import json

from newswire.extractor.syntax import MODEL_DIR, case_of, conjuncts, is_passive, load_parser


def test_the_model_ships_in_the_package_with_its_licence_and_source() -> None:
    meta = json.loads((MODEL_DIR / "meta.json").read_text(encoding="utf-8"))
    assert meta["license"] == "CC BY-SA 4.0"
    assert any("UD_English-EWT" in s["name"] for s in meta["sources"])
    assert load_parser().pipe_names == ["tok2vec", "tagger", "parser"]


def test_subject_object_and_oblique_of_a_plain_sentence() -> None:
    doc = load_parser()("Rebels captured the town of Saraqib on Friday.")
    verb = doc[1]
    assert verb.tag_ == "VBD" and verb.dep_ == "ROOT"
    deps = {c.text: c.dep_ for c in verb.children}
    assert deps["Rebels"] == "nsubj" and deps["town"] == "obj"
    saraqib = doc[5]
    assert saraqib.head.text == "town" and case_of(saraqib) == "of"


def test_passive_voice_and_coordination() -> None:
    doc = load_parser()("Aleppo and Hama were seized by the rebels.")
    verb = next(t for t in doc if t.text == "seized")
    assert is_passive(verb)
    subjects = {t.text for c in verb.children if c.dep_ == "nsubj:pass" for t in conjuncts(c)}
    assert subjects == {"Aleppo", "Hama"}  # coordinated, or both passive subjects of the verb
    agent = next(c for c in verb.children if c.dep_ in ("obl:agent", "obl"))
    assert agent.text == "rebels" and case_of(agent) == "by"
