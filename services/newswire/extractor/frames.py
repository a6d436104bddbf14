"""Event frames: what words announce an event, and where in the dependency tree its roles are.

Each event type has one data file in ``data/frames/`` (``control.yaml``, ``crossings.yaml`` ...). A
file names the event type, the roles its payload takes and what entity fills each, and its frames:

.. code-block:: yaml

    type: control.changed
    identity: [place, controller]        # one event per distinct (place, controller) in an article
    roles:
      place: {entity: place, not_kinds: [crossing]}
      controller: {entity: actor}
    frames:
      - name: seize
        verbs: [seize, capture, retake]   # lemmas: "seized", "seizes", "IS seize" all count
        particles: ["", over, back]       # "took over", "took back"; "" = no particle
        nouns: [capture, seizure]         # "the capture of X by Y", "Y's seizure of X"
        roles: {controller: agent, place: patient}
        fallback: {controller: focus}     # an agentless passive: the actor the paragraph is about

A role is found by a *path* from the trigger word through the tree: steps joined by ``.``;
alternatives by `` | `` (the first that finds something wins), unions by `` + ``. A step is

- ``agent``: who did it: the subject of an active verb, the "by" phrase of a passive one, the
  possessor or "by" phrase of a noun ("Russia's capture of", "the capture of X by Y");
- ``patient``: what it was done to: the object of an active verb, the subject of a passive one,
  the noun a participle modifies ("X, seized by Y"), the "of" phrase of a noun;
- ``subject``: the subject, whatever the voice;
- ``owner``: whose a noun is ("Russian control", "the rebels' hands", "the control of X");
- ``governor``: the word the trigger depends on;
- a preposition, or several joined by ``|`` (``from``, ``of|over``, ``out_of``);

and may require the word it reaches to be one of some lemmas: ``patient[control].of|over`` is the
"of" phrase of an object "control" ("took control of X").

Everything else every frame shares (negation, modality, attribution, dates, coreference) is
code in :mod:`.checks`, :mod:`.discourse` and :mod:`.extract`, never a rule's name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from spacy.tokens import Token

from newswire.extractor.syntax import case_of, coordinated_verb, is_passive, object_read_as_head, past_with_object

__all__ = ["FRAMES_DIR", "Step", "Path_", "RoleSpec", "Frame", "EventFrames", "load_frames", "Lexicon", "REGION_NOUNS"]

FRAMES_DIR = Path(__file__).resolve().parent / "data" / "frames"

_FUNCTIONS = frozenset({"agent", "patient", "subject", "owner", "governor", "participle", "clause"})


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a path: a function or a set of prepositions, and the lemmas it must reach."""

    func: str  # agent, patient, subject, owner, governor, or "prep"
    preps: frozenset[str] = frozenset()
    lemmas: frozenset[str] = frozenset()


Path_ = tuple[Step, ...]
_STEP = re.compile(r"^(?P<name>[a-z_|]+)(?:\[(?P<lemmas>[a-z|\-]+)\])?$")


def parse_path(text: str) -> list[list[Path_]]:
    """``"agent + with | patient.with"`` -> unions of alternatives of paths."""
    unions: list[list[Path_]] = []
    for union in text.split(" + "):
        alternatives: list[Path_] = []
        for alt in union.split(" | "):
            steps: list[Step] = []
            for raw in alt.strip().split("."):
                m = _STEP.match(raw.strip())
                if m is None:
                    raise ValueError(f"frames: bad path step {raw!r} in {text!r}")
                name = m.group("name")
                # a lemma filter matches every form of its words: "[facilitate]" reads "facilitated"
                lemmas = _all_forms(m.group("lemmas").split("|")) if m.group("lemmas") else frozenset()
                if name in _FUNCTIONS:
                    steps.append(Step(name, lemmas=lemmas))
                else:
                    steps.append(Step("prep", preps=frozenset(name.split("|")), lemmas=lemmas))
            alternatives.append(tuple(steps))
        unions.append(alternatives)
    return unions


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """What fills a role: an entity kind (``place``, ``crossing``, ``actor``), kinds allowed or not."""

    name: str
    entity: Literal["place", "crossing", "actor"]
    optional: bool = False
    many: bool = False
    min: int = 1
    kinds: frozenset[str] = frozenset()
    not_kinds: frozenset[str] = frozenset()
    each: bool = True  # one event per filler ("took A, B and C"); else the first filler only
    persons: bool = True  # may a leader named by name fill it ("Haftar left Moscow" is no withdrawal)
    open_world: bool = True  # may a name no data knows fill it (a meeting's place must be a known city or country)


