"""The entities of an article: places, crossings, states and armed groups, with character offsets.

Three sources, merged so that mentions never overlap (the longest wins):

1. the gazetteer (places, crossings, countries, and references it resolves: "the city",
   "the provincial capital") and the actor lexicon (armed groups, forces, states, leaders);
2. names the data lacks, recognised by their form where English says what they are:
   - places: "the village of X", "X and Y villages", "X hilltop", "Base 46", Arabic
     toponyms ("Tal X", "Khirbet X");
   - armed groups: a capitalised name ending in a group word ("Arakan Army",
     "Karenni Nationalities Defence Force", "Popular Resistance Front"), and acronyms the text
     defines ("the Arakan Army (AA)"). An unknown group keeps its own name and has no side:
     it never falls back to a generic actor of some other side;
3. "the terrorists": the jihadist group the article named last.

A name in an event's role that none of these recognised ("rebels took Sarrin") is recognised
later, from the parse (:mod:`.extract`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from newswire.core.models import Actor, Place
from newswire.extractor.actors import ActorLexicon
from newswire.extractor.gazetteer import Gazetteer, after_pro_or_anti, fold_key, references, slugify

__all__ = ["Mention", "Label", "find_mentions", "group_actor", "name_place", "crossing_place"]

Label = Literal["PLACE", "NAME", "CROSSING", "STATE", "ACTOR"]


@dataclass(slots=True)
class Mention:
    """A recognised entity. A state is both an actor and a place."""

    start: int
    end: int
    text: str
    label: Label
    place: Place | None = None
    actor: Actor | None = None
    inner: Place | None = None  # a place named inside an actor's name ("Daraa-based opposition forces")
    person: bool = False  # a leader's name ("Haftar"): speaks for an actor, takes no town

    @property
    def is_reference(self) -> bool:
        """"the town", "the provincial capital": resolved by the gazetteer to a place named before."""
        return self.text[:4].lower() == "the " and self.label in ("PLACE", "CROSSING")


# FA-KES strips apostrophes: "the armys full control" is "the army's"; the same length keeps offsets.
_POSSESSIVE_S = re.compile(r"\b(army|regime|government|military|opposition|militia|coalition)s(?=\s+[a-z])",
                           re.IGNORECASE)
_PEJORATIVE = re.compile(r"\b((?:the )?(?:terrorists|terrorist groups?|takfiris|takfiri terrorists))\b", re.IGNORECASE)

_CAP = r"(?:(?:al|el|ash|as|ad|ar|az|an|at|ath|ed|es|ez)-)?[A-Z][\w'’]*(?:-[A-Z0-9][\w'’]*)*"
_NAME = rf"{_CAP}(?:[ ](?:(?:al|el|ash|as|ad|ar|az|an)[ ])?{_CAP}){{0,3}}"
_NAME_CONTEXTS: list[tuple[re.Pattern[str], str | None]] = [
    (re.compile(rf"\b(?P<k>towns?|villages?|city|cities|districts?|townships?|neighbou?rhoods?|suburbs?|hill|hilltop|"
                rf"base|airbase|farms|areas?)[ ]+of[ ]+(?P<n1>{_NAME})(?:[ ]+and[ ]+(?P<n2>{_NAME}))?"), "k"),
    (re.compile(r"\b(?P<n1>(?:Base|Regiment|Brigade|Division)[ ]\d{1,4})\b"), None),
    # "the army's 22nd Infantry Division headquarters", "the 17th Division base": a unit's installation
    (re.compile(r"\b(?P<n1>\d{1,3}(?:st|nd|rd|th)[ ](?:[A-Z][\w'’-]*[ ]){1,4}"
                r"(?:headquarters|base|garrison|barracks|Headquarters|Base|Garrison|Barracks))\b"), None),
    (re.compile(rf"\b(?P<n1>(?:Tal|Tall|Tel|Tell|Khirbet|Khirbat|Kafr|Kfar|Jabal|Jebel|Deir|Ain|Ayn|Ras|Wadi|Qasr|"
                rf"Maarat|Umm|Beit|Bayt|Bir|Jisr|Khan|Marj)[ -]{_NAME})(?P<k>)"), "k"),
]
_LIST_MORE = re.compile(rf"(?:,[ ]*|,?[ ]+and[ ]+)({_NAME})")
_MARKER_AFTER = re.compile(r"[ ](?P<k>villages?|towns?|townships?|district|hilltop|hill|airbase|air[ ]base|farms|"
                           r"neighbou?rhood|suburb|District|Triangle|Neighbou?rhood|Camp|Towns?|Villages?)\b")
_SIDE_BORDER = re.compile(rf"\b(?P<n>{_NAME})[ ]border\b")
_CROSSING_AFTER = re.compile(r"[ ](?:border[ ])?(?:checkpoints?|crossings?|crossing[ ]points?)\b")
_NAME_OPENERS = frozenset({"North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western",
                           "Central", "Upper", "Lower", "Greater", "Old", "New"})
_NAME_BEFORE = re.compile(rf"(?:(?P<n1>{_NAME})[ ]+and[ ]+)?(?P<n2>{_NAME})$")
_FIRST_WORD = re.compile(r"([A-Za-z]+)[ ]+")
_KIND_OF_MARKER = {"village": "village", "villages": "village", "town": "town", "towns": "town",
                   "city": "city", "cities": "city", "district": "district", "districts": "district",
                   "township": "district", "townships": "district",
                   "neighbourhood": "district", "neighborhood": "district", "suburb": "district",
                   "hill": "other", "hilltop": "other", "base": "base", "airbase": "base", "airport": "base",
                   "triangle": "other", "farms": "other", "area": "other", "areas": "other", "camp": "other",
                   "air base": "base", "": "village"}
# Capitalised words that start sentences or titles rather than names.
_WORD_BEFORE = re.compile(r"([A-Z][\w'’]*)[ ]$")
_NAME_STOP = frozenset("""The A An In On At By For From With As Of And Or But If When While After Before Since
Meanwhile However Also Then This That These Those It Its They Their He She His Her We Our Monday Tuesday Wednesday
Thursday Friday Saturday Sunday January February March April May June July August September October November
December President Minister Prime Foreign General Colonel Col Gen Sheikh Mr Mrs Ms Dr Several Many Some Most All
Both Each Other Another More Less Few Northern Southern Eastern Western Central North South East West Regime Army
Government Rebels Rebel Forces Troops Related Read Source Tags Click Watch Video Photo Photos Update Updated
Division Brigade Regiment Battalion Base Front""".split())

# A named armed group: capitalised words ending in a group word ("Arakan Army", "Sudan Liberation Army").
_GROUP_WORDS = ("Army", "Front", "Alliance", "Movement", "Brigade", "Brigades", "Forces", "Force", "Militia",
                "Militias", "Corps", "Guard", "Guards", "Coalition", "Battalion", "Battalions", "Regiment",
                "Group", "Organisation", "Organization", "Council", "Resistance", "Fighters", "Mujahideen",
                "Unit", "Units", "Legion", "Network", "Liberation", "Tigers")
_GROUP_NAME = re.compile(
    r"\b(?P<name>(?:\d{1,3}(?:st|nd|rd|th)"
    r"(?=[ ](?:[A-Z][\w'’\-]*[ ]){0,6}(?:Brigade|Regiment|Battalion|Division|Corps)\b)"
    r"|(?:\d{1,3}(?:st|nd|rd|th)[ ])?(?:(?:al|el)-)?[A-Z][\w'’\-]*"
    r"(?:[ ](?:of|for|and|the|al|el|de|du|des|[A-Z][\w'’\-]*)){0,6})"
    rf"[ ](?:{'|'.join(_GROUP_WORDS)}))\b(?:[ ]\((?P<acr>[A-Z][A-Za-z\-]{{1,7}})\))?")
# ... or opening with one: "Alliance Fleuve Congo", "Movement for Democratic Change", "Army of Conquest".
_GROUP_FIRST = re.compile(
    r"\b(?P<name>(?:Alliance|Front|Movement|Army|Brigades?|Forces|Union|Coalition|Council|Party|League|Jaish|Liwa|"
    r"Harakat|Jabhat|Ansar|Katiba|Saraya|Hayat|Tahrir)"
    r"(?:[ ](?:of|for|the|al|el|de|du|des|pour|la|le|[A-Z][\w'’\-]*)){1,6}?[ ][A-Z][\w'’\-]*)"
    r"(?:[ ]\((?P<acr>[A-Z][A-Za-z0-9/\-]{1,9})\))")
# What may follow a named group's name and still be the group: its acronym and a noun of fighters.
_OWN_NOUN = re.compile(r"(?:[ ]\([A-Z][\w./-]{0,11}\))?(?:['’]s)?[ ]+(?:forces|fighters|troops|militants|soldiers|"
                       r"rebels|militias?|militiamen|gunmen|units|insurgents|combatants)\b")
_OWNER_BEFORE = re.compile(r"\b([A-Z][\w]*(?:[ ][A-Z][\w]*)?)['’]s[ ]$")
_ACRONYM_AFTER = re.compile(r"[ ]?\((?P<acr>[A-Z][A-Z0-9\-]{1,7})\)")
_NOT_GROUP_START = frozenset("The A An In On At By For From With As And Or But Its Their His Her This That "
                             "These Those Both Also Then Meanwhile Monday Tuesday Wednesday Thursday Friday Saturday "
                             "Sunday Related".split())


def group_actor(name: str, acronym: str | None = None) -> Actor:
    """An armed group the lexicon does not know: its own name and id, no side."""
    return Actor(id=f"group:{slugify(name) or 'unnamed'}", name=name, side=None,
                 aliases=[acronym] if acronym else [], mention=name)


def name_place(gazetteer: Gazetteer, name: str, kind: str, country: str | None) -> Place:
    """The place a name the text calls a place stands for: the gazetteer's in this country, else a new one.

    A village named in a Syrian article is in Syria, not a namesake abroad.
    """
    place = gazetteer.make_place(name, kind, country)
    if country is not None and place.country not in (None, country):
        place = Place(id=f"newswire:{country.lower()}:{slugify(name) or 'unnamed'}", name=name,
                      kind=kind if kind in ("village", "town", "city", "district", "base", "crossing") else "other",  # type: ignore[arg-type]
                      country=country)
    words = name.split()
    if place.id.startswith("newswire:") and len(words) > 1 and words[-1].lower() in _KIND_OF_MARKER:
        # "Khaldiyeh District" is also just "Khaldiyeh"
        place = place.model_copy(update={"aliases": [*place.aliases, " ".join(words[:-1])]})
    return place


def crossing_place(gazetteer: Gazetteer, name: str, country: str | None) -> Place:
    """A border crossing the data lacks, named where the text calls it one ("the Zorbat border crossing").

    It answers to its bare name too, and sits where a town of that name in its country does, if one is known.
    """
    name = re.sub(r"(?i)[ ](?:border[ ])?(?:crossing|checkpoint|post|point)s?$", "", name.strip()) or name
    town = gazetteer.lookup(name, country) if country else None
    cc = country or (town.country if town is not None else None)
    return Place(id=f"newswire:{(cc or 'xx').lower()}:{slugify(name) or 'unnamed'}-crossing", name=f"{name} crossing",
                 aliases=[name], kind="crossing", country=cc,
                 lat=town.lat if town is not None else None, lon=town.lon if town is not None else None)


_CAPITALISED_BEFORE = re.compile(r"(?:^|[^.!?\s]\s+)([A-Z][\w']*)[\s-]+(?:al-|el-|ad-|as-|ash-|ar-)?$")


def _inside_a_longer_name(text: str, start: int) -> bool:
    """Whether a capitalised word, not opening its sentence, runs into the match at ``start``."""
    m = _CAPITALISED_BEFORE.search(text, max(0, start - 40), start)
    return m is not None and m.start(1) > 0 and m.group(1) not in _NAME_OPENERS


_NEXT_CAPITALISED = re.compile(r" ([A-Z][a-z]+)\b")
# words a place's name is followed by that are no part of another name ("Aden Governorate", "Kabul Airport")
_PLACE_SUFFIXES = frozenset("""Province Region Oblast Governorate District City Town County State Airport Port Airbase
    International Municipality Prefecture Department Division Valley River Mountains Crossing Border Bridge Gate
    Checkpoint Road Highway Camp Base Front Line Airfield""".split())


def _runs_on_into_a_name(text: str, end: int) -> bool:
    """Whether a capitalised word that names nothing of the place follows it ("Adan Yabaal")."""
    m = _NEXT_CAPITALISED.match(text, end)
    return m is not None and m.group(1) not in _PLACE_SUFFIXES


def find_mentions(text: str, gazetteer: Gazetteer, lexicon: ActorLexicon) -> tuple[list[Mention], str | None]:
    """Every entity of ``text``, sorted and non-overlapping, and the text's focus country."""
    places = gazetteer.find(text)
    # "Safa" inside "Jub al-Safa" is not evidence of the Safa in Dubai.
    runs_on = {p.start for p in places if p.place.kind != "country" and _runs_on_into_a_name(text, p.end)}
    evidence = [p for p in places if p.place.kind == "country" or not (
        _inside_a_longer_name(text, p.start) or p.start in runs_on)]
    named = {p.place.id for p in evidence if any(w[:1].isupper() for w in p.text.split())}
    evidence = [p for p in evidence if p.place.id in named]  # "the town" after a name that was not this place's
    country = gazetteer.focus_country(evidence)
    # A lone demonym ("Russian air strikes") names a backer more often than the ground the army
    # and the regime fight on: the generic forces take a country only from a place or its name.
    actors = lexicon.find(_POSSESSIVE_S.sub(lambda m: m.group(1) + " ", text), gazetteer.focus_country(evidence, 1.0))
    out: list[Mention] = []
    for a in actors:
        out.append(Mention(a.start, a.end, a.text, "ACTOR", actor=a.actor, person=lexicon.is_person(a.text)))
    for p in places:
        kind = p.place.kind
        if kind == "country" and after_pro_or_anti(text, p.start):
            continue
        if p.start in runs_on and country is not None and p.place.country not in (None, country):
            continue  # "Adan Yabaal" in a Somali story is not Aden in Yemen: the name runs on
        label: Label = "STATE" if kind == "country" else "CROSSING" if kind == "crossing" else "PLACE"
        m = Mention(p.start, p.end, p.text, label, place=p.place)
        if label == "STATE":
            m.actor = lexicon.state(p.place.country or p.text)
        out.append(m)
    specific = {(a.start, a.end) for a in actors if not _generic(a.actor, lexicon)}
    out.extend(_groups(text, specific, gazetteer))
    out.extend(_groups_first(text, specific))
    # Overlaps: the longer span wins; on a tie a state beats an actor, an actor a place, a place a name.
    rank = {"STATE": 0, "ACTOR": 1, "CROSSING": 2, "PLACE": 3, "NAME": 4}
    out.sort(key=lambda m: (m.start - m.end, rank[m.label], m.start))
    taken: list[Mention] = []
    occupied = bytearray(len(text) + 1)
    for m in out:
        if any(occupied[m.start:m.end]):
            continue
        occupied[m.start:m.end] = b"\x01" * (m.end - m.start)
        if m.label == "ACTOR" and m.actor is not None and m.actor.id.startswith("state:"):
            m.label = "STATE"
            m.place = gazetteer.country(m.actor.country) if m.actor.country else None
        taken.append(m)
    taken.sort(key=lambda m: m.start)
    for m in taken:
        if m.label == "ACTOR" and "-" in m.text:  # "Daraa-based", "Kherson-area": the place stays in focus
            inner = [p for p in places if m.start <= p.start and p.end <= m.end and p.place.kind != "country"]
            if inner:
                m.inner = inner[0].place
    taken = _titled_people(text, taken, occupied, lexicon.titles)
    taken = _acronyms(text, taken, occupied)
    taken = _own_nouns(text, taken, occupied, lexicon)
    taken = _crossings_by_short_name(text, taken, occupied)
    taken = _side_borders(text, taken, occupied, gazetteer)
    taken = _pejoratives(text, taken, occupied)
    taken = _marked_names(text, taken, occupied, gazetteer, country)
    taken = _name_references(text, taken, occupied)
    return taken, country


