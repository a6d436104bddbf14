"""``extract(article) -> list[Event]``: typed, dated, attributed conflict events from one article. Pure.

The steps, in order (``docs/extractor.md`` says more):

1. sentences (:mod:`.nlp`), and the article's entities (:mod:`.entities`): the gazetteer, the
   actor lexicon, names the data lacks recognised by their form;
2. the sentences that hold a trigger word of some frame (any inflection of its lemmas) are
   tagged and parsed (:mod:`.syntax`);
3. per trigger and frame (:mod:`.frames`, data in ``data/frames/``): each role is found by its
   path in the tree and resolved to entities: a recognised mention, a name the parse puts in the
   role ("took Sarrin"), a name behind a generic noun ("the strategic town of X", "crossings at
   X and Y"), or a reference resolved by discourse ("the town", "it", "the group");
4. the checks every frame shares (:mod:`.checks`): negation, modality, goals, denials,
   attribution; then the date (:mod:`.dates`) from the trigger's own clause;
5. one event per fact: repeated mentions fold, keeping the most specific date and the
   strongest evidence; mentions of one meeting in adjacent sentences merge.

Nothing here does IO; the gazetteer, lexicon, frames and parser load once per process.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, Token
from spacy.util import filter_spans as spacy_filter_spans

from newswire.core.models import (
    EVENT_TYPES,
    Actor,
    Article,
    Event,
    Evidence,
    Extent,
    Modality,
    OccurredOn,
    Place,
    Precision,
    Source,
)
from newswire.extractor.attribution import find_source
from newswire.extractor.checks import Checks, Verdict, assess
from newswire.extractor.dates import find_dates, find_offsets, is_historical, number, shift
from newswire.extractor.entities import Mention, crossing_place, find_mentions, group_actor, name_place
from newswire.extractor.frames import (
    FRAMES_DIR,
    EventFrames,
    Frame,
    Lexicon,
    RoleSpec,
    Step,
    follow,
    load_event_frames,
    load_frames,
    REGION_NOUNS,
)
from newswire.extractor.gazetteer import is_dateline
from newswire.extractor.nlp import split_sentences
from newswire.extractor.syntax import (
    case_of,
    clause_of,
    conjuncts,
    coordinated_verb,
    read_as_names,
    is_passive,
    load_parser,
    parse_sentences,
)

__all__ = ["Extractor", "Finding", "extract", "default_extractor", "FALLBACK_DATE"]

# An event whose sentence has no time expression gets the publication date with ``text`` empty,
# which marks the date as inferred rather than read (GOLD.md dates fresh reports to publication).
FALLBACK_DATE = True

# Generic nouns that stand for the named place behind them: "the strategic town of X",
# "the border town X", "three villages - A, B and C", "crossings at X and Y".
_PLACE_NOUNS = frozenset("""republic territory territories town towns city cities village villages district districts
township townships neighbourhood neighbourhoods neighborhood neighborhoods suburb suburbs province provinces governorate
region state oblast area areas hill hills hilltop base bases airbase airport airfield capital stronghold strongholds
bastion hub gateway port settlement settlements county municipality locality enclave camp field fields plant refinery
headquarters garrison barracks
dam outpost post posts position positions bridge island quarter market complex palace
""".split())
_CROSSING_NOUNS = frozenset("""crossing crossings checkpoint checkpoints post posts point points gate gates terminal
terminals side sides port ports bridge bridges""".split())
_PREPOSITION_FIRST = re.compile(r"(?:on|in|at|last|this|early|late|since)\b", re.IGNORECASE)
_LINK = re.compile(r"https?:?/*\S|www\.\S|pic\.twitter\.com|\bt\.co/")
# Nouns that name a crossing only with "border" or "crossing" before them ("border post", "crossing point").
# ("the port of X" names a crossing the data knows by X: _Reading._crossing_context)
_WEAK_CROSSING_NOUNS = frozenset("""post posts point points gate gates terminal terminals side sides port
ports bridge bridges""".split())
_QUARTERS = frozenset("eastern western northern southern northeastern northwestern southeastern southwestern".split())
_DIRECTIONS = {"east": "eastern", "west": "western", "north": "northern", "south": "southern"}
_PART_NOUNS = frozenset("neighbourhood neighborhood district suburb area village quarter part position".split())
_WHOLES = frozenset({"city", "town", "province", "region", "country"})
_VACATED_NOUNS = frozenset("territory territories area areas position positions ground".split())
_INSTALLATIONS = frozenset("""base airbase airport airfield plant refinery headquarters garrison barracks dam field
road highway complex port palace outpost camp""".split())
# "most of X", "more than 90 percent of X" count as X; "parts of X", "the outskirts of X" do not (GOLD.md).
_EXTENTS = {"most": None, "all": 1.0, "much": None, "majority": None, "bulk": None, "percent": None,
            "half": 0.5, "whole": 1.0, "entirety": 1.0, "rest": None, "remainder": None, "%": None,
            "entire": 1.0}
_BOILERPLATE = re.compile(r"\b(?:Print Tweet|Tweet Related|Related (?:News|Articles|Stories|Content|Coverage)|"
                          r"Related:|Read more:|READ MORE|Also read:|Recommended for you)\b|\bRelated\b(?= [A-Z])"
                          r"(?<=Tweet Related)")
_GROUPISH = re.compile(r"\b(?:Army|Front|Alliance|Movement|Brigades?|Forces?|Militias?|Corps|Guards?|Council|"
                       r"Union|Coalition|Group|Organi[sz]ation|Battalions?|Regiment|Division)\b|^[A-Z0-9/-]{2,8}$")
_TOPONYM = re.compile(r"(?:Tal|Tall|Tel|Tell|Khirbet|Khirbat|Kafr|Kfar|Jabal|Jebel|Deir|Ain|Ayn|Ras|Wadi|Qasr|Beit|Bayt|"
                      r"Bir|Jisr|Umm|Marj|Mount|Lake|River)\b")
# ("across Syria and Iraq": the second of a pair is in the phrase too)
_LOCATIVE_BEFORE = re.compile(r"\b(?:in|inside|across|throughout|near|within)\s+(?:the\s+)?"
                              r"(?:[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?\s+(?:and|or)\s+)?$", re.IGNORECASE)
# "Shir Khan Bandar, Afghanistan's main border crossing with Tajikistan", whatever the parse made of it
_CROSSING_APPOSITION = re.compile(r",[ ](?:[\w’'-]+[ ]){0,5}?(?:border[ ])?(?:crossing|checkpoint|border[ ]post)\b(?![ ]of)")
_BOUNDS = frozenset({"since", "until", "till", "before", "by"})
_EPONYMOUS = frozenset({"eponymous", "namesake", "homonymous"})
_CAPITALISED_WORD = re.compile(r"(?<![\w-])[A-Z]")
_LOCATIVE_CASES = frozenset({"in", "inside", "across", "throughout", "near", "within"})
_MODIFIER_AFTER = re.compile(r"[-‐–]?(?:based|born|backed|led|held|run|controlled|area|region)\b", re.IGNORECASE)
_FRAMEWORK = re.compile(r"\b([A-Z][a-z]+)[ ](process|format|framework|track|platform)\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z\-]*")
# Capitalised words that are no place or group name (the open world ignores them).
_NOT_NAMES = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april may
june july august september october november december today yesterday president minister prime secretary general
colonel commander spokesman spokesperson chief king emir sheikh prince mr mrs ms dr the national international
security council ministry government army forces datuk dato seri tan sri tun haji hajji hrh his her
palace house hotel hall centre center building headquarters embassy""".split())
_TITLES = frozenset("""president minister prime secretary general colonel commander spokesman spokeswoman chief king
emir sheikh prince mr mrs ms dr gen col lt maj capt sgt""".split())
_DATE_WORDS = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april may
june july august september october november december today yesterday""".split())
_SOURCE_NOUNS = frozenset("Observatory Agency Ministry Network Council Committee Commission Office".split())
_HEADLINE_LOWER = frozenset("over from with into onto after near amid upon than that this".split())
_KIND_WORDS = {"town": "town", "city": "city", "village": "village", "district": "district", "base": "base"}
_OPENERS = frozenset("the a an in on at by for from with as after before since while when but and".split())
_LEADS = frozenset("heads head headed leads lead led chairs chaired represents represented commands commanded".split())
_ANAPHORIC = frozenset("the this that these those its their his her".split())
_MEDIA = frozenset("""agency agencies news media television tv channel newspaper outlet website observatory monitor
monitors reporter reporters correspondent correspondents journalist journalists broadcaster""".split())
_PLURAL_PRONOUNS = frozenset({"they", "them", "their", "themselves"})
_PRONOUNS = frozenset({"it", "its", "itself"}) | _PLURAL_PRONOUNS
_PLACE_REF_KINDS = {
    "town": {"city", "town", "village", "other"}, "city": {"city", "town"}, "village": {"village", "town", "other"},
    "district": {"district", "other", "village", "town"}, "neighbourhood": {"district", "other"},
    "neighborhood": {"district", "other"}, "province": {"province"}, "region": {"region", "province"},
    "base": {"base"}, "airbase": {"base"}, "airport": {"base"}, "crossing": {"crossing"},
    "checkpoint": {"crossing", "checkpoint"}, "capital": {"city"}, "stronghold": {"city", "town", "village"},
    "area": {"region", "district", "other", "village", "town"}, "hub": {"city", "town"}, "camp": {"other", "base"},
    "border": {"crossing"},  # "the border was reopened", after a crossing was named (not "the border with X")
}
# Nouns for people and delegations that speak for whoever modifies them ("his Russian counterpart",
# "officials from Qatar", "the Iranian delegation").
_PARTY_NOUNS = frozenset("""counterpart counterparts minister ministers president presidents leader leaders official
officials delegation delegations envoy envoys diplomat diplomats representative representatives negotiator
negotiators side sides government governments counterpart head heads chief chiefs prime premier king emir
chancellor secretary spokesman foreign defence defense army forces troops military authorities commander
commanders team teams office bureau wing mission council committee committees""".split())
_PAIR_NOUNS = frozenset("side sides country countries party parties nation nations neighbour neighbours neighbor "
                        "neighbors delegation delegations government governments leader leaders".split())
_ARMED_NOUNS = frozenset("""fighters fighter militants militant forces troops soldiers men gunmen insurgents jihadists
militiamen units garrison combatants paratroopers marines commandos rangers infantry battalion brigade division
regiment unit peacekeepers peacekeeper personnel police policemen elements element remnants contingent
contingents detachment detachments""".split())
_ALLEGIANCE = frozenset("loyal aligned allied affiliated linked belonging faithful".split())
_GROUP_NOUNS = frozenset("group groups militia militias faction factions movement organisation organization".split())


# What a sentence's subject is, when it is an actor: the role of "who the sentence is about".
_SUBJECT = RoleSpec(name="subject", entity="actor", optional=True)


@dataclass(frozen=True, slots=True)
class Finding:
    """An event with how it was found: the rule (type/frame) and the sentence, for ``newswire explain``."""

    event: Event
    rule: str
    sentence: str
    start: int
    end: int


@dataclass(slots=True)
class _Filler:
    """A role's filler: the entity, how sure we are of it, and the extent words that led to it."""

    entity: Place | Actor
    strength: float
    extent: Extent | None = None
    side: str | None = None  # "the Syrian side of the crossing": the country of the side named


@dataclass(slots=True)
class _Candidate:
    type: str
    frame: Frame
    roles: dict[str, list[_Filler]]
    sentence: int
    trigger: int  # character offset of the trigger in the article
    occurred: OccurredOn | None
    explicit_date: bool
    attribution: str | None
    modality: Modality
    confidence: float
    status: str | None
    order: int = 0
    anaphoric: bool = False  # "the meeting", "their talks": a mention of an event told before
    extras: dict[str, Any] = field(default_factory=dict)


