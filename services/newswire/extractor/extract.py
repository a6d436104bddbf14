"""``extract(article) -> list[Event]``: typed, dated, attributed conflict events from one article. Pure.

The steps, in order:

1. sentences and tokens (spaCy blank English, :mod:`.nlp`);
2. places (gazetteer) and actors (lexicon, with the article's focus country),
   plus places the gazetteer lacks where the text says they are places
   ("the village of X", "X hilltop");
3. per sentence that contains a trigger word, one token per entity and the
   named token patterns of :mod:`.patterns` (spaCy ``Matcher``);
4. per match: roles (agent, place, pronouns, coordinated places), the checks
   every rule shares (negation and hypotheticals, infinitives of purpose),
   the date (:mod:`.dates`), attribution and modality;
5. one event per fact: repeated mentions of the same event fold into one,
   keeping the most specific date and the best evidence.

Nothing here does IO; the gazetteer and lexicon are built once per process.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from spacy.matcher import Matcher
from spacy.tokens import Doc

from newswire.core.models import (
    Actor,
    Article,
    ControlChanged,
    ControlChangedData,
    CrossingStatusChanged,
    CrossingStatusChangedData,
    DiplomacyMeeting,
    DiplomacyMeetingData,
    Event,
    Evidence,
    Extent,
    ForcesWithdrew,
    ForcesWithdrewData,
    Modality,
    OccurredOn,
    Place,
    Precision,
    Source,
    stable_id,
)
from newswire.extractor import patterns as P
from newswire.extractor.dates import DateMention, find_dates, find_offsets, is_historical, shift
from newswire.extractor.nlp import get_nlp, split_sentences

__all__ = ["Extractor", "Finding", "extract", "default_extractor", "FALLBACK_DATE"]

# An event whose sentence has no time expression gets the publication date: the
# gold annotations date such events to the day or month of publication (e.g. an
# agency report "captured X" with the dateline as its only date). ``occurred_on.text``
# stays empty, which marks the date as inferred rather than read.
FALLBACK_DATE = True


_FRAMEWORK_RX = re.compile(r"\b(Astana|Geneva|Sochi|Vienna|Minsk|Doha|Jeddah|Istanbul)\s+(process|format|talks|"
                           r"framework|track|platform|agreement)\b", re.IGNORECASE)
_PHONE_RX = re.compile(r"\b(phone|telephone|call|called|calls|video ?link|videoconference)\b", re.IGNORECASE)
_EXTENT_RX = re.compile(
    r"\b(?:(?P<q>more than|over|nearly|almost|about|around|some|roughly|at least)\s+)?(?P<n>\d{1,3}(?:\.\d+)?)\s*"
    r"(?:percent|per cent|%)\s+of\b|\b(?P<word>most|nearly all|almost all|all|much|the majority|large parts|"
    r"the bulk|virtually all|half)\s+of\b", re.IGNORECASE)

# FA-KES strips apostrophes: "the armys full control" is "the army's"; the same length keeps offsets.
_POSSESSIVE_S = re.compile(r"\b(army|regime|government|military|opposition|militia|coalition)s(?=\s+[a-z])",
                           re.IGNORECASE)
_REPORT_VERBS = frozenset("said says say reported reports told announced claimed added stated confirmed quoted "
                          "according tweeted wrote".split())
_SOURCE_WORDS = frozenset("""the a an state media news agency agencies monitor monitoring group groups war local sources
source officials official military observatory activists activist witnesses residents spokesman spokeswoman
spokesperson commander commanders minister ministry television tv rights human for of - britain-based uk-based
british-based london-based based security medical diplomatic opposition rebel government army statement
correspondent reporter director head chief network pro-government pro-regime pro-opposition online website
newspaper daily channel outlet field fighters rebels troops forces militants insurgents authorities commanders
soldiers residents locals doctors medics interior foreign defence defense health information justice press
armed senior regional provincial presidential army-run state-run coalition alliance command police brigade""".split())
_TIME_WORDS = frozenset("monday tuesday wednesday thursday friday saturday sunday january february march april "
                        "june july august september october november december yesterday today".split())
_BODIES = frozenset("council parliament cabinet committee assembly board body members commission senate congress "
                    "delegates delegation leadership".split())
_CLAUSE_BREAKS = frozenset({";", "while", "whereas", "but", "meanwhile"})
_BOILERPLATE = frozenset({"Related", "Tweet", "Print"})
_ENVOY_NOUNS = frozenset("diplomats officials envoys delegations delegates ministers representatives negotiators "
                         "delegation envoy".split())
_PRONOUNS = frozenset({"he", "she", "it", "they", "we", "i", "you"})
_NAME_STOP = frozenset("""The A An In On At By For From With As Of And Or But If When While After Before Since
Meanwhile However Also Then This That These Those It Its They Their He She His Her We Our Monday Tuesday Wednesday
Thursday Friday Saturday Sunday January February March April May June July August September October November
December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec President Minister Prime Foreign General Colonel Col
Gen Sheikh Mr Mrs Ms Dr Several Many Some Most All Both Each Other Another More Less Few Northern Southern Eastern
Western Central North South East West Northeastern Northwestern Southeastern Southwestern Regime Army Government
Rebels Rebel Forces Troops Observatory Reuters AFP AP SANA State Islamic Syrian Kurdish Iraqi Turkish Russian
Iranian Saudi Lebanese Jordanian Related Read Source Tags Click Watch Video Photo Photos Update Updated
Shiite Shia Sunni Alawite Christian Druze Arab Turkmen Armenian Assyrian Ismaili Yazidi Muslim Jewish Kurd Kurds
Monitor Report Reports News Agency Agencies Press Breaking Latest Live Map Maps Several Two Three Four Five
Division Brigade Regiment Battalion Base Army Front
""".split())
_TOPONYM_PREFIX = frozenset("""Tal Tall Tel Tell Khirbet Khirbat Khirbit Kafr Kfar Jabal Jebel Jabel Deir Dayr Ain Ayn
Ras Bab Wadi Qasr Maarat Maaret Marat Umm Beit Bayt Bir Jisr Khan Marj Sheikh Hazm""".split()) - {"Hazm", "Sheikh"}
_PARTICLES = frozenset({"al", "el", "ash", "as", "ad", "ar", "az", "an", "at", "ath", "ed", "es", "ez", "ul", "et"})
_BASE_WORDS = frozenset({"Base", "Regiment", "Brigade", "Division", "Airbase", "Camp", "Battalion"})
_MARKER_BEFORE = frozenset("town village villages city district neighbourhood neighborhood suburb hill hilltop "
                           "base airbase farms towns cities districts area".split())
_SETTLEMENT_KINDS = frozenset({"city", "town", "village", "district", "other"})
_REF_NOUNS: dict[str, frozenset[str]] = {
    "town": frozenset({"city", "town", "village", "other"}), "city": frozenset({"city", "town"}),
    "village": frozenset({"village", "town", "other"}),
    "district": frozenset({"district", "other", "village", "town"}),
    "neighbourhood": frozenset({"district", "other"}), "neighborhood": frozenset({"district", "other"}),
    "base": frozenset({"base"}), "airbase": frozenset({"base"}), "hilltop": frozenset({"other", "village"}),
}
_REF_ADJ = frozenset("""strategic strategically key important nearby besieged embattled encircled northern southern
eastern western central northwestern northeastern southwestern southeastern north-western north-eastern
south-western south-eastern border historic ancient coastal desert small flashpoint symbolic industrial
predominantly mainly kurdish rebel-held regime-held government-held - held rebel regime government same
whole entire frontline besieged mountain hilltop key-held""".split())
_CAP = r"(?:(?:al|el|ash|as|ad|ar|az|an|at|ath|ed|es|ez)-)?[A-Z][\w'’]*(?:-[A-Z0-9][\w'’]*)*"
_NAME = rf"{_CAP}(?:[ ](?:(?:al|el|ash|as|ad|ar|az|an)[ ])?{_CAP}){{0,3}}"
_NAME_CONTEXTS: list[tuple[re.Pattern[str], str | None]] = [
    (re.compile(rf"\b(?P<k>towns?|villages?|city|cities|districts?|neighbou?rhoods?|suburbs?|hill|hilltop|"
                rf"base|airbase|farms|areas?)[ ]+of[ ]+(?P<n1>{_NAME})(?:[ ]+and[ ]+(?P<n2>{_NAME}))?"), "k"),
    (re.compile(r"\b(?P<n1>(?:Base|Regiment|Brigade|Division)[ ]\d{1,4})\b"), None),
    (re.compile(rf"\b(?P<n1>(?:Tal|Tall|Tel|Tell|Khirbet|Khirbat|Kafr|Kfar|Jabal|Jebel|Deir|Ain|Ayn|Ras|Wadi|Qasr|"
                rf"Maarat|Umm|Beit|Bayt|Bir|Jisr|Khan|Marj)[ -]{_NAME})(?P<k>)"), "k"),
]
# Names before a marker word ("Harbiyat and Anbaj villages", "al-Safih Triangle"): find the marker first
# (a literal, fast), then the name that ends right before it.
_LIST_MORE = re.compile(rf"(?:,[ ]*|,?[ ]+and[ ]+)({_NAME})")
_MARKER_AFTER = re.compile(r"[ ](?P<k>villages?|towns?|district|hilltop|hill|airbase|air[ ]base|farms|"
                           r"neighbou?rhood|suburb|District|Triangle|Neighbou?rhood|Camp)\b")
_NAME_BEFORE = re.compile(rf"(?:(?P<n1>{_NAME})[ ]+and[ ]+)?(?P<n2>{_NAME})$")
_NOT_PLACE_NOUNS = frozenset("street road highway square roundabout bridge mosque hospital school dam factory "
                             "building compound checkpoint field fields station plant university prison".split())
_PEJORATIVE = re.compile(r"\b((?:the )?(?:terrorists|terrorist groups?|takfiris|takfiri terrorists))\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?|[a-z]+")
_NOT_MET = frozenset("resistance opposition fire crackdown death deaths demands criteria requirements expectations "
                     "needs goals resistance violence force repression".split())
_OFFICES = frozenset("president prime foreign defence defense counterpart counterparts leader king emir minister "
                     "delegation envoy officials chancellor premier".split())
_LIST_REF = frozenset({"abovementioned", "aforementioned", "above-mentioned", "said", "mentioned"})
_FACILITY_NEXT = _NOT_PLACE_NOUNS | {"oil", "gas", "power", "water", "phosphate", "cement", "sugar"}
_FIRST_WORD = re.compile(r"([A-Za-z]+)[ ]+")
_KIND_OF_MARKER = {"village": "village", "villages": "village", "town": "town", "towns": "town",
                   "city": "city", "cities": "city", "district": "district", "districts": "district",
                   "neighbourhood": "district", "neighborhood": "district", "suburb": "district",
                   "hill": "other", "hilltop": "other", "base": "base", "airbase": "base", "airport": "base",
                   "triangle": "other", "farms": "other", "area": "other", "areas": "other", "camp": "other",
                   "air base": "base", "": "village"}


_SUBORDINATORS = frozenset("when where whereas whenever because if unless while".split())
# the object of these verbs is the side that lost, never the agent of a later verb in the sentence
_OBJECT_VERBS = frozenset("""expel expelled expelling oust ousted ousting drive drove driven driving push pushed
pushing repel repelled repelling evict evicted fight fought fighting battle battling attack attacked attacking
target targeted targeting defeat defeated defeating dislodge dislodged chase chased rout routed purge purged
besiege besieged besieging encircle encircled""".split())
# "the neighborhoods they infiltrated": a pronoun right after a place noun heads a relative clause
_PLACE_NOUNS = frozenset(k for k in _KIND_OF_MARKER if k) | frozenset(
    "neighbourhoods neighborhoods positions territories territory regions region suburbs posts".split())


# --- the token stream ---------------------------------------------------------


@dataclass(slots=True)
class Mention:
    """A recognised entity: a place, an actor, a state (both), or a named place the gazetteer lacks."""

    start: int
    end: int
    text: str
    label: str  # PLACE NAME CROSSING STATE ACTOR
    place: Place | None = None
    actor: Actor | None = None


@dataclass(slots=True)
class Tok:
    """One token of a sentence after entities were merged into single tokens."""

    text: str
    start: int
    end: int
    space: bool
    mention: Mention | None = None

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def label(self) -> str:
        return self.mention.label if self.mention is not None else ""


@dataclass(frozen=True, slots=True)
class Finding:
    """An event with how it was found: the rule and the sentence (for ``newswire explain``)."""

    event: Event
    rule: str
    sentence: str
    start: int
    end: int


@dataclass(slots=True)
class _Candidate:
    cls: type[Event]
    key: tuple[Any, ...]
    data: Any
    rule: P.Rule
    sentence: tuple[int, int]
    occurred: OccurredOn | None
    explicit_date: bool
    attribution: str | None
    modality: Modality
    confidence: float
    order: int
    extras: dict[str, Any] = field(default_factory=dict)


# --- the extractor -------------------------------------------------------------


class Extractor:
    """Holds the gazetteer, the actor lexicon and the compiled patterns; ``extract`` is pure.

    Build it once (the data takes a few seconds to load) and call :meth:`extract`
    from any thread.
    """

    def __init__(self, gazetteer: Any = None, lexicon: Any = None) -> None:
        from newswire.extractor.actors import ActorLexicon
        from newswire.extractor.gazetteer import Gazetteer

        self.gazetteer = gazetteer or Gazetteer.default()
        self.lexicon = lexicon or ActorLexicon.default()
        self.nlp = get_nlp()
        # One matcher per rule, run only on sentences that contain one of the rule's trigger
        # words: most sentences have none, and the ones that do rarely have more than two.
        self.matchers: dict[str, Matcher] = {}
        for rule in P.RULES:
            matcher = Matcher(self.nlp.vocab)
            matcher.add(rule.name, rule.patterns)
            self.matchers[rule.name] = matcher
        self._rule_of = {self.nlp.vocab.strings[r.name]: r for r in P.RULES}
        self.rules_for: dict[str, list[P.Rule]] = {}
        for rule in P.RULES:
            for word in rule.triggers | _pattern_words(rule):
                self.rules_for.setdefault(word, []).append(rule)
        self.triggers: frozenset[str] = frozenset(self.rules_for)
        self._states: dict[str, Actor | None] = {}

    def state(self, name: str) -> Actor | None:
        """The state actor of a country name or code (memoised: every article names a few countries)."""
        if name not in self._states:
            self._states[name] = self.lexicon.state(name)
        return self._states[name]

    # --- public -------------------------------------------------------------------

    def extract(self, article: Article) -> list[Event]:
        """The events the article reports, one per fact, in text order."""
        return [f.event for f in self.findings(article)]

    def findings(self, article: Article) -> list[Finding]:
        """Events with the rule and sentence that produced each (the ``explain`` view)."""
        text = article.text or ""
        if not text.strip():
            return []
        published = _published(article)
        ctx = _ArticleContext(self, article, text, published)
        return ctx.run()


class _ArticleContext:
    """The state of one ``extract`` call: mentions, sentences, the last agent seen."""

    def __init__(self, ex: Extractor, article: Article, text: str, published: date) -> None:
        self.ex = ex
        self.article = article
        self.text = text
        self.published = published
        self.sents: list[tuple[int, int]] = split_sentences(text)
        self.mentions = self._mentions()
        self.last_agents: list[tuple[int, Actor]] = []
        self.attributions: dict[int, str | None] = {}
        self.candidates: list[_Candidate] = []
        self._order = 0

    # --- entities ---------------------------------------------------------------

    def _mentions(self) -> list[Mention]:
        gaz, lex = self.ex.gazetteer, self.ex.lexicon
        places = gaz.find(self.text)
        country = gaz.focus_country(places)
        self.country = country
        actors = lex.find(_POSSESSIVE_S.sub(lambda m: m.group(1) + " ", self.text), country)
        out: list[Mention] = []
        for a in actors:
            out.append(Mention(a.start, a.end, a.text, "ACTOR", actor=a.actor))
        for p in places:
            kind = p.place.kind
            if kind == "country":
                label = "STATE"
            elif kind == "crossing":
                label = "CROSSING"
            else:
                label = "PLACE"
            # a province never answers to the bare name of its city (the gazetteer keeps only
            # "Daraa province"-style aliases, GOLD.md)
            m = Mention(p.start, p.end, p.text, label, place=p.place)
            if label == "STATE":
                m.actor = self.ex.state(p.place.country or p.text)
            out.append(m)
        # Overlaps: the longer span wins; on a tie a state beats an actor (it is both), an actor a place.
        rank = {"STATE": 0, "ACTOR": 1, "CROSSING": 2, "PLACE": 3, "NAME": 4}
        out.sort(key=lambda m: (m.start - m.end, rank[m.label], m.start))
        taken: list[Mention] = []
        occupied = bytearray(len(self.text) + 1)
        for m in out:
            if any(occupied[m.start:m.end]):
                continue
            occupied[m.start:m.end] = b"\x01" * (m.end - m.start)
            if m.label == "ACTOR" and m.actor is not None and m.actor.id.startswith("state:"):
                m.label = "STATE"
                m.place = gaz.country(m.actor.country) if m.actor.country else None
            taken.append(m)
        taken.sort(key=lambda m: m.start)
        taken = self._pejoratives(taken, occupied)
        taken = self._regex_names(taken, occupied)
        return self._rebind_references(taken)

    def _name_place(self, name: str, kind: str) -> Place:
        """The place a name the text calls a place stands for: the gazetteer's in this country, else a new one.

        The gazetteer's ``make_place`` falls back to a namesake abroad ("Barna" in Syria is
        not Varna in Bulgaria); a village named in a Syrian article is in Syria.
        """
        place = self.ex.gazetteer.make_place(name, kind, self.country)
        if self.country is None or place.country in (None, self.country):
            return place
        from newswire.extractor.gazetteer import slugify

        return Place(id=f"newswire:{self.country.lower()}:{slugify(name) or 'unnamed'}", name=name,
                     kind=kind if kind in ("village", "town", "city", "district", "base") else "other",  # type: ignore[arg-type]
                     country=self.country)

    def _pejoratives(self, taken: list[Mention], occupied: bytearray) -> list[Mention]:
        """"the terrorists", "the Takfiris": the jihadist group the article named last, if it named one.

        State media call every armed group "terrorists"; the words alone name no one,
        but after "ISIL militants" in the sentence before they mean ISIL.
        """
        added: list[Mention] = []
        for m in _PEJORATIVE.finditer(self.text):
            start, end = m.span(1)
            if any(occupied[start:end]):
                continue
            before = [t for t in taken if t.end <= start and start - t.end < 600 and t.label == "ACTOR"
                      and t.actor is not None and t.actor.side in ("islamic-state", "jihadist")]
            if not before:
                continue
            actor = before[-1].actor.model_copy(update={"mention": m.group(1)})  # type: ignore[union-attr]
            occupied[start:end] = b"\x01" * (end - start)
            added.append(Mention(start, end, m.group(1), "ACTOR", actor=actor))
        return sorted([*taken, *added], key=lambda m: m.start) if added else taken

    def _regex_names(self, taken: list[Mention], occupied: bytearray) -> list[Mention]:
        """Places the gazetteer lacks, where the text says what they are ("the village of X", "X hilltop")."""
        added: list[Mention] = []
        text = self.text
        for kind, start, end in self._name_spans():
            if start > 0 and text[start - 1].isalnum():
                continue
            # "The Tal Baghdaq hilltop": leading capitalised function words are not part of the name
            while True:
                word = _FIRST_WORD.match(text, start, end)
                if word is None or word.group(1) not in _NAME_STOP or text[word.end():end].isdigit():
                    break  # "Regiment 111" keeps its word
                start = word.end()
            name = text[start:end]
            words = name.replace("-", " ").split()
            if not words or words[-1] in _NAME_STOP or not words[0][:1].isalpha():
                continue
            if any(occupied[start:end]):
                inner = [t for t in taken if start <= t.start and t.end <= end]
                if not inner or any(t.label != "PLACE" or (t.end - t.start) >= end - start for t in inner) \
                        or any(occupied[i] and not any(t.start <= i < t.end for t in inner) for i in range(start, end)):
                    continue
                for t in inner:  # "Khan" (a town elsewhere) inside "Khan Al-Assal"
                    taken.remove(t)
            occupied[start:end] = b"\x01" * (end - start)
            place = self._name_place(name, kind)
            added.append(Mention(start, end, name, "NAME", place=place))
        if not added:
            return taken
        return sorted([*taken, *added], key=lambda m: m.start)

    def _name_spans(self) -> Iterable[tuple[str, int, int]]:
        """(kind, start, end) of every name a marker context calls a place."""
        text = self.text
        for rx, kind_group in _NAME_CONTEXTS:
            for m in rx.finditer(text):
                kind = _KIND_OF_MARKER.get((m.group(kind_group) or "").lower(), "village") if kind_group else "base"
                last = m.end()
                for g in ("n1", "n2"):
                    if g in rx.groupindex and m.group(g) is not None:
                        yield kind, m.start(g), m.end(g)
                if kind_group == "k" and "n2" in rx.groupindex and m.group("n2") is None:
                    # "the villages of A, B and C": the rest of a list with commas
                    while (more := _LIST_MORE.match(text, last)) is not None:
                        yield kind, more.start(1), more.end(1)
                        last = more.end()
        for m in _MARKER_AFTER.finditer(text):
            marker = m.group("k")
            lo = max(0, m.start() - 90)
            before = _NAME_BEFORE.search(text, lo, m.start())
            if before is None:
                continue
            kind = _KIND_OF_MARKER.get(marker.lower(), "other")
            for g in ("n1", "n2"):
                if before.group(g) is not None:
                    start, end = before.span(g)
                    if marker[0].isupper() and g == "n2":
                        end = m.end()  # "al-Safih Triangle", "Khaldiyeh District": the marker is in the name
                    yield kind, start, end

    def _rebind_references(self, mentions: list[Mention]) -> list[Mention]:
        """"the town", "the village": the nearest settlement named before, places we named included."""
        last: Mention | None = None
        last_city: Mention | None = None  # "the city" is never a district or a village of it
        last_village: Mention | None = None  # "the village" is never a city
        for m in mentions:
            low = m.text.lower()
            if m.label == "PLACE" and low.startswith("the ") and low.split()[-1] in ("town", "village", "city") \
                    and "eponymous" not in low:
                noun = low.split()[-1]
                ante = last_city if noun == "city" else last_village if noun == "village" else last
                if ante is not None and ante.place is not None:
                    m.place = ante.place
                continue
            if m.label in ("PLACE", "NAME") and m.place is not None and m.place.kind in (
                    "city", "town", "village", "district", "other"):
                last = m
                if m.place.kind in ("city", "town"):
                    last_city = m
                if m.place.kind in ("village", "town", "other"):
                    last_village = m
        return mentions

    def _sentence_tokens(self, s_start: int, s_end: int, by_start: dict[int, Mention]) -> list[Tok]:
        """The sentence's tokens with each entity merged into one token."""
        span = self.ex.nlp.tokenizer(self.text[s_start:s_end])
        toks: list[Tok] = []
        current: Mention | None = None
        for t in span:
            ts = s_start + t.idx
            te = ts + len(t.text)
            if t.is_space:
                if toks:
                    toks[-1].space = True
                continue
            if current is not None and ts < current.end:
                last = toks[-1]
                last.end = max(last.end, te)
                last.text = self.text[last.start:last.end]
                last.space = bool(t.whitespace_)
                continue
            current = None
            m = self._mention_at(ts, te, by_start)
            if m is not None:
                current = m
                start = min(ts, m.start)
                end = max(te, m.end)
                toks.append(Tok(self.text[start:end], start, end, bool(t.whitespace_), m))
                continue
            toks.append(Tok(t.text, ts, te, bool(t.whitespace_)))
        return toks

    def _mention_at(self, ts: int, te: int, by_start: dict[int, Mention]) -> Mention | None:
        m = by_start.get(ts)
        if m is not None:
            return m
        for m in self._mentions_in(ts, te):
            return m
        return None

    def _mentions_in(self, start: int, end: int) -> Iterable[Mention]:
        i = bisect.bisect_left(self._starts, start)
        j = i - 1
        if j >= 0 and self.mentions[j].end > start:
            yield self.mentions[j]
        while i < len(self.mentions) and self.mentions[i].start < end:
            yield self.mentions[i]
            i += 1

    # --- names the gazetteer lacks ---------------------------------------------------

    def _tag_names(self, toks: list[Tok], title_case: bool) -> list[Tok]:
        """Merge runs of capitalised unknown words into NAME places where the context says "place"."""
        toks = self._tag_references(toks)
        n = len(toks)
        i = 0
        out: list[Tok] = []
        while i < n:
            run_end = _name_run(toks, i)
            if run_end > i:
                kind = self._name_context(toks, i, run_end, out, title_case)
                if kind is not None:
                    first, last = toks[i], toks[run_end - 1]
                    name = self.text[first.start:last.end]
                    place = self._name_place(name, kind)
                    m = Mention(first.start, last.end, name, "NAME", place=place)
                    out.append(Tok(name, first.start, last.end, last.space, m))
                    i = run_end
                    continue
            out.append(toks[i])
            i += 1
        return out

    def _tag_references(self, toks: list[Tok]) -> list[Tok]:
        """"the strategic town", "the village", "the district": the nearest such place named before."""
        out: list[Tok] = []
        n = len(toks)
        i = 0
        while i < n:
            t = toks[i]
            if t.lower == "the" and i + 2 < n and toks[i + 1].lower in _LIST_REF and toks[i + 2].lower in (
                    "villages", "towns", "areas", "districts", "neighbourhoods", "neighborhoods", "positions"):
                # "the abovementioned villages": every settlement the last list named
                listed = self._last_list(t.start)
                if listed:
                    end = toks[i + 2].end
                    text = self.text[t.start:end]
                    for n_, m in enumerate(listed):
                        if n_:
                            out.append(Tok("and", t.start, end, True))
                        ref = Mention(t.start, end, text, "PLACE", place=m.place)
                        out.append(Tok(m.text, t.start, end, True, ref))
                    out[-1].space = toks[i + 2].space
                    i += 3
                    continue
            if t.lower == "the" and not t.label:
                j = i + 1
                while j < n and toks[j].lower in _REF_ADJ and not toks[j].label:
                    j += 1
                if j < n and toks[j].lower in _REF_NOUNS and not toks[j].label and not (
                        j + 1 < n and toks[j + 1].lower in ("of", "and")):
                    place = self._antecedent(t.start, _REF_NOUNS[toks[j].lower])
                    if place is not None:
                        text = self.text[t.start:toks[j].end]
                        m = Mention(t.start, toks[j].end, text, "PLACE", place=place)
                        out.append(Tok(text, t.start, toks[j].end, toks[j].space, m))
                        i = j + 1
                        continue
            out.append(t)
            i += 1
        return out

    def _last_list(self, pos: int) -> list[Mention]:
        """The settlements of the last sentence before ``pos`` (within three) that named two or more."""
        for s_start, s_end in reversed([(a, b) for a, b in self.sents if b <= pos][-3:]):
            found = [m for m in self._mentions_in(s_start, s_end) if m.label in ("PLACE", "NAME")
                     and m.place is not None and m.place.kind in ("village", "town", "other", "district")]
            if len(found) >= 2:
                return found
        return []

    def _antecedent(self, pos: int, kinds: frozenset[str]) -> Place | None:
        """The nearest place of one of ``kinds`` named before ``pos`` (within about three sentences)."""
        i = bisect.bisect_left(self._starts, pos) - 1
        while i >= 0:
            m = self.mentions[i]
            if pos - m.end > 600:
                return None
            if m.label in ("PLACE", "NAME") and m.place is not None and m.place.kind in kinds \
                    and not m.text.lower().startswith("the "):
                return m.place
            i -= 1
        return None

    def _name_context(self, toks: list[Tok], i: int, j: int, before: list[Tok], title_case: bool) -> str | None:
        """The kind of place a capitalised run names, or None when nothing says it is a place."""
        words = [t.text for t in toks[i:j]]
        prev = before[-1].lower if before else ""
        prev2 = before[-2].lower if len(before) > 1 else ""
        nxt = toks[j].lower if j < len(toks) else ""
        if words[0] in _BASE_WORDS and len(words) == 2 and words[1].isdigit():
            return "base"
        if prev == "of" and prev2 in _MARKER_BEFORE:
            return _KIND_OF_MARKER.get(prev2, "other")
        if nxt in _KIND_OF_MARKER and nxt not in ("area",):
            return _KIND_OF_MARKER[nxt]
        if words[-1].lower() in _KIND_OF_MARKER and len(words) > 1:
            return _KIND_OF_MARKER[words[-1].lower()]
        if words[0] in _TOPONYM_PREFIX and len(words) > 1:
            return "village"
        if title_case:
            return None
        # "A and B villages", "the villages of A and B": the second of a list of names
        if prev == "and" and len(before) > 1 and before[-2].label in ("NAME",):
            return "village"
        if j + 1 < len(toks) and nxt == "and" and _name_run(toks, j + 1) > j + 1:
            k = _name_run(toks, j + 1)
            if k < len(toks) and toks[k].lower in _KIND_OF_MARKER:
                return _KIND_OF_MARKER[toks[k].lower]
        # directly after a verb of taking / withdrawing: "captured Sarrin", "control of Markada"
        if nxt in _NOT_PLACE_NOUNS:
            return None  # "captured al-Rabet street", "seized Tishreen dam"
        back = [t.lower for t in before[-3:]]
        verb_case = [t.text for t in before[-3:]]
        if back and verb_case[-1].islower() and (back[-1] in P.SEIZE
                     or (back[-1] in ("of", "over") and len(back) > 1 and back[-2] == "control")
                     or (back[-1] in ("from",) and any(w in P.WITHDRAW for w in back[:-1]))
                     or (back[-1] in ("from", "of") and any(w in P.EXPEL or w in P.PASSIVE_EXPEL
                                                          for w in [t.lower for t in before[-6:]]))
                     or (back[-1] == "the" and len(back) > 1 and back[-2] in P.SEIZE)):
            return "village"
        if prev == "including" and len(before) > 1:
            return "village"
        # "the withdrawal of fighters from the Old City"
        recent = [t.lower for t in before[-6:]]
        if (prev == "from" or (prev == "the" and prev2 == "from")) and any(
                w in P.WITHDRAW or w in ("withdrawal", "pullout", "retreat") for w in recent):
            return "district"
        return None

    # --- the run ------------------------------------------------------------------------

    def run(self) -> list[Finding]:
        self._starts = [m.start for m in self.mentions]
        by_start = {m.start: m for m in self.mentions}
        nlp = self.ex.nlp
        entity_starts = [m.start for m in self.mentions]
        triggers = self.ex.triggers
        lower = self.text.lower()
        for si, (s_start, s_end) in enumerate(self.sents):
            # cheap tests first: a trigger word and an entity in the sentence, or no rule can fire
            # (a place the gazetteer lacks is only named later, after the verb: "captured Sarrin")
            i = bisect.bisect_left(entity_starts, s_start)
            if i >= len(entity_starts) or entity_starts[i] >= s_end:
                continue
            if triggers.isdisjoint(_WORD.findall(lower, s_start, s_end)):
                continue
            toks = self._sentence_tokens(s_start, s_end, by_start)
            if not toks:
                continue
            title_case = _is_title_case(toks)
            toks = self._tag_names(toks, title_case)
            if not any(t.lower in self.ex.triggers for t in toks) or not any(
                    t.label in ("PLACE", "NAME", "CROSSING", "STATE") for t in toks):
                continue  # every rule needs its trigger word and a place (or states, for meetings)
            tags = []
            for k, t in enumerate(toks):
                label = t.label
                if label in ("ACTOR", "STATE") and _modifier(toks, k) or _demonym(t) or (
                        label == "STATE" and t.lower.endswith(" side")):
                    label = "FILL"  # "the regime-held stronghold of Idlib", "the Syrian border town of"
                if not label:
                    low = t.lower
                    if low in ("it", "they", "its", "their"):
                        label = "IT" if low in ("it", "its") else "THEY"
                    elif low in P.FILLER_WORDS or low.isdigit():
                        label = "FILL"
                    else:
                        label = "O"
                tags.append(label)
            doc = Doc(nlp.vocab, words=[t.text for t in toks], spaces=[t.space for t in toks], tags=tags)
            self._remember_agents(si, toks)
            rules: dict[str, P.Rule] = {}
            for t in toks:
                for rule in self.ex.rules_for.get(t.lower, ()):
                    rules[rule.name] = rule
            matches = [m for name in sorted(rules, key=_RULE_ORDER.__getitem__) for m in self.ex.matchers[name](doc)]
            matches.sort(key=lambda m: (m[1], -(m[2] - m[1])))
            for match_id, start, end in matches:
                rule = self.ex._rule_of[match_id]
                try:
                    self._apply(rule, si, toks, start, end)
                except _Skip:
                    continue
        return self._finish()

    def _remember_agents(self, si: int, toks: list[Tok]) -> None:
        """Who was taking places in this sentence (for "X and Y were taken" in the next one)."""
        for k, t in enumerate(toks):
            if t.lower in P.SEIZE or (t.lower == "control" and k > 0 and toks[k - 1].lower in P.CONTROL_VERBS):
                if _negated(toks, k) or (k > 0 and toks[k - 1].lower in P.BE) or (
                        k > 1 and toks[k - 2].lower in P.BE and toks[k - 1].lower in P.CONTROL_VERBS):
                    continue
                agent = self._subject(toks, k, si)
                if agent is not None:
                    self.last_agents.append((si, agent[0]))

    # --- roles ------------------------------------------------------------------------

    def _apply(self, rule: P.Rule, si: int, toks: list[Tok], start: int, end: int) -> None:
        trig = next((k for k in range(start, end) if toks[k].lower in rule.triggers), None)
        if trig is None or (trig > 0 and toks[trig].text[:1].isupper()):
            raise _Skip  # "Liberated Province of Aleppo", "Army Captures ...": a name or a headline
        if trig > 0 and toks[trig - 1].lower in ("the", "a", "an", "these", "those", "newly", "recently-") \
                and toks[trig].lower in P.SEIZE:
            raise _Skip  # "the liberated areas of the city": an adjective, not a verb
        if any(t.text in _BOILERPLATE for t in toks[:trig]):
            raise _Skip  # "... (Photo AP) Print Tweet Related <headlines>": a link list, not the article (GOLD)
        if rule.kind == "meeting":
            self._meeting(rule, si, toks, trig)
            return
        if _negated(toks, trig, rule) or _hypothetical_after(toks, trig, end):
            raise _Skip
        # -- the place(s)
        targets = self._targets(rule, si, toks, start, end, trig)
        if not targets:
            raise _Skip
        # -- the agent
        agent, agent_strength = self._agent(rule, si, toks, start, end, trig)
        if agent is None and not (rule.kind == "crossing" and (rule.status in ("closed", "opened")
                                                                or rule.agent == "none")):
            raise _Skip
        occurred, explicit = self._date(si, toks, trig, future=False)
        attribution = self._attribution(si)
        modality = Modality.CLAIMED if attribution else Modality.ASSERTED
        if occurred is not None and explicit and is_historical(occurred, self.published):
            modality = Modality.HISTORICAL
        confidence = rule.strength * agent_strength
        extent = self._extent(toks, trig, targets[0][1]) if rule.kind == "control" else None
        targets = [t for t in targets if _placeish(t[0]) and not _demonym(toks[t[1]]) and not _excepted(toks, t[1])
                   and not (
            t[1] + 1 < len(toks) and toks[t[1] + 1].lower in _FACILITY_NEXT)]  # "the Jazal oil field"
        for n, (place, idx, how) in enumerate(targets):
            conf = confidence * (0.85 if place.id.startswith("newswire:") and place.kind != "crossing" else 1.0)
            conf *= how
            if rule.kind == "control":
                if place.kind == "country" or agent is None:
                    continue
                nxt = [t.lower for t in toks[idx + 1:idx + 3]]
                if nxt[:1] == ["crossing"] or nxt == ["border", "crossing"]:
                    continue  # "captured the Al-Bukamal border crossing": a crossing event only (GOLD.md)
                previous = _taken_from(toks, end, agent)
                if previous is None and "expel" in rule.name:
                    # "ousted the Islamic State group from Hasakeh": the expelled held the place
                    previous = next((t.mention.actor for t in toks[start:end] if t.label == "ACTOR" and t.mention
                                     and t.mention.actor and t.mention.actor.id != agent.id), None)
                data = ControlChangedData(place=place, controller=agent, extent=extent if n == 0 else None,
                                          previous=previous)
                key = ("control", place.id, agent.id, modality is Modality.HISTORICAL)
                self._add(ControlChanged, key, data, rule, si, occurred, explicit, attribution, modality, conf)
            elif rule.kind == "withdrew":
                if agent is None:
                    continue
                data = ForcesWithdrewData(place=place, actor=agent)
                key = ("withdrew", place.id, agent.id, modality is Modality.HISTORICAL)
                self._add(ForcesWithdrew, key, data, rule, si, occurred, explicit, attribution, modality, conf)
            elif rule.kind == "crossing":
                status = rule.status or ("closed" if toks[trig].lower in P.CLOSE else "opened")
                side = None
                if agent is not None and agent.country and status != "seized" and (
                        any(t.lower == "side" for t in toks[trig:trig + 4])):
                    side = agent.country
                named_side = next((t for t in toks[trig:idx] if t.label == "STATE" and t.lower.endswith(" side")
                                   and t.mention is not None and t.mention.place is not None), None)
                if named_side is not None:  # "the Syrian side of the crossing"
                    side = named_side.mention.place.country  # type: ignore[union-attr]
                crossing = place if place.kind == "crossing" else self.ex.gazetteer.make_place(
                    f"{place.name} crossing", "crossing", place.country)
                data = CrossingStatusChangedData(crossing=crossing, status=status, actor=agent, side=side)
                key = ("crossing", crossing.id, status, agent.id if agent else None)
                self._add(CrossingStatusChanged, key, data, rule, si, occurred, explicit, attribution, modality,
                          conf)

    def _targets(self, rule: P.Rule, si: int, toks: list[Tok], start: int, end: int,
                 trig: int) -> list[tuple[Place, int, float]]:
        """The places a match is about: the slot the rule names, then coordinated ones."""
        slot_labels = ("PLACE", "NAME", "CROSSING") if rule.kind != "withdrew" else ("PLACE", "NAME", "STATE")
        idxs = [k for k in range(start, end) if toks[k].label in slot_labels or toks[k].lower in ("it",)]
        if rule.kind == "crossing":
            idxs = [k for k in idxs if toks[k].label == "CROSSING"] or [
                k for k in idxs if toks[k].label in ("PLACE", "NAME")]
        found: list[tuple[Place, int, float]] = []
        if rule.place == "context":
            place = self._place_before(toks, start, si, same_sentence_only=True)
            return [(place, start, 0.9)] if place is not None else []
        if rule.name in ("control.vague_including", "withdrew.vague_including"):
            k = end
            found = []
            self._collect_list(toks, k, found, si)
            return found
        if not idxs:
            return []
        k = idxs[0] if rule.place in ("first", "antecedent") else idxs[-1]
        if rule.place == "antecedent":
            # "areas around Damascus that the government retook": the clause hangs on "areas"
            if k >= 2 and (toks[k - 1].lower in P.LOCATIVE_WORDS or toks[k - 1].lower in P.DIRECTION_WORDS) and \
                    any(t.lower in P.VAGUE_NOUNS for t in toks[max(0, k - 3):k - 1]):
                return []
            # "Al Qaryatain in Homs province which ...": the relative clause hangs on the head.
            if k >= 2 and toks[k - 1].lower in P.LOCATIVE_WORDS:
                for b in range(k - 2, max(-1, k - 5), -1):
                    if toks[b].label in ("PLACE", "NAME"):
                        k = b
                        break
        if rule.place == "last" and rule.name not in ("withdrew.nominal",):
            if not _path_ok(toks, trig, k):
                return []
        if rule.place == "first":
            heads = _subjects_back(toks, k) if rule.kind == "control" else [k]
            for h in heads:
                place = self._place_of(toks, h, si)
                if place is not None and all(place.id != f[0].id for f in found):
                    found.append((place, h, 1.0 if toks[h].lower != "it" else 0.85))
            if found and rule.expand:
                self._collect_subjects(toks, k, trig, found, si)
            return found
        place = self._place_of(toks, k, si)
        if place is None:
            return []
        found.append((place, k, 1.0 if toks[k].lower != "it" else 0.85))
        if rule.expand:
            self._collect_list(toks, k + 1, found, si)
        if rule.extra.get("named_settlements"):
            # "areas where X spread in Harbiyat and Anbaj villages": only places the text calls villages/towns
            last = max(f[1] for f in found)
            if last + 1 >= len(toks) or toks[last + 1].lower not in ("village", "villages", "town", "towns"):
                return []
        return found

    def _collect_list(self, toks: list[Tok], k: int, found: list[tuple[Place, int, float]], si: int) -> None:
        """Coordinated places after a place: "A and (subsequently) B", "A, including B", skipping "in X"."""
        n = len(toks)
        conj = bool(found) is False  # a list that starts after "including" needs no conjunction
        comma_only = False
        while k < n:
            t = toks[k]
            if t.lower in P.LOCATIVE_WORDS and k + 1 < n and (
                    toks[k + 1].label in ("PLACE", "NAME", "STATE") or toks[k + 1].lower == "the"):
                # "X in Sweida province", "X in eastern Syria": where X is, not another place
                j = k + 1
                while j < n and (toks[j].lower in P.FILLER_WORDS and not toks[j].label):
                    j += 1
                if j < n and toks[j].label in ("PLACE", "NAME", "STATE"):
                    k = j + 1
                    while k < n and toks[k].lower in ("province", "governorate", "countryside", "region"):
                        k += 1
                    continue
                break
            if t.lower in (",", "and", "including", "as", "well", "&", "plus") or t.lower in (
                    "subsequently", "then", "later", "also", "finally", "eventually"):
                if t.lower in (",", "and", "including", "&", "plus"):
                    comma_only = (t.lower == ",") if not conj else (comma_only and t.lower == ",")
                    conj = True
                k += 1
                continue
            if t.lower in P.DIRECTION_WORDS and k + 1 < n and toks[k + 1].lower == "of" and toks[k - 1].lower != "the":
                break  # "Maan, north of Hama": Hama only locates Maan
            if conj and (t.lower in P.FILLER_WORDS or t.lower in ("villages", "towns")) and not t.label:
                if t.lower == "of" and comma_only:
                    break  # "Wad Madani, the capital of Gezira state": an apposition, not a list
                k += 1
                continue
            adjacent = k > 0 and toks[k - 1].label in ("PLACE", "NAME") and not toks[k - 1].text.endswith(".")
            if t.label in ("PLACE", "NAME") and (conj or adjacent):
                # "A and B", "including A B and C" (FA-KES lists have no commas)
                if k + 1 < n and toks[k + 1].lower in _REPORT_VERBS:
                    break  # "liberated Kherson, Kyiv said": the source, not another place
                conj = comma_only = False
                place = self._place_of(toks, k, si)
                if place is not None and all(place.id != f[0].id for f in found):
                    found.append((place, k, 0.95))
                k += 1
                continue
            break

    def _collect_subjects(self, toks: list[Tok], k: int, trig: int, found: list[tuple[Place, int, float]],
                          si: int) -> None:
        """Coordinated subjects before the verb: "A in X province and B in Y were taken"."""
        for j in range(k + 1, trig):
            t = toks[j]
            if t.label in ("PLACE", "NAME") and toks[j - 1].lower not in P.LOCATIVE_WORDS and toks[j - 1].lower in (
                    "and", ",", "&"):
                place = self._place_of(toks, j, si)
                if place is not None and all(place.id != f[0].id for f in found):
                    found.append((place, j, 0.95))

    def _place_of(self, toks: list[Tok], k: int, si: int) -> Place | None:
        t = toks[k]
        if t.mention is not None and t.mention.place is not None:
            return t.mention.place
        if t.lower == "it":
            return self._place_before(toks, k, si)
        return None

    def _place_before(self, toks: list[Tok], k: int, si: int, same_sentence_only: bool = False) -> Place | None:
        """The nearest place named before token ``k`` (this sentence, then the previous one)."""
        for j in range(k - 1, -1, -1):
            t = toks[j]
            if t.label in ("PLACE", "NAME") and t.mention is not None and t.mention.place is not None:
                if toks[j - 1].lower in ("near", "outside", "around") if j > 0 else False:
                    continue
                return t.mention.place
        if same_sentence_only or si == 0:
            return None
        s_start = self.sents[si - 1][0]
        cands = [m for m in self._mentions_in(s_start, toks[0].start) if m.label in ("PLACE", "NAME")
                 and m.place is not None and m.place.kind != "country"]
        return cands[-1].place if cands else None

    def _agent(self, rule: P.Rule, si: int, toks: list[Tok], start: int, end: int,
               trig: int) -> tuple[Actor | None, float]:
        if rule.agent == "subject":
            found = self._subject(toks, trig, si)
            return found if found is not None else (None, 0.0)
        if rule.agent in ("first", "last"):
            idxs = [k for k in range(start, end) if toks[k].label in ("ACTOR", "STATE")
                    or toks[k].lower in ("they", "it", "their", "its")]
            if rule.name == "control.passive_expel_from":
                idxs = [k for k in idxs if k > trig]
            if not idxs:
                return None, 0.0
            k = idxs[0] if rule.agent == "first" else idxs[-1]
            return self._actor_of(toks, k, si)
        if rule.agent == "none":
            return None, 1.0
        if rule.agent == "discourse":
            # "the town was recaptured from IS": the winner is whoever was taking places just
            # before, and never the side it was taken from
            loser = next((t.mention.actor for t in toks[trig + 1:trig + 4] if t.label == "ACTOR" and t.mention
                          and t.mention.actor), None) if trig + 1 < len(toks) and toks[trig + 1].lower == "from" \
                else None
            recent = [a for s, a in self.last_agents if si - 3 <= s <= si
                      and (loser is None or (a.id != loser.id and a.side != loser.side))]
            return (recent[-1], 0.8) if recent else (None, 0.0)
        if rule.agent == "winner":
            loser = self._subject(toks, trig, si)
            if loser is None:
                return None, 0.0  # "the extremist group lost Tal Abyad": without the loser, no winner is safe
            loser_actor = loser[0]
            cands = [t.mention.actor for t in toks if t.label == "ACTOR" and t.mention and t.mention.actor]
            if si + 1 < len(self.sents):
                ns, ne = self.sents[si + 1]
                cands += [m.actor for m in self._mentions_in(ns, ne) if m.label == "ACTOR" and m.actor]
            for a in cands:
                if a.id != loser_actor.id and a.side != loser_actor.side:
                    return a, 0.8
            return None, 0.0
        return None, 0.0

    def _actor_of(self, toks: list[Tok], k: int, si: int) -> tuple[Actor | None, float]:
        t = toks[k]
        if t.mention is not None and t.mention.actor is not None:
            return _member_of(toks, k) or t.mention.actor, 1.0
        if t.lower in ("they", "it", "their", "its"):
            actor = self._actor_before(toks, k, si)
            return (actor, 0.85) if actor is not None else (None, 0.0)
        return None, 0.0

    def _subject(self, toks: list[Tok], trig: int, si: int) -> tuple[Actor, float] | None:
        """The agent of the verb at ``trig``: the nearest actor before it that is not governed by a preposition."""
        r = trig - 1
        while r >= 0 and toks[r].lower in ("had", "has", "have", "also", "then", "later", "reportedly", "now"):
            r -= 1
        if r > 0 and toks[r].lower in ("which", "who", "that"):
            # "held by Ahrar al-Sham, which seized it": the relative pronoun is the actor before it
            for j in range(r - 1, max(-1, r - 4), -1):
                t = toks[j]
                if t.label in ("ACTOR", "STATE") and t.mention is not None and t.mention.actor is not None:
                    return t.mention.actor, 1.0
                if t.label:
                    break
        for j in range(trig - 1, max(-1, trig - 30), -1):
            t = toks[j]
            if t.lower in _SUBORDINATORS and not t.label:
                return None  # "... since 2015 when the extremist group lost X": the clause's subject is unnamed
            prev = _governing_word(toks, j)
            if t.label in ("ACTOR", "STATE") or t.lower in ("they", "it"):
                # "with Jordan closing its side", "with Iraqi forces ... having retaken": an absolute
                # clause, the actor is the subject
                absolute = (prev == "with" and (j + 1 == trig or toks[trig - 1].lower == "having"
                                                or toks[trig].lower.endswith("ing"))) or (
                    prev == "in" and toks[trig].lower.endswith("ing") and trig - j <= 4)  # "resulted in X taking"
                if prev in P.PREPOSITIONS and prev not in ("including",) and not absolute:
                    continue
                if prev in _OBJECT_VERBS or (j > 0 and toks[j - 1].lower in _PLACE_NOUNS):
                    continue  # "operations to expel ISIS ...", "the neighborhoods they infiltrated": an object,
                    # or the subject of a relative clause, never the agent of the main verb
                if _oblique_conjunct(toks, j) or _demonym(t) or _modifier(toks, j):
                    continue  # "backed by regime and Russian air strikes"; "Russian" alone is an adjective
                if j > 0 and toks[j - 1].label in ("ACTOR", "STATE") and toks[j - 1].mention is not None \
                        and toks[j - 1].mention.actor is not None and not _demonym(toks[j - 1]) \
                        and not _participle_tail(toks[j - 1]):
                    # "Daesh fighters", "regime fighters": the first word names the group
                    return toks[j - 1].mention.actor, 1.0
                if t.lower in ("they", "it"):
                    actor = self._actor_before(toks, j, si)
                    if actor is not None:
                        return actor, 0.85
                    continue
                if t.mention is not None and t.mention.actor is not None:
                    return _member_of(toks, j) or self._first_conjunct(toks, j), 1.0
            elif t.label == "PLACE" and self._capital_state(t) is not None and j + 1 < len(toks) and (
                    toks[j + 1].lower in ("has", "have", "had", "is", "was", "will", "began", "started")
                    or j + 1 == trig) and prev not in P.PREPOSITIONS:
                # "Tehran has started to withdraw": a capital speaks for its state
                return self._capital_state(t), 0.85  # type: ignore[return-value]
        return None

    def _first_conjunct(self, toks: list[Tok], j: int) -> Actor:
        """"the army and its Iran-backed militia allies": the head of a coordination is its first actor."""
        actor = toks[j].mention.actor  # type: ignore[union-attr]
        for b in range(j - 1, max(-1, j - 7), -1):
            if toks[b].lower == "and":
                for c in range(b - 1, max(-1, b - 3), -1):
                    t = toks[c]
                    if t.label in ("ACTOR", "STATE") and t.mention is not None and t.mention.actor is not None:
                        prev = toks[c - 1].lower if c > 0 else ""
                        if prev not in P.PREPOSITIONS:
                            return t.mention.actor
                break
            if toks[b].label == "ACTOR" or toks[b].lower in (".", ",", ";"):
                break
        return actor  # type: ignore[return-value]

    def _capital_state(self, t: Tok) -> Actor | None:
        place = t.mention.place if t.mention is not None else None
        if place is None or place.kind not in ("city", "town"):
            return None
        return self.ex.lexicon.capital_state(place)

    def _actor_before(self, toks: list[Tok], k: int, si: int) -> Actor | None:
        """What "they"/"it" at ``k`` refers to: the nearest actor before it (this sentence, then the last one)."""
        for j in range(k - 1, -1, -1):
            t = toks[j]
            if t.label in ("ACTOR", "STATE") and t.mention is not None and t.mention.actor is not None:
                prev = _governing_word(toks, j)
                if prev in ("against", "from", "with", "of", "its", "their", "his", "in", "across", "into",
                            "near", "over", "on") or _demonym(t) or _oblique_conjunct(toks, j) or _modifier(toks, j):
                    continue
                if toks[k].lower == "it" and t.text.lower().endswith("s") and not t.text.isupper():
                    continue  # "it" is a group ("ISIL"), not "its fighters"
                if j > 0 and toks[j - 1].label == "ACTOR" and toks[j - 1].mention is not None \
                        and not _participle_tail(toks[j - 1]):
                    return toks[j - 1].mention.actor
                return t.mention.actor
        if si == 0:
            return None
        s_start = self.sents[si - 1][0]
        cands = [m for m in self._mentions_in(s_start, toks[0].start) if m.label in ("ACTOR",) and m.actor]
        return cands[0].actor if cands else None

    # --- extent, dates, attribution ------------------------------------------------------

    def _extent(self, toks: list[Tok], trig: int, k: int) -> Extent | None:
        if k <= trig:
            return None
        between = self.text[toks[trig].end:toks[k].start]
        m = _EXTENT_RX.search(between)
        if m is None:
            return None
        if m.group("n"):
            share = min(1.0, float(m.group("n")) / 100.0)
            return Extent(text=m.group(0).strip(), share=share)
        word = m.group("word").lower()
        share = {"half": 0.5, "all": 1.0}.get(word)
        return Extent(text=m.group(0).strip(), share=share)

    def _date(self, si: int, toks: list[Tok], trig: int, *, future: bool) -> tuple[OccurredOn | None, bool]:
        """The date of the event at ``trig``: the nearest time expression in its sentence.

        "five days after they took X": X's date is the sentence's other date minus five
        days. No expression: the publication date (``FALLBACK_DATE``), marked inferred.
        """
        s_start, s_end = self.sents[si]
        sentence = self.text[s_start:s_end]
        found = find_dates(sentence, self.published, future=future)
        if s_start == 0 or not self.text[:s_start].strip():
            # FA-KES bodies open with a dateline ("10 June 2015 Kurdish fighters ..."): not the event's date
            found = [d for d in found if sentence[:d.start].strip()]
        pos = toks[trig].start - s_start
        offsets = [o for o in find_offsets(sentence) if o.end <= pos and pos - o.end < 80]
        if offsets:
            off = offsets[-1]
            anchors = [d for d in found if d.end <= off.start] or [d for d in found if d.start >= off.end and
                                                                   d.start > pos]
            if anchors:
                anchor = anchors[-1].occurred
            else:
                # "Two days later, they took X": the anchor is the last date of the sentence before
                prev = find_dates(self.text[self.sents[si - 1][0]:s_start], self.published) if si > 0 else []
                anchor = prev[-1].occurred if prev else OccurredOn(
                    date=self.published.isoformat(), precision=Precision.DAY, text=None)
            return shift(anchor, off.days, off.text), True
        # "Since the alliance launched its offensive on November 27, the government has lost X", "retook X,
        # a town that rebels had held since 2014": a "since" date across a comma dates another clause
        found = [d for d in found if not _since_elsewhere(sentence, d, pos)]
        if found:
            # "The RSF, which seized X last December, withdrew on Sunday": a date in the verb's own
            # comma-delimited clause beats a nearer one across a comma
            best = min(found, key=lambda d: ("," in sentence[min(d.end, pos):max(d.start, pos)],
                                             _distance(d, pos)))
            return best.occurred, True
        if FALLBACK_DATE:
            return OccurredOn(date=self.published.isoformat(), precision=Precision.DAY, text=None), False
        return None, False

    def _attribution(self, si: int) -> str | None:
        if si in self.attributions:
            return self.attributions[si]
        s_start, s_end = self.sents[si]
        sentence = self.text[s_start:s_end]
        found = None
        if sentence.count("“") > sentence.count("”"):
            # “Local factions took ... They now control ...,” the Observatory said: the quote's
            # source comes after it closes, a sentence or two later
            for j in range(si + 1, min(len(self.sents), si + 4)):
                later = self.text[self.sents[j][0]:self.sents[j][1]]
                if "”" in later:
                    found = _find_attribution(later[later.rindex("”") + 1:])
                    break
        if found is None:
            found = _find_attribution(sentence)
        if found is not None and found.lower() in _PRONOUNS:
            prev = [self.attributions.get(j) for j in range(si - 1, max(-1, si - 4), -1)]
            found = next((p for p in prev if p), None) or found
        self.attributions[si] = found
        return found

    # --- meetings ------------------------------------------------------------------------

    def _meeting(self, rule: P.Rule, si: int, toks: list[Tok], trig: int) -> None:
        s_start, s_end = self.sents[si]
        sentence = self.text[s_start:s_end]
        if _PHONE_RX.search(sentence):
            raise _Skip
        window = [t.lower for t in toks[max(0, trig - 6):trig]]
        after = [t.lower for t in toks[trig + 1:trig + 6]]
        if set(after[:3]) & _NOT_MET or (after[:1] and after[0] in ("back", "off", "out", "up", "on", "onto")):
            raise _Skip  # "met fierce resistance", "were met with a crackdown", "hold back the army"
        if rule.extra.get("titled_guest") and not any(w in _OFFICES for t in toks[trig + 1:trig + 5]
                                                      for w in t.lower.split()) and not any(
                _leader(t) for t in toks[trig + 1:trig + 3]):
            raise _Skip  # "Turkey hosts Syrian refugees" is no meeting; "hosted the Turkish president" is
        if any(w in _BODIES for w in window[-3:]) and "with" not in after:
            raise _Skip  # "the Security Council met": one body meeting is not a meeting of parties
        if any(w in ("not", "n't", "never", "refused", "failed", "cancelled", "canceled", "postponed", "denied",
                     "no", "attempt", "bid") for w in window):
            raise _Skip
        status = rule.status or "held"
        if status == "held" and any(w in ("will", "would", "to", "set", "due", "scheduled", "expected")
                                    for w in window[-3:]):
            status = "scheduled"
        if status == "held" and rule.name == "meeting.talks" and toks[trig].lower in ("hold", "holds", "host",
                                                                                       "hosts"):
            status = "scheduled" if any(w in ("will", "would", "to") for w in window[-3:]) else "held"
        # "A met B in X, while C will meet D in Y": each clause is its own meeting
        first = next((k + 1 for k in range(trig - 1, -1, -1) if toks[k].lower in _CLAUSE_BREAKS), 0)
        last = next((k for k in range(trig + 1, len(toks)) if toks[k].lower in _CLAUSE_BREAKS), len(toks))
        # location: the first "in/at PLACE" after the trigger, else before it
        location: Place | None = None
        loc_idx = -1
        order = list(range(trig + 1, last)) + list(range(trig - 1, first - 1, -1))
        for k in order:
            t = toks[k]
            if t.label in ("PLACE", "STATE", "NAME") and k > 0 and toks[k - 1].lower in ("in", "at") and \
                    t.mention is not None and t.mention.place is not None:
                location, loc_idx = t.mention.place, k
                break
        # Armed groups are parties only to talks ("Sudan's army and the RSF held talks"), or when
        # one meets *with* another; otherwise "X met Y" is about states and their officials.
        talks = "talks" in [t.lower for t in toks[trig:trig + 4]] or (
            trig + 1 < len(toks) and toks[trig + 1].lower == "with")
        participants: list[Actor] = []
        seen: set[str] = set()
        # a link list ends the sentence; "to discuss ending Syria's war": the topic is not a party
        stop = next((k for k in range(trig, len(toks)) if toks[k].text in _BOILERPLATE
                     or toks[k].lower in ("discuss", "discussed", "discussing")), len(toks))
        for k, t in enumerate(toks[:stop]):
            if k == loc_idx or t.mention is None or abs(k - trig) > 25 or not first <= k < last:
                continue  # a long run-on sentence (captions, link lists) names other parties far away
            prev = _governing_word(toks, k)
            if prev in ("in", "at", "across", "into", "inside", "toward", "towards", "over", "on", "discuss",
                        "about", "regarding", "against", "for", "from") and not (
                    prev == "from" and _envoys_from(toks, k)):  # "diplomats from Russia" are Russia's
                continue
            if _source_of_report(toks, k):
                continue  # "..., the Kazakh foreign ministry said": who reports the meeting is not at it
            if loc_idx >= 0 and k == loc_idx + 2 and prev == ",":
                continue  # "in Jeddah, Saudi Arabia": where, not who
            actor: Actor | None = None
            inside_name = k > 0 and k + 1 < len(toks) and toks[k - 1].text[:1].isupper() and \
                toks[k + 1].text[:1].isupper() and not toks[k - 1].label and not toks[k + 1].label
            if t.label == "STATE" and not inside_name:
                actor = t.mention.actor
            elif t.label == "PLACE" and prev in ("with", "and", ",", "", "between"):
                actor = self._capital_state(t)  # "Moscow and Ankara held talks": capitals speak for states
            elif t.label == "ACTOR" and t.mention.actor is not None and not _modifier(toks, k) and talks and \
                    prev in ("with", "and", ",", "", "between"):
                actor = t.mention.actor  # a party to the talks, not "which has backed the opposition"
            if actor is None or actor.id in seen or (actor.country and f"country:{actor.country}" in seen):
                continue  # "the Syrian interim government" and "Syria" are one party
            seen.add(actor.id)
            if actor.country:
                seen.add(f"country:{actor.country}")
            participants.append(actor)
        if len(participants) < 2:
            raise _Skip
        occurred, explicit = self._date(si, toks, trig, future=(status == "scheduled"))
        framework = None
        nxt = self.text[s_start:self.sents[si + 1][1]] if si + 1 < len(self.sents) else sentence
        fm = _FRAMEWORK_RX.search(nxt)
        if fm:
            framework = f"{fm.group(1).title()} {fm.group(2).lower()}"
        attribution = self._attribution(si)
        modality = Modality.SCHEDULED if status == "scheduled" else (
            Modality.CLAIMED if attribution else Modality.ASSERTED)
        if status == "held" and occurred is not None and explicit and is_historical(occurred, self.published):
            modality = Modality.HISTORICAL
        ids = sorted(a.id for a in participants)
        meeting_id = stable_id("meeting", occurred.date if occurred and explicit else "", location.id if location
                               else "", *ids)
        data = DiplomacyMeetingData(meeting_id=meeting_id, participants=participants, location=location,
                                    status=status, framework=framework)  # type: ignore[arg-type]
        key = ("meeting", status, tuple(ids), location.id if location else None)
        self._add(DiplomacyMeeting, key, data, rule, si, occurred, explicit, attribution, modality, rule.strength)

    # --- assembling ----------------------------------------------------------------------

    def _add(self, cls: type[Event], key: tuple[Any, ...], data: Any, rule: P.Rule, si: int,
             occurred: OccurredOn | None, explicit: bool, attribution: str | None, modality: Modality,
             confidence: float) -> None:
        self._order += 1
        self.candidates.append(_Candidate(cls, key, data, rule, self.sents[si], occurred, explicit, attribution,
                                          modality, max(0.05, min(0.99, confidence)), self._order))

    def _finish(self) -> list[Finding]:
        """One event per key: the most specific explicit date, then the strongest evidence."""
        best: dict[tuple[Any, ...], _Candidate] = {}
        for c in self.candidates:
            cur = best.get(c.key)
            if cur is None or _better(c, cur):
                if cur is not None and c.occurred is None and cur.occurred is not None:
                    c.occurred, c.explicit_date = cur.occurred, cur.explicit_date
                best[c.key] = c
        out: list[Finding] = []
        art = self.article
        source = Source(article_id=art.article_id, url=art.url, outlet=art.outlet, title=art.title,
                        story_id=art.story_id, doc_id=art.doc_id)
        reported = art.published
        for c in sorted(best.values(), key=lambda c: (c.sentence[0], c.order)):
            s_start, s_end = c.sentence
            raw = self.text[s_start:s_end]
            lead = len(raw) - len(raw.lstrip())
            sentence = raw.strip()
            evidence = Evidence(sentence=sentence, start=s_start + lead, end=s_start + lead + len(sentence))
            event_id = c.cls.make_id(art.article_id, *c.key[1:])
            event = c.cls(event_id=event_id, occurred_on=c.occurred, reported_at=reported, source=source,
                          evidence=evidence, attribution=c.attribution, modality=c.modality,
                          confidence=round(c.confidence, 3), rule=c.rule.name, data=c.data)
            out.append(Finding(event, c.rule.name, sentence, evidence.start, evidence.end))
        return out