_PERSON_NAME = re.compile(r"\s+((?:[A-Z][\w'’-]+|al-|bin|bint|ibn|de|van|von)(?:\s+(?:[A-Z][\w'’-]+|al-\w+|bin|bint|ibn|de|van|von|Al)){1,4})")
_WORD = re.compile(r"\s+([\w-]+)")


def _titled_people(text: str, taken: list[Mention], occupied: bytearray, titles: frozenset[str]) -> list[Mention]:
    """"Russian Deputy Defence Minister Yunus-Bek Yevkurov", "Egypt's intelligence chief Abbas Kamel": a person
    no list holds, named after a state and the words of an office, speaks for that state."""
    added: list[Mention] = []
    for m in taken:
        if m.label != "STATE" or m.person or m.actor is None:
            continue
        pos = m.end + 2 if text.startswith("'s", m.end) else m.end
        n = 0
        while (w := _WORD.match(text, pos)) is not None and w.group(1).lower() in titles:
            pos, n = w.end(), n + 1
        name = _PERSON_NAME.match(text, pos) if n else None
        if name is None:
            continue
        start, end = name.span(1)
        if any(occupied[start:end]):
            continue
        occupied[start:end] = b"\x01" * (end - start)
        added.append(Mention(start, end, name.group(1), "STATE", actor=m.actor, place=m.place, person=True))
    if not added:
        return taken
    return sorted([*taken, *added], key=lambda m: m.start)


