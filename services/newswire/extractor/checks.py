"""The checks every frame shares: is the trigger a fact, a plan, a possibility or a denial, and whose word is it.

Walks up the tree from the trigger (``data/checks.yaml`` holds the words):

- a negation, a hypothetical auxiliary or a condition on the trigger's own clause: not an event;
- the trigger is the complement of a verb of trying, planning, agreeing, threatening ("failed to
  capture", "agreed to withdraw") or of a noun of intent ("a bid to retake"): not an event, but
  for a meeting a verb of scheduling makes it scheduled ("are set to meet");
- aspectual verbs pass through ("started to withdraw"); a coordinated verb shares its first
  conjunct's auxiliaries ("did not enter and capture");
- a reporting verb above the trigger names the source ("the Observatory said"); a denial
  ("denied that ...") cancels; "according to X" names it too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml
from spacy.tokens import Token

from newswire.extractor.frames import word_forms
from newswire.extractor.syntax import case_of

__all__ = ["Verdict", "Checks", "assess"]

DATA = Path(__file__).resolve().parent / "data" / "checks.yaml"


@dataclass(frozen=True, slots=True)
class Checks:
    negation: frozenset[str]
    hypothetical: frozenset[str]
    future: frozenset[str]
    conditional: frozenset[str]
    cancel: frozenset[str]
    cancel_object: frozenset[str]
    schedule: frozenset[str]
    aspect: frozenset[str]
    cancel_nouns: frozenset[str]
    report: frozenset[str]
    denial: frozenset[str]
    not_meeting: frozenset[str]
    bodies: frozenset[str]
    vacated: frozenset[str]
    called_false: frozenset[str]
    media: frozenset[str]
    offensive: frozenset[str]

    @classmethod
    @functools.cache
    def default(cls) -> Checks:
        data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
        for key, words in data.items():
            bad = [w for w in words if not isinstance(w, str)]
            if bad:  # YAML reads a bare no, off or false as a boolean
                raise ValueError(f"{DATA}: {key}: {bad!r} is not a word; quote it")
        verbs = {k: word_forms(data[k], "VERB") for k in ("cancel", "cancel_object", "schedule", "aspect", "report",
                                                            "denial")}
        nouns = {k: word_forms(data[k], "NOUN") for k in ("cancel_nouns", "not_meeting", "bodies")}
        verbs["vacated"] = word_forms(data["vacated"], "VERB")
        verbs["offensive"] = word_forms(data["offensive"], "VERB")
        plain = {k: frozenset(w.lower() for w in data[k]) for k in ("negation", "hypothetical", "future",
                                                                      "conditional", "called_false",
                                                                      "media")}
        return cls(**verbs, **nouns, **plain)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the checks found: ``fact`` False drops the event; ``future`` makes a meeting scheduled."""

    fact: bool
    future: bool = False
    source: Token | None = None  # the head of the phrase naming who makes the claim
    reason: str = ""
    refuted: bool = False  # the article calls the report false: no mention of that event stands