_RULE_ORDER = {r.name: n for n, r in enumerate(P.RULES)}


def _pattern_words(rule: P.Rule) -> set[str]:
    """The words the first token of each pattern requires (a rule may start before its trigger)."""
    words: set[str] = set()
    for pattern in rule.patterns:
        lower = pattern[0].get("LOWER")
        if isinstance(lower, str):
            words.add(lower)
        elif isinstance(lower, dict) and "IN" in lower:
            words.update(lower["IN"])
    return words & P.TRIGGER_WORDS


class _Skip(Exception):
    """This match does not make an event."""


def _better(new: _Candidate, cur: _Candidate) -> bool:
    def rank(c: _Candidate) -> tuple[int, int, float]:
        precision = {Precision.DAY: 3, Precision.MONTH: 2, Precision.YEAR: 1}
        p = precision[c.occurred.precision] if c.occurred is not None else 0
        return (1 if c.explicit_date else 0, p, c.confidence)

    return rank(new) > rank(cur)


def _since_elsewhere(sentence: str, d: DateMention, pos: int) -> bool:
    """A date in a "since" clause separated from the verb at ``pos`` by a comma."""
    if d.end <= pos:
        return bool(re.search(r"\bsince\b", sentence[:d.start], re.I)) and "," in sentence[d.end:pos]
    since = sentence[d.start:d.end].lower().startswith("since") or bool(
        re.search(r"\bsince\s*$", sentence[:d.start], re.I))
    return since and "," in sentence[pos:d.start]