def _name_references(text: str, taken: list[Mention], occupied: bytearray) -> list[Mention]:
    """"Rebels stormed the town of Kamituga. The town fell ...": a definite description the gazetteer left
    unresolved means the last place of its kind named before it, here a name no list holds."""
    added: list[Mention] = []
    for m, kinds in references(text):
        if any(occupied[m.start():m.end()]) or m.group(1):
            continue
        before = [t for t in taken if t.end <= m.start() and t.place is not None and t.label in ("PLACE", "NAME")
                  and m.start() - t.end < 1500]
        if before and before[-1].label == "NAME" and before[-1].place is not None \
                and before[-1].place.kind in kinds:
            occupied[m.start():m.end()] = b"\x01" * (m.end() - m.start())
            added.append(Mention(m.start(), m.end(), m.group(0), "PLACE", place=before[-1].place))
    if not added:
        return taken
    return sorted([*taken, *added], key=lambda m: m.start)


def _own_nouns(text: str, taken: list[Mention], occupied: bytearray, lexicon: ActorLexicon) -> list[Mention]:
    """"the Arakan Army (AA) fighters", "the TLF's gunmen": a named group's fighters are that group's.

    The group's mention grows over the noun (and an acronym in brackets before it), so the noun
    is never read alone as a generic actor ("militants") of whatever side the lexicon gives it.
    A state's name is left alone: "Sudan rebels" fight the state.
    """
    out: list[Mention] = []
    until = -1
    for m in taken:
        if m.start < until:
            continue  # the acronym or noun a named group took in
        if m.label == "ACTOR" and m.actor is not None and not _generic(m.actor, lexicon) and not m.person:
            own = _OWN_NOUN.match(text, m.end)
            if own is not None:
                until = own.end()
                occupied[m.end:until] = b"\x01" * (until - m.end)
                m = Mention(m.start, until, text[m.start:until], "ACTOR", actor=m.actor, person=False)
        out.append(m)
    return out


