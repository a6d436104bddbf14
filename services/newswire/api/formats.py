"""Rows out: JSON, GeoJSON, CSV and JSON Lines, each row with its geometry or the reason it has none.

The API and ``newswire export`` both encode through here, so a row reads the
same everywhere. Every row about a place carries the place's point
(GeoJSON ``Point``, longitude first); a place the extractor could not locate
has ``geometry: null`` and a ``geometry_reason`` saying why (:data:`UNLOCATED`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic_core import to_json

__all__ = ["FORMATS", "EXPORT_FORMATS", "Format", "LOCATORS", "Locator", "MEDIA_TYPES", "UNLOCATED", "encode", "locate",
           "present", "stream"]

Format = Literal["json", "geojson", "csv", "jsonl"]
FORMATS = ("json", "geojson", "csv")  # of the API's lists
EXPORT_FORMATS = ("csv", "geojson", "jsonl")  # of `newswire export`
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/jsonl",
}

# Why a place has no coordinates, by the shape of its id (first match wins). The gazetteer
# (newswire.extractor.gazetteer) gives countries and provinces no point, and a name it lacks
# gets a ``newswire:<country>:<slug>`` id from the extractor; see docs/api.md.
UNLOCATED: tuple[tuple[str, str], ...] = (
    (r"^iso:[A-Z]{2}$", "a country: the gazetteer carries no coordinates for countries"),
    (r"^iso:[A-Z]{2}-", "a province (ISO 3166-2 subdivision): the gazetteer carries no coordinates for provinces"),
    (r"^newswire:[a-z]{2}:", "not in the gazetteer: the name was recognised from its context in the article, "
                             "so no coordinates are known"),
    (r"^newswire:[^:]+$", "a curated place (the gazetteer's places.yaml) entered without coordinates"),
)
_UNLOCATED = [(re.compile(p), reason) for p, reason in UNLOCATED]
NO_PLACE = "the reports name no place"
NO_COORDINATES = "the events carried no coordinates for this place"


@dataclass(frozen=True)
class Locator:
    """Where a kind of row keeps its place's id and coordinates."""

    id: Callable[[dict[str, Any]], str | None]
    lat: str
    lon: str
    key: str  # the row's own id, for GeoJSON feature ids


def _meeting_place(row: dict[str, Any]) -> str | None:
    return row.get("location_id")


def _event_place(row: dict[str, Any]) -> str | None:
    if row.get("location") is not None or row["type"] == "diplomacy.meeting":
        return (row.get("location") or {}).get("id")
    return row["subject"]


LOCATORS: dict[str, Locator] = {
    "control": Locator(lambda r: r["place_id"], "lat", "lon", "place_id"),
    "history": Locator(lambda r: r["place_id"], "lat", "lon", "fact_id"),
    "crossings": Locator(lambda r: r["crossing_id"], "lat", "lon", "crossing_id"),
    "meetings": Locator(_meeting_place, "location_lat", "location_lon", "meeting_id"),
    "events": Locator(_event_place, "lat", "lon", "event_id"),
}


def locate(kind: str, row: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The row's GeoJSON point, or ``None`` and the reason."""
    loc = LOCATORS[kind]
    lat, lon = row.get(loc.lat), row.get(loc.lon)
    if lat is not None and lon is not None:
        return {"type": "Point", "coordinates": [lon, lat]}, None
    place_id = loc.id(row)
    if place_id is None:
        return None, NO_PLACE
    return None, next((reason for pattern, reason in _UNLOCATED if pattern.search(place_id)), NO_COORDINATES)


def present(kind: str, row: dict[str, Any]) -> dict[str, Any]:
    """The row as JSON shows it: coordinates folded into ``geometry`` (+ ``geometry_reason``).

    Changes ``row`` itself (copying 20,000 rows of 25 keys costs more than encoding them).
    """
    loc = LOCATORS[kind]
    row["geometry"], row["geometry_reason"] = locate(kind, row)
    row.pop(loc.lat, None)
    row.pop(loc.lon, None)
    return row


def encode(kind: str, rows: list[dict[str, Any]], fmt: Format, meta: dict[str, Any] | None = None) -> bytes:
    """The whole document (``json``: ``{...meta, "count", "data"}``; ``geojson``: a FeatureCollection)."""
    return b"".join(stream(kind, rows, fmt, meta))


def stream(kind: str, rows: Iterable[dict[str, Any]], fmt: Format, meta: dict[str, Any] | None = None
           ) -> Iterator[bytes]:
    """The document in pieces (``newswire export`` writes them as they come)."""
    meta = meta or {}
    if fmt == "json":
        items = [present(kind, r) for r in rows]
        yield to_json({**meta, "count": len(items), "data": items})
    elif fmt == "geojson":
        features = []
        for r in rows:
            props = present(kind, r)
            geometry = props.pop("geometry")
            features.append({"type": "Feature", "id": r[LOCATORS[kind].key], "geometry": geometry,
                             "properties": props})
        yield to_json({"type": "FeatureCollection", **meta, "features": features})
    elif fmt == "jsonl":
        for r in rows:
            yield to_json(present(kind, r)) + b"\n"
    else:
        yield from _csv(kind, rows)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return "; ".join(value)
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return value


_SOURCES = ("evidence", "sources")


def _csv(kind: str, rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """One line per row: the row's columns, ``geometry_reason``, and its reports' outlets and URLs."""
    buf = io.StringIO()
    writer: Any = None
    for r in rows:
        _, reason = locate(kind, r)
        flat = {k: _cell(v) for k, v in r.items() if k not in _SOURCES}
        flat["geometry_reason"] = reason or ""
        reports = next((r[k] for k in _SOURCES if k in r), None)
        if reports is not None:
            flat["outlets"] = "; ".join(sorted({e["outlet"] for e in reports}))
            flat["urls"] = " ".join(sorted({e["url"] for e in reports if e.get("url")}))
        if writer is None:
            writer = csv.DictWriter(buf, fieldnames=list(flat), lineterminator="\n")
            writer.writeheader()
        writer.writerow(flat)
        if buf.tell() > 1 << 16:
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode()