def _distance(d: DateMention, pos: int) -> int:
    if d.end <= pos:
        return pos - d.end
    return (d.start - pos) + 2  # ties go to the expression before the verb


def _name_run(toks: list[Tok], i: int) -> int:
    """End of a run of capitalised, unrecognised words starting at ``i`` ("al-Safih Triangle", "Base 46")."""
    n = len(toks)
    j = i
    while j < n:
        t = toks[j]
        if t.label:
            break
        w = t.text
        if w and w[0].isupper() and w.isalpha() is not False and w not in _NAME_STOP and not w.isupper() or (
                w and w[0].isupper() and len(w) > 1 and w not in _NAME_STOP and any(c.islower() for c in w)):
            j += 1
            continue
        if w.lower() in _PARTICLES and j + 2 < n and toks[j + 1].text == "-" and toks[j + 2].text[:1].isupper():
            j += 2
            continue
        if w == "-" and j > i and j + 1 < n and toks[j + 1].text[:1].isupper() and not toks[j + 1].label:
            j += 1
            continue
        if w.isdigit() and j > i and toks[j - 1].text in _BASE_WORDS:
            j += 1
            continue
        break
    # a run may not end on a hyphen or a particle
    while j > i and (toks[j - 1].text == "-" or toks[j - 1].lower in _PARTICLES):
        j -= 1
    return j