def _generic(actor: Actor, lexicon: ActorLexicon) -> bool:
    """A name that only says what kind of actor ("the army", "rebels"), not which."""
    mention = (actor.mention or "").lower()
    return mention == mention.lower() and not any(ch.isupper() for ch in (actor.mention or ""))


def _groups(text: str, specific: set[tuple[int, int]], gazetteer: Gazetteer) -> Iterable[Mention]:
    """Named armed groups the lexicon lacks, by their form."""
    for m in _GROUP_NAME.finditer(text):
        start, end = m.span("name")
        name = m.group("name")
        words = name.split(" ")
        while words and words[0] in _NOT_GROUP_START:
            start += len(words[0]) + 1
            words = words[1:]
        if len(words) < 2 or (start, end) in specific:
            continue
        known = [e for s, e in specific if s < end and start < e < end]
        if known:  # "the AFC/M23 and the Rwandan Defense Forces": the name begins after the known actor
            start = max(known)
            words = text[start:end].split()
            # "Turkey-backed Syrian National Army", "Haftar's Libyan National Army": not "-backed ..." or "'s ..."
            while words and (words[0] in _NOT_GROUP_START or words[0].lower() in ("and", "the")
                             or not (words[0][:1].isupper() or words[0][:1].isdigit())):
                words = words[1:]
            start = end - len(" ".join(words))
            if len(words) < 2 or (start, end) in specific:
                continue
        head = " ".join(words[:-1])
        if gazetteer.country(head) is not None:
            continue  # "Sudanese Army", "Malian Armed Forces": a state's forces, the lexicon's to name
        if all(w in _NAME_STOP or w.lower() in ("of", "for", "and", "the") for w in words[:-1]):
            continue
        actor = group_actor(" ".join(words), m.group("acr"))
        owner = _OWNER_BEFORE.search(text, max(0, start - 40), start)
        state = gazetteer.country(owner.group(1)) if owner is not None else None
        if state is not None:  # "Ukraine's 80th Air Assault Brigade": a unit of that state
            actor = actor.model_copy(update={"country": state.country})
        yield Mention(start, end, text[start:end], "ACTOR", actor=actor)