@dataclass(frozen=True, slots=True)
class Frame:
    """One way of telling an event: trigger lemmas and where each role is."""

    type: str
    name: str
    verbs: frozenset[str]
    nouns: frozenset[str]
    particles: frozenset[str]
    roles: dict[str, list[list[Path_]]]
    fallback: dict[str, str]
    require: dict[str, frozenset[str]]
    status: str | None = None
    ergative: bool = False
    bare_sides: bool = False  # "closed Torkham": a crossing's side name alone names it
    needs: frozenset[str] = frozenset()  # roles the sentence itself must fill ("lost X" needs a known loser)

    @property
    def rule(self) -> str:
        return f"{self.type}/{self.name}"

    def cues(self, optional: frozenset[str] = frozenset()) -> frozenset[str]:
        """Lemmas one of which a sentence must hold besides the trigger, or empty when none is needed.

        "held talks" needs a word like "talks"; "took control of" needs "control": without it no path
        can reach the role, so a sentence with only "held" or "took" is not worth parsing for this frame.
        """
        needed: set[str] = set()
        for what, lemmas in self.require.items():
            if what != "intransitive":
                needed |= lemmas
        if "" not in self.particles:  # "pulled out", "won back": the particle must be there
            needed |= self.particles
        if needed:
            return frozenset(needed)
        for name, unions in self.roles.items():
            if name in optional or len(unions) != 1:
                continue  # an optional role, or one that several phrases can fill, needs no particular word
            per_alt = [frozenset().union(*(st.lemmas for st in path)) for path in unions[0]]
            if per_alt and all(per_alt):
                return frozenset().union(*per_alt)
        return frozenset()


@dataclass(frozen=True, slots=True)
class EventFrames:
    """Everything one data file says about an event type."""

    type: str
    identity: tuple[str, ...]
    roles: dict[str, RoleSpec]
    frames: tuple[Frame, ...]
    merge: str | None = None
    cues: frozenset[str] = frozenset()  # words one of which a sentence needs for any of these frames


def _frame(type_: str, item: dict[str, Any], roles: dict[str, RoleSpec]) -> Frame:
    paths = {name: parse_path(str(path)) for name, path in (item.get("roles") or {}).items()}
    unknown = set(paths) - set(roles)
    if unknown:
        raise ValueError(f"frames {type_}/{item.get('name')}: unknown roles {sorted(unknown)}")
    fallback = {str(k): str(v) for k, v in (item.get("fallback") or {}).items()}
    where = f"{type_}/{item.get('name')}"
    return Frame(
        type=type_, name=str(item["name"]),
        verbs=_words(item.get("verbs"), where), nouns=_words(item.get("nouns"), where),
        particles=_words(item.get("particles") or [""], where), roles=paths, fallback=fallback,
        require={str(k): _all_forms(_words(v, where)) for k, v in (item.get("require") or {}).items()},
        status=item.get("status"), ergative=bool(item.get("ergative", False)),
        bare_sides=bool(item.get("bare_sides", False)), needs=_words(item.get("needs"), where))


def _words(value: Any, where: str) -> frozenset[str]:
    """A list of words from YAML; a non-string (YAML reads a bare ``off`` or ``no`` as a boolean) is an error."""
    words = list(value or ())
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise ValueError(f"frames {where}: {bad!r} is not a word; quote it in the YAML file")
    return frozenset(words)