class Extractor:
    """Holds the gazetteer, the actor lexicon, the frames and the parser; ``extract`` is pure.

    Build it once (the data takes a few seconds to load) and call :meth:`extract` from any thread.
    ``frames`` adds event types beyond the shipped ones (their models must be registered with
    :func:`newswire.core.models.register_event`).
    """

    def __init__(self, gazetteer: Any = None, lexicon: Any = None,
                 frames: tuple[EventFrames, ...] | None = None) -> None:
        from newswire.extractor.actors import ActorLexicon
        from newswire.extractor.gazetteer import Gazetteer

        self.gazetteer = gazetteer or Gazetteer.default()
        self.lexicon = lexicon or ActorLexicon.default()
        # the shipped frames, those an event class registered elsewhere brings (its ``FRAMES`` file), and any given
        registered = tuple(load_event_frames(p) for p in _registered_frames())
        self.types: dict[str, EventFrames] = {t.type: t for t in (*load_frames(), *registered, *(frames or ()))}
        unknown = [t for t in self.types if t not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"frames for unregistered event types: {unknown}")
        self.triggers = Lexicon.build(self.types.values())
        self.checks = Checks.default()
        self.parser = load_parser()

    def extract(self, article: Article) -> list[Event]:
        """The events the article reports, one per fact, in text order."""
        return [f.event for f in self.findings(article)]

    def findings(self, article: Article) -> list[Finding]:
        """Events with the rule and sentence that produced each (the ``explain`` view)."""
        text = article.text or ""
        if not text.strip():
            return []
        return _Reading(self, article, text).run()

    def extract_many(self, articles: Sequence[Article]) -> list[list[Event]]:
        """``extract`` of each article, the same events, with the sentences of all of them parsed together.

        The parser's cost per call is high for the few sentences of one article (a batch of them
        costs about two thirds as much per sentence), so a service reading a batch of articles
        hands them over at once.
        """
        readings = [_Reading(self, a, a.text) if (a.text or "").strip() else None for a in articles]
        picks = [r.prepare() if r is not None else [] for r in readings]
        sentences = [r._tokens(si) for r, p in zip(readings, picks, strict=True) if r is not None for si in p]
        parsed = parse_sentences(self.parser, sentences)
        out: list[list[Event]] = []
        for r, p in zip(readings, picks, strict=True):
            docs = [next(parsed) for _ in p]
            out.append([f.event for f in r.read(p, docs)] if r is not None and p else [])
        return out


def _registered_frames() -> list[Path]:
    """Frames files named by registered event classes (``FRAMES = Path(...)``), beyond ``data/frames``."""
    out = []
    for cls in EVENT_TYPES.values():
        path = getattr(cls, "FRAMES", None)
        if path is not None and Path(path).parent != FRAMES_DIR:
            out.append(Path(path))
    return out


# --- one article ---------------------------------------------------------------------------------