def _groups_first(text: str, specific: set[tuple[int, int]]) -> Iterable[Mention]:
    """Groups whose name opens with the group word, where the text gives their acronym: "Alliance Fleuve Congo (AFC)"."""
    for m in _GROUP_FIRST.finditer(text):
        start, end = m.span("name")
        if (start, end) not in specific:
            yield Mention(start, end, text[start:end], "ACTOR", actor=group_actor(m.group("name"), m.group("acr")))


def _acronyms(text: str, taken: list[Mention], occupied: bytearray) -> list[Mention]:
    """"the Arakan Army (AA) ... AA fighters": an acronym the text defines names the same actor."""
    defined: dict[str, Actor] = {}
    for m in taken:
        if m.label != "ACTOR" or m.actor is None:
            continue
        a = _ACRONYM_AFTER.match(text, m.end)
        if a is not None and a.group("acr") not in defined:
            defined[a.group("acr")] = m.actor
    if not defined:
        return taken
    added: list[Mention] = []
    rx = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(defined, key=len, reverse=True)) + r")\b")
    for m in rx.finditer(text):
        start, end = m.span(1)
        if any(occupied[start:end]):
            continue
        occupied[start:end] = b"\x01" * (end - start)
        actor = defined[m.group(1)]
        added.append(Mention(start, end, m.group(1), "ACTOR", actor=actor.model_copy(update={"mention": m.group(1)})))
    return sorted([*taken, *added], key=lambda m: m.start)