def _subjects_back(toks: list[Tok], k: int) -> list[int]:
    """The subject places of a passive whose match starts at place ``k``.

    "the village of A in X province and B in Y were taken": the match starts at Y,
    a locative; the subjects are A and B.
    """
    def place_at(i: int) -> bool:
        return 0 <= i < len(toks) and (toks[i].label in ("PLACE", "NAME") or toks[i].lower == "it")

    heads: list[int] = []
    j = k
    if j >= 1 and (toks[j - 1].lower in P.LOCATIVE_WORDS or toks[j - 1].lower in P.DIRECTION_WORDS
                   or (toks[j - 1].lower == "of" and j >= 2 and toks[j - 2].lower in P.DIRECTION_WORDS)):
        # "X, a town near Aleppo, was captured": Aleppo only locates X
        back = next((b for b in range(j - 2, max(-1, j - 8), -1) if place_at(b)), None)
        if back is None:
            return []
        j = back
    while True:
        # "B in Y": Y locates B
        if j >= 2 and toks[j - 1].lower in ("in", "near", "outside") and place_at(j - 2):
            j -= 2
            continue
        if j >= 3 and toks[j - 1].lower in ("in", "near", "outside") and toks[j - 2].lower in P.FILLER_WORDS \
                and place_at(j - 3):
            j -= 3
            continue
        heads.append(j)
        if j >= 2 and toks[j - 1].lower in ("and", ",", "&") and place_at(j - 2):
            j -= 2
            continue
        break
    return sorted(heads)