def load_event_frames(path: Path) -> EventFrames:
    """One frames file; a ``ValueError`` naming the file and the entry on a malformed one."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        type_ = str(data["type"])
        roles = {name: RoleSpec(name=name, entity=spec["entity"], optional=bool(spec.get("optional", False)),
                                many=bool(spec.get("many", False)), min=int(spec.get("min", 1)),
                                kinds=frozenset(spec.get("kinds") or ()), not_kinds=frozenset(spec.get("not_kinds") or ()),
                                each=bool(spec.get("each", spec["entity"] != "actor")),
                                persons=bool(spec.get("persons", True)),
                                open_world=bool(spec.get("open_world", True)))
                 for name, spec in data["roles"].items()}
        frames = tuple(_frame(type_, item, roles) for item in data["frames"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path}: malformed frames file ({exc!r})") from None
    twice = sorted({f.rule for f in frames if sum(g.rule == f.rule for g in frames) > 1})
    if twice:  # an event's rule names its frame: one frame a name
        raise ValueError(f"{path}: frame names used twice: {', '.join(twice)}")
    return EventFrames(type=type_, identity=tuple(data.get("identity") or roles), roles=roles, frames=frames,
                       merge=data.get("merge"), cues=_all_forms(_words(data.get("cues"), type_)))


@functools.cache
def load_frames(directory: Path = FRAMES_DIR) -> tuple[EventFrames, ...]:
    return tuple(load_event_frames(p) for p in sorted(directory.glob("*.yaml")))


# --- the lexicon: lemma -> frames, and every inflected form for a fast first pass ---------------


@dataclass
class Lexicon:
    """Trigger lemmas of all frames, with every inflected form (lemminflect) for the sentence filter."""

    by_verb: dict[str, list[Frame]] = field(default_factory=dict)
    by_noun: dict[str, list[Frame]] = field(default_factory=dict)
    forms: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # form -> {(lemma, V|N)}
    cue_forms: dict[str, list[frozenset[str]]] = field(default_factory=dict)  # form -> cue forms per frame
    type_cues: dict[str, list[frozenset[str]]] = field(default_factory=dict)  # form -> its type's cues, per frame
    verb_only: frozenset[str] = frozenset()  # forms with no noun reading in English ("retook", "seized")

    def worth_parsing(self, words: Iterable[str]) -> bool:
        """Does a sentence with these (lower-case) words hold a trigger whose frame's cues it also holds?"""
        present = set(words)
        for w in present:
            for cues, type_cues in zip(self.cue_forms.get(w, ()), self.type_cues.get(w, ()), strict=True):
                if (not cues or not cues.isdisjoint(present)) and (not type_cues or not type_cues.isdisjoint(present)):
                    return True
        return False

    @classmethod
    def build(cls, types: Iterable[EventFrames]) -> Lexicon:
        types = list(types)
        lex = cls()
        for ev in types:
            for frame in ev.frames:
                for lemma in frame.verbs:
                    lex.by_verb.setdefault(lemma, []).append(frame)
                for lemma in frame.nouns:
                    lex.by_noun.setdefault(lemma, []).append(frame)
        for lemma in lex.by_verb:
            for form in _inflections(lemma, "VERB"):
                lex.forms.setdefault(form, set()).add((lemma, "V"))
        for lemma in lex.by_noun:
            for form in _inflections(lemma, "NOUN"):
                lex.forms.setdefault(form, set()).add((lemma, "N"))
        from lemminflect import getAllLemmas

        lex.verb_only = frozenset(
            form for form, entries in lex.forms.items()
            if all(pos == "V" for _, pos in entries) and not getAllLemmas(form, upos="NOUN")
            and not getAllLemmas(form, upos="ADJ"))
        optional = {ev.type: frozenset(n for n, r in ev.roles.items() if r.optional) for ev in types}
        type_cues = {ev.type: ev.cues for ev in types}
        cue_cache: dict[frozenset[str], frozenset[str]] = {}
        for form, entries in lex.forms.items():
            for lemma, pos in entries:
                for frame in (lex.by_verb if pos == "V" else lex.by_noun)[lemma]:
                    cues = frame.cues(optional[frame.type])
                    if cues not in cue_cache:
                        cue_cache[cues] = word_forms(cues, "NOUN") | word_forms(cues, "VERB") if cues else frozenset()
                    lex.cue_forms.setdefault(form, []).append(cue_cache[cues])
                    if type_cues[frame.type]:
                        lex.type_cues.setdefault(form, []).append(type_cues[frame.type])
                    else:
                        lex.type_cues.setdefault(form, []).append(frozenset())
        return lex

    def lemma(self, tok: Token) -> tuple[str, str] | None:
        """(lemma, "V"/"N") of a trigger token, by its form and its tag; None if it is none of ours.

        A form English uses only as a verb ("retook", "seized", "overran") is a verb whatever the tagger
        said: trained on web text, it has seen few of them, and calls some nouns.
        """
        cands = self.forms.get(tok.lower_)
        if not cands:
            return None
        want = "V" if tok.tag_.startswith("VB") else "N" if tok.tag_.startswith("NN") else None
        if want is None and tok.tag_ in ("JJ",) and tok.lower_.endswith("ed"):
            want = "V"  # a participle the tagger called an adjective ("the town, recaptured by ...")
        if tok.lower_ in self.verb_only and tok.tag_ not in ("NNP", "NNPS"):
            want = "V"
        for lemma, pos in sorted(cands):
            if pos == want:
                return lemma, pos
        return None

    def frames_for(self, tok: Token) -> tuple[bool, list[Frame]]:
        """Whether the trigger is read as a noun, and the frames its lemma evokes."""
        hit = self.lemma(tok)
        if hit is None:
            return False, []
        lemma, pos = hit
        return pos == "N", (self.by_verb if pos == "V" else self.by_noun).get(lemma, [])