_CROSSING_WORDS = re.compile(r"(?i)\b(?:border|crossing|checkpoint|post|point|gate|terminal)s?\b")


def _crossings_by_short_name(text: str, taken: list[Mention], occupied: bytearray) -> list[Mention]:
    """"the Trebil crossing ... authorities have closed Trebil": after a crossing is named, its bare name
    (one no gazetteer holds as a place, or it would be taken already) names the same crossing."""
    short: dict[str, Place] = {}
    for m in taken:
        if m.label != "CROSSING" or m.place is None or m.is_reference:
            continue
        for name in (m.text, m.place.name, *m.place.aliases):
            for part in re.split(r"[-–/]", _CROSSING_WORDS.sub(" ", name)):
                part = " ".join(part.split())
                if len(part) >= 4 and part[:1].isupper() and part.lower() != "the":
                    short.setdefault(part, m.place)
    if not short:
        return taken
    added: list[Mention] = []
    rx = re.compile(r"(?<![\w-])(" + "|".join(re.escape(k) for k in sorted(short, key=len, reverse=True)) + r")(?![\w-])")
    for found in rx.finditer(text):
        start, end = found.span(1)
        if any(occupied[start:end]):
            continue
        occupied[start:end] = b"\x01" * (end - start)
        added.append(Mention(start, end, found.group(1), "CROSSING", place=short[found.group(1)]))
    return sorted([*taken, *added], key=lambda m: m.start)


def _side_borders(text: str, taken: list[Mention], occupied: bytearray, gazetteer: Gazetteer) -> list[Mention]:
    """"closed the Torkham border", "traffic through the Rafah border": a crossing's side name and "border"
    name that crossing (a town of that name, if the gazetteer took it, gives way)."""
    added: list[Mention] = []
    for m in _SIDE_BORDER.finditer(text):
        start, end = m.span("n")
        crossing = gazetteer.crossing_by_side_name(m.group("n"))
        if crossing is None:
            continue
        town = [t for t in taken if t.start == start and t.end == end and t.label == "PLACE"]
        if any(occupied[start:m.end()]) and not (town and not any(occupied[end:m.end()])):
            continue
        for t in town:
            taken.remove(t)
        occupied[start:m.end()] = b"\x01" * (m.end() - start)
        added.append(Mention(start, m.end(), m.group(0), "CROSSING", place=crossing))
    if not added:
        return taken
    return sorted([*taken, *added], key=lambda m: m.start)


