"""The actor lexicon: who the words "rebels", "the army", "HTS" or "Jordanian authorities" name.

Data: ``data/actors.yaml`` (curated armed groups and forces, each with a side),
the gazetteer's countries, from which every state and its forces are
generated ("Jordan", "Jordanian authorities", "Turkish troops"), and
``data/leaders.yaml`` (leaders and officials named only by name, "Lavrov",
each an alias of the state they speak for).

Specific names ("Hayat Tahrir al-Sham", "SDF") mean one actor anywhere. Generic
names ("the army", "rebels", "government forces") mean different actors in
different wars: :meth:`ActorLexicon.find` resolves them with the text's focus
country (``Gazetteer.focus_country``), and falls back to a side-only actor
("government forces", side ``government``) when it has none.

Matching is the gazetteer's: one Aho-Corasick automaton over folded text (so
FA-KES's "Assads forces" is "Assad's forces"), word boundaries, capitalised
names only where capitalised, acronyms ("IS", "SDF") only in upper case.
Mentions never overlap; the longest wins; results are sorted by ``start``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

from newswire.core.models import Actor, Place
from newswire.extractor.gazetteer import (
    DATA_DIR,
    Gazetteer,
    _capitalised,
    _load_yaml,
    after_pro_or_anti,
    fold_key,
    fold_text,
)

__all__ = ["ActorMention", "ActorLexicon"]


@dataclass(frozen=True, slots=True)
class ActorMention:
    """An actor named in a text: character offsets, the words, and the actor (``mention`` = the words)."""

    start: int
    end: int
    text: str
    actor: Actor


# How an alias must be written in the text to count.
_ANY_CASE, _CAPITALISED, _UPPER = 0, 1, 2

# Words that turn a demonym or country name into that state's forces or its authorities.
_FORCE_WORDS = ("forces", "army", "troops", "military", "soldiers", "armed forces", "warplanes", "jets",
                "air force", "navy", "border guards", "security forces")
_STATE_WORDS = ("government", "authorities", "officials", "foreign ministry", "foreign minister",
                "defence ministry", "defense ministry", "president", "delegation", "side", "leaders", "state",
                "embassy", "prime minister", "regime")


def _case_of(alias: str) -> int:
    """How the text must write an alias: "IS" in upper case, "Hezbollah" capitalised, "rebels" any way.

    An alias that starts in lower case ("paramilitary Rapid Support Forces", "al-Nusra")
    is specific enough to match however the text writes it.
    """
    bare = alias.replace(".", "").replace("-", "")
    if len(alias) <= 6 and bare.isupper():
        return _UPPER
    if alias[:1].islower():
        return _ANY_CASE
    return _CAPITALISED if any(w[:1].isupper() for w in alias.split()) else _ANY_CASE


@dataclass(slots=True)
class _Entry:
    """What one key of the automaton can mean: (actor index, contexts or None for any text)."""

    case: int
    specific: list[int] = field(default_factory=list)
    generic: list[tuple[int, frozenset[str] | None]] = field(default_factory=list)


class ActorLexicon:
    """Actor lookup and mention finding. Thread-safe for reading."""

    _default: ActorLexicon | None = None
    _default_lock = threading.Lock()

    def __init__(self, entries: list[dict[str, Any]], gazetteer: Gazetteer,
                 leaders: list[dict[str, Any]] | None = None, titles: list[str] | None = None) -> None:
        self._gazetteer = gazetteer
        # words of an office before a person's name ("Russian Deputy Defence Minister X"): leaders.yaml's titles
        self.titles: frozenset[str] = frozenset(t.lower() for t in titles or ())
        self._actors: list[Actor] = []
        self._by_id: dict[str, int] = {}
        self._state_of: dict[str, int] = {}
        # folded city name -> (the actor it speaks for, the city's countries): a state's capital ("Tehran"
        # speaks for Iran), or an authority's seat ("talks between Sanaa and Riyadh": the Houthis)
        self._capital_of: dict[str, tuple[int, frozenset[str]]] = {}
        self._forces_of: dict[str, int] = {}  # ISO2 -> the state's forces ("the army" in a Malian text)
        self._persons: set[str] = set()  # folded names of leaders: a person speaks for an actor, never fights
        self._unnamed: set[str] = set()  # ids of the side-only fallbacks ("rebels", "militants"): no one by name
        keys: dict[str, _Entry] = {}

        def add(key_alias: str, idx: int, contexts: frozenset[str] | None, generic: bool) -> None:
            for key in {fold_key(key_alias), fold_key(key_alias).replace("'", "")}:
                if not key:
                    continue
                entry = keys.get(key)
                case = _case_of(key_alias)
                if entry is None:
                    entry = keys[key] = _Entry(case)
                else:
                    entry.case = min(entry.case, case)
                if generic:
                    entry.generic.append((idx, contexts))
                elif idx not in entry.specific:
                    entry.specific.append(idx)

        # Curated actors first: their names win over generated state names.
        for item in entries:
            aliases = list(dict.fromkeys([*item.get("aliases", []), *item.get("generic", [])]))
            idx = self._add_actor(Actor(id=item["id"], name=item["name"], side=item.get("side"),
                                        country=item.get("country"),
                                        aliases=[a for a in aliases if a != item["name"]]))
            for alias in item.get("aliases", []):
                add(alias, idx, None, generic=False)
            if item.get("aliases"):  # a fallback-only actor ("rebels") is never named specifically
                add(item["name"], idx, None, generic=False)
            else:
                self._unnamed.add(item["id"])
            contexts = frozenset(item["context"]) if item.get("context") else None
            for alias in item.get("generic", []):
                add(alias, idx, contexts, generic=True)
            for seat in item.get("seat", []):
                if not contexts:
                    raise ValueError(f"actors.yaml: {item['id']}: a seat needs the actor's context (its countries)")
                city = gazetteer.lookup(seat)  # keyed by the gazetteer's name: "Garowe" is its "Garoowe"
                if city is None:
                    raise ValueError(f"actors.yaml: {item['id']}: seat {seat!r} is not in the gazetteer")
                self._capital_of[fold_key(city.name)] = (idx, contexts)

        # States and their forces, generated from the gazetteer's countries.
        for place, demonyms, capital in gazetteer._country_table():
            iso2 = place.country or ""
            names = [place.name, *[a for a in place.aliases if a not in demonyms]]
            state_aliases = [*names[1:], *demonyms, *([capital] if capital else []),
                             *(f"{d} {w}" for d in demonyms for w in _STATE_WORDS[:3])]
            sidx = self._add_actor(Actor(id=f"state:{iso2}", name=place.name, side=place.name, country=iso2,
                                         aliases=list(dict.fromkeys(state_aliases))))
            self._state_of[iso2] = sidx
            if capital and fold_key(capital) not in self._capital_of:
                self._capital_of[fold_key(capital)] = (sidx, frozenset({iso2}))
            for name in names:
                if len(name) >= 2:
                    add(name, sidx, None, generic=False)
            for d in demonyms:
                for w in _STATE_WORDS:
                    add(f"{d} {w}", sidx, None, generic=False)
            forces_name = f"{demonyms[0]} forces" if demonyms else f"{place.name} forces"
            if fold_key(forces_name) in keys and keys[fold_key(forces_name)].specific:
                self._forces_of[iso2] = keys[fold_key(forces_name)].specific[0]
                continue  # curated ("Russian forces", "Syrian army")
            fidx = self._add_actor(Actor(
                id=f"forces:{iso2}", name=forces_name, side=place.name, country=iso2,
                aliases=list(dict.fromkeys([place.name, *(f"{d} {w}" for d in demonyms for w in _FORCE_WORDS)]))))
            self._forces_of[iso2] = fidx
            for d in demonyms:
                for w in _FORCE_WORDS:
                    key = fold_key(f"{d} {w}")
                    if key not in keys or not keys[key].specific:
                        add(f"{d} {w}", fidx, None, generic=False)

        # Leaders named only by name ("Kerry met Lavrov"): each name is an alias of the state it speaks for,
        # or of the organisation (an actors.yaml id: "Guterres" speaks for the UN).
        for leader in leaders or []:
            if "actor" in leader:
                sidx_of = self._by_id.get(str(leader["actor"]))
                if sidx_of is None:
                    raise ValueError(f"leaders.yaml: {leader.get('name')!r}: unknown actor {leader['actor']!r}; "
                                     "use an id of actors.yaml")
            else:
                sidx_of = self._state_of.get(str(leader.get("state", "")))
            if sidx_of is None:
                raise ValueError(f"leaders.yaml: {leader.get('name')!r}: unknown state {leader.get('state')!r}; "
                                 "use an ISO2 code of the gazetteer's countries")
            state = self._actors[sidx_of]
            for alias in [leader["name"], *leader.get("aliases", [])]:
                self._persons.add(fold_key(alias))
                if alias not in state.aliases:
                    state.aliases.append(alias)
                key = keys.get(fold_key(alias))
                if key is None or not key.specific:  # a curated actor's name wins
                    add(alias, sidx_of, None, generic=False)

        auto = ahocorasick.Automaton()
        for key, entry in keys.items():
            auto.add_word(" " + key, (len(key), entry))  # a key starts a word (see gazetteer._raw)
        auto.make_automaton()
        self._automaton = auto

    def _add_actor(self, actor: Actor) -> int:
        if actor.id in self._by_id:
            raise ValueError(f"actors.yaml: duplicate actor id {actor.id!r}; ids must be unique")
        self._actors.append(actor)
        self._by_id[actor.id] = len(self._actors) - 1
        return len(self._actors) - 1

    @classmethod
    def default(cls) -> ActorLexicon:
        """The lexicon of the shipped data, built on first use and shared by the process."""
        if cls._default is None:
            with cls._default_lock:
                if cls._default is None:
                    cls._default = cls.from_data(DATA_DIR, Gazetteer.default())
        return cls._default

    @classmethod
    def from_data(cls, data_dir: Path, gazetteer: Gazetteer) -> ActorLexicon:
        leaders_file = data_dir / "leaders.yaml"
        people = _load_yaml(leaders_file) if leaders_file.exists() else {}
        return cls(_load_yaml(data_dir / "actors.yaml").get("actors", []), gazetteer, people.get("leaders", []),
                   people.get("titles", []))

    # --- lookups --------------------------------------------------------------

    def get(self, actor_id: str) -> Actor:
        """The actor with this id; ``KeyError`` naming the id if there is none."""
        try:
            return self._actors[self._by_id[actor_id]]
        except KeyError:
            raise KeyError(f"actor {actor_id!r}: not in the lexicon") from None

    def state(self, name_or_code: str) -> Actor | None:
        """The state actor for a country name, demonym or ISO code ("Jordan", "Jordanian", "TR", "Turkiye")."""
        place = self._gazetteer.country(name_or_code)
        if place is None or place.country not in self._state_of:
            return None
        return self._actors[self._state_of[place.country]]

    def is_unnamed(self, actor: Actor) -> bool:
        """Is ``actor`` a side-only fallback ("rebels", "jihadists"): a kind of actor, no party by name?"""
        return actor.id in self._unnamed

    def is_person(self, name: str) -> bool:
        """Is ``name`` a leader's name (who speaks for a state or group, but is no force on the ground)?"""
        return fold_key(name) in self._persons

    def capital_state(self, place: Place) -> Actor | None:
        """The actor a capital or seat speaks for ("Tehran has started to withdraw"), or None for any other place."""
        found = self._capital_of.get(fold_key(place.name))
        if found is None or place.country not in found[1]:
            return None  # a namesake abroad is not the capital
        return self._actors[found[0]]

    # --- finding --------------------------------------------------------------

    def find(self, text: str, country: str | None = None) -> list[ActorMention]:
        """Every actor mention of ``text``: non-overlapping, longest first, sorted by start.

        ``country`` (ISO2, the text's focus country) decides what generic names
        ("the army", "rebels") mean; without it they get the side-only fallback.
        """
        if not text:
            return []
        folded = fold_text(text)
        n = len(folded)
        cc = country.upper() if country else None
        hits: list[tuple[int, int, int]] = []
        for end, (length, entry) in self._automaton.iter(" " + folded):
            start = end - length
            if end < n and folded[end].isalnum():
                continue
            span = text[start:end]
            if after_pro_or_anti(text, start):
                continue
            if entry.case == _UPPER:
                if not span.replace(".", "").replace("-", "").replace(" ", "").isupper():
                    continue
            elif entry.case == _CAPITALISED and not _capitalised(span):
                continue
            idx = self._resolve(entry, cc)
            if idx is not None:
                hits.append((start, end, idx))
        hits.sort(key=lambda h: (h[0] - h[1], h[0]))
        occupied = bytearray(n + 1)
        out: list[ActorMention] = []
        for start, end, idx in hits:
            if any(occupied[start:end]):
                continue
            occupied[start:end] = b"\x01" * (end - start)
            words = text[start:end]
            actor = self._actors[idx].model_copy(update={"mention": words})
            out.append(ActorMention(start, end, words, actor))
        out.sort(key=lambda m: m.start)
        return out

    def _resolve(self, entry: _Entry, country: str | None) -> int | None:
        """The actor a name means: a specific one; a generic one in the text's country; else the fallback.

        A government-side generic ("the army", "government troops") with no curated meaning in the
        text's country is that country's forces: "the army" in a Malian text is the Malian army.
        """
        if entry.specific:
            return entry.specific[0]
        fallback = None
        for idx, contexts in entry.generic:
            if contexts is None:
                fallback = idx if fallback is None else fallback
            elif country is not None and country in contexts:
                return idx
        if fallback is not None and country is not None and self._actors[fallback].side == "government":
            return self._forces_of.get(country, fallback)
        return fallback