_GENERIC_MEMBERS = frozenset("fighters militants members forces troops units elements gunmen".split())


def _member_of(toks: list[Tok], k: int) -> Actor | None:
    """"fighters from the Islamic State", "members of Hezbollah": the group, not the generic noun."""
    if toks[k].text.lower().split()[-1] not in _GENERIC_MEMBERS:
        return None
    j = k + 1
    if j < len(toks) and toks[j].lower in ("from", "of", "loyal"):
        j += 1
        while j < len(toks) and toks[j].lower in ("the", "to"):
            j += 1
        if j < len(toks) and toks[j].label in ("ACTOR",) and toks[j].mention is not None:
            return toks[j].mention.actor
    return None


def _taken_from(toks: list[Tok], end: int, winner: Actor) -> Actor | None:
    """"recaptured X from Islamic State": who held the place before, when the sentence says."""
    for k in range(end, min(len(toks), end + 8)):
        if toks[k].lower == "from":
            j = k + 1
            while j < len(toks) and toks[j].lower in ("the", "a", "its", "their"):
                j += 1
            if j < len(toks) and toks[j].label in ("ACTOR", "STATE") and toks[j].mention is not None:
                actor = toks[j].mention.actor
                if actor is not None and actor.id != winner.id and not _demonym(toks[j]):
                    return actor
            return None
        if toks[k].lower in (".", ";", "and", "but", "after", "as", "while") or toks[k].label in ("PLACE", "NAME"):
            if toks[k].label in ("PLACE", "NAME") and k == end:
                continue
            return None
    return None