def _pejoratives(text: str, taken: list[Mention], occupied: bytearray) -> list[Mention]:
    """"the terrorists": the jihadist group the article named last, if it named one."""
    added: list[Mention] = []
    for m in _PEJORATIVE.finditer(text):
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


def _marked_names(text: str, taken: list[Mention], occupied: bytearray, gazetteer: Gazetteer,
                  country: str | None) -> list[Mention]:
    """Places the gazetteer lacks, where the text says what they are ("the village of X", "X hilltop")."""
    added: list[Mention] = []
    for kind, start, end in _name_spans(text):
        if start > 0 and text[start - 1].isalnum():
            continue
        while True:  # "The Tal Baghdaq hilltop": leading capitalised function words are not the name
            word = _FIRST_WORD.match(text, start, end)
            if word is None or word.group(1) not in _NAME_STOP or text[word.end():end].isdigit():
                break
            start = word.end()
        while (w := _WORD_BEFORE.search(text, max(0, start - 30), start)) is not None and w.start() > 1 and (
                text[w.start() - 2] not in ".!?:;\"“") and w.group(1) not in _NAME_STOP and not any(occupied[w.start():start]):
            start = w.start()  # "Shir Khan Bandar": the words of the name before its marked part
        name = text[start:end]
        words = name.replace("-", " ").split()
        if not words or words[-1] in _NAME_STOP or not words[0][:1].isalnum():
            continue
        if any(occupied[start:end]):
            inner = [t for t in taken if start <= t.start and t.end <= end]
            if not inner or any(t.label != "PLACE" or (t.end - t.start) >= end - start for t in inner) \
                    or any(occupied[i] and not any(t.start <= i < t.end for t in inner) for i in range(start, end)):
                continue
            for t in inner:  # "Khan" (a town elsewhere) inside "Khan Al-Assal"
                taken.remove(t)
        if kind == "crossing":
            bare = _CROSSING_AFTER.sub("", name)
            if (start == 0 or text[start - 2:start].strip() in ("", ".", "!", "?")) and " " not in bare:
                continue  # "Border checkpoints were shut": a sentence's first word, not a name
            crossing = gazetteer.crossing_by_side_name(bare) or gazetteer.crossing_spelled_like(bare) or \
                crossing_place(gazetteer, bare, country)
            occupied[start:end] = b"\x01" * (end - start)
            added.append(Mention(start, end, name, "CROSSING", place=crossing))
            continue
        occupied[start:end] = b"\x01" * (end - start)
        added.append(Mention(start, end, name, "NAME", place=name_place(gazetteer, name, kind, country)))
    if not added:
        return taken
    return sorted([*taken, *added], key=lambda m: m.start)


def _name_spans(text: str) -> Iterable[tuple[str, int, int]]:
    """(kind, start, end) of every name a marker context calls a place."""
    for rx, kind_group in _NAME_CONTEXTS:
        for m in rx.finditer(text):
            kind = _KIND_OF_MARKER.get((m.group(kind_group) or "").lower(), "village") if kind_group else "base"
            last = m.end()
            for g in ("n1", "n2"):
                if g in rx.groupindex and m.group(g) is not None:
                    yield kind, m.start(g), m.end(g)
            if kind_group == "k" and "n2" in rx.groupindex and m.group("n2") is None:
                while (more := _LIST_MORE.match(text, last)) is not None:  # "the villages of A, B and C"
                    yield kind, more.start(1), more.end(1)
                    last = more.end()
    for m in _CROSSING_AFTER.finditer(text):
        # "the Myadininkai and Shalchininkai checkpoints": names a crossing noun follows are crossings
        before = _NAME_BEFORE.search(text, max(0, m.start() - 90), m.start())
        if before is not None:
            for g in ("n1", "n2"):
                if before.group(g) is not None:  # the last name with its noun: one token, as a known crossing's
                    yield "crossing", before.start(g), m.end() if g == "n2" else before.end(g)
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