def _inflections(lemma: str, upos: str) -> set[str]:
    from lemminflect import getAllInflections, getAllInflectionsOOV

    forms = {lemma}
    if not lemma.isalpha() and "-" not in lemma:
        return forms  # "" (no particle) or a symbol: nothing to inflect
    found = getAllInflections(lemma, upos=upos) or getAllInflectionsOOV(lemma, upos=upos)
    for values in found.values():
        forms.update(values)
    if "-" in lemma:  # "re-open": the tagger sees "re-opened" as one word
        forms |= {f.replace("-", "") for f in forms}
    return {f.lower() for f in forms}


# --- following a path in the tree -------------------------------------------------------------


_SUBJECTS = ("nsubj", "nsubj:pass", "csubj", "nsubj:outer")
# Participles of support: "X backed by Y" is X's doing, helped by Y
SUPPORT = frozenset("backed supported aided assisted helped accompanied covered reinforced bolstered".split())
# Verbs whose subject does what their object noun names ("Pakistan announced the closure of X", "began their
# withdrawal"); "confirmed the closure" or "welcomed the reopening" say nothing of who did it.
LIGHT_VERBS = frozenset("""announce announced announces announcing order ordered orders ordering complete completed
completes completing begin began begun begins beginning start started starts starting carry carried carries
carrying implement implemented implements implementing declare declared declares declaring impose imposed imposes
imposing make made makes making launch launched launches launching finish finished finishes finishing conduct
conducted conducts conducting effect effected execute executed decide decided""".split())
_PERFECT = frozenset({"had", "has", "have"})
_DIVIDES = frozenset({"border", "frontier", "boundary", "line", "river", "road", "corridor", "area", "zone"})
REGION_NOUNS = frozenset({"province", "governorate", "region", "state", "oblast", "district"})
_REGION_WORDS = REGION_NOUNS | {"countryside"}
_SUBORDINATORS = frozenset({"after", "before", "since", "until", "once", "when", "as"})
_PARTICLES = frozenset({"over", "down", "off", "up"})
_RELATIVE = frozenset({"which", "that", "who", "whom", "whose", "where"})


def _backed(subj: list[Token]) -> list[Token]:
    """"Troops backed by militiamen and Lebanon's Hezbollah captured X" parsed as two clauses, the last backer
    the subject: the backed ones, when no finite verb stands between the participle and that subject."""
    s = subj[0]
    doc = s.doc
    for p in doc[:s.i]:  # one sentence per doc, though the parser may have given it two roots
        if p.lower_ in SUPPORT and p.tag_ == "VBN" and any(c.lower_ == "by" for c in p.subtree):
            backed = [c for c in p.children if c.dep_ == "nsubj:pass"] or (
                [p.head] if p.dep_ in ("acl", "amod") and p.head.i < p.i else [])
            if backed and not any(t.tag_ in ("VBD", "VBZ", "VBP", "MD") for t in doc[p.i + 1:s.i]):
                return backed
    return subj