def _excepted(toks: list[Tok], k: int) -> bool:
    """"most of the city except the district of Waar has returned": the excepted place is not the event's."""
    for j in range(k - 1, max(-1, k - 6), -1):
        if toks[j].lower in ("except", "excluding", "exception", "besides", "apart"):
            return True
        if toks[j].label or toks[j].lower in (",", ";", "and"):
            return False
    return False


def _leader(t: Tok) -> bool:
    """A state named by a person ("Putin", from data/leaders.yaml): not its name, nor a demonym."""
    place = t.mention.place if t.mention is not None else None
    if t.label != "STATE" or place is None or _demonym(t):
        return False
    word = t.lower
    return word != place.name.lower() and not any(word == a.lower() for a in place.aliases)


def _envoys_from(toks: list[Tok], k: int) -> bool:
    """"senior diplomats from Russia": officials from a state stand for it at a meeting."""
    j = k - 1
    while j >= 0 and toks[j].lower != "from":
        j -= 1
    return j > 0 and toks[j - 1].lower in _ENVOY_NOUNS


def _source_of_report(toks: list[Tok], k: int) -> bool:
    """The state in "the Kazakh foreign ministry said" / "according to the Kazakh ministry": the source."""
    for j in range(k + 1, min(len(toks), k + 5)):
        if toks[j].lower in _REPORT_VERBS:
            # "the Kazakh foreign ministry said" (one mention, or two tokens) is a source; "Turkey said it
            # would hold talks" is a state speaking for itself, which can be a party
            return j > k + 1 or toks[k].lower.rsplit(" ", 1)[-1] in _SOURCE_WORDS
        if toks[j].label or not toks[j].lower.isalpha() or toks[j].lower in P.PREPOSITIONS:
            break
    j = k - 1
    while j >= 0 and (toks[j].lower in ("the", "a", "an") or (not toks[j].label and toks[j].lower.isalpha()
                                                               and toks[j].lower in _SOURCE_WORDS)):
        j -= 1
    return j >= 1 and toks[j].lower == "to" and toks[j - 1].lower == "according"