def assess(trigger: Token, *, meeting: bool = False, checks: Checks | None = None) -> Verdict:
    """Is the event at ``trigger`` reported as a fact (or, for a meeting, as scheduled)?"""
    c = checks or Checks.default()
    future = False
    source: Token | None = None
    t = trigger
    if trigger.tag_.startswith("NN") and trigger.dep_ in ("nsubj", "nsubj:pass") and trigger.head.i != trigger.i:
        # "talks will take place next week", "the withdrawal was not completed": the noun's verb carries
        # its tense and polarity; "the next round is scheduled for Monday" is a plan
        for child in trigger.children:
            if child.dep_ == "det" and child.lower_ == "no":
                return Verdict(False, reason="negated (no)")
        t = trigger.head
        if t.lower_ in c.schedule:
            if not meeting:
                return Verdict(False, reason=f"not done ({t.text})")
            future = True
    if any(c.dep_ == "mark" and c.lower_ == "to" for c in trigger.children) and (trigger.dep_ == "ROOT" or not any(
            w.tag_ in ("VBD", "VBZ", "VBP", "MD") for w in trigger.sent)):
        # a headline's bare infinitive ("Kerry and Lavrov to meet in Geneva", "Army to withdraw from X"): to come
        if not meeting:
            return Verdict(False, reason="future (to)")
        future = True
    for _ in range(12):
        for child in t.children:
            low = child.lower_
            if child.dep_ in ("advmod", "neg") and low in c.negation:
                return Verdict(False, reason=f"negated ({child.text})")
            if child.dep_ == "det" and t is trigger and low in ("no",):
                return Verdict(False, reason="negated (no)")
            if child.dep_ in ("aux", "aux:pass"):
                if low in c.hypothetical:
                    return Verdict(False, reason=f"hypothetical ({child.text})")
                if low in c.future:
                    if not meeting:
                        return Verdict(False, reason=f"future ({child.text})")
                    future = True
            if child.dep_ == "mark" and low in c.conditional:
                return Verdict(False, reason=f"conditional ({child.text})")
            if child.dep_ in ("mark", "advmod", "amod") and low in c.schedule and child.i < t.i and (
                    any(ch.dep_ == "mark" and ch.lower_ == "to" for ch in t.children)):
                # "the two leaders are due to meet", "set to withdraw" read with "due" hung on the verb
                if not meeting:
                    return Verdict(False, reason=f"not done ({child.text})")
                future = True
            if source is None and child.dep_.startswith("obl") and case_of(child) == "according_to":
                source = child
            if source is None and child.dep_ == "parataxis" and low in c.report:
                source = _subject(child)  # "Rebels took X, the Observatory said"
        dep, head = t.dep_, t.head
        if head.i == t.i:
            break
        hlow = head.lower_
        infinitive = any(ch.dep_ == "mark" and ch.lower_ in ("to", "of", "for") for ch in t.children)
        if dep == "conj":
            if any(ch.dep_ in ("nsubj", "nsubj:pass") for ch in t.children):
                break  # its own clause: "the army withdrew and rebels took X"
            t = head  # "did not enter and capture": the first conjunct's auxiliaries are shared
            continue
        if dep == "csubj":  # "Winning full control of it would be the biggest victory": the predicate's mood
            t = head
            continue
        if dep in ("xcomp", "ccomp") or (dep == "obj" and t.tag_.startswith("NN")):
            if hlow in c.denial:
                return Verdict(False, reason=f"denied ({head.text})")
            if hlow in c.report:
                if source is None and dep != "obj":
                    source = _reporter(head)
                break  # the reporting verb's own modality is not the event's
            if meeting and hlow in c.schedule:
                future = True
                t = head
                continue
            if hlow in (c.cancel_object if dep == "obj" else c.cancel):
                return Verdict(False, reason=f"not done ({head.text})")
            if hlow in c.aspect or dep == "xcomp" or dep == "obj":
                t = head  # "would hold talks", "did not complete the withdrawal": the verb's mood is the noun's
                continue
            break
        if dep == "advcl":
            if infinitive and hlow not in c.aspect and not meeting:
                return Verdict(False, reason=f"purpose ({head.text})")  # "launched an offensive to retake X"
            if infinitive and meeting:
                if hlow in c.schedule:
                    future = True  # "the AU is due to host talks" read with "host" hung on "due"
                t = head  # "agreed to send a delegation to meet X": the purpose has its governor's mood
                continue
            if any(ch.dep_ == "mark" and ch.lower_ in ("when", "once", "after", "until") for ch in t.children) and any(
                    ch.dep_ in ("aux", "aux:pass") and ch.lower_ in (c.hypothetical | c.future) for ch in head.children):
                return Verdict(False, reason=f"a clause of what would be ({head.text})")  # "when it fell ... would be"
            break
        if dep == "compound" and head.lower_ in c.cancel_nouns:
            return Verdict(False, reason=f"intent ({head.text})")  # "a withdrawal deal", "the withdrawal plan"
        if dep == "acl":
            if head.lower_ in c.cancel_nouns or (infinitive and head.tag_.startswith("NN")):
                return Verdict(False, reason=f"intent ({head.text})")  # "a bid to capture", "the aim of taking"
            break
        if dep.startswith(("obl", "nmod")):
            # "called for the withdrawal", "talks on the reopening", "a deal for the pull-out", "the battle for
            # the capture of X": a noun after "for" or "towards" is an aim
            if hlow in c.cancel or hlow in c.cancel_nouns or (
                    t is trigger and t.tag_.startswith("NN") and case_of(t) in ("for", "towards", "toward", "to")):
                return Verdict(False, reason=f"not done ({head.text})")
            break
        break
    if _denied_as_false(trigger, c):
        return Verdict(False, reason="reported as false", refuted=True)
    last = trigger.doc[trigger.sent.end - 1]
    if last.text == "?":
        return Verdict(False, reason="question")
    return Verdict(True, future=future, source=source)


def _subject(verb: Token) -> Token | None:
    return next((c for c in verb.children if c.dep_ in ("nsubj", "nsubj:pass")), None)


def _reporter(verb: Token) -> Token | None:
    """Who says it: the reporting verb's subject, or the speaker it was hung on ("Saad Maan, a spokesman for
    X, told AP that ..." parsed with the name as the root)."""
    subject = _subject(verb)
    if subject is None and verb.dep_ in ("parataxis", "conj", "list", "acl") and verb.head.i < verb.i and (
            verb.head.tag_.startswith("NN")):
        return verb.head
    return subject


def _denied_as_false(trigger: Token, c: Checks) -> bool:
    """"Information about the capture of X is fake", "news of the army's withdrawal from Hama are untrue"."""
    t = trigger
    for _ in range(5):
        if t.dep_ in ("nsubj", "nsubj:pass", "csubj") and t.head.lower_ in c.called_false:
            return True
        if t.head.i == t.i:
            break
        t = t.head
    # the same read off the words, where the parse lost it: a report noun before the trigger, a "false" after it
    sent = trigger.sent
    before = any(w.lower_ in _REPORT_NOUNS for w in sent if w.i < trigger.i)
    after = any(w.lower_ in c.called_false and w.tag_.startswith("JJ") for w in sent if w.i > trigger.i)
    return before and after


_REPORT_NOUNS = frozenset("news report reports claim claims information rumour rumours rumor rumors allegation "
                          "allegations".split())