def _subject_of(verb: Token) -> list[Token]:
    """The subject of a verb; a coordinated, controlled or participial verb borrows its governor's."""
    seen = 0
    t = verb
    if t.dep_ == "conj" and t.head.lower_ in SUPPORT and any(c.dep_ == "nsubj:pass" for c in t.head.children):
        # "Troops backed by militiamen and Hezbollah fighters captured X", read as "troops (were) backed ...
        # and Hezbollah fighters captured": the backed ones are the subject, the backers are not
        return [c for c in t.head.children if c.dep_ == "nsubj:pass"]
    if t.dep_ in ("acl", "conj") and t.i > 0 and not any(c.dep_ in _SUBJECTS for c in t.children):
        # "after Bukavu fell", "after the AFC (M23) seized X" read as a phrase "after Bukavu" and a verb
        # hung elsewhere: the noun the subordinator governs is the clause's subject
        before = t.doc[t.i - 1]
        noun = next((a for a in (before, *before.ancestors) if a.right_edge.i == t.i - 1 and a.tag_.startswith("NN")
                     and any(c.dep_ == "case" and c.lower_ in _SUBORDINATORS for c in a.children)), None)
        if noun is not None:
            return [noun]
    if t.dep_ == "acl" and not any(c.dep_ in _SUBJECTS for c in t.children) and (
            t.tag_ in ("VBD", "VBZ", "VBP") or any(c.dep_ == "aux" and c.lower_ in _PERFECT for c in t.children)
            or past_with_object(t)):
        # "The foreign ministers of A and B met in Cairo", "said local factions had taken X", "IS militants
        # seized X": a clause read as a relative one on its subject (all of it: "troops and their allies")
        if t.head.dep_ == "conj" and t.head.head.tag_.startswith("NN") and t.head.head.i < t.head.i:
            return [t.head.head, t.head]
        return [t.head]
    if (obj := object_read_as_head(t)) is not None:
        # "Rebels stormed and took control of X" read as "[stormed and took] control": the noun's subject,
        # else the noun before the first verb
        first = t.head
        before = t.doc[first.i - 1] if first.i > 0 else None
        return [c for c in obj.children if c.dep_ in _SUBJECTS and c.i < first.i] or (
            [before] if before is not None and before.tag_ in ("NN", "NNS", "NNP", "NNPS") else [])
    if t.dep_ == "advcl" and t.tag_ in ("VBD", "VBZ", "VBP") and (t.head.tag_ == "JJ" or t.head.lower_ in SUPPORT) and (
            not any(c.dep_ in _SUBJECTS for c in t.children)):
        # "Troops loyal to X seized Y" read as "troops (are) loyal to X" with "seized Y" hung on "loyal";
        # "Forces backed by militias captured Y" read as "forces (were) backed by militias"
        subj = [c for c in t.head.children if c.dep_ in ("nsubj", "nsubj:pass") and c.i < t.head.i]
        if subj:
            return subj
    if not any(c.dep_ in _SUBJECTS for c in t.children):  # "troops had left Mekelle" read as "left Mekelle"
        t = coordinated_verb(t) or t
    while seen < 6:
        seen += 1
        subj = [c for c in t.children if c.dep_ in _SUBJECTS]
        if subj and not (t.dep_ == "conj" and t.head.tag_.startswith("NN")):
            return _backed(subj) if seen == 1 else subj
        if t.dep_ == "conj" and t.head.tag_.startswith("NN") and t.head.i < t.i:
            # "Sudan's army and the RSF held talks" parsed with the verb coordinated to the first subject
            return [t.head, *subj]
        if t.dep_ in ("conj", "xcomp") and t.head.i != t.i:
            t = t.head
            continue
        if t.dep_ == "acl" and t.head.i != t.i and any(c.lower_ == "having" for c in t.children):
            return [t.head]  # "with Iraqi forces having retaken Ramadi"
        if t.dep_ in ("acl", "advcl") and t.tag_ == "VBG" and t.head.i != t.i:
            # "forces, capturing X"; "took X, capturing Y": the participle's subject is its host's
            return [t.head] if t.dep_ == "acl" else _subject_of(t.head)
        if t.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ == "to" for c in t.children):
            t = t.head  # "sent a delegation to meet X": the infinitive of purpose has its host's subject
            continue
        return []
    return []