def _hypothetical_after(toks: list[Tok], trig: int, end: int) -> bool:
    """"recapturing it would sever the road", "capturing all of it has been one of his goals"."""
    if not toks[trig].lower.endswith("ing"):
        # "when it fell into their hands it would be ruled by ...": a condition, not a report
        return bool({t.lower for t in toks[end:end + 3]} & {"would", "could", "might"})
    after = [t.lower for t in toks[end:end + 10]]
    # "recapturing it would ...": a modal right after; "capturing all of it has been one of his biggest
    # goals": a goal noun within the clause
    return bool(set(after[:6]) & {"would", "could", "will", "might", "may"}) or bool(
        set(after) & {"goal", "goals", "aim", "aims", "objective", "objectives", "priority", "priorities"})


def _placeish(place: Place) -> bool:
    """Roads, streets and dams are not places whose control the events track."""
    last = place.name.rsplit(" ", 1)[-1].lower()
    return last not in _NOT_PLACE_NOUNS


def _oblique_conjunct(toks: list[Tok], j: int) -> bool:
    """True for a later conjunct of a prepositional object: "backed by militiamen and (the movement) Hezbollah"."""
    for b in range(j - 1, max(-1, j - 6), -1):
        w = toks[b].lower
        if toks[b].label == "STATE" and toks[j].label == "ACTOR" and b < j - 1 and all(
                not t.label and (t.text[:1].isalpha() or t.lower in ("'s", "’s")) and t.lower not in _SUBORDINATORS
                and t.lower not in ("which", "who", "that") for t in toks[b + 1:j]):
            continue  # "Lebanon's Shiite movement Hezbollah": the state only says whose group it is
        if toks[b].label in ("ACTOR", "STATE"):
            return False
        if w in ("and", "or"):
            for c in range(b - 1, max(-1, b - 4), -1):
                if toks[c].label in ("ACTOR", "STATE"):
                    return _in_prepositional_phrase(toks, c) or _oblique_conjunct(toks, c)
            return False
    return False


