"""The event patterns: named, declarative token patterns over recognised entities.

Before matching, every recognised entity of a sentence is one token whose
tag (``token.tag_``, a C-level attribute the ``Matcher`` reads fast) says what it is:

========  ==================================================================
PLACE     a place from the gazetteer (city, province, region, base ...)
NAME      a place the gazetteer lacks, named where the text says it is one
          ("the village of X", "X hilltop", "Base 46")
CROSSING  a border crossing
STATE     a country or its demonym ("Jordan", "Iranian"): an actor or a place
ACTOR     an armed group, force or organisation from the actor lexicon
IT/THEY   a pronoun, resolved to the nearest fitting entity before it
FILL      a word allowed between a verb and its place ("the strategic town of")
========  ==================================================================

so a pattern reads like the sentence it matches:
``AGENT (seized|captured|overran) the strategic town of PLACE``. Each
:class:`Rule` says which event it makes, where its roles are, and how strong
it is; ``extract`` turns matches into events and records ``rule=<name>``.

Patterns only find candidates. The checks every event passes (negation and
hypotheticals, the path between verb and place, attribution, dates) are in
:mod:`.extract`, once, for every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "Rule",
    "RULES",
    "RULES_BY_NAME",
    "FILLER_WORDS",
    "TRIGGER_WORDS",
    "NEGATION_WORDS",
    "ASPECT_WORDS",
    "LOCATIVE_WORDS",
    "DIRECTION_WORDS",
    "SETTLEMENT_NOUNS",
    "VAGUE_NOUNS",
    "PREPOSITIONS",
]

Pattern = list[dict[str, Any]]
EventKind = Literal["control", "withdrew", "crossing", "meeting"]

# --- vocabulary ---------------------------------------------------------------

SEIZE = ["seized", "seizes", "seizing", "captured", "captures", "capturing", "overran", "overrun", "overruns",
         "overrunning", "recaptured", "recaptures", "recapturing", "retook", "retakes", "retaking", "retaken",
         "liberated", "liberates", "liberating", "conquered", "took", "takes", "taking", "taken", "regained",
         "regains", "regaining", "reclaimed", "stormed", "overtook", "overtaken"]
# Verbs of "<verb> (full) control of/over": base forms too ("to take control" is
# rejected by the infinitive check, "will take control" by the modal check).
CONTROL_VERBS = ["took", "taken", "take", "takes", "taking", "seized", "seize", "seizes", "seizing", "gained",
                 "retaken", "retakes", "retaking", "recaptures", "recapturing", "regaining", "reestablished",
                 "re-established", "reasserting",
                 "gain", "gains", "gaining", "regained", "regain", "regains", "regaining", "established",
                 "establish", "establishes", "establishing", "assumed", "assume", "assumes", "wrested", "wrest",
                 "restored", "restore", "restores", "won", "win", "wins", "reasserted", "imposed", "asserted",
                 "extended", "retook", "retake", "recaptured"]
CONTROL_ADJ = ["full", "total", "complete", "effective", "back", "overall", "partial", "military", "firm"]
EXPEL = ["expelled", "expels", "expelling", "ousted", "ousts", "ousting", "drove", "drives", "driven", "driving",
         "pushed", "pushes", "kicked", "evicted", "chased", "flushed", "routed", "dislodged"]
PASSIVE_SEIZE = ["captured", "seized", "taken", "overrun", "overran", "recaptured", "retaken", "liberated",
                 "stormed", "overtaken", "conquered", "regained"]
PASSIVE_EXPEL = ["expelled", "ousted", "driven", "pushed", "kicked", "evicted", "chased", "flushed", "routed",
                 "dislodged"]
BE = ["was", "were", "been", "is", "are", "being", "be"]
FALL = ["fell", "fallen", "falls", "fall", "falling"]
RETURN = ["returned", "reverted", "came", "come", "comes", "went", "passed", "fell", "fallen", "back"]
WITHDRAW = ["withdrew", "withdrawn", "withdraws", "withdrawing", "withdraw", "pulled", "pulls", "pulling",
            "retreated", "retreats", "retreating", "retreat"]
LEAVE = ["left", "leaves", "abandoned", "abandons", "quit", "vacated", "vacates"]
LOSE = ["lost", "loses", "losing"]
CLOSE = ["closed", "closes", "closing", "shut", "shuts", "shutting", "sealed", "seals", "sealing", "suspended"]
OPEN = ["reopened", "reopens", "reopening", "opened", "opens", "opening", "re-opened"]
MEET = ["met", "meets", "meet", "meeting"]
HOLD = ["hold", "holds", "held", "holding", "host", "hosts", "hosted", "hosting"]

# Verbs that start another clause: a gap between a verb and its "from" may not cross them.
CLAUSE_VERBS = sorted(set(SEIZE + EXPEL + ["said", "says", "launched", "attacked", "killed", "advanced", "ousted",
                                            "captured", "fled", "moved", "reported", "entered"]))

TRIGGER_WORDS: frozenset[str] = frozenset(
    SEIZE + CONTROL_VERBS + EXPEL + PASSIVE_SEIZE + PASSIVE_EXPEL + FALL + WITHDRAW + LEAVE + LOSE + CLOSE
    + OPEN + MEET + ["returned", "reverted", "control", "controls", "withdrawal", "pullout", "capture",
                     "seizure", "recapture", "takeover", "talks", "under"])

# Words allowed between a verb and its place: articles, adjectives, place nouns,
# extents ("more than 90 percent of", "most of", "nearly all the").
FILLER_WORDS: frozenset[str] = frozenset("""
the a an its their his her strategic strategically key important symbolic major main northern southern eastern
western central northwestern northeastern southwestern southeastern north-western north-eastern south-western
south-eastern nearby neighbouring neighboring besieged encircled embattled historic ancient entire whole
remaining last second third fourth fifth largest biggest - rebel held controlled backed led government regime
opposition jihadist town city village villages towns cities district districts neighbourhood neighborhood neighbourhoods
neighborhoods province governorate area region suburb of most all much nearly almost virtually parts part large
swathes swaths more than over percent per cent % hilltop hill base airbase air military border crossing oil rich
flashpoint east west north south full total complete provincial capital coastal desert mountain mountainous
farms farm areas side port stronghold strongholds bastion hub gateway eponymous key northernmost southernmost
easternmost westernmost industrial old new small big
remote frontline front-line besieged divided contested fiercely hotly long-besieged long key-held in- this that
these those
""".split())
# "villages north of X" is outside X; "the east of the city" is part of it.
DIRECTION_WORDS: frozenset[str] = frozenset(
    "north south east west northeast northwest southeast southwest north-east north-west south-east south-west "
    "outside near around outskirts edge gates countryside vicinity border borders".split())
LOCATIVE_WORDS: frozenset[str] = frozenset("in near outside around at on inside within across along".split())
SETTLEMENT_NOUNS: frozenset[str] = frozenset(
    "village villages town towns city district districts neighbourhood neighborhood hilltop hill base airbase "
    "triangle farms airport suburb".split())
VAGUE_NOUNS: frozenset[str] = frozenset(
    "areas area villages towns positions territory territories parts regions region swathes swaths land lands "
    "ground neighbourhoods neighborhoods districts hills points sites".split())
PREPOSITIONS: frozenset[str] = frozenset(
    "by against with from to of on at for into toward towards near in among between alongside including "
    "than like over under about behind across throughout within inside outside".split())
# Words that make a report not an event when they govern the verb: hypotheticals,
# goals, attempts, denials, failures (GOLD.md: "could fall", "aims to retake").
NEGATION_WORDS: frozenset[str] = frozenset("""
not n't never no nor failed fail fails failing denied denies deny denying refused refuses unable attempt
attempts attempted attempting trying tried try tries aims aim aimed aiming seeking seek seeks sought bid plan
plans planned planning intend intends intended threatened threatens threaten threat threatening could would might
may will should must can cannot hoping hope hopes goal want wants wanted vowed vows vow pledged pledge expected
poised ready prepare prepares preparing prepared allow if unless whether objective objectives ensure ensuring
struggle struggling struggled push
pushing effort efforts order ordered urged urge called calls demand demanded demands agreed agree agrees
agreement deal proposed propose proposal rumours rumors false
""".split())
# "started to withdraw" is happening; "aims to withdraw" is not.
ASPECT_WORDS: frozenset[str] = frozenset(
    "started start starts starting began begin begins beginning begun continued continue continues continuing "
    "managed manage managed went".split())

# --- token shorthands ------------------------------------------------------------


def W(*words: str, op: str | None = None) -> dict[str, Any]:
    """A token whose lower-case form is one of ``words``."""
    tok: dict[str, Any] = {"LOWER": {"IN": list(words)} if len(words) > 1 else words[0]}
    if op:
        tok["OP"] = op
    return tok


def E(*labels: str, op: str | None = None) -> dict[str, Any]:
    """A recognised entity (or pronoun) token with one of ``labels``."""
    tok: dict[str, Any] = {"TAG": {"IN": list(labels)}}
    if op:
        tok["OP"] = op
    return tok


AGENT = E("ACTOR", "STATE", "THEY", "IT")
TARGET = E("PLACE", "NAME", "IT")
CROSS = E("CROSSING")
FILL = {"TAG": "FILL", "OP": "{0,9}"}
# Anything inside the clause that is not a place, not the end of a sentence.
GAP = {"ORTH": {"NOT_IN": [".", ";", ":", "?", "!"]}, "TAG": {"NOT_IN": ["PLACE", "NAME", "CROSSING"]}}


def ANY(n: int) -> dict[str, Any]:
    """Up to ``n`` tokens of the same sentence, entities included."""
    return {"ORTH": {"NOT_IN": [".", ";", ":", "?", "!", "including"]}, "OP": f"{{0,{n}}}"}


def gap(n: int) -> dict[str, Any]:
    return {**GAP, "OP": f"{{0,{n}}}"}


ADV = {"LOWER": {"IN": ["also", "now", "reportedly", "finally", "successfully", "swiftly", "quickly",
                        "eventually", "previously", "already", "recently", "fully", "completely", "since",
                        "again", "subsequently", "then", "just", "largely", "effectively", "back",
                        "successively", "briefly", "later", "earlier", "officially", "gradually"]}, "OP": "*"}
HAVE = W("has", "have", "had", op="?")
FROM = [W("from", "out"), W("of", op="?")]

# --- rules ------------------------------------------------------------------------

Place_ = Literal["first", "last", "antecedent", "context", "it_first"]
Agent_ = Literal["subject", "first", "last", "discourse", "winner", "none"]


@dataclass(frozen=True)
class Rule:
    """One named pattern family: the event it makes and where its roles are.

    ``place``: which PLACE token of the match is the place (``first``/``last``),
    ``antecedent`` (the place a relative clause hangs on) or ``context`` (no
    place in the match: the nearest one before it in the sentence).
    ``agent``: ``subject`` (the nearest actor before the verb that is not the
    object of a preposition), ``first``/``last`` actor in the match,
    ``discourse`` (an agentless passive: the last actor that took places in
    the preceding sentences) or ``winner`` (a loss: the other side, named in the
    same or the next sentence).
    """

    name: str
    kind: EventKind
    patterns: list[Pattern]
    triggers: frozenset[str]
    place: Place_ = "last"
    agent: Agent_ = "subject"
    status: str | None = None
    strength: float = 0.85
    expand: bool = True
    doc: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _rule(name: str, kind: EventKind, triggers: list[str], patterns: list[Pattern], **kw: Any) -> Rule:
    return Rule(name=name, kind=kind, patterns=patterns, triggers=frozenset(triggers), **kw)


RULES: list[Rule] = [
    # --- control: active voice ---------------------------------------------------------
    _rule("control.seize", "control", SEIZE, [
        [W(*SEIZE), W("back", op="?"), FILL, TARGET],
    ], doc="AGENT (seized|captured|overran|retook|liberated|took) [the strategic town of] PLACE"),
    _rule("control.take_control", "control", CONTROL_VERBS, [
        [W(*CONTROL_VERBS), W(*CONTROL_ADJ, op="*"), W("control"), W("of", "over"), FILL, TARGET],
    ], doc="AGENT (took|seized|established|regained) (full) control (of|over) PLACE"),
    _rule("control.restored_security", "control", ["restored", "restore", "restores", "restoring", "reestablished",
                                                   "re-established"], [
        [W("restored", "restore", "restores", "restoring", "reestablished", "re-established"),
         W("full", "complete", op="?"), W("security", "stability", "calm", "order"),
         W("and", op="?"), W("security", "stability", "calm", "order", op="?"), W("to", "in"), FILL, TARGET],
    ], strength=0.75, doc="AGENT restored security and stability to PLACE (state media for taking it)"),
    _rule("control.take_over", "control", ["took", "taken", "takes", "taking", "take"], [
        [W("took", "taken", "takes", "taking", "take"), W("over"), FILL, TARGET],
    ], doc="AGENT took over PLACE"),
    _rule("control.now_control", "control", ["control", "controls", "hold", "holds"], [
        [W("now"), W("control", "controls", "hold", "holds"), FILL, TARGET],
    ], strength=0.8, doc="AGENT now control(s) [more than 90 percent of] PLACE"),
    _rule("control.now_in_control", "control", ["control"], [
        [W("now"), W("in"), W(*CONTROL_ADJ, op="*"), W("control"), W("of", "over"), FILL, TARGET],
    ], strength=0.8, doc="AGENT (is|are) now in (full) control of PLACE"),
    _rule("control.nominal_subject", "control", ["capture", "seizure", "recapture", "takeover", "liberation"], [
        [W("completed", "completes", "announced", "announces", "declared", "declares", "claimed", "claims",
           "confirmed", "confirms"), W("the", "its", "their"), W("full", "complete", op="?"),
         W("capture", "seizure", "recapture", "takeover", "liberation"), W("of"), FILL, TARGET],
    ], strength=0.8, doc="AGENT completed / announced the capture of PLACE"),
    _rule("control.nominal_by", "control", ["capture", "seizure", "recapture", "takeover", "liberation"], [
        [W("capture", "seizure", "recapture", "takeover", "liberation"), W("of"), FILL, TARGET, W("by"), AGENT],
    ], agent="last", strength=0.75, expand=False, doc="the capture of PLACE by AGENT"),
    _rule("control.expel", "control", EXPEL, [
        [W(*EXPEL), {**GAP, "LOWER": {"NOT_IN": ["by", "."]}}, {**GAP, "OP": "{0,5}"}, *FROM, FILL, TARGET],
    ], doc="AGENT (expelled|ousted|drove) X (from|out of) PLACE"),
    _rule("control.vague_including", "control", SEIZE + ["control"], [
        [W(*SEIZE), ANY(7), W("including")],
        [W(*CONTROL_VERBS), W(*CONTROL_ADJ, op="*"), W("control"), W("of", "over"), ANY(7), W("including")],
    ], place="last", strength=0.75, doc="AGENT took villages including PLACE and PLACE"),
    _rule("control.vague_named", "control", CONTROL_VERBS + SEIZE, [
        [W(*CONTROL_VERBS), W(*CONTROL_ADJ, op="*"), W("control"), W("of", "over"),
         {"LOWER": {"IN": sorted(VAGUE_NOUNS)}}, ANY(6), E("PLACE", "NAME")],
        [W(*SEIZE), {"LOWER": {"IN": sorted(VAGUE_NOUNS)}}, ANY(6), E("PLACE", "NAME")],
    ], strength=0.7, extra={"named_settlements": True},
        doc="AGENT established control over areas ... in PLACE and PLACE villages (places named as villages)"),
    _rule("control.vacated", "control", CONTROL_VERBS + SEIZE, [
        [W(*CONTROL_VERBS), W(*CONTROL_ADJ, op="*"), W("control"), W("of", "over"), W("the"),
         W("territory", "areas", "area", "positions", "territories"), W("that", "which", op="?"),
         W("had", "has", "have", "was", "were", op="?"), W("been", op="?"), W("vacated", "abandoned", "evacuated")],
        [W(*SEIZE), W("the"), W("territory", "areas", "area", "positions", "territories"),
         W("that", "which", op="?"), W("had", "has", "have", "was", "were", op="?"), W("been", op="?"),
         W("vacated", "abandoned", "evacuated")],
    ], place="context", strength=0.7, doc="AGENT took control of the territory that had been vacated (by X in PLACE)"),
    _rule("control.loss", "control", LOSE, [
        [W(*LOSE), W("control", op="?"), W("of", op="?"), FILL, TARGET],
    ], agent="winner", strength=0.65,
        doc="LOSER lost PLACE: annotated only with the winner named in the same or next sentence"),
    _rule("control.nominal", "control", ["capture", "seizure", "recapture", "takeover", "conquest"], [
        [E("ACTOR", "STATE"), W("'s", "’s", "s", op="?"), W("capture", "seizure", "recapture", "takeover",
                                                            "conquest"), W("of"), FILL, TARGET],
    ], agent="first", strength=0.7, doc="AGENT's capture of PLACE"),
    # --- control: the place first ------------------------------------------------------
    _rule("control.fall_to", "control", FALL, [
        [TARGET, gap(3), W(*FALL), W("to"), {"TAG": {"IN": ["O", "FILL"]}, "OP": "{0,2}"}, AGENT],
        [TARGET, gap(3), W(*FALL), W("into"), W("the"), W("hands"), W("of"), AGENT],
        [TARGET, gap(3), W(*FALL), W("into"), AGENT, W("hands")],
    ], place="first", agent="last", doc="PLACE fell to AGENT"),
    _rule("control.passive", "control", PASSIVE_SEIZE + PASSIVE_EXPEL, [
        [TARGET, gap(8), W(*BE), ADV, W("declared", "announced", "reported", op="?"), W(*PASSIVE_SEIZE),
         W("back", op="?"), W("by"), {"TAG": "FILL", "OP": "{0,4}"}, AGENT],
        [TARGET, gap(8), W(*BE), ADV, W(*PASSIVE_EXPEL), W("by"), AGENT, W("out", op="?"), W("of", "from")],
    ], place="first", agent="last", doc="PLACE (was|were) (captured|seized|taken) by AGENT"),
    _rule("control.reduced_passive", "control", PASSIVE_SEIZE, [
        [TARGET, W("area", "district", "village", "town", "neighbourhood", "neighborhood", op="?"), W(",", op="?"), ADV,
         W(*PASSIVE_SEIZE), W("back", op="?"), W("by"), AGENT],
    ], place="first", agent="last", strength=0.8, doc="PLACE (recently) seized by AGENT"),
    _rule("control.relative_expel", "control", PASSIVE_EXPEL, [
        [TARGET, W(",", op="?"), W("from"), W("which", "where"), W("the", op="?"), AGENT, gap(2), W(*BE), ADV,
         W(*PASSIVE_EXPEL),
         W("out", op="?"),
         W("by"), AGENT],
    ], place="first", agent="last", expand=False, doc="PLACE from which X were expelled by AGENT"),
    _rule("control.passive_agentless", "control", PASSIVE_SEIZE, [
        [TARGET, gap(8), W("was", "were", "been"), ADV, W(*PASSIVE_SEIZE), {"LOWER": {"NOT_IN": ["by"]}}],
        [TARGET, gap(8), W("was", "were", "been"), ADV, W(*PASSIVE_SEIZE), {"ORTH": "."}],
    ], place="first", agent="discourse", strength=0.6,
        doc="PLACE(s) were taken: the agent is whoever was taking places just before"),
    _rule("control.passive_expel_from", "control", PASSIVE_EXPEL, [
        [AGENT, gap(2), W(*BE), ADV, W(*PASSIVE_EXPEL), W("by"), AGENT, W("out", op="?"), W("of", "from"), FILL,
         TARGET],
    ], place="last", agent="last", doc="X was expelled by AGENT from PLACE"),
    _rule("control.returned", "control", ["returned", "reverted", "came", "come", "comes", "went", "passed",
                                          "fell", "back"], [
        [TARGET, gap(6), W(*RETURN), W("back", op="?"), W("to", "under", "into"), W("the", op="?"), AGENT,
         W("'s", "’s", op="?"), W(*CONTROL_ADJ, op="*"), W("control", "hands", "rule")],
        [TARGET, gap(6), W(*RETURN), W("back", op="?"), W("to", "under", "into"), W("the"),
         W(*CONTROL_ADJ, op="*"), W("control", "hands"), W("of"), AGENT],
    ], place="first", agent="last", doc="PLACE returned to AGENT control"),
    _rule("control.under_control", "control", ["under"], [
        [TARGET, gap(10), W("now"), gap(2), W("under"), W("the", op="?"), W(*CONTROL_ADJ, op="*"), AGENT,
         W("'s", "’s", "s", op="?"), W(*CONTROL_ADJ, op="*"), W("control")],
        [TARGET, gap(8), W("now"), gap(2), W("under"), W("the"), W(*CONTROL_ADJ, op="*"), W("control"), W("of"),
         AGENT],
    ], place="first", agent="last", strength=0.8, doc="PLACE has now been under AGENT's full control"),
    _rule("control.relative", "control", SEIZE, [
        [TARGET, gap(6), W("that", "which", "whom"), AGENT, W("had", "has", "have", op="?"), ADV, W(*SEIZE),
         {"TAG": {"NOT_IN": ["PLACE", "NAME", "IT", "CROSSING"]}, "LOWER": {"NOT_IN": ["control", "over"]}}],
    ], place="antecedent", agent="last", strength=0.8, expand=False,
        doc="PLACE, the town that AGENT recaptured on DATE"),
    # --- withdrawals -------------------------------------------------------------------
    _rule("withdrew.from", "withdrew", WITHDRAW + LEAVE, [
        [W(*WITHDRAW), {**GAP, "LOWER": {"NOT_IN": CLAUSE_VERBS}, "OP": "{0,12}"}, W("from"), FILL,
         E("PLACE", "NAME", "STATE", "IT")],
        [W(*WITHDRAW), W("out"), W("of"), FILL, E("PLACE", "NAME", "STATE", "IT")],
        [E("ACTOR", "STATE", "THEY"), {"TAG": "O", "OP": "?"}, HAVE, ADV, W(*LEAVE), FILL,
         E("PLACE", "NAME", "IT", "STATE")],
    ], doc="AGENT (withdrew|pulled out) [its troops] (from|of) PLACE"),
    _rule("withdrew.vague_including", "withdrew", WITHDRAW, [
        [W(*WITHDRAW), W("out", op="?"), W("from", "of"), ANY(9), W("including")],
    ], place="last", strength=0.7, doc="AGENT withdrew from the west bank, including PLACE"),
    _rule("withdrew.intransitive", "withdrew", WITHDRAW, [
        [AGENT, ADV, W(*WITHDRAW), W("out", "back", op="?"),
         {"LOWER": {"NOT_IN": ["from", "of", "its", "their", "his", "troops", "forces", "to", "towards", "toward",
                               "into", "out", "back", "all", "some", "most", "part"]},
         "TAG": {"NOT_IN": ["PLACE", "NAME", "STATE", "ACTOR"]}}],
        [AGENT, ADV, W(*WITHDRAW), W("out", "back", op="?"), {"ORTH": "."}],
    ], place="context", agent="first", strength=0.7,
        doc="as AGENT successively pulled out: the place is the one the sentence is about"),
    _rule("withdrew.nominal", "withdrew", ["withdrawal", "pullout", "pull-out", "retreat"], [
        [W("withdrawal", "pullout", "retreat"), W("of"), W("the", op="?"), AGENT, gap(2), W("from"), FILL,
         E("PLACE", "NAME", "STATE")],
        [AGENT, W("'s", "’s", op="?"), W("withdrawal", "pullout", "retreat"), W("from"), FILL,
         E("PLACE", "NAME", "STATE")],
        [W("their", "its"), W("withdrawal", "pullout", "retreat"), W("from"), FILL, E("PLACE", "NAME", "STATE")],
    ], agent="first", strength=0.75, doc="the withdrawal of AGENT from PLACE; AGENT's / their withdrawal from PLACE"),
    # --- crossings ---------------------------------------------------------------------
    _rule("crossing.seize", "crossing", SEIZE + CONTROL_VERBS, [
        [W(*SEIZE), FILL, CROSS],
        [W(*CONTROL_VERBS), W(*CONTROL_ADJ, op="*"), W("control"), W("of", "over"), FILL, CROSS],
        [W("took", "taken", "takes", "taking"), W("over"), FILL, CROSS],
    ], status="seized", doc="AGENT seized the CROSSING"),
    _rule("crossing.seize_at", "crossing", SEIZE + CONTROL_VERBS, [
        [W(*SEIZE), W("over", op="?"), FILL, W("crossing", "post", "gate", "point"), gap(3),
         W("at", "in", "of"), E("PLACE", "NAME")],
        [W(*CONTROL_VERBS), W("control"), W("of", "over"), FILL, W("crossing", "post", "gate", "point"), gap(3),
         W("at", "in", "of"), E("PLACE", "NAME")],
        [W(*SEIZE), W("over", op="?"), FILL, E("PLACE", "NAME"), W("border", op="?"), W("crossing", "post")],
    ], status="seized", strength=0.8, doc="AGENT took over a border crossing with STATE at PLACE"),
    _rule("crossing.lost_to", "crossing", LOSE, [
        [W(*LOSE), W("control", op="?"), W("of", op="?"), FILL, CROSS, gap(4), W("to"), {"TAG": "FILL", "OP": "{0,3}"},
         AGENT],
    ], place="first", agent="last", status="seized", doc="X lost (control of) the CROSSING to AGENT"),
    _rule("crossing.close", "crossing", CLOSE, [
        [W(*CLOSE), W("down", op="?"), W("its", "their", "the"), W("side", op="?"), W("of", op="?"),
         W("the", op="?"), W("border", op="?"), CROSS],
    ], status="closed", doc="STATE closed its side of the CROSSING"),
    _rule("crossing.open", "crossing", OPEN, [
        [W(*OPEN), W("its", "their", "the"), W("side", op="?"), W("of", op="?"), W("the", op="?"),
         W("border", op="?"), CROSS],
    ], status="opened", doc="STATE reopened the CROSSING"),
    _rule("crossing.passive", "crossing", CLOSE + OPEN, [
        [CROSS, gap(4), W(*BE), ADV, W(*CLOSE), W("by"), AGENT],
        [CROSS, gap(4), W(*BE), ADV, W(*OPEN), W("by"), AGENT],
    ], place="first", agent="last", doc="the CROSSING was closed by STATE"),
    _rule("crossing.passive_agentless", "crossing", CLOSE + OPEN, [
        [CROSS, gap(4), W(*BE), ADV, W(*CLOSE, *OPEN), {"LOWER": {"NOT_IN": ["by"]}}],
        [CROSS, gap(4), W(*BE), ADV, W(*CLOSE, *OPEN), {"ORTH": "."}],
    ], place="first", agent="none", strength=0.7, doc="the CROSSING was reopened (by whom, unsaid)"),
    # --- meetings (participants and place are gathered from the sentence) --------------
    _rule("meeting.held", "meeting", ["met", "meets"], [
        [W("met", "meets")],
    ], status="held", expand=False, doc="A met (in PLACE) with B and C"),
    _rule("meeting.scheduled", "meeting", ["meet", "hold", "host", "meeting", "talks"], [
        [W("set", "due", "scheduled", "expected", "slated", "poised"), W("to"), W("meet", "hold")],
        [W("will", "would", "to"), W("meet", "hold", "host")],
    ], status="scheduled", expand=False, doc="A is set to meet B in PLACE on DAY"),
    _rule("meeting.talks", "meeting", HOLD, [
        [W(*HOLD), W("direct", "bilateral", "trilateral", "fresh", "new", "peace", "further", "more", "high-level",
                     "face-to-face", op="*"), W("talks", "meeting", "meetings", "summit")],
    ], status="held", expand=False, doc="A held talks with B (in PLACE)"),
    _rule("meeting.hosted", "meeting", ["hosted", "hosts", "host", "hosting", "received", "receives", "welcomed",
                                        "welcomes"], [
        [W("hosted", "hosts", "host", "hosting", "received", "receives", "welcomed", "welcomes"),
         W("his", "the", op="?"), E("STATE")],
    ], status="held", strength=0.75, expand=False, extra={"titled_guest": True},
        doc="A hosted the Turkish president and B in PLACE (the guest named by office, not refugees)"),
    _rule("meeting.meeting_of", "meeting", ["meeting"], [
        [W("meeting", "meetings"), W("of"), W("the", op="?")],
    ], status="held", strength=0.7, expand=False, doc="a meeting of the A and B ministers in PLACE"),
]

RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}