def _relative_antecedent(tok: Token) -> Token | None:
    """"the town, which rebels seized": the noun a relative pronoun stands for.

    The word before the pronoun ("Ras al-Ain, from which ...") beats the parse's attachment: a parser
    often hangs the relative clause on an earlier noun of the sentence.
    """
    if tok.lower_ not in _RELATIVE:
        return None
    t = tok.head
    while t.dep_ != "acl:relcl" and t.head.i != t.i and t.dep_ in ("conj", "xcomp", "ccomp"):
        t = t.head
    attached = t.head if t.dep_ == "acl:relcl" else None
    k = tok.i - 1
    while k >= 0 and (tok.doc[k].is_punct or tok.doc[k].tag_ == "IN"):
        k -= 1
    if k >= 0 and tok.doc[k].tag_.startswith("NN") and tok.i - k <= 3:
        before = tok.doc[k]
        if attached is not None and before.head.i == attached.i and case_of(before) in ("in", "near"):
            return attached  # "the town of X in Homs province, which ...": the province only places the town
        prep = next((c for c in before.children if c.dep_ == "case" and c.lower_ in ("in", "near")), None)
        if prep is not None and prep.i > 0 and before.text.split()[-1].lower() in _REGION_WORDS and (
                tok.doc[prep.i - 1].tag_.startswith("NN")):
            return tok.doc[prep.i - 1]  # the same, with the province hung on the verb
        while before.dep_ == "conj" and before.head.i < before.i and before.head.tag_ == before.tag_:
            before = before.head  # "Goma and Bukavu, which it captured": the whole list
        return before
    return attached


def _obliques(tok: Token, preps: frozenset[str]) -> list[Token]:
    out = [c for c in tok.children if c.dep_.startswith(("obl", "nmod", "advmod")) and case_of(c) in preps]
    if "of" in preps and not out:  # "pulled out of X" parsed with "out of" as a fixed particle pair
        out = [c for c in tok.children if c.dep_.startswith("obl") and case_of(c) in ("out_of", "of")]
    if not out:
        out = _stray_phrases(tok, preps)
    if "between" in preps and len(out) == 1 and case_of(out[0]) == "between" and not any(
            c.dep_ == "conj" for c in out[0].children):
        # "the meeting between A and B took place": B read as the subject of the verb after it
        k = out[0].right_edge.i + 1
        if k + 1 < len(tok.doc) and tok.doc[k].lower_ == "and":
            second = next((t for t in tok.doc[k + 1:] if t.left_edge.i == k + 1 and t.dep_ in ("nsubj", "nsubj:pass")
                           and t.tag_.startswith("NN")), None)
            if second is not None:
                out = [*out, second]
    return out


_NOMINAL = frozenset({"obl", "obl:unmarked", "obl:tmod", "nmod", "nmod:unmarked", "amod", "compound", "appos",
                      "obj", "nmod:poss"})


def _stray_phrases(verb: Token, preps: frozenset[str]) -> list[Token]:
    """"ousted IS from Hasakeh Tuesday" parsed with "from Hasakeh" under "Tuesday": a phrase with the
    preposition whose noun hangs, through nominal links only, under the verb (never inside a clause)."""
    out = []
    for case in verb.subtree:
        if case.dep_ != "case" or case.lower_ not in preps or case.head.i <= verb.i or case.head.i == verb.i:
            continue
        noun = case.head
        if case.lower_ == "between" and noun.head.lower_.removesuffix("s") in _DIVIDES:
            continue  # "talks at the border between Belarus and Ukraine": what the border divides, not who talks
        t = noun
        for _ in range(4):
            if t.head.i == verb.i:
                if t.dep_ in _NOMINAL:
                    out.append(noun)
                    if t is not noun:
                        out.append(t)  # "returned to regime control" parsed as "to regime" under "control"
                break
            if t.dep_ not in _NOMINAL or t.head.tag_.startswith("VB"):
                break
            t = t.head
    return out