def _in_prepositional_phrase(toks: list[Tok], c: int) -> bool:
    """"backed by pro-regime militiamen": a preposition governs the name, past its modifiers."""
    for b in range(c - 1, max(-1, c - 6), -1):
        w = toks[b].lower
        if w in P.PREPOSITIONS:
            return True
        if toks[b].label or w in ("-", "–", "pro", "anti", "the", "its", "their") or w in P.FILLER_WORDS:
            continue  # "Lebanon's Shiite movement Hezbollah": a state names whose group it is
        return False
    return False


_MODIFIER_TAIL = re.compile(r"[-–]([a-z]+)$")
_MODIFIER_PARTICIPLES = frozenset("backed led held allied supported based linked affiliated aligned run controlled "
                                  "sponsored funded armed trained dominated".split())


def _participle_tail(t: Tok) -> bool:
    """"U.S.-backed": the tokenizer kept the word whole, so the mention swallowed the participle."""
    tail = _MODIFIER_TAIL.search(t.text)
    return tail is not None and tail.group(1).lower() in _MODIFIER_PARTICIPLES


def _modifier(toks: list[Tok], j: int) -> bool:
    """"U.S.-backed rebels", "anti-ISIL offensive": a name inside a modifier is not the agent."""
    if _participle_tail(toks[j]):
        return True
    # a hyphen, not a dash: no space around it ("fighters - backed by" is a parenthesis)
    if j + 2 < len(toks) and toks[j + 1].text in ("-", "–") and toks[j + 2].lower in _MODIFIER_PARTICIPLES \
            and not toks[j].space and not toks[j + 1].space:
        return True
    return j >= 2 and toks[j - 1].text in ("-", "–") and toks[j - 2].lower in ("anti", "pro", "non", "ex") \
        and not toks[j - 2].space and not toks[j - 1].space


def _governing_word(toks: list[Tok], j: int) -> str:
    """The word before the noun phrase of token ``j``, past determiners and modifiers ("to Russian-backed X")."""
    k = j - 1
    while k >= 0:
        w = toks[k].lower
        if w in _MODIFIER_PARTICIPLES and k >= 2 and toks[k - 1].text in ("-", "–") and not toks[k - 1].space:
            k -= 3  # "Russian - backed"
        elif w in ("the", "its", "their", "his", "her", "allied", "local", "so-called") or (
                w in P.FILLER_WORDS and w not in P.PREPOSITIONS and w not in ("-", "of")):
            k -= 1  # "in southern Syria": the preposition governs past the adjectives
        else:
            break
    return toks[k].lower if k >= 0 else ""


_DEMONYM_END = re.compile(r"(?:ian|ish|ese|i|an|ic|ch)$", re.IGNORECASE)


def _demonym(t: Tok) -> bool:
    """A state named by its adjective alone ("Russian air strikes"): a modifier, not an agent."""
    if t.label != "STATE" or t.mention is None:
        return False
    place = t.mention.place
    name = place.name.lower() if place is not None else ""
    word = t.text.lower()
    if word == name or word == name + "s" or " " in word or not _DEMONYM_END.search(word):
        return False
    # "Erdogan", "Burhan" end like demonyms but are leaders: a demonym is one of the country's names
    return place is None or any(a.lower() == word for a in place.aliases)


_COMMON = P.TRIGGER_WORDS | P.FILLER_WORDS | P.VAGUE_NOUNS | frozenset(
    "several new more kill kills killed says said free frees gains gain advances advance".split())


def _is_title_case(toks: list[Tok]) -> bool:
    """A headline in Title Case ("Army Captures Several Regions in Hama"): capitals say nothing there."""
    caps = sum(1 for t in toks[1:] if not t.label and t.text[:1].isupper() and t.lower in _COMMON)
    return caps >= 2


def _negated(toks: list[Tok], trig: int, rule: P.Rule | None = None) -> bool:
    """Hypotheticals, goals, attempts, denials: "could fall", "aims to retake", "failed to capture"."""
    j = trig - 1
    while j >= 0 and toks[j].lower in ("fully", "also", "back", "successfully", "completely", "then", "again"):
        j -= 1
    if j >= 0 and toks[j].lower == "to":
        before = {t.lower for t in toks[max(0, j - 2):j]}
        if not before & P.ASPECT_WORDS:
            return True
    if toks[trig].lower.endswith("ing") and trig > 0 and toks[trig - 1].lower in (
            "of", "for", "at", "towards", "toward", "about", "on", "into", "without"):
        return True  # "the objective of capturing Raqqa", "aimed at retaking"
    window = [t.lower for t in toks[max(0, trig - 8):trig] if not t.label and t.text != "May"]
    return any(w in P.NEGATION_WORDS for w in window)


_DIRECTION_ADJECTIVES = frozenset("eastern western northern southern central northeastern northwestern "
                                  "southeastern southwestern north-eastern north-western south-eastern "
                                  "south-western".split())
_PART_NOUNS = frozenset("part parts some areas outskirts outskirt neighbourhoods neighborhoods positions swathes "
                        "swaths sections pockets edges edge fringes".split())


def _path_ok(toks: list[Tok], trig: int, k: int) -> bool:
    """The words between a verb and its place: "villages north of X" is not X; "the east of the city" is."""
    between = [t.lower for t in toks[trig + 1:k]]
    for n, w in enumerate(between[:-1]):
        if w in _PART_NOUNS and between[n + 1] in ("of", "near", "around", "in") and not (
                n > 0 and (between[n - 1] in _DIRECTION_ADJECTIVES  # "the eastern part of" is eastern X
                           or (w == "areas" and between[n - 1] == "the"))):  # "the areas of X and Y" name them
            return False  # "took part of the town", "positions near X": a part is not the place (GOLD)
    for n, w in enumerate(between):
        if w in P.DIRECTION_WORDS and n + 1 < len(between) and between[n + 1] == "of":
            if n == 0 or between[n - 1] != "the":
                return False
    return True


def _find_attribution(sentence: str) -> str | None:
    """Who makes the claim: "the Observatory said", "according to X", "state media reported"."""
    words = re.findall(r"[\w'’\-]+|[\"“”,;:()]", sentence)
    lower = [w.lower() for w in words]
    for i, w in enumerate(lower):
        if w == "according" and i + 1 < len(lower) and lower[i + 1] == "to":
            src = _collect_source(words, i + 2, forward=True)
            if src:
                return src
    for i, w in enumerate(lower):
        if w not in _REPORT_VERBS or w == "according":
            continue
        src = _collect_source(words, i - 1, forward=False)
        if src:
            return src
        src = _collect_source(words, i + 1, forward=True)
        if src:
            return src
    return None


def _collect_source(words: list[str], i: int, *, forward: bool) -> str | None:
    picked: list[str] = []
    step = 1 if forward else -1
    while 0 <= i < len(words) and len(picked) < 9:
        w = words[i]
        lw = w.lower()
        if w in ('"', "“", "”", ",", ";", ":", "(", ")") or w.isdigit() or lw in _TIME_WORDS:
            break
        if forward and picked and lw in ("the", "a", "an") and picked[-1].lower() != "of":
            break  # "according to X the army ...", but "commanders of the armed groups" is one phrase
        if lw in ("on", "in", "at", "that", "who", "which", "when", "and", "late", "early", "earlier", "later",
                  "also", "had", "has", "have", "was", "were", "is", "told", "added", "it") and picked:
            break
        if (w[:1].isupper() and lw not in _PRONOUNS) or lw in _SOURCE_WORDS or (
                not picked and not forward and lw in _PRONOUNS):  # "said they had": not the source
            picked.append(w)
            if lw in _PRONOUNS or (not forward and lw in ("the", "a", "an")):
                break  # backwards, a determiner opens the noun phrase: "Manbij the statement said"
            i += step
            continue
        break
    if not forward:
        picked.reverse()
    while picked and picked[0].lower() in ("the", "a", "an", "of", "for", "-", "on"):
        picked.pop(0)
    while picked and picked[-1].lower() in ("the", "a", "an", "of", "for", "-"):
        picked.pop()
    if not picked:
        return None
    if all(p.lower() in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
           for p in picked):
        return None
    return " ".join(picked)


def _published(article: Article) -> date:
    when = article.published or article.fetched_at or datetime.now(UTC)
    return when.date()


# --- the module-level entry point -----------------------------------------------------

_default: Extractor | None = None
_default_lock = threading.Lock()


def default_extractor() -> Extractor:
    """The process-wide extractor over the shipped gazetteer and lexicon, built on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Extractor()
    return _default


def extract(article: Article) -> list[Event]:
    """The events ``article`` reports (pure: same article in, same events out)."""
    return default_extractor().extract(article)