class _Reading:
    """The state of one ``extract`` call: mentions, parsed sentences, who and what is in focus."""

    def __init__(self, ex: Extractor, article: Article, text: str) -> None:
        self.ex = ex
        self.article = article
        self.text = text
        when = article.published or article.fetched_at or datetime.now(UTC)
        self.published: date = when.date()
        self.sents = [_strip(text, a, b) for a, b in _cut_boilerplate(text, split_sentences(text))]
        self.sent_starts = [a for a, _ in self.sents]
        self.mentions: list[Mention] = []
        self.country: str | None = None
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.candidates: list[_Candidate] = []
        # the actors each sentence is about: (character offset, actor) of its subjects, in text order
        self.subjects: dict[int, list[tuple[int, Actor]]] = {}
        self.focus_places: list[tuple[int, Place]] = []
        self.sources: dict[int, str | None] = {}
        self.bare_sides = False  # the frame being applied lets a crossing's bare side name stand for it
        self.sents_offset = 0  # where the sentence being read starts
        self.parsed: dict[int, tuple[Doc, int, list[Mention | None]]] = {}
        self.untold: dict[tuple[str, str | None], tuple[int, dict[str, list[_Filler]]]] = {}
        self.refuted: set[tuple[str, str]] = set()  # (type, place or crossing id) of events called false

    # --- the run -------------------------------------------------------------------------------

    def run(self) -> list[Finding]:
        picked = self.prepare()
        if not picked:
            return []
        return self.read(picked, parse_sentences(self.ex.parser, [self._tokens(si) for si in picked]))

    def prepare(self) -> list[int]:
        """Find the article's entities; the sentences worth parsing (none: no event can be told)."""
        forms = self.ex.triggers.cue_forms
        if not any(w.lower() in forms for w in _WORD.findall(self.text)):
            return []  # no word that could tell an event (most articles): no entities to look for
        self.mentions, self.country = find_mentions(self.text, self.ex.gazetteer, self.ex.lexicon)
        self.starts = [m.start for m in self.mentions]
        self.ends = [m.end for m in self.mentions]
        return [si for si, (s, e) in enumerate(self.sents) if self._candidate(s, e)]

    def read(self, picked: list[int], docs: Iterable[Doc]) -> list[Finding]:
        """The events of the picked sentences, given their parses."""
        for si, doc in zip(picked, docs, strict=True):
            offset = self.sents_offset = self.sents[si][0]
            tokmap = self._token_mentions(doc, offset)
            read_as_names(doc, [t.i for t in doc if (m := tokmap[t.i]) is not None and (
                m.place is not None and m.label in ("PLACE", "CROSSING", "NAME") or m.label == "STATE")])
            self.parsed[si] = (doc, offset, tokmap)
            for tok in doc:
                noun, frames = self.ex.triggers.frames_for(tok)
                for frame in frames:
                    self._apply(frame, tok, noun, si, doc, offset, tokmap)
        return self._finish()

    def _candidate(self, start: int, end: int) -> bool:
        """A sentence worth parsing: a trigger form, and an entity or a capitalised word after its first."""
        if _LINK.search(self.text, start, end):
            return False  # a page's share line or link list ("pic.twitter.com/…", "httpst.co…"), not its story
        words = [w.lower() for w in _WORD.findall(self.text, start, end)]
        # every event names a place, a crossing or a party the entities of the article recognised (a name no
        # list holds comes with a known party: "rebels took Zarqoun")
        i = bisect.bisect_left(self.starts, start)
        if len(words) > 150:
            return False
        if not (i < len(self.starts) and self.starts[i] < end):
            # "It reopened on Friday": a pronoun for the entity of the sentence before, which named one
            before = self._previous_start(start)
            if not (words and words[0] in ("it", "they") and i > 0 and self.starts[i - 1] >= before):
                return False
            if any(m.label == "CROSSING" for m in self.mentions[bisect.bisect_left(self.starts, before):i]):
                words.append("crossing")
            return self.ex.triggers.worth_parsing(words)
        j = bisect.bisect_left(self.starts, end)
        if any(m.label == "CROSSING" for m in self.mentions[i:j]):
            words.append("crossing")  # "authorities have closed Trebil": a crossing by its bare name
        return self.ex.triggers.worth_parsing(words)

    def _previous_start(self, start: int) -> int:
        """Where the sentence before the one starting at ``start`` starts."""
        k = bisect.bisect_left(self.sent_starts, start)
        return self.sents[k - 1][0] if k > 0 else start

    def _tokens(self, si: int) -> Doc:
        """The sentence's tokens, each multi-word name the article's entities recognised as one token.

        The parser was trained with names merged this way (``training/parser/augment.py``), so
        "Rapid Support Forces" or "Wad Madani" reach it as one proper noun, not three words to parse.
        """
        start, end = self.sents[si]
        doc = self.ex.parser.make_doc(self.text[start:end])
        i = bisect.bisect_left(self.ends, start + 1)
        spans = []
        while i < len(self.mentions) and self.mentions[i].start < end:
            m = self.mentions[i]
            i += 1
            lo = m.start
            if m.text[:4] in ("The ", "the "):
                lo += 4  # "The army": the article is no part of the name
            elif m.text[:1].islower() and (first := _CAPITALISED_WORD.search(m.text)) is not None:
                lo += first.start()  # "town of Al Qaryatain": the name is the capitalised part
            # (an installation's name may open with its unit's number: "22nd Infantry Division headquarters")
            opens = self.text[lo:lo + 1].isupper() or (m.label == "NAME" and self.text[lo:lo + 1].isdigit())
            if m.start < start or m.end > end or not opens or " " not in self.text[lo:m.end]:
                continue
            span = doc.char_span(lo - start, m.end - start, alignment_mode="expand")
            if span is not None and len(span) > 1:
                spans.append(span)
        if spans:
            with doc.retokenize() as retok:
                for span in spacy_filter_spans(spans):
                    retok.merge(span)
        for tok in doc:
            if tok.text.isupper() and 2 <= len(tok.text) <= 5 and tok.lower_ in _FUNCTION_WORDS:
                # "fell to IS": an acronym the text names, not the verb "is" (the model reads the lower-cased form)
                tok.norm_ = "nato"
        return doc

    def _token_mentions(self, doc: Doc, offset: int) -> list[Mention | None]:
        out: list[Mention | None] = [None] * len(doc)
        for tok in doc:
            s = offset + tok.idx
            e = s + len(tok.text)
            i = bisect.bisect_right(self.starts, s) - 1
            for j in (i, i + 1):
                if 0 <= j < len(self.mentions):
                    m = self.mentions[j]
                    if m.start < e and s < m.end:
                        out[tok.i] = m
                        break
        return out

    # --- one trigger, one frame ----------------------------------------------------------------

    def _apply(self, frame: Frame, tok: Token, noun: bool, si: int, doc: Doc, offset: int,
               tokmap: list[Mention | None]) -> None:
        if noun and frame.verbs and tok.lower_.endswith("ing") and any(c.dep_ == "obj" for c in tok.children):
            noun = False  # "with Jordan closing its side": a gerund the tagger called a noun, with its object
        if noun and 0 < tok.i < len(doc) - 1 and (
                tok.tag_ == "NNS" and tok.lower_[:-1] in frame.verbs or tok.tag_ == "NN" and tok.lower_ in frame.verbs
                and tokmap[tok.i - 1] is not None and tokmap[tok.i - 1].text.endswith("s")) and (
                tokmap[tok.i - 1] is not None and tokmap[tok.i - 1].label == "ACTOR"
                and (doc[tok.i + 1].tag_ in ("NNP", "NNPS") or doc[tok.i + 1].lower_ in ("most", "all", "parts"))):
            # "2014 – Islamic State captures Mosul", "2013 – Rebels capture Raqqa": a headline's or a timeline's
            # present tense the tagger called a noun
            noun = False
        if not noun and not self._particle_ok(frame, tok):
            return
        if not noun and tok.tag_ in ("VBN", "JJ", "VBD") and tok.dep_ == "amod" and (
                tok.i == 0 or doc[tok.i - 1].tag_ in ("DT", "JJ", "PRP$", "CD", "RB", "IN", ",")):
            return  # "the liberated areas": an adjective, not an event (but "the NHLA seized Mogoke" is one)
        if tokmap[tok.i] is not None and tokmap[tok.i].label != "PLACE":
            return  # the word is part of a name ("Liberation Army", "Rapid Support Forces")
        if not self._required(frame, tok, noun):
            return
        spec_type = self.ex.types[frame.type]
        meeting = spec_type.merge is not None
        if meeting and any(w.lower_ in self.ex.checks.not_meeting for w in clause_of(tok)):
            return  # a phone call is not a meeting (GOLD.md)
        if meeting and noun and any(c.dep_ in ("compound", "nmod:poss") and c.i < tok.i and (
                c.lower_ in self.ex.checks.bodies or c.text.split()[-1].lower() in self.ex.checks.bodies)
                for c in tok.children):
            return  # "the Security Council meeting": a body sitting, not a meeting of parties (GOLD.md)
        verdict = assess(tok, meeting=meeting, checks=self.ex.checks)
        if not verdict.fact:
            if verdict.refuted:
                self._refute(frame, tok, noun, tokmap, si, offset)
            return
        self.bare_sides = frame.bare_sides
        roles: dict[str, list[_Filler]] = {}
        direct = 0
        unreached = []
        for name, spec in spec_type.roles.items():
            fillers, reached = self._fill(frame, spec, tok, noun, tokmap, si, offset)
            if name in frame.needs and not any(f.strength >= 0.7 for f in fillers):
                return  # "when the embattled brigade lost the town": no named loser, no event (GOLD.md)
            if fillers:
                direct += not spec.optional
            elif not reached:
                unreached.append(name)
            roles[name] = fillers
        for name in unreached:
            if name in frame.fallback:
                # the tree has no phrase for the role (an agentless passive, a bare noun): discourse may fill it;
                # a phrase that is there but names no entity ("civilians left") is not replaced by a guess
                spec = spec_type.roles[name]
                roles[name] = self._fallback(frame.fallback[name], spec, tok, si, roles, verdict, tokmap, offset)
        missing = [n for n, spec in spec_type.roles.items()
                   if not roles[n] and not spec.optional and not (meeting and spec.many)]
        if missing and not meeting:
            # "Finland closed four crossings. ... the closures were implemented at A and B": the doer of an
            # act told without its object, for the mention of it that names the object
            self.untold[frame.type, frame.status] = (si, {n: fs for n, fs in roles.items() if fs})
        if not direct and not meeting:
            return  # every role from discourse: nothing in the sentence itself says who or where
        if missing:
            return
        told = self.untold.get((frame.type, frame.status))
        if told is not None and si - told[0] <= 2:
            for name, spec in spec_type.roles.items():
                if not roles[name] and spec.optional and spec.entity == "actor" and told[1].get(name):
                    roles[name] = [_Filler(f.entity, 0.7) for f in told[1][name]]
        if meeting:
            status = "scheduled" if verdict.future or frame.status == "scheduled" else "held"
        else:
            status = frame.status
        occurred, explicit = self._date(tok, si, doc, offset, future=status == "scheduled")
        source = self._source(verdict, si, doc, tokmap, tok)
        if status == "scheduled":
            modality = Modality.SCHEDULED
        elif occurred is not None and explicit and is_historical(occurred, self.published):
            modality = Modality.HISTORICAL
        else:
            modality = Modality.CLAIMED if source else Modality.ASSERTED
        self.candidates.append(_Candidate(
            type=frame.type, frame=frame, roles=roles, sentence=si, trigger=offset + tok.idx,
            occurred=occurred, explicit_date=explicit, attribution=source, modality=modality,
            confidence=0.9, status=status, order=len(self.candidates),
            anaphoric=noun and any(c.lower_ in _ANAPHORIC for c in tok.children if c.dep_ in ("det", "nmod:poss"))))

    def _refute(self, frame: Frame, tok: Token, noun: bool, tokmap: list[Mention | None], si: int,
                offset: int) -> None:
        """Note the place or crossing of an event the article calls false ("reports that X was captured
        ... The information about the capture of X is fake"): its other mentions are that report too."""
        spec_type = self.ex.types[frame.type]
        name = spec_type.identity[0]
        spec = spec_type.roles[name]
        if spec.entity in ("place", "crossing"):
            fillers, _ = self._fill(frame, spec, tok, noun, tokmap, si, offset)
            self.refuted.update((frame.type, f.entity.id) for f in fillers)

    def _particle_ok(self, frame: Frame, tok: Token) -> bool:
        particles = {c.lower_ for c in tok.children if c.dep_ == "compound:prt"}
        nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
        if nxt is not None and nxt.lower_ in frame.particles and nxt.tag_ in ("RP", "IN", "RB"):
            particles.add(nxt.lower_)  # "pulled out of X" parsed with "out" as a preposition
        obj = next((c for c in tok.children if c.dep_ == "obj"), None)
        after = tok.doc[obj.right_edge.i + 1] if obj is not None and obj.right_edge.i + 1 < len(tok.doc) else None
        if after is not None and after.lower_ in frame.particles and after.tag_ in ("RP", "RB") and (
                after.i + 1 < len(tok.doc) and tok.doc[after.i + 1].lower_ in ("from", "of", "out", "into", "across")):
            particles.add(after.lower_)  # "pushed Russian troops back from X": the particle after the object
        if not particles:
            return "" in frame.particles
        return bool(particles & frame.particles)

    def _required(self, frame: Frame, tok: Token, noun: bool) -> bool:
        for what, lemmas in frame.require.items():
            if what == "advmod":
                if not any(c.dep_ == "advmod" and c.lower_ in lemmas for c in tok.children):
                    return False
            elif what == "case":  # "X is now under Y's control" / "Y is now in control of X"
                if not any(c.dep_ == "case" and c.lower_ in lemmas for c in tok.children):
                    return False
            elif what == "governor":  # "the SDF declared Raqqa liberated": the verb whose predicate the trigger is
                gov = tok.head.head if tok.dep_ == "acl" and tok.head.dep_ == "obj" else tok.head  # "declared the town liberated"
                if tok.head.i == tok.i or gov.lower_ not in lemmas or tok.dep_ not in ("ccomp", "xcomp", "acl"):
                    return False
            elif what == "intransitive":  # "X came under the control of Y", not "Y returned X under its control"
                if any(c.dep_ in ("obj", "iobj") for c in tok.children):
                    return False
            elif what == "purpose":  # "visited Cairo for talks", "travelled to Riyadh to negotiate"
                # (the "for" phrase wherever the parser hung it in the verb's phrase: "invited X to Riyadh for talks")
                if not any((c.dep_.startswith(("obl", "nmod")) and case_of(c) == "for" and 0 < c.i - tok.i <= 8
                            or c.dep_ in ("advcl", "xcomp") and c.head.i == tok.i
                            and not any(m.dep_ in ("mark", "case") and m.lower_ != "to" for m in c.children))
                           and _lemma(c) in lemmas for c in tok.subtree):
                    return False
            elif what == "patient":
                objs = follow(tok, (Step("patient"),), noun=noun, ergative=frame.ergative)
                # "the inspection has been resumed, as well as their passage through X": a coordinated
                # patient, or one the parser hung on the verb as an oblique with its conjunction
                objs = [c for o in objs for c in conjuncts(o)] + [
                    c for c in tok.children if c.dep_.startswith("obl") and any(g.dep_ == "cc" for g in c.children)]
                if not any(o.lower_ in lemmas for o in objs):
                    return False
        return True

    # --- roles ---------------------------------------------------------------------------------

    def _fill(self, frame: Frame, spec: RoleSpec, tok: Token, noun: bool, tokmap: list[Mention | None],
              si: int, offset: int) -> tuple[list[_Filler], bool]:
        """The role's fillers, and whether any path reached a phrase at all (entity or not)."""
        unions = frame.roles.get(spec.name)
        if not unions:
            return [], False
        out: list[_Filler] = []
        reached = False
        for alternatives in unions:
            for path in alternatives:
                tokens = follow(tok, path, noun=noun, ergative=frame.ergative)
                if not tokens and not noun and len(path) == 1 and path[0].func in ("agent", "patient", "subject"):
                    tokens = _by_word_order(tok, path[0].func)
                # (a place is no phrase for an actor: "the retreat from the town of X" has no "of" actor)
                reached = reached or any(t.tag_ not in ("PRP", "PRP$", "WDT", "DT") and not _bare_party(t) and not (
                    spec.entity == "actor" and tokmap[t.i] is not None and tokmap[t.i].label in ("PLACE", "CROSSING"))
                    for t in tokens)
                found = [f for t in tokens for f in self._resolve(t, spec, tokmap, si, offset, tok)]
                if found:
                    out.extend(found)
                    break
        seen: set[str] = set()
        unique = []
        for f in out:
            if f.entity.id not in seen:
                seen.add(f.entity.id)
                unique.append(f)
        return unique, reached

    def _resolve(self, tok: Token, spec: RoleSpec, tokmap: list[Mention | None], si: int, offset: int,
                 trigger: Token, depth: int = 0, named_crossing: bool = False) -> list[_Filler]:
        """The entities a token in a role stands for, its conjuncts included.

        ``named_crossing``: a crossing noun governs the token ("crossings at X and Y", "the X crossing"),
        so a place name in it names a crossing.
        """
        out: list[_Filler] = []
        named_crossing = named_crossing or self._crossing_context(tok)
        members = conjuncts(tok)
        if spec.entity in ("place", "crossing"):
            # "at Kharlachi, Angoor Adda, and Ghulam Khan": a list the parser read as appositions
            members += [c for m in list(members) for c in m.children if c.dep_ == "appos" and c.tag_ == "NNP"
                        and (tokmap[c.i] is None or tokmap[c.i].label != "STATE")]
        if spec.entity == "crossing" and any(
                (m := tokmap[t.i]) is not None and m.label == "CROSSING" and t.lower_.endswith("s")
                and t.lower_.rsplit(" ", 1)[-1] in _CROSSING_NOUNS for t in members):
            named_crossing = True  # "the Medininkai and Salcininkai checkpoints": every name of the list is one
        for t in members:
            out.extend(self._entity(t, spec, tokmap, si, offset, trigger, depth, named_crossing))
        return out

    def _entity(self, t: Token, spec: RoleSpec, tokmap: list[Mention | None], si: int, offset: int,
                trigger: Token, depth: int, named_crossing: bool = False) -> list[_Filler]:
        m = tokmap[t.i]
        if m is not None and m.label == "STATE" and spec.entity == "crossing" and m.text.lower().endswith("side"):
            # "the Syrian side of the Nassib crossing": the crossing, on that country's side
            found = [f for c in t.children if c.dep_.startswith("nmod") and case_of(c) == "of"
                     for f in self._resolve(c, spec, tokmap, si, offset, trigger, depth + 1, named_crossing=True)]
            country = m.place.country if m.place is not None else None
            return [_Filler(f.entity, f.strength, side=country) for f in found]
        if m is not None and m.place is not None and spec.entity in ("place", "crossing") and (any(
                c.dep_ == "appos" and _crossing_noun(c) for c in t.children)
                or _CROSSING_APPOSITION.match(self.text, m.end) is not None):
            # "Shir Khan Bandar, Afghanistan's main border crossing with Tajikistan": the name is a crossing's
            if spec.entity == "place":
                return []
            if m.place.kind == "crossing":
                return [_Filler(m.place, 0.9)]  # a crossing by its side's name already
            crossing = self._crossing_named(m.place.name, m.place.country, context=True, words=m.text)
            return [_Filler(crossing, 0.8)] if crossing is not None else []
        if m is not None and m.label == "PLACE" and spec.open_world and t.i > 1 and tokmap[t.i - 1] is None \
                and t.doc[t.i - 1].text[:1].isupper() and t.doc[t.i - 1].whitespace_:
            # "Chong Sai Taku", "Jub al-Safa": a known place's name ending a longer name no list holds
            alone = list(tokmap)
            alone[t.i] = None
            lo, _ = _name_run(t.doc, t.i, alone)
            if lo is not None and 0 < lo < t.i:
                found = self._open_world(t, spec, alone, trigger, named_crossing)
                if found:
                    return found
        if m is not None and spec.entity == "actor" and m.actor is not None and m.text[1:].islower():
            # a generic noun ("soldiers", "Fighters" opening a sentence): whose they are, where the words say
            for c in t.children:
                named = tokmap[c.i]
                if c.dep_ == "nmod:poss" and c.lower_ in ("its", "their") and spec.entity == "actor":
                    owner = self._resolve(c, spec, tokmap, si, offset, trigger, depth + 1)
                    if owner:
                        return owner  # "Russia's defence ministry said its troops had withdrawn": Russia's
                if (c.dep_ in ("compound", "amod", "nmod:poss") and c.i < t.i or c.dep_.startswith("nmod")
                        and case_of(c) == "of" and c.i > t.i) and named is not None and (
                        named is not m and named.label == "ACTOR" and named.actor is not None
                        and not named.text[1:].islower()):
                    # "the M23 soldiers", "fighters of the TNLA": whose soldiers, not the country's
                    return [_Filler(named.actor, 1.0)]
                if c.dep_ in ("acl", "amod") and c.lower_ in _ALLEGIANCE:
                    loyal = self._loyal_to(c, spec, tokmap, si, offset, trigger, depth)
                    if loyal:
                        return loyal  # "Fighters loyal to the Houthis"
            if t.dep_ == "nsubj" and t.head.lower_ in _ALLEGIANCE and t.head.i > t.i:
                loyal = self._loyal_to(t.head, spec, tokmap, si, offset, trigger, depth)
                if loyal:
                    return loyal  # "Troops loyal to X seized Y" read with "loyal" as the main predicate
        if m is not None:
            filler = self._from_mention(m, spec, t, tokmap)
            if filler is not None and isinstance(filler.entity, Actor) and filler.entity.side is None:
                # "Ukraine's 80th Air Assault Brigade": a unit no list knows is its state's
                for c in t.children:
                    if c.dep_ == "nmod:poss" and tokmap[c.i] is not None and tokmap[c.i].label == "STATE":
                        return [_Filler(tokmap[c.i].actor, 0.9)]  # type: ignore[union-attr,arg-type]
            if filler is not None:
                return [filler]
            if spec.entity == "crossing" and m.place is not None and m.label != "STATE" and m.place.kind not in (
                    "province", "region", "country"):
                crossing = self._crossing_named(m.place.name, m.place.country, context=named_crossing, words=m.text)
                return [_Filler(crossing, 0.8)] if crossing is not None else []
            return []
        if depth > 3:
            return []
        named = [c for c in t.children if c.dep_ == "flat" and tokmap[c.i] is not None]
        if named and spec.entity == "actor" and t.text[:1].isupper():
            # "met President Recep Tayyip Erdogan" with the name hung on the title as a flat part
            return self._resolve(named[0], spec, tokmap, si, offset, trigger, depth + 1)
        low = t.lower_
        if low in _PRONOUNS:
            if spec.entity == "actor" and spec.many and low in _PLURAL_PRONOUNS:
                return self._the_two(si, offset + t.idx)  # "following their meeting": the parties just named
            if spec.entity == "actor" and t.dep_ == "nsubj" and t.head.dep_ == "ccomp":
                # "Turkey, which has backed the opposition, said it would hold talks": the subject of a
                # reported clause is the reporter
                reporter = next((c for c in t.head.head.children if c.dep_ == "nsubj" and c.lower_ not in _PRONOUNS),
                                None)
                if reporter is not None and _party_between(reporter, t, tokmap):
                    reporter = None  # "the army pulled out, and the SDF said they had ...": the nearer party
                if reporter is not None:
                    found = self._resolve(reporter, spec, tokmap, si, offset, trigger, depth + 1)
                    if found:
                        return found
            if spec.entity == "actor":
                # "driving out al-Qaida militants a year after they captured it": a pronoun means the
                # nearest actor named before it in its sentence; only then the actor in focus
                near = self._nearest_actor(si, offset + t.idx, plural=low in ("they", "them", "their"))
                if near is not None:
                    return [_Filler(near, 0.75)]
            if spec.entity in ("place", "crossing") and low in _PLURAL_PRONOUNS:
                # "after losing control of them", "taking them captive": a plural pronoun is rarely one place
                return []
            hit = self._discourse(spec, si, None, t)
            return [hit] if hit is not None else []
        if spec.entity in ("place", "crossing") and low in _DATE_WORDS:
            # "ousted IS from Hasakeh Tuesday": the place read as a modifier of the day
            return [f for c in t.children if c.dep_ in ("amod", "compound") and c.i < t.i
                    for f in self._resolve(c, spec, tokmap, si, offset, trigger, depth + 1)]
        noun = _lemma(t)
        if spec.entity == "place" and _crossing_noun(t):
            return []  # "captured the X checkpoint": a crossing, never a place whose control changed
        if spec.entity in ("place", "crossing") and (noun in _PLACE_NOUNS or noun in _CROSSING_NOUNS
                                                      or noun in _EXTENTS or low in _EXTENTS):
            return self._behind_noun(t, spec, tokmap, si, offset, trigger, depth)
        if spec.entity == "actor" and spec.many and noun in _PAIR_NOUNS and any(
                c.lower_ in ("both", "two") for c in t.children):
            return self._the_two(si, offset + t.idx)  # "officials from both sides met in Antalya"
        if spec.entity == "actor" and (not t.tag_.startswith("NNP") or _opens_sentence(t)) and (
                noun in _PARTY_NOUNS or noun in _GROUP_NOUNS or noun in _ARMED_NOUNS or low in _ARMED_NOUNS
                or low in _PARTY_NOUNS):
            found = []
            for c in t.children:
                if c.lower_ not in _ALLEGIANCE and c.dep_ in ("amod", "compound", "nmod:poss", "appos", "flat") or (
                        c.dep_.startswith("nmod") and (case_of(c) in ("of", "from") or case_of(c) == "for" and noun in _PARTY_NOUNS)):
                    found.extend(self._resolve(c, spec, tokmap, si, offset, trigger, depth + 1))
                    if c.dep_ == "compound" and tokmap[c.i] is None and c.tag_ in ("NN", "NNS"):
                        # "Iraqi and Syrian security officials" with "Syrian" hung on "security"
                        for d in c.children:
                            if d.dep_ in ("amod", "compound") and d.i < c.i:
                                found.extend(self._resolve(d, spec, tokmap, si, offset, trigger, depth + 1))
                elif c.dep_.startswith("nmod") and case_of(c) == "in" and noun in _PARTY_NOUNS and not spec.many:
                    # "authorities in Sudan's Al-Qadarif state": the state whose ground it is (but "talks
                    # between leaders in Japan" are where they meet)
                    found.extend(self._state_of_place(c, tokmap))
                elif c.dep_ in ("acl", "amod") and c.lower_ in _ALLEGIANCE:
                    # "forces loyal to the government", "fighters aligned with the TPLF" (but not "backed by")
                    found.extend(self._loyal_to(c, spec, tokmap, si, offset, trigger, depth))
            if not found and t.dep_ == "nsubj" and t.head.lower_ in _ALLEGIANCE:
                # "Forces aligned with the TPLF had taken X" with "aligned" read as the main verb
                found = self._loyal_to(t.head, spec, tokmap, si, offset, trigger, depth)
            if found:
                return found
            if (noun in _GROUP_NOUNS and any(c.lower_ in ("the", "this") for c in t.children)) or (
                    (noun in _ARMED_NOUNS or low in _ARMED_NOUNS) and t is not trigger):
                if noun in _GROUP_NOUNS:  # "the militant group": the non-state actor in focus, never an army
                    actor = self._focus_actor(si, self.sents[si][0] + t.idx, non_state=True)
                    return [_Filler(actor, 0.65)] if actor is not None else []
                hit = self._discourse(spec, si, None, t)  # "the fighters": the actor in focus
                return [_Filler(hit.entity, 0.65)] if hit is not None else []
            return []
        if spec.entity == "actor" and t.tag_ in ("NNP", "NNPS"):
            # "the Chinese Special Envoy Mr. Deng Xijun", "Bardar, the head of the Taliban's office", "Bardar,
            # who heads the Taliban's office": a person stands for the state or group his description names
            for c in t.children:
                if (c.dep_ in ("amod", "compound", "nmod:poss", "nmod:desc") and c.i < t.i) or c.dep_ == "appos":
                    found = self._resolve(c, spec, tokmap, si, offset, trigger, depth + 1)
                    if found:
                        return found
                if c.dep_ == "acl:relcl" and c.lower_ in _LEADS:
                    for o in c.children:
                        if o.dep_ == "obj":
                            found = self._resolve(o, spec, tokmap, si, offset, trigger, depth + 1)
                            if found:
                                return found
        if _proper(t) and not (t.dep_ in ("compound", "flat") and _proper(t.head)):
            return self._open_world(t, spec, tokmap, trigger, named_crossing) if spec.open_world else []
        return []

    def _from_mention(self, m: Mention, spec: RoleSpec, t: Token, tokmap: list[Mention | None]) -> _Filler | None:
        strength = 0.85 if m.is_reference else 1.0
        if spec.entity == "actor":
            if m.person and not spec.persons:
                return None
            if m.actor is not None:
                return _Filler(m.actor, strength)
            if m.place is not None and m.label == "PLACE":
                state = self.ex.lexicon.capital_state(m.place)  # "Moscow and Kyiv met"
                return _Filler(state, 0.8) if state is not None else None
            return None
        if m.place is None:
            return None
        if spec.entity == "crossing":
            return _Filler(m.place, strength) if m.place.kind == "crossing" else None
        if m.place.kind in spec.not_kinds or (spec.kinds and m.place.kind not in spec.kinds):
            return None
        if m.label == "STATE" and t.tag_ in ("JJ",):
            return None  # "the Syrian town of X": a demonym modifier, not the place
        before = t.doc[t.i - 1] if t.i > 0 and t.text[:1].isupper() else None  # not "the southern city of X"
        side = before.lower_ if before is not None and before.lower_ in _QUARTERS and before.head.i == t.i else None
        if side is not None and m.place.kind in ("city", "town"):
            return _Filler(_quarter(m.place, side), strength * 0.9)  # "rebels seized eastern Aleppo"
        return _Filler(m.place, strength)

    def _behind_noun(self, t: Token, spec: RoleSpec, tokmap: list[Mention | None], si: int, offset: int,
                     trigger: Token, depth: int) -> list[_Filler]:
        """"the strategic town of X", "the border town X", "most of X", "crossings at X and Y"."""
        noun = _lemma(t)
        found: list[_Filler] = []
        if t.tag_ == "NNS" and (spec.entity == "crossing" and noun in _CROSSING_NOUNS or spec.entity == "place"
                                and noun in _PLACE_NOUNS) and t.i + 2 < len(t.doc) and (
                t.doc[t.i + 1].text in (":", "—", "–")) and (t.doc[t.i + 2].tag_.startswith("NNP")
                                                           or tokmap[t.i + 2] is not None):
            # "two checkpoints: A and B", "captured three villages – A, B and C –"
            return self._named_after_colon(t, spec, tokmap, si, offset, trigger, depth)
        if spec.entity == "place" and noun in REGION_NOUNS and any(c.lower_ in _EPONYMOUS for c in t.children):
            # "the city of Daraa and the eponymous province": the province named after the last town told
            town = next((m.place for m in reversed(tokmap[:t.i]) if m is not None and m.place is not None
                         and m.place.kind in ("city", "town")), None)
            region = self.ex.gazetteer.lookup(f"{town.name} {noun}", town.country) if town is not None else None
            return [_Filler(region, 0.9)] if region is not None and region.kind == "province" else []
        if noun in _DIRECTIONS and spec.entity == "place":
            # "seized the east of the city": that quarter of the city, named as the press names it
            for c in t.children:
                if c.dep_.startswith("nmod") and case_of(c) == "of":
                    whole = self._resolve(c, spec, tokmap, si, offset, trigger, depth + 1)
                    return [_Filler(_quarter(f.entity, _DIRECTIONS[noun]), f.strength * 0.9) for f in whole
                            if isinstance(f.entity, Place) and f.entity.kind in ("city", "town")]
            return []
        whole = [c for c in t.children if c.dep_.startswith("nmod") and case_of(c) == "of"]
        if noun == "side" and whole:
            # "the Gaza side of the Rafah crossing": a side of the crossing (a crossing is not a place held)
            return [f for c in whole for f in self._resolve(c, spec, tokmap, si, offset, trigger, depth + 1)]
        located = False  # an "in"/"at" phrase named where the (one) thing is
        for c in t.children:
            rel = c.dep_
            prep = case_of(c) if rel.startswith("nmod") else ""
            if prep == "with" and _crossing_noun(t):
                # "a crossing with Turkey at Kasab": the place hung on the neighbour's name
                for d in c.children:
                    if d.dep_.startswith("nmod") and case_of(d) == "at":
                        found.extend(self._resolve(d, spec, tokmap, si, offset, trigger, depth + 1, named_crossing=True))
                    elif d.dep_ == "conj" and t.tag_ == "NNS" and self._label(d) != "STATE":
                        # "its two crossings with Afghanistan, Torkham and Chaman": the crossings' names
                        found.extend(self._entity(d, spec, tokmap, si, offset, trigger, depth + 1, named_crossing=True))
                continue
            if rel.startswith("nmod") and prep in ("along", "along_with", "including", "like", "as_well_as"):
                found.extend(self._resolve(c, spec, tokmap, si, offset, trigger, depth + 1))  # more of the same
                continue
            if prep == "of" and t.tag_ == "NNS" and noun in _PART_NOUNS:
                # "seized neighbourhoods of Omdurman": parts of a city, not the city ("the villages of A and B" name them)
                parts = self._resolve(c, spec, tokmap, si, offset, trigger, depth + 1)
                found.extend(f for f in parts if not (isinstance(f.entity, Place) and f.entity.kind in _WHOLES))
                continue
            if rel == "compound" and c.i < t.i and c.tag_ in ("NN", "NNS") and not c.text[:1].isupper():
                # "the Zorbat border crossing": through the generic "border" to the name before it
                for d in c.children:
                    if d.dep_ == "compound" and d.i < c.i:
                        found.extend(self._resolve(d, spec, tokmap, si, offset, trigger, depth + 1,
                                                   named_crossing=_crossing_noun(t)))
                continue
            if rel == "nmod" and not prep and c.i > t.i and any(
                    p.dep_ == "punct" and p.i < c.i and p.text in ("-", "–", "—", ":") for p in c.children):
                rel = "appos"  # "the border gates - A, B and C": a list after a dash names them
            named_amod = rel == "amod" and c.i < t.i and tokmap[c.i] is not None and tokmap[c.i].label in (
                "PLACE", "NAME")  # "Maungdaw township" with the name read as an adjective
            if rel in ("appos", "flat", "nmod:unmarked") or (rel == "compound" and c.i < t.i) or named_amod or (
                    rel.startswith("nmod") and prep in ("of", "at", "in", "between", "on", "near", "across", "opposite")
                    and (noun not in _PLACE_NOUNS or prep == "of" or noun in _CROSSING_NOUNS)):
                if prep in ("in", "near") and noun not in _CROSSING_NOUNS and not (
                        noun in _INSTALLATIONS and prep == "in"):
                    continue  # "the village in X" is not X (but "the base in Khojaly" is where it was)
                if prep in ("in", "at") and located and t.tag_ == "NN":
                    continue  # "the checkpoint in X in Buri Ram": one checkpoint, at X; the next is where X lies
                here = self._resolve(c, spec, tokmap, si, offset, trigger, depth + 1, named_crossing=_crossing_noun(t))
                located = located or (bool(here) and prep in ("in", "at"))
                found.extend(here)
        named_of = [f for c in t.children if c.dep_.startswith("nmod") and case_of(c) == "of"
                    for f in self._resolve(c, spec, tokmap, si, offset, trigger, depth + 1)] if found else []
        if named_of and any(c.dep_ == "compound" and c.i < t.i for c in t.children) and noun in _PLACE_NOUNS:
            found = named_of  # "the Damascus suburb of Daraya" is Daraya
        elif found and noun in _PLACE_NOUNS and any(c.dep_ == "compound" and c.i < t.i for c in t.children):
            # "the Tigray regional capital, Mekelle" is Mekelle: the name in apposition, not the region before
            named = [f for c in t.children if c.dep_ == "appos" and c.i > t.i
                     for f in self._resolve(c, spec, tokmap, si, offset, trigger, depth + 1)]
            found = named or found
        if noun in _EXTENTS or t.lower_ in _EXTENTS:
            words = self.text[offset + t.left_edge.idx:offset + t.idx + len(t.text)]
            share = _EXTENTS.get(noun, _EXTENTS.get(t.lower_))
            number = next((c for c in t.children if c.dep_ == "nummod" and c.like_num), None)
            if number is not None and noun in ("percent", "%"):
                try:
                    share = min(1.0, float(number.text) / 100.0)
                except ValueError:
                    share = None
            extent = Extent(text=f"{words} of".strip(), share=share)
            return [_Filler(f.entity, f.strength, extent) for f in found]
        if not found and _crossing_noun(t) and t.dep_ == "obj":
            # "closed its two crossings — at Torkham and Chaman": the phrase the parser hung on the verb
            for c in t.head.children:
                if c.dep_.startswith("obl") and case_of(c) in ("at", "in") and c.i > t.i:
                    found.extend(self._resolve(c, spec, tokmap, si, offset, trigger, depth + 1, named_crossing=True))
                    break  # the nearest: "the checkpoint in X in Y province" is X's
        if spec.entity == "place" and noun in _INSTALLATIONS and found and any(
                c.dep_ == "compound" and c.i < t.i or c.dep_.startswith("nmod") and case_of(c) == "of"
                for c in t.children):
            # "the Jazal oil field" is the field, not the town of Jazal; "the headquarters of the First Armoured
            # Division" is the headquarters, not the division
            named = self._installation(t, offset)
            if named is not None:
                return [_Filler(named, 0.8)]
        if spec.entity == "crossing" and _crossing_noun(t):
            promoted = []
            for f in found:
                if isinstance(f.entity, Place) and f.entity.kind != "crossing":
                    crossing = self._crossing_named(f.entity.name, f.entity.country, context=True)
                    if crossing is not None:
                        promoted.append(_Filler(crossing, f.strength * 0.9))
                else:
                    promoted.append(f)
            found = promoted
        if found:
            return found
        before = t.doc[t.left_edge.i - 2] if t.left_edge.i >= 2 and t.doc[t.left_edge.i - 1].text == "," else None
        if before is not None and any(c.lower_ == "the" for c in t.children) and (
                (m := tokmap[before.i]) is not None and m.place is not None and m.label in ("PLACE", "CROSSING", "NAME")):
            # "The Upper Lars checkpoint, the only land crossing between Georgia and Russia, was closed" parsed
            # with the description as the subject: it stands for the name before its comma
            return self._resolve(before, spec, tokmap, si, offset, trigger, depth + 1,
                                 named_crossing=spec.entity == "crossing" and _crossing_noun(t))
        if spec.entity == "place" and noun in _VACATED_NOUNS:
            # "took control of the territory that had been vacated": the place a withdrawal just left
            if any(c.dep_ == "acl:relcl" and c.lower_ in self.ex.checks.vacated for c in t.children):
                left = [c for c in self.candidates if c.type == "forces.withdrew" and si - c.sentence <= 1]
                if left and left[-1].roles.get("place"):
                    return [_Filler(f.entity, 0.7) for f in left[-1].roles["place"]]
        if spec.entity == "place" and noun in _INSTALLATIONS:
            named = self._installation(t, offset)
            if named is not None:
                return [_Filler(named, 0.7)]
        if any(c.lower_ in ("the", "this", "that") for c in t.children) and t.tag_ == "NN" and noun in _PLACE_REF_KINDS \
                and not any(case_of(c) in ("with", "between") for c in t.children):
            hit = self._discourse(spec, si, noun, t)  # "the town", "the crossing", "the provincial capital"
            return [hit] if hit is not None else []
        if any(c.lower_ in ("the", "these", "both", "those") for c in t.children) and t.tag_ == "NNS":
            # "the towns", "both villages": the places of the last event told with two or more, else named together
            return self._last_told(spec, si) or self._last_list(spec, si, offset + t.idx, noun)
        return []

    def _last_told(self, spec: RoleSpec, si: int) -> list[_Filler]:
        """The places (or crossings) of the latest event of the last two sentences that had two or more:
        "Venezuela reopened the A and B bridges ... Venezuela closed both bridges in February"."""
        if spec.entity not in ("place", "crossing"):
            return []
        for c in reversed(self.candidates):
            if c.sentence < si - 2:
                break
            if c.sentence == si:
                continue
            told = [f for fs in c.roles.values() for f in fs if isinstance(f.entity, Place)
                    and (f.entity.kind == "crossing") == (spec.entity == "crossing")]
            if len({f.entity.id for f in told}) >= 2:
                return [_Filler(f.entity, 0.6) for f in told]
        return []

    def _named_after_colon(self, t: Token, spec: RoleSpec, tokmap: list[Mention | None], si: int, offset: int,
                           trigger: Token, depth: int) -> list[_Filler]:
        """"two checkpoints: Chup Koki, which lies ..., and Choam": the names that open the list's items
        (as many as the number says), wherever the parser hung them."""
        doc = t.doc
        count = next((2 if c.lower_ == "both" else number(c.text) for c in t.children if c.dep_ == "nummod"), 0)
        names: list[Token] = []
        k, opens = t.i + 2, True
        while k < len(doc) and doc[k].text not in (".", ";", "!", "?"):
            w = doc[k]
            if opens and (w.tag_.startswith("NNP") or tokmap[k] is not None or (
                    w.tag_.startswith("NN") and w.text[:1].isupper())):  # a name the tagger took for a noun
                names.append(w)
                while k + 1 < len(doc) and doc[k + 1].tag_.startswith("NNP") and tokmap[k + 1] is None:
                    k += 1  # the rest of the name
                opens = False
            else:
                opens = w.text in (",", "and", ":")
            k += 1
        if count:
            names = names[:count]
        return [f for n in names
                for f in self._entity(n, spec, tokmap, si, offset, trigger, depth + 1, named_crossing=True)]

    def _last_list(self, spec: RoleSpec, si: int, pos: int, noun: str) -> list[_Filler]:
        """The places a plural definite description stands for: the last two or more of its kind named together."""
        kinds = _PLACE_REF_KINDS.get(noun)
        for sj in (si, si - 1, si - 2):
            if sj < 0:
                break
            lo, hi = self.sents[sj]
            i = bisect.bisect_left(self.starts, lo)
            found: list[Place] = []
            while i < len(self.mentions) and self.mentions[i].start < min(hi, pos):
                m = self.mentions[i]
                i += 1
                p = m.place
                if p is None or m.label in ("STATE",) or m.is_reference or (kinds is not None and p.kind not in kinds) \
                        or is_dateline(self.text, m.start, m.end):
                    continue
                if spec.entity == "crossing" and p.kind != "crossing" or spec.entity == "place" and (
                        p.kind in spec.not_kinds or p.kind == "country"):
                    continue
                if all(p.id != q.id for q in found):
                    found.append(p)
            if len(found) >= 2:
                return [_Filler(p, 0.6) for p in found]
        return []

    def _label(self, t: Token) -> str | None:
        i = bisect.bisect_right(self.starts, self.sents_offset + t.idx) - 1
        if 0 <= i < len(self.mentions) and self.mentions[i].start <= self.sents_offset + t.idx < self.mentions[i].end:
            return self.mentions[i].label
        return None

    def _installation(self, t: Token, offset: int) -> Place | None:
        """"the 17th Division base", "the Wagner-run airfield": an installation named by its modifiers."""
        mods = [c for c in t.children if c.dep_ in ("compound", "amod", "nummod") and c.i < t.i]
        kind = "base" if _lemma(t) in ("base", "airbase", "airport", "airfield", "garrison", "barracks") else "other"
        owner = next((c for c in t.children if c.dep_ == "nmod:poss" and self._label(c) in ("PLACE", "NAME")), None)
        unit = next((c for c in t.children if c.dep_.startswith("nmod") and case_of(c) == "of" and c.i > t.i), None)
        if not mods and unit is not None and unit.text[:1].isupper() and not _is_title_case(t.doc) and (
                self._label(unit) is None):
            # "the headquarters of the army's First Armoured Division": the unit's installation
            after = max((w.i for w in unit.subtree if w.tag_ == "POS" or w.dep_ == "case"), default=unit.left_edge.i - 1)
            words = [w.text for w in t.doc[after + 1:unit.i + 1]]
            if words and words[0][:1].isupper():
                return name_place(self.ex.gazetteer, f"{' '.join(words)} {t.text}", kind, self.country)
        if owner is not None and not _is_title_case(t.doc) and all(c.dep_ == "amod" and c.text.islower() for c in mods):
            # "Kismayo's airport", "Tripoli's international airport": the installation named after its place
            words = " ".join(w.text for w in t.doc[owner.right_edge.i + 1:t.i + 1] if w.tag_ != "POS")
            return name_place(self.ex.gazetteer, f"{owner.text} {words}", kind, self.country)
        if not mods or not any(c.text[:1].isupper() and c.tag_ in ("NNP", "NNPS", "CD", "NN") and not (
                self._label(c) == "STATE") for c in mods) or _is_title_case(t.doc) or t.text.isupper():
            return None  # "the 17th Division base" has a name; "two military bases" has none
        words = sorted({w for c in mods for w in c.subtree}, key=lambda w: w.i)
        while words and words[0].text.islower() and words[0].dep_ in ("amod", "det", "advmod"):
            words.pop(0)  # "the nearby Baba Gurgur oil field": a description, not part of the name
        start = words[0].idx if words else t.idx
        name = self.text[offset + start:offset + t.idx + len(t.text)]
        if name.lower().startswith("the "):
            name = name[4:]
        return name_place(self.ex.gazetteer, name, kind, self.country)

    def _loyal_to(self, word: Token, spec: RoleSpec, tokmap: list[Mention | None], si: int, offset: int,
                  trigger: Token, depth: int) -> list[_Filler]:
        """Whom an allegiance word ("loyal", "aligned") is to or with: a government's forces, else the party."""
        return [f for d in word.children if d.dep_.startswith(("obl", "nmod")) and case_of(d) in ("to", "with")
                for f in self._government_of(d, tokmap) or self._leaders_forces(d, tokmap)
                or self._resolve(d, spec, tokmap, si, offset, trigger, depth + 1)]

    def _leaders_forces(self, t: Token, tokmap: list[Mention | None]) -> list[_Filler]:
        """"forces loyal to President X": a state leader's forces are the state's government forces; "troops
        loyal to Haftar" are the forces of the group he leads."""
        m = tokmap[t.i]
        if m is None or not m.person or m.actor is None:
            return []
        if not m.actor.id.startswith("state:"):
            return [_Filler(m.actor, 0.9)]
        return self._government_forces(m.actor.country)

    def _government_forces(self, country: str | None) -> list[_Filler]:
        found = self.ex.lexicon.find("government forces", country)
        return [_Filler(found[0].actor, 0.9)] if found else []

    def _government_of(self, t: Token, tokmap: list[Mention | None]) -> list[_Filler]:
        """The forces of a government named as one ("loyal to the government", "to Yemen's internationally
        recognised government"): that state's government forces, else the focus country's."""
        if t.text.split()[-1].lower() not in ("government", "regime"):
            return []
        state = next((tokmap[d.i].place.country for d in t.subtree  # type: ignore[union-attr]
                      if tokmap[d.i] is not None and tokmap[d.i].label == "STATE"
                      and tokmap[d.i].place is not None), None) or self.country
        return self._government_forces(state)

    def _state_of_place(self, t: Token, tokmap: list[Mention | None]) -> list[_Filler]:
        """The state a place phrase lies in ("in Sudan's Al-Qadarif state", "in Kharkiv")."""
        for d in (t, *t.subtree):
            m = tokmap[d.i]
            if m is not None and m.place is not None and m.place.country:
                state = self.ex.lexicon.state(m.place.country)
                if state is not None:
                    return [_Filler(state, 0.8)]
        return []

    def _open_world(self, t: Token, spec: RoleSpec, tokmap: list[Mention | None], trigger: Token,
                    named_crossing: bool) -> list[_Filler]:
        """A proper name in a role that no data knows: "took Sarrin", "Fano fighters seized X"."""
        doc = t.doc
        lo, hi = _name_run(doc, t.i, tokmap)
        if lo is None:
            return []
        name = doc[lo:hi + 1].text
        if not name[:1].isupper() or len(name) < 3 or name.isupper() and spec.entity != "actor":
            return []
        words = name.split()
        if (len(words) == 1 and words[0].lower() in _NOT_NAMES) or any(
                w.lower() in _DATE_WORDS or w.lower().rstrip("s'’") in _DATE_WORDS for w in words):
            return []  # "Sunday", "Palace": capitalised, but no place or group
        if _is_title_case(doc):
            return []  # a headline capitalises every word: no name can be told from its form
        if spec.entity == "actor":
            parts = re.split(r"[\s-]+", name.lower().replace(".", ""))
            if all(w in _TITLES or w in _PARTY_NOUNS or w in _ARMED_NOUNS for w in parts):
                return []  # "Lt-Gen", "Authorities": a title or a common noun a sentence capitalised
            if name.lower() in self.ex.checks.media:
                return []  # "Zokhawthar (Reuters)": a news agency tells the news, it is in none of it
            if _TOPONYM.match(name):
                return []  # "Jabal al Rahmaliya": a place's name, not a party's
            if not spec.persons and not _GROUPISH.search(name):
                return []  # "Noha left al-Foua": a person, or a name we cannot tell from one, is no armed force
            return [_Filler(group_actor(name), 0.6)]
        if name.lower() in self.ex.checks.media or any(w in _SOURCE_NOUNS for w in name.split()):
            return []  # "the Syrian Observatory": a source of the news, not a place in it
        kind = "crossing" if spec.entity == "crossing" else "village"
        words = name.split()
        if len(words) > 4 or sum(1 for w in words if _TOPONYM.fullmatch(w)) > 1:
            return []  # "Beit Khadour Beit Zaifa Tel": a list whose commas were lost, not one name
        before = doc[lo - 1] if lo > 0 else None
        if before is not None and (tokmap[before.i] is not None and tokmap[before.i].label == "STATE"
                                   and before.tag_ in ("JJ", "NNP") or before.lower_ in _TITLES):
            return []  # "the Palestinian Sami Al-Ahmad", "President X": a person, not a place
        if len(words) > 1 and words[-1].lower() in _KIND_WORDS:  # "Panwa Town" is the town of Panwa
            kind = _KIND_WORDS[words[-1].lower()]
            name = " ".join(words[:-1])
        if spec.entity == "crossing":
            crossing = self._crossing_named(name, self.country, context=named_crossing)
            return [_Filler(crossing, 0.6)] if crossing is not None else []
        return [_Filler(name_place(self.ex.gazetteer, name, kind, self.country), 0.6)]

    def _crossing_context(self, t: Token) -> bool:
        """Is ``t`` named as a crossing ("the X crossing", "crossings at X", "the X border post")?"""
        if t.head.i == t.i:
            return False
        if _crossing_noun(t.head):
            return True
        # "the port of Islam Qala", "the gate of X": a weak noun and a side's name the crossings data knows
        return (_lemma(t.head) in _WEAK_CROSSING_NOUNS and case_of(t) == "of"
                and self.ex.gazetteer.crossing_by_side_name(t.text) is not None)

    def _crossing_named(self, name: str, country: str | None, *, context: bool, words: str | None = None
                        ) -> Place | None:
        """The crossing a side's name stands for, where the text calls it a crossing ("the Torkham crossing",
        "crossings at X") or the frame lets a bare side name stand for one ("Pakistan closed Torkham"); with a
        crossing noun around it, a crossing the data lacks too. ``words``: the text's own spelling of the
        place ("Islam Qala", whose town the gazetteer calls "Eslam Qaleh"), tried first."""
        if not context and not self.bare_sides:
            return None
        for spelling in (words, name):
            known = self.ex.gazetteer.crossing_by_side_name(spelling) if spelling else None
            if known is not None:
                return known
        if not context:
            return None
        return self.ex.gazetteer.crossing_spelled_like(name) or crossing_place(self.ex.gazetteer, name, country)

    # --- discourse -----------------------------------------------------------------------------

    def _discourse(self, spec: RoleSpec, si: int, noun: str | None, t: Token) -> _Filler | None:
        """The entity in focus that a pronoun or a definite description ("the town") stands for."""
        pos = self.sents[si][0] + t.idx
        if spec.entity == "actor":
            actor = self._focus_actor(si, pos)
            return _Filler(actor, 0.7) if actor is not None else None
        kinds = _PLACE_REF_KINDS.get(noun or "", None)
        if noun is None and spec.entity == "place":
            # "the army regained the Republican Palace in central Khartoum ... after the RSF seized it": "it" is
            # the place the sentence's event before it took, not the place that one lies in
            told = [f for c in self.candidates if c.sentence == si and c.trigger < pos
                    for f in c.roles.get("place", []) if isinstance(f.entity, Place)]
            if told:
                return _Filler(told[-1].entity, 0.7)
        for m in reversed(self.mentions):
            if m.end > pos:
                continue
            if pos - m.end > 1500:
                break
            if m.place is None and m.inner is not None:
                m = Mention(m.start, m.end, m.text, "PLACE", place=m.inner)
            if m.place is None or m.label == "STATE" or (spec.entity == "place" and self._container(m)):
                continue
            if is_dateline(self.text, m.start, m.end):
                continue  # "ADDIS ABABA — ...", "Mogadishu.": where the story was filed, not what it is about
            if spec.entity == "crossing" and m.place.kind != "crossing":
                continue
            if spec.entity == "place" and (m.place.kind in spec.not_kinds or m.place.kind == "country"):
                continue
            if kinds is not None and m.place.kind not in kinds:
                continue
            return _Filler(m.place, 0.7)
        return None

    def _container(self, m: Mention) -> bool:
        """Is ``m`` the place a nearer place lies in ("the Baba Amr district in the central city of Homs")?"""
        i = bisect.bisect_left(self.starts, m.start) - 1
        if i < 0:
            return False
        prev = self.mentions[i]
        between = self.text[prev.end:m.start]
        return prev.place is not None and len(between) < 45 and _LOCATIVE_BEFORE.search(between) is not None \
            and "." not in between

    def _attacker(self, si: int, pos: int) -> Actor | None:
        offensive = self.ex.checks.offensive
        for sj in (si, si - 1):
            if sj < 0 or (sj not in self.parsed and not self._may_attack(sj)):
                continue
            doc, offset, tokmap = self._parsed(sj)
            found = None
            for verb in doc:
                if sj == si and offset + verb.idx >= pos:
                    break
                if verb.lower_ not in offensive or not verb.tag_.startswith("VB") or (
                        is_passive(verb) and not any(c.dep_ == "obj" for c in verb.children)):
                    continue  # (a participle with an object is active: "M23 rebels stormed X")
                # its subject, or the noun just before it where the parser gave it none ("M23 rebels stormed X"
                # read as a noun phrase)
                subjects = [c for c in verb.children if c.dep_ == "nsubj"] or _by_word_order(verb, "agent")
                for tok in subjects:
                    for f in self._resolve(tok, _SUBJECT, tokmap, sj, offset, tok):
                        if isinstance(f.entity, Actor) and f.strength > 0.6:
                            found = f.entity
            if found is not None:
                return found
        if si in self.parsed:  # else the subject of the sentence's main verb, named before the trigger
            doc, offset, tokmap = self.parsed[si]
            root = next((t for t in doc if t.dep_ == "ROOT"), None)
            subj = next((c for c in root.children if c.dep_ == "nsubj"), None) if root is not None else None
            if subj is not None and offset + subj.idx < pos:
                for f in self._resolve(subj, _SUBJECT, tokmap, si, offset, subj):
                    if isinstance(f.entity, Actor) and f.strength > 0.6:
                        return f.entity
        return None

    def _may_attack(self, sj: int) -> bool:
        """Can a sentence name an attacker at all (an actor and a verb of attack)? Else it need not be parsed."""
        lo, hi = self.sents[sj]
        i = bisect.bisect_left(self.starts, lo)
        if not any(m.actor is not None for m in self.mentions[i:bisect.bisect_left(self.starts, hi)]):
            return False
        offensive = self.ex.checks.offensive
        return any(w.lower() in offensive for w in _WORD.findall(self.text, lo, hi))

    def _parsed(self, si: int) -> tuple[Doc, int, list[Mention | None]]:
        """A sentence's parse; one that held no trigger is parsed only when a later one needs it."""
        if si not in self.parsed:
            [doc] = parse_sentences(self.ex.parser, [self._tokens(si)])
            self.parsed[si] = (doc, self.sents[si][0], self._token_mentions(doc, self.sents[si][0]))
        return self.parsed[si]

    def _nearest_actor(self, si: int, pos: int, *, plural: bool) -> Actor | None:
        """The nearest actor named before ``pos`` in its sentence (for "they" a group, not a state)."""
        i = bisect.bisect_left(self.starts, pos) - 1
        while i >= 0 and self.mentions[i].start >= self.sents[si][0]:
            m = self.mentions[i]
            i -= 1
            generic_plural = m.text.islower() and m.text.endswith("s")  # "its fighters" is not "it"
            locative = (_LOCATIVE_BEFORE.search(self.text, max(0, m.start - 40), m.start) is not None  # "in Syria"
                        or self._in_locative_phrase(si, m))  # "in the eastern Congo conflict"
            if m.actor is not None and m.end <= pos and not (plural and m.label == "STATE") and not (
                    not plural and generic_plural) and not locative:
                return m.actor
        return None

    def _in_locative_phrase(self, si: int, m: Mention) -> bool:
        if si not in self.parsed:
            return False
        doc, offset, _ = self.parsed[si]
        tok = next((t for t in doc if offset + t.idx <= m.start < offset + t.idx + len(t.text)), None)
        if tok is None:
            return False
        while tok.dep_ in ("compound", "amod", "flat") and tok.head is not tok:
            tok = tok.head
        return any(c.dep_ == "case" and c.lower_ in _LOCATIVE_CASES for c in tok.children)

    def _the_two(self, si: int, pos: int) -> list[_Filler]:
        """"both sides", "the two countries": the parties of the last meeting told, or the last two states named."""
        for c in reversed(self.candidates):
            if c.type in self.ex.types and self.ex.types[c.type].merge and si - c.sentence <= 3:
                parties = next((fs for n, fs in c.roles.items() if self.ex.types[c.type].roles[n].many), [])
                if len(parties) >= 2:
                    return [_Filler(f.entity, 0.6) for f in parties]
        states: list[Actor] = []
        i = bisect.bisect_left(self.starts, pos) - 1
        while i >= 0 and len(states) < 2 and pos - self.mentions[i].end < 1500:
            a = self.mentions[i].actor
            if a is not None and self.mentions[i].label in ("STATE", "ACTOR") and all(a.id != b.id for b in states):
                states.append(a)
            i -= 1
        return [_Filler(a, 0.5) for a in states] if len(states) == 2 else []

    def _fallback(self, how: str, spec: RoleSpec, tok: Token, si: int, roles: dict[str, list[_Filler]],
                  verdict: Verdict, tokmap: list[Mention | None], offset: int) -> list[_Filler]:
        if how == "focus":
            hit = self._discourse(spec, si, None, tok)
            return [_Filler(hit.entity, 0.6)] if hit is not None else []
        if how == "attacker":
            # "X was taken": the winner is who attacked, advanced or took places just before, in this
            # sentence or the one before; an actor merely named ("an opposition bastion") is not
            attacker = self._attacker(si, offset + tok.idx)
            return [_Filler(attacker, 0.6)] if attacker is not None else []
        if how == "context":
            # "They now control the province, as regime forces pulled out": the place the sentence is about;
            # "retreated to X" moves to a place, and leaves the sentence's place unsaid
            if any(c.dep_.startswith("obl") and case_of(c) in ("to", "towards", "toward", "into") for c in tok.children):
                return []
            pos = offset + tok.idx
            i = bisect.bisect_left(self.starts, pos) - 1
            while i >= 0 and self.mentions[i].start >= self.sents[si][0]:
                m = self.mentions[i]
                i -= 1
                if m.place is not None and m.label in ("PLACE", "NAME") and m.place.kind not in spec.not_kinds \
                        and self.ex.lexicon.capital_state(m.place) is None \
                        and not _MODIFIER_AFTER.match(self.text, m.end):  # "Tehran has started", "New York-based"
                    return [_Filler(m.place, 0.6)]
            return []
        if how == "speaker":
            if verdict.source is not None:
                for t in verdict.source.subtree:
                    m = tokmap[t.i]
                    if m is not None and m.actor is not None:
                        return [_Filler(m.actor, 0.8)]
            return []
        if how == "winner":  # "the government lost Aleppo": the other side, named in this or the next sentence
            losers = [f.entity for f in roles.get("previous", []) if isinstance(f.entity, Actor)]
            if "previous" not in roles:  # a type with no loser's role (crossings): who lost is the subject
                losers = [f.entity for c in tok.children if c.dep_ == "nsubj"
                          for f in self._resolve(c, _SUBJECT, tokmap, si, offset, c) if isinstance(f.entity, Actor)]
            lost_sides = {a.side for a in losers if a.side} | {a.id for a in losers}
            lo = self.sents[si][0]
            hi = self.sents[si + 1][1] if si + 1 < len(self.sents) else self.sents[si][1]
            i = bisect.bisect_left(self.starts, lo)
            while i < len(self.mentions) and self.mentions[i].start < hi:
                m = self.mentions[i]
                i += 1
                a = m.actor
                if a is not None and m.label == "ACTOR" and a.id not in lost_sides and a.side not in lost_sides:
                    return [_Filler(a, 0.6)]
        return []

    def _subjects_of(self, doc: Doc, si: int, offset: int, tokmap: list[Mention | None]) -> list[tuple[int, Actor]]:
        """The actors that are subjects of the sentence's verbs (what the sentence is about)."""
        out: list[tuple[int, Actor]] = []
        for tok in doc:
            if tok.dep_ in ("nsubj", "nsubj:pass") or (tok.dep_ == "ROOT" and tok.tag_.startswith("NN")):
                if tok.lower_ in _PRONOUNS or tok.tag_ in ("WDT", "WP"):
                    continue
                if any(w.lower_ in _MEDIA for w in tok.subtree):
                    continue  # "the state news agency SANA said": a source tells the news, it is not in it
                for f in self._resolve(tok, _SUBJECT, tokmap, si, offset, tok):
                    # a name no list knows is in focus only if it looks like a group ("X Army", "TNLA")
                    if isinstance(f.entity, Actor) and (f.strength > 0.6 or _GROUPISH.search(f.entity.name)):
                        out.append((offset + tok.idx, f.entity))
        return out

    def _sentence_actors(self, sj: int) -> list[tuple[int, Actor]]:
        """Subjects of a parsed sentence; for one not parsed, the actors it names."""
        if sj in self.subjects:
            return self.subjects[sj]
        if sj in self.parsed:
            doc, offset, tokmap = self.parsed[sj]
            self.subjects[sj] = []  # a subject resolved by discourse must not ask for this sentence's subjects
            self.subjects[sj] = self._subjects_of(doc, sj, offset, tokmap)
            return self.subjects[sj]
        lo, hi = self.sents[sj]
        i = bisect.bisect_left(self.starts, lo)
        out = []
        while i < len(self.mentions) and self.mentions[i].start < hi:
            m = self.mentions[i]
            if m.actor is not None:
                out.append((m.start, m.actor))
            i += 1
        self.subjects[sj] = out
        return out

    def _focus_actor(self, si: int, pos: int, *, non_state: bool = False) -> Actor | None:
        """The actor in focus at ``pos``: a subject earlier in the sentence, in the one before, or the headline's
        (``non_state``: only an armed group or movement, for "the group")."""
        for sj in (si, si - 1, 0):
            if sj < 0 or sj > si:
                continue
            found = [a for p, a in self._sentence_actors(sj) if (sj < si or p < pos)
                     and not (non_state and (a.country or a.side == "government" or a.id.startswith("state:")))]
            if found:
                return found[-1] if sj == si else found[0]
        return None

    # --- dates, sources ------------------------------------------------------------------------

    def _date(self, tok: Token, si: int, doc: Doc, offset: int, *, future: bool) -> tuple[OccurredOn | None, bool]:
        """The trigger's date: a time expression in its own clause, else in the clauses above it."""
        s_start, s_end = self.sents[si]
        sentence = self.text[s_start:s_end]
        found = find_dates(sentence, self.published, future=future)
        if s_start == 0 or not self.text[:s_start].strip():
            # a dateline is not the event's date ("12 Jul 2016 Opposition forces ..."; but "On Sunday, ...")
            found = [d for d in found if sentence[:d.start].strip() or _PREPOSITION_FIRST.match(d.text)]
        pos = tok.idx
        offsets = [o for o in find_offsets(sentence) if o.end <= pos and pos - o.end < 80]
        if offsets:
            off = offsets[-1]
            anchors = [d for d in found if d.end <= off.start] or [d for d in found if d.start >= off.end and
                                                                   d.start > pos]
            if anchors:
                anchor = anchors[-1].occurred
            else:
                prev = find_dates(self.text[self.sents[si - 1][0]:s_start], self.published) if si > 0 else []
                anchor = prev[-1].occurred if prev else OccurredOn(
                    date=self.published.isoformat(), precision=Precision.DAY, text=None)
            return shift(anchor, off.days, off.text), True
        if found:
            climb: Token | None = tok
            reported = False
            seen = 0
            while climb is not None and seen < 6:
                seen += 1
                climb = coordinated_verb(climb) or climb
                span = clause_of(climb)
                lo = span[0].idx
                hi = span[-1].idx + len(span[-1].text)
                own = [d for d in found if lo <= d.start and d.end <= hi + 1
                       and any(t.idx <= d.start < t.idx + len(t.text) + 1 for t in span)]
                if own:
                    best = min(own, key=lambda d: abs(d.start - pos))
                    occurred = best.occurred
                    before = any(c.dep_ == "aux" and c.lower_ in ("had", "'d") for c in tok.children) or (
                        tok.dep_ in ("xcomp", "ccomp") and any(c.dep_ == "aux" and c.lower_ == "had"
                                                               for c in tok.head.children))
                    if reported and before and occurred.precision is Precision.DAY:
                        # "X said on Saturday that rebels had captured ...": the report's day, not the event's
                        # (but "said Friday that its troops were retaking X": that day's news)
                        occurred = OccurredOn(date=occurred.date[:7], precision=Precision.MONTH, text=occurred.text)
                    return occurred, True
                if climb.head.i == climb.i:
                    break
                if climb.dep_ in ("ccomp", "parataxis") and climb.head.lower_ in self.ex.checks.report:
                    reported = True
                elif reported and climb.dep_ == "conj":
                    reported = False  # "X withdrew on Friday, and Y said it had taken the town": that clause's day
                elif climb.dep_ not in ("conj", "xcomp", "advcl", "acl", "ccomp", "obj", "nsubj", "nsubj:pass",
                                        "obl", "nmod", "root", "parataxis", "appos"):
                    break
                climb = climb.head
            if len(found) == 1 and not reported and not self._bounding(doc, found[0].start, tok) and not (
                    self._embedded(doc, found[0].start, tok)):
                # the tree reached no clause with the sentence's one date ("As the army pulled out of X,
                # the SDF said on Friday ..." parsed apart): the sentence tells of that day
                return found[0].occurred, True
        if FALLBACK_DATE:
            return OccurredOn(date=self.published.isoformat(), precision=Precision.DAY, text=None), False
        return None, False

    @staticmethod
    def _embedded(doc: Doc, char: int, tok: Token) -> bool:
        """Is the date at ``char`` in a clause inside the trigger's own phrases ("seized the base, which
        Kurdish forces had held since 2014"): that clause's date, not the event's?"""
        at = doc.char_span(char, char + 1, alignment_mode="expand")
        return at is not None and len(at) > 0 and at[0] in tok.subtree

    @staticmethod
    def _bounding(doc: Doc, char: int, tok: Token) -> bool:
        """Is the date at ``char`` a bound of a span rather than a day ("since November 27", "until May")?"""
        at = doc.char_span(char, char + 1, alignment_mode="expand")
        if at is None or not len(at):
            return False
        t: Token | None = at[0]
        while t is not None and tok not in t.subtree:
            if any(c.dep_ in ("case", "mark") and c.lower_ in _BOUNDS for c in t.children):
                return True
            t = t.head if t.head.i != t.i else None
        return False

    def _source(self, verdict: Verdict, si: int, doc: Doc, tokmap: list[Mention | None], tok: Token) -> str | None:
        if verdict.source is None and any(
                r.dep_ == "conj" and r.i > tok.i and r.lower_ in self.ex.checks.report
                and any(c.dep_ == "nsubj" for c in r.children) and tok in r.head.subtree for r in doc):
            return None  # "The army withdrew from X, and the SDF said ...": the SDF speaks of its own clause
        if verdict.source is None:
            # the words, where the tree names no source (a lost comma: "... a military source told Saba"); in a
            # quote, the source named after it closes, a sentence or two later
            sentence = self.text[self.sents[si][0]:self.sents[si][1]]
            found = None
            if sentence.count("“") > sentence.count("”") or (sentence.count('"') % 2 == 1):
                for sj in range(si + 1, min(len(self.sents), si + 4)):
                    later = self.text[self.sents[sj][0]:self.sents[sj][1]]
                    close = max(later.rfind("”"), later.rfind('"'))
                    if close >= 0:
                        found = find_source(later[close + 1:])
                        break
            found = found or find_source(sentence)
            if found is not None and found.lower() in ("he", "she", "they", "it", "we"):
                found = next((self.sources[sj] for sj in range(si - 1, max(-1, si - 4), -1) if self.sources.get(sj)),
                             None)
            self.sources[si] = found
            return found
        src = verdict.source
        if src.lower_ in ("he", "she", "they", "it", "we"):
            for sj in range(si - 1, max(-1, si - 4), -1):
                if self.sources.get(sj):
                    return self.sources[sj]
            return None
        # "Turkey, which has backed the opposition, said": the source, not what the article says of it
        aside = {d.i for c in src.children if c.dep_ in ("acl:relcl", "parataxis") for d in c.subtree}
        words = [t for t in src.subtree if (t.dep_ not in ("case",) or t.i > src.i) and t.i not in aside]
        while words and (words[0].is_punct or words[0].lower_ in ("according", "to") or words[0].dep_ == "cc"):
            words = words[1:]
        while words and words[-1].is_punct:
            words = words[:-1]
        text = "".join(t.text_with_ws for t in words).strip()
        for art in ("the ", "a ", "an "):
            if text.lower().startswith(art):
                text = text[len(art):]
        text = text[:200] or None
        self.sources[si] = text
        return text

    def _framework(self, si: int) -> str | None:
        """"the Astana process", "the Normandy format": a series of talks named after a place, here or next."""
        for sj in (si, si + 1):
            if sj >= len(self.sents):
                break
            for m in _FRAMEWORK.finditer(self.text, *self.sents[sj]):
                if self.ex.gazetteer.lookup(m.group(1)) is not None:
                    return f"{m.group(1)} {m.group(2).lower()}"
        return None

    # --- one event per fact --------------------------------------------------------------------

    def _finish(self) -> list[Finding]:
        expanded: list[tuple[_Candidate, dict[str, Any]]] = []
        for c in self._merge_meetings(self.candidates):
            subject = self.ex.types[c.type].identity[0]
            for combo in _expand(c, self.ex.types[c.type]):
                if (c.type, getattr(combo.get(subject), "id", None)) not in self.refuted:
                    expanded.append((c, combo))
        best: dict[tuple[Any, ...], tuple[_Candidate, dict[str, Any]]] = {}
        for c, combo in expanded:
            spec = self.ex.types[c.type]
            key = (c.type, *(_key_of(combo.get(name)) for name in spec.identity),
                   c.modality is Modality.HISTORICAL)
            cur = best.get(key)
            if cur is None or _better(c, cur[0]):
                if cur is not None and c.occurred is None and cur[0].occurred is not None:
                    c.occurred, c.explicit_date = cur[0].occurred, cur[0].explicit_date
                best[key] = (c, combo)
        # a role the identity names but a mention left empty ("they met", no place) is the same event as a
        # mention that fills it ("they met in Tirana"), when that is the only one; a later mention naming
        # fewer of its parties ("the talks between A and B" after "A, B and C met in X") is that event too
        for key in list(best):
            if None not in key:
                continue
            fuller = [k for k in best if k != key and len(k) == len(key) and all(
                a is None or a == b or (isinstance(a, tuple) and isinstance(b, tuple) and len(a) >= 2
                                        and set(a) <= set(b))
                for a, b in zip(key, k, strict=True))]
            if len(fuller) == 1:
                del best[key]
        return [self._event(c, combo) for c, combo in sorted(best.values(), key=lambda x: (x[0].trigger, x[0].order))]

    def _merge_meetings(self, candidates: list[_Candidate]) -> list[_Candidate]:
        """Mentions of one meeting in adjacent sentences are one meeting: their parties and place join."""
        out: list[_Candidate] = []
        for c in candidates:
            spec = self.ex.types[c.type]
            if spec.merge is None:
                out.append(c)
                continue
            many = next(n for n, r in spec.roles.items() if r.many)
            mine = {f.entity.id for f in c.roles.get(many, [])}
            target = None
            for prev in reversed(out):
                if prev.type != c.type or c.sentence - prev.sentence > 1 or prev.status != c.status:
                    continue
                theirs = {f.entity.id for f in prev.roles.get(many, [])}
                places = [{f.entity.id for f in x.roles.get(n, [])} for x in (c, prev)
                          for n, r in spec.roles.items() if not r.many and r.entity == "place"]
                if len(places) == 2 and places[0] and places[1] and not places[0] & places[1]:
                    break  # in Istanbul, then in Antalya: two meetings of the same parties
                # "The meeting was held in Cairo" adds to the meeting just told; "talks with the Russians"
                # with one party named is another meeting, and two sets of parties are two meetings
                if (c.anaphoric and (mine <= theirs or len(mine) < 2)) or len(mine & theirs) >= 2 or (
                        len(theirs) < 2 and prev.anaphoric and theirs <= mine):
                    target = prev
                break
            if target is None:
                out.append(c)
                continue
            for name in spec.roles:
                have = {f.entity.id for f in target.roles.get(name, [])}
                merged = [*target.roles.get(name, []), *[f for f in c.roles.get(name, []) if f.entity.id not in have]]
                if not spec.roles[name].many:
                    merged.sort(key=lambda f: -f.strength)  # a place the gazetteer knows beats a venue's name
                target.roles[name] = merged
            if not target.explicit_date and c.explicit_date:
                target.occurred, target.explicit_date = c.occurred, c.explicit_date
        keep = []
        for c in out:
            spec = self.ex.types[c.type]
            # a party is named: "rebels" or "jihadists" the lexicon knows only as a kind count for none (GOLD.md)
            ok = all(len([f for f in c.roles.get(n, []) if not (
                r.many and isinstance(f.entity, Actor) and self.ex.lexicon.is_unnamed(f.entity))]) >= r.min
                     or r.optional for n, r in spec.roles.items())
            if ok:
                keep.append(c)
        return keep

    def _event(self, c: _Candidate, combo: dict[str, Any]) -> Finding:
        cls = EVENT_TYPES[c.type]
        s_start, s_end = self.sents[c.sentence]
        raw = self.text[s_start:s_end]
        lead = len(raw) - len(raw.lstrip())
        sentence = raw.strip()
        evidence = Evidence(sentence=sentence, start=s_start + lead, end=s_start + lead + len(sentence))
        art = self.article
        source = Source(article_id=art.article_id, url=art.url, outlet=art.outlet, title=art.title,
                        story_id=art.story_id, doc_id=art.doc_id)
        data_model = cls.model_fields["data"].annotation
        fields = data_model.model_fields  # type: ignore[union-attr]
        payload: dict[str, Any] = {k: v for k, v in combo.items() if k in fields and v is not None}
        if "status" in fields and c.status is not None:
            payload["status"] = c.status
        extent = combo.get("_extent")
        if "extent" in fields and extent is not None:
            payload["extent"] = extent
        if "side" in fields and combo.get("_side"):
            payload["side"] = combo["_side"]
        elif "side" in fields and c.status in ("closed", "opened"):
            actor = combo.get("actor")
            if isinstance(actor, Actor) and actor.id.startswith("state:"):
                payload["side"] = actor.country
        if "meeting_id" in fields:
            payload["meeting_id"] = _meeting_id(c, combo)
        if "framework" in fields:
            payload["framework"] = self._framework(c.sentence)
        data = data_model(**payload)  # type: ignore[operator]
        spec = self.ex.types[c.type]
        event_id = cls.make_id(art.article_id, *(_key_of(combo.get(n)) for n in spec.identity))
        strength = min([c.confidence, *(f for f in combo.get("_strengths", []))])
        event = cls(event_id=event_id, occurred_on=c.occurred, reported_at=art.published, source=source,
                    evidence=evidence, attribution=c.attribution, modality=c.modality,
                    confidence=round(max(0.05, min(0.99, strength)), 3), rule=c.frame.rule, data=data)
        return Finding(event, c.frame.rule, sentence, evidence.start, evidence.end)