def _agent(t: Token, noun: bool) -> list[Token]:
    if noun:
        light = t.dep_ in ("obj", "nsubj:pass") and t.head.tag_.startswith("VB") and t.head.lower_ in LIGHT_VERBS
        own = [c for c in t.children if c.dep_ == "nmod:poss" or (c.dep_.startswith("nmod") and case_of(c) == "by")]
        if own and light and all(o.tag_ in ("PRP$", "PRP") for o in own):
            own = []  # "the Eritrean forces began their withdrawal": "their" is the subject of "began"
        if own:
            return own
        # "the Russian withdrawal", "the rebel capture" (but "the temporary retreat" says how, not who)
        mods = [c for c in t.children if c.dep_ in ("compound", "amod") and c.i < t.i
                and not (c.tag_.startswith("JJ") and c.text.islower())]
        if mods:
            return mods
        # "announced the capture of X", "completed its withdrawal": the light verb's subject
        if light:
            return _subject_of(t.head) if t.dep_ == "obj" else _agent(t.head, False)
        return []
    if is_passive(t):
        by = [c for c in t.children if c.dep_ == "obl:agent" or (c.dep_.startswith("obl") and case_of(c) == "by")]
        return by
    return _subject_of(t)


def _patient(t: Token, noun: bool, ergative: bool) -> list[Token]:
    if noun:
        return [c for c in t.children if c.dep_.startswith("nmod") and case_of(c) == "of"] or [
            c for c in t.children if c.dep_ == "compound" and c.i < t.i]
    if is_passive(t):
        subj = [c for c in t.children if c.dep_ in ("nsubj:pass", "nsubj")]
        if subj:
            return subj
        if t.dep_ in ("acl", "amod") and t.head.i != t.i:  # "X, seized by Y last week"
            return [t.head]
        if t.dep_ in ("conj", "xcomp") and is_passive(t.head):
            # "X was encircled and captured", "X was declared liberated": the governing verb's patient
            return _patient(t.head, False, ergative)
        if t.tag_ == "VBN" and not any(c.dep_.startswith("aux") for c in t.children):
            # "the district of Ramussa, seized by rebels", a reduced relative hung elsewhere: the noun before it
            k = t.i - 1
            while k >= 0 and t.doc[k].is_punct:
                k -= 1
            if k >= 0 and t.doc[k].tag_.startswith("NN"):
                return [t.doc[k]]
        return []
    if coordinated_verb(t) is not None:
        return [t.head]  # "... and taken control of X" read as "taken" an adjective of "control"
    if (noun := object_read_as_head(t)) is not None:
        return [noun]  # "stormed and took control of X" read as "[stormed and took] control"
    # else a bare noun misread as an oblique ("established control over X" parsed as "left Monday"), or
    # "took over the city", "closed down the gates" with the particle read as the noun's preposition
    objs = [c for c in t.children if c.dep_ in ("obj", "iobj")] or [
        # "recapture most of Daraa province" with "most" read as an adverb of the verb
        c for c in t.children if c.dep_ == "advmod" and c.lower_ in ("most", "all", "much") and c.i > t.i
        and any(d.dep_.startswith("nmod") and case_of(d) == "of" for d in c.children)] or [
        c for c in t.children if c.dep_ == "obl:unmarked" and c.i > t.i and c.tag_ in ("NN", "NNS")] or [
        c for c in t.children if c.dep_ == "obl" and t.i + 1 < len(t.doc) and t.doc[t.i + 1].lower_ in _PARTICLES
        and t.doc[t.i + 1].head.i == c.i]
    if objs:
        # "captured the X crossing on the Iranian border and the Y crossing" with the second object hung on the verb
        more = [c for c in t.children if c.dep_ == "conj" and c.tag_ in ("NN", "NNS", "NNP", "NNPS")
                and c.i > objs[-1].i and not any(d.dep_ in (*_SUBJECTS, "cop", "case") for d in c.children)]
        # "shut the X crossing near Eilat and the Y crossing" with the second hung on "Eilat": a conjunct with
        # the object's own head word is another object
        last = _last_word(objs[-1])
        more += [c for c in t.subtree if c.dep_ == "conj" and c.i > objs[-1].i and c not in more
                 and c.head.dep_.startswith(("obl", "nmod")) and last and _last_word(c) == last
                 and not any(d.dep_ in ("case", "cop") for d in c.children)]
        return objs + more + _along_with(t)
    if ergative and not objs:  # "the crossing reopened on Monday"
        return [c for c in t.children if c.dep_ == "nsubj"]
    return []