def _expand(c: _Candidate, spec: EventFrames) -> list[dict[str, Any]]:
    """One payload per combination of single-valued roles ("took A, B and C": three events)."""
    combos: list[dict[str, Any]] = [{"_strengths": [], "status": c.status}]
    for name, role in spec.roles.items():
        fillers = c.roles.get(name, [])
        if role.many:
            for combo in combos:
                combo[name] = [f.entity for f in fillers]
            continue
        if not fillers:
            for combo in combos:
                combo[name] = None
            continue
        nxt = []
        for combo in combos:
            for f in fillers if role.each else fillers[:1]:
                new = {**combo, name: f.entity, "_strengths": [*combo["_strengths"], f.strength]}
                if f.extent is not None:
                    new["_extent"] = f.extent
                if f.side is not None:
                    new["_side"] = f.side
                nxt.append(new)
        combos = nxt
    # an actor is never both sides of one event ("X expelled X"), a place never its own crossing
    out = []
    for combo in combos:
        actors = [v.id for k, v in combo.items() if isinstance(v, Actor) and not k.startswith("_")]
        if len(actors) != len(set(actors)):
            combo = {k: v for k, v in combo.items() if k != "previous"}
        out.append(combo)
    return out


def _key_of(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return tuple(sorted(v.id for v in value))
    return getattr(value, "id", value)


def _meeting_id(c: _Candidate, combo: dict[str, Any]) -> str:
    from newswire.core.models import stable_id

    parts = combo.get("participants") or []
    loc = combo.get("location")
    day = c.occurred.date if c.occurred is not None and c.explicit_date else ""
    return stable_id(day, loc.id if loc is not None else "", *sorted(p.id for p in parts))


def _better(new: _Candidate, cur: _Candidate) -> bool:
    def rank(c: _Candidate) -> tuple[int, int, float]:
        precision = {Precision.DAY: 3, Precision.MONTH: 2, Precision.YEAR: 1}
        p = precision[c.occurred.precision] if c.occurred is not None else 0
        return (1 if c.explicit_date else 0, p, c.confidence)

    return rank(new) > rank(cur)


def _name_run(doc: Doc, i: int, tokmap: list[Mention | None]) -> tuple[int | None, int]:
    """The capitalised words around token ``i`` that make one name ("Chong Sai Taku", "Chong An Ma").

    The run is read off the words, not the tree: a parser trained on web English often splits an
    unknown foreign name into several phrases. It stops at recognised entities and punctuation.
    """
    def part(k: int) -> bool:
        w = doc[k]
        return (w.text[:1].isupper() and w.text.replace("-", "").isalnum() or w.text in ("-", "al", "el")) \
            and tokmap[k] is None \
            and w.lower_ not in _NOT_NAMES and not (k == 0 and w.lower_ in _OPENERS)

    if not part(i):
        return None, i
    lo = hi = i
    def joined(k: int) -> bool:  # words of one name: apart, or joined by a hyphen ("al-Burhan")
        return bool(doc[k].whitespace_) or doc[k].text == "-" or doc[k + 1].text == "-"

    while lo > 0 and part(lo - 1) and joined(lo - 1):
        lo -= 1
    while hi + 1 < len(doc) and part(hi + 1) and joined(hi):
        hi += 1
    while lo < hi and doc[lo].text in ("-", "al", "el"):
        lo += 1
    while hi > lo and doc[hi].text in ("-", "al", "el"):
        hi -= 1
    return lo, hi


def _cut_boilerplate(text: str, sents: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences end where a page's link list begins ("(Photo AP) Print Tweet Related ..."): what follows is
    other articles' headlines, not this article (GOLD.md), so it is dropped."""
    out = []
    for a, b in sents:
        m = _BOILERPLATE.search(text, a, b)
        out.append((a, m.start()) if m is not None else (a, b))
    return [(a, b) for a, b in out if b > a]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """A sentence's span without the whitespace around it (a parser reads a leading space as a word)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_FUNCTION_WORDS = frozenset("is us as at it an am or on in to if so do no be by we he me".split())
_BETWEEN_SUBJECT = frozenset("RB RBR MD".split())
_AUX = frozenset("has have had was were is are be been being also reportedly finally".split())
_BEFORE_OBJECT = frozenset("DT PDT JJ JJS JJR PRP$ CD RB RP HYPH POS".split())


def _by_word_order(verb: Token, func: str) -> list[Token]:
    """The subject or object English word order gives, where the parse gave the verb none.

    A parser trained on web text sometimes reads a news verb it rarely saw as a noun and hangs its
    arguments elsewhere ("Islamic State militants overran northern Iraq's largest city"). Only the
    words right next to the verb count: before it, across adverbs and auxiliaries; after it, across
    determiners and adjectives. Never for a passive verb (its subject is the patient).
    """
    doc = verb.doc
    passive = any(doc[k].lower_ in ("was", "were", "been", "being", "is", "are") for k in range(max(0, verb.i - 2), verb.i))
    if func in ("agent", "subject") and not passive:
        k = verb.i - 1
        while k >= 0:
            if doc[k].tag_ in _BETWEEN_SUBJECT or doc[k].lower_ in _AUX:
                k -= 1
            elif doc[k].text in ("-", "—", "–", ",", ")"):
                # "Pro-regime fighters - backed by air strikes - retook": over a parenthetical to its subject
                opener = {")": "("}.get(doc[k].text, doc[k].text)
                j = next((j for j in range(k - 1, max(-1, k - 20), -1) if doc[j].text == opener), None)
                if j is None:
                    break
                k = j - 1
            else:
                break
        if k >= 0 and doc[k].tag_ in ("NN", "NNS", "NNP", "NNPS"):
            return [doc[k]]
    if func == "patient" and verb.tag_ == "VBN" and not passive and any(
            c.dep_ in ("obl:agent", "obl") and case_of(c) == "by" for c in verb.children):
        # "the district of Ramussa, seized by rebels": a participle's patient is the noun before its comma
        k = verb.i - 1
        while k >= 0 and doc[k].is_punct:
            k -= 1
        if k >= 0 and doc[k].tag_ in ("NN", "NNS", "NNP", "NNPS"):
            return [doc[k]]
        return []
    if func == "patient" and not passive and verb.tag_ not in ("VBN",) or (func == "patient" and passive):
        if passive:
            return []
        k = verb.i + 1
        while k < len(doc) and doc[k].tag_ in _BEFORE_OBJECT:
            k += 1
        while k + 1 < len(doc):
            if doc[k + 1].tag_ == "POS":  # "northern Iraq's largest city": past the possessor to the head
                k += 2
                while k < len(doc) and doc[k].tag_ in _BEFORE_OBJECT:
                    k += 1
                continue
            if doc[k + 1].tag_ in ("NN", "NNS", "NNP", "NNPS") and doc[k].tag_ in ("NNP", "NN"):
                k += 1  # "the Torkham border crossing": the head is the last noun
                continue
            break
        if k < len(doc) and doc[k].tag_ in ("NN", "NNS", "NNP", "NNPS"):
            return [doc[k]]
    return []


def _quarter(place: Place, side: str) -> Place:
    """"eastern Aleppo": a quarter of a city, its own place (control of it is not control of the city)."""
    name = f"{side} {place.name}"
    short = side.removesuffix("ern")
    return Place(id=f"{place.id}:{short}", name=name, aliases=[f"{short} {place.name}", f"{place.name}'s {short}"],
                 kind="district", country=place.country, lat=place.lat, lon=place.lon)


def _proper(t: Token) -> bool:
    """A proper noun, or a capitalised noun inside a sentence the tagger took for a common one ("Panwa Town")."""
    return t.tag_ in ("NNP", "NNPS") or (t.tag_ in ("NN", "NNS") and t.text[:1].isupper() and t.i > 0
                                         and t.i != t.sent.start and not t.text.isupper())


def _party_between(reporter: Token, pronoun: Token, tokmap: list[Mention | None]) -> bool:
    """Is a party named between a reporter and a pronoun, outside what the text says of the reporter
    ("Turkey, which has backed the opposition, said it ...")?"""
    aside = {d.i for c in reporter.children if c.dep_ in ("acl:relcl", "acl", "appos") for d in c.subtree}
    return any(tokmap[k] is not None and tokmap[k].actor is not None and k not in aside  # type: ignore[union-attr]
               for k in range(reporter.i + 1, pronoun.i))


def _opens_sentence(t: Token) -> bool:
    """Does ``t`` open its sentence (after a dateline's dash), where any word is capitalised?"""
    k = t.i - 1
    while k >= 0 and t.doc[k].is_punct:
        k -= 1
    return k < 0 or t.doc[k + 1].text in ("—", "–", "-") and (t.doc[k].tag_ == "NNP" or t.doc[k].text.isupper())


def _bare_party(t: Token) -> bool:
    """"the authorities", "officials": a party noun that names no one (the speaker or the focus may)."""
    return (_lemma(t) in _PARTY_NOUNS or t.lower_ in _PARTY_NOUNS) and not any(
        c.dep_ in ("amod", "compound", "nmod:poss", "nmod", "appos") for c in t.children)


def _crossing_noun(t: Token) -> bool:
    """"crossing", "checkpoint"; "post", "point", "gate" only as a "border post" or a "crossing point"."""
    noun = _lemma(t)
    if noun not in _CROSSING_NOUNS:
        return False
    if noun in _WEAK_CROSSING_NOUNS:
        return any(c.lower_ in ("border", "crossing", "frontier", "land", "dry") for c in t.children if c.i < t.i) or any(
            c.dep_.startswith("nmod") and c.lower_ in ("border", "frontier") and case_of(c) in ("on", "at", "along")
            for c in t.children)  # "the X and Y bridges on its border with Colombia"
    return True


def _lemma(t: Token) -> str:
    low = t.lower_
    if low in ("headquarters", "barracks"):
        return low  # one word for one and many
    if t.tag_ == "NNS" and low.endswith("ies"):
        return low[:-3] + "y"
    if t.tag_ == "NNS" and low.endswith("s") and not low.endswith("ss"):
        return low[:-1]
    return low


def _is_title_case(doc: Doc) -> bool:
    # a headline's short function words may stay lower case ("Army Retakes X, Kills over 50 in Y")
    words = [t for t in doc if t.is_alpha and len(t.text) > 3 and t.lower_ not in _HEADLINE_LOWER]
    return len(words) >= 4 and all(t.text[0].isupper() for t in words)


# --- the module-level entry point ------------------------------------------------------------------

_default: Extractor | None = None
_default_lock = threading.Lock()


def default_extractor() -> Extractor:
    """The process-wide extractor over the shipped data, built on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Extractor()
    return _default


def extract(article: Article) -> list[Event]:
    """The events ``article`` reports (pure: same article in, same events out)."""
    return default_extractor().extract(article)