def _last_word(t: Token) -> str:
    """The last word of a token, lower-cased ("crossing" of a merged "Kerem Shalom crossing"); "" for a blank."""
    words = t.lower_.split()
    return words[-1] if words else ""


def _along_with(verb: Token) -> list[Token]:
    """"closed two crossings, along with three minor ones at X": more objects in a "along/together with" phrase."""
    out = []
    for c in verb.children:
        if c.dep_.startswith("obl") and case_of(c).startswith("with"):
            before = c.doc[max(0, c.left_edge.i - 1)]
            if before.lower_ in ("along", "together") or any(
                    w.lower_ in ("along", "together") for w in c.subtree if w.i < c.i):
                out.append(c)
    return out


def follow(trigger: Token, path: Path_, *, noun: bool, ergative: bool) -> list[Token]:
    """The tokens a path reaches from ``trigger`` (relative pronouns replaced by their antecedents)."""
    current = [trigger]
    for n, step in enumerate(path):
        nxt: list[Token] = []
        for t in current:
            is_noun = noun if n == 0 else t.tag_.startswith("NN")
            if step.func == "agent":
                found = _agent(t, is_noun)
            elif step.func == "patient":
                found = _patient(t, is_noun, ergative and n == 0)
            elif step.func == "subject":
                found = _subject_of(t)
            elif step.func == "owner":
                found = [c for c in t.children if c.dep_ in ("nmod:poss", "compound", "amod")
                         or (c.dep_.startswith("nmod") and case_of(c) in ("of", "by"))]
            elif step.func == "governor":
                found = [t.head] if t.head.i != t.i else []
                if t.dep_ == "obj":
                    # "said the closures had been carried out at X": the noun read as the object of "said"
                    # is the subject of the clause after it that has none
                    found += [c for c in t.head.children if c.dep_ == "ccomp" and c.i > t.i
                              and not any(d.dep_ in _SUBJECTS for d in c.children)]
            elif step.func == "participle":  # "the talks, facilitated by Malaysia"
                found = [c for c in t.children if c.dep_ in ("acl", "amod") and c.tag_ == "VBN"]
            elif step.func == "clause":  # "the meeting, which took place in Istanbul", "a summit held in X"
                found = [c for c in t.children if c.dep_ in ("acl", "acl:relcl") and c.tag_.startswith("VB")]
            else:
                found = _obliques(t, step.preps)
                if not found and (n > 0 or is_noun) and t.dep_ == "obj" and t.head.tag_.startswith("VB"):
                    # "re-establishing control over X", "completed its withdrawal from X": the phrase hung on
                    # the verb, not on the noun
                    found = [c for c in t.head.children if c.dep_.startswith("obl") and case_of(c) in step.preps]
                if not found and t.tag_.startswith("VB"):
                    # "drove the militants from X", "meet with his counterparts in Doha": a phrase the
                    # parser hung on the verb's object or on another of its phrases
                    for dep in (c for c in t.children if c.dep_ in ("obj", "nsubj:pass") or c.dep_.startswith("obl")):
                        found.extend(_obliques(dep, step.preps))
            resolved = []
            for f in found:
                ante = _relative_antecedent(f)
                resolved.append(ante if ante is not None else f)
            if step.lemmas:
                resolved = [f for f in resolved if f.lower_ in step.lemmas]
            nxt.extend(resolved)
        current = nxt
        if not current:
            return []
    return current


@functools.cache
def _forms_of(lemma: str) -> frozenset[str]:
    return frozenset(_inflections(lemma, "NOUN") | _inflections(lemma, "VERB"))


def _all_forms(lemmas: Iterable[str]) -> frozenset[str]:
    """Every form of ``lemmas``, as nouns and as verbs ("talk" -> talk, talks, talked, talking)."""
    return frozenset().union(*(_forms_of(w.lower()) for w in lemmas))


def word_forms(lemmas: Iterable[str], upos: str) -> frozenset[str]:
    """Every inflected form of ``lemmas`` (lower case), for matching words without a lemmatizer."""
    out: set[str] = set()
    for lemma in lemmas:
        out |= _inflections(str(lemma).lower(), upos)
    return frozenset(out)
