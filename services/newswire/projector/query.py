"""Reading the tables: what ``newswire state``, ``newswire export`` and the read API return.

Three ways to ask, one module:

- **now**: the stored rows of ``control``, ``crossings`` and ``meetings``;
- **valid time**, ``as_of=D``: for control the ``control_history`` fact
  valid on D; for crossings a refold of the reports dated up to D; for
  meetings a refold of the reports published up to D (a meeting announced
  for later is listed as scheduled);
- **transaction time**, ``known_at=T``: the same, from only the reports
  newswire had received by T (``applied_events.received_at <= T``, the log
  record's timestamp), refolded with the projector's own pure folds. The
  folds depend on the set of reports only, so this is exactly the state the
  tables held once those reports were applied, whatever happened since.

Rows are dicts with the table's columns and ``evidence`` (the reports behind
the row), read with one query per view, not one per row. :class:`Filters`
narrows them; which filter applies to which view is data (:data:`FILTERS`).
Everything here reads a :class:`~sqlalchemy.engine.Connection` and writes nothing.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from newswire.core.errors import ProjectionError
from newswire.projector.fold import (
    CONTROL_TYPES,
    CROSSING,
    MEETING,
    Report,
    fold_crossing,
    fold_meetings,
    fold_place,
)
from newswire.projector.registry import PROJECTIONS, Projection
from newswire.projector.store import load_reports
from newswire.projector.tables import Tables, make_tables

__all__ = [
    "EVENT_TYPES",
    "FILTERS",
    "KEYS",
    "VIEWS",
    "Filters",
    "Page",
    "View",
    "data_version",
    "decode_cursor",
    "events",
    "history",
    "known_range",
    "changed_since",
    "place_exists",
    "read_view",
    "rows_by_key",
    "state_rows",
]

View = Literal["control", "crossings", "meetings"]
VIEWS: tuple[View, ...] = ("control", "crossings", "meetings")
KEYS: dict[View, str] = {"control": "place_id", "crossings": "crossing_id", "meetings": "meeting_id"}


def _registered(view: str) -> Projection:
    """The registered projection whose table is ``view`` (newswire.projector.registry)."""
    return next(p for p in PROJECTIONS.values() if p.view == view)
EVENT_TYPES = (*CONTROL_TYPES, CROSSING, MEETING)
_CHUNK = 500


@dataclass(frozen=True)
class Filters:
    """What a reader narrows a list to. ``None`` means no filter; text matches ignore case.

    - ``country``: ISO 3166-1 alpha-2 of the place (a crossing's sides count too);
    - ``side``: the controller's side (a crossing: its holder's side or a side's country code);
    - ``controller``: the controller's (holder's) id, or part of its name;
    - ``status``: ``held``/``contested``; ``seized``/``closed``/``opened``; ``held``/``scheduled``;
    - ``place``: the place's (crossing's, meeting location's) id, or part of its name;
    - ``bbox``: (min_lon, min_lat, max_lon, max_lat); rows without coordinates are left out;
    - ``participant``: a meeting participant's id or part of its name;
    - ``date_from``, ``date_to``: a meeting's date lies in [from, to].
    """

    country: str | None = None
    side: str | None = None
    controller: str | None = None
    status: str | None = None
    place: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    participant: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def given(self) -> list[str]:
        return [name for name in _FIELDS if getattr(self, name) is not None]

    def keep(self, view: View, row: dict[str, Any]) -> bool:
        return all(_TESTS[(view, name)](row, value) for name in _FIELDS if (value := getattr(self, name)) is not None)


_FIELDS = tuple(f.name for f in fields(Filters))


def _has(needle: str, *names: object) -> bool:
    n = needle.casefold()
    return any(n in str(v).casefold() for v in names if v)


def _same(a: object, b: str) -> bool:
    return a is not None and str(a).casefold() == b.casefold()


def _in_box(lat: float | None, lon: float | None, box: tuple[float, float, float, float]) -> bool:
    return lat is not None and lon is not None and box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


# (view, filter) -> test. A filter missing for a view does not apply to it (the API answers 422).
_TESTS: dict[tuple[str, str], Callable[[dict[str, Any], Any], bool]] = {
    ("control", "country"): lambda r, v: _same(r["country"], v),
    ("control", "side"): lambda r, v: _same(r["side"], v),
    ("control", "controller"): lambda r, v: _same(r["controller_id"], v) or _has(v, r["controller_name"]),
    ("control", "status"): lambda r, v: _same(r["status"], v),
    ("control", "place"): lambda r, v: _same(r["place_id"], v) or _has(v, r["place_name"]),
    ("control", "bbox"): lambda r, v: _in_box(r["lat"], r["lon"], v),
    ("crossings", "country"): lambda r, v: _same(r["country"], v) or any(_same(k, v) for k in r["sides"]),
    ("crossings", "side"): lambda r, v: _same(r["holder_side"], v) or any(_same(k, v) for k in r["sides"]),
    ("crossings", "controller"): lambda r, v: _same(r["holder_id"], v) or _has(v, r["holder_name"]),
    ("crossings", "status"): lambda r, v: _same(r["status"], v),
    ("crossings", "place"): lambda r, v: _same(r["crossing_id"], v) or _has(v, r["name"]),
    ("crossings", "bbox"): lambda r, v: _in_box(r["lat"], r["lon"], v),
    ("meetings", "country"): lambda r, v: _same(r["location_country"], v),
    ("meetings", "status"): lambda r, v: _same(r["status"], v),
    ("meetings", "place"): lambda r, v: _same(r["location_id"], v) or _has(v, r["location_name"]),
    ("meetings", "bbox"): lambda r, v: _in_box(r["location_lat"], r["location_lon"], v),
    ("meetings", "participant"): lambda r, v: (any(_same(p, v) for p in r["participant_ids"])
                                               or _has(v, *r["participants"])),
    ("meetings", "date_from"): lambda r, v: r["date"] >= v,
    ("meetings", "date_to"): lambda r, v: r["date"] <= v,
}
FILTERS: dict[View, tuple[str, ...]] = {
    view: tuple(name for (v, name) in _TESTS if v == view) for view in VIEWS}


# --- the three views ----------------------------------------------------------


def read_view(conn: Connection, tables: Tables, view: View, *, filters: Filters = Filters(),
              as_of: date | None = None, known_at: datetime | None = None) -> list[dict[str, Any]]:
    """The rows of ``view`` (now, as of a date, as known at a time), filtered, each with its ``evidence``."""
    if view in tables.views:  # a registered type's table (newswire.projector.registry): current rows only
        if as_of is not None or known_at is not None or filters.given():
            raise ProjectionError(f"{view!r} keeps no history and no filters: as_of, known_at and filters "
                                  "are for control, crossings and meetings")
        table = tables.views[view]
        rows = _dicts(conn.execute(sa.select(table).order_by(*table.primary_key.columns)))
        _attach_stored_evidence(conn, tables, view, rows)
        return rows
    # Crossings and meetings keep no history table: as of a date they are refolded too.
    evidence_of = None
    if known_at is not None or (as_of is not None and view != "control"):
        rows, evidence_of = _refolded(conn, tables, view, as_of, known_at)
    else:
        rows = _stored(conn, tables, view, as_of)
    if filters.given():
        rows = [r for r in rows if filters.keep(view, r)]
    if evidence_of is not None:
        ids = [e for r in rows for e in evidence_of(r)]
        found = _evidence_by_event(conn, tables, ids)
        for r in rows:
            r["evidence"] = sorted((found[e] for e in evidence_of(r) if e in found), key=_EVIDENCE_ORDER)
    else:
        _attach_stored_evidence(conn, tables, view, rows)
    return rows


def _dicts(result: sa.CursorResult[Any]) -> list[dict[str, Any]]:
    """Rows as dicts with plain ``str`` keys (SQLAlchemy's column names are a ``str`` subclass that JSON
    encoders inspect attribute by attribute: a third of the encoding time of a large list)."""
    keys = [str(k) for k in result.keys()]
    return [dict(zip(keys, row, strict=True)) for row in result]


def _stored(conn: Connection, t: Tables, view: View, as_of: date | None) -> list[dict[str, Any]]:
    """The stored rows of ``view``; for control ``as_of`` a date, the history facts valid on it."""
    if view == "crossings":
        query = sa.select(t.crossings).order_by(t.crossings.c.name, t.crossings.c.crossing_id)
        return _dicts(conn.execute(query))
    if view == "meetings":
        query = sa.select(t.meetings).order_by(t.meetings.c.date, t.meetings.c.meeting_id)
        return _dicts(conn.execute(query))
    if as_of is None:
        query = sa.select(t.control).order_by(t.control.c.place_name, t.control.c.place_id)
        return [dict(r, valid_to=None, historical=False) for r in _dicts(conn.execute(query))]
    h = t.control_history.c
    query = (sa.select(t.control_history)
             .where(h.kind == "control", h.valid_from <= as_of, sa.or_(h.valid_to.is_(None), h.valid_to > as_of))
             .order_by(h.place_name, h.place_id))
    return [_control_from_history(r) for r in _dicts(conn.execute(query))]


def _control_from_history(h: dict[str, Any]) -> dict[str, Any]:
    """A history row in the shape of a ``control`` row (what the place looked like while it was valid)."""
    return dict(
        place_id=h["place_id"], place_name=h["place_name"], controller_id=h["controller_id"],
        controller_name=h["controller_name"], side=h["side"], since=h["valid_from"], since_text=h["date_words"],
        precision=h["precision"], extent=None, status=h["status"], confidence=h["confidence"],
        n_sources=h["n_sources"], n_reports=h["n_reports"], fact_id=h["fact_id"], claims=[],
        last_reported_at=None, place_kind=h["place_kind"], country=h["country"], lat=h["lat"], lon=h["lon"],
        valid_to=h["valid_to"], historical=h["historical"])


def _epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _reports(conn: Connection, t: Tables, types: Sequence[str], known_at: datetime | None,
             subject: str | None = None) -> dict[str, list[Report]]:
    ae = t.applied_events.c
    where = [ae.type.in_(types)]
    if known_at is not None:
        where.append(ae.received_at <= _epoch(known_at))
    if subject is not None:
        where.append(ae.subject == subject)
    grouped: dict[str, list[Report]] = {}
    for r in load_reports(conn, t, sa.and_(*where)):
        grouped.setdefault(r.subject, []).append(r)
    return grouped


def _published(r: Report) -> date:
    return date.fromisoformat(r.reported_at[:10]) if r.reported_at else r.day_start


def _refolded(conn: Connection, t: Tables, view: View, as_of: date | None, known_at: datetime | None
              ) -> tuple[list[dict[str, Any]], Callable[[dict[str, Any]], list[str]]]:
    """Rows folded afresh from the reports received by ``known_at`` (all without), as of ``as_of``.

    Returns the rows and, per row, the event ids of the reports behind it.
    """
    if view == "control":
        rows, backing = [], {}
        for reports in _reports(conn, t, CONTROL_TYPES, known_at).values():
            fold = fold_place(reports)
            row = _control_at(fold, as_of)
            if row is not None:
                rows.append(row)
                backing[row["place_id"]] = [e for e, f in fold.facts.items() if f == row["fact_id"]]
        rows.sort(key=lambda r: (r["place_name"], r["place_id"]))
        return rows, lambda r: backing.get(r["place_id"], [])
    if view == "crossings":
        rows, backing = [], {}
        for reports in _reports(conn, t, (CROSSING,), known_at).values():
            dated = [r for r in reports if as_of is None or r.day_start <= as_of]
            if dated:
                row = fold_crossing(dated).row
                rows.append(row)
                backing[row["crossing_id"]] = [r.event_id for r in dated]
        rows.sort(key=lambda r: (r["name"], r["crossing_id"]))
        return rows, lambda r: backing.get(r["crossing_id"], [])
    reports = [r for group in _reports(conn, t, (MEETING,), known_at).values() for r in group
               if as_of is None or _published(r) <= as_of]
    mfold = fold_meetings(reports)
    members: dict[str, list[str]] = {}
    for event_id, meeting_id in mfold.keys.items():
        members.setdefault(meeting_id, []).append(event_id)
    rows = sorted(mfold.rows, key=lambda r: (r["date"], r["meeting_id"]))
    return rows, lambda r: members.get(r["meeting_id"], [])


def _control_at(fold: Any, as_of: date | None) -> dict[str, Any] | None:
    if as_of is None:
        return None if fold.control is None else dict(fold.control, valid_to=None, historical=False)
    for h in fold.history:
        if h["kind"] == "control" and h["valid_from"] <= as_of and (h["valid_to"] is None or h["valid_to"] > as_of):
            return _control_from_history(h)
    return None


# --- evidence -----------------------------------------------------------------


# article_id: what `newswire explain ARTICLE_ID` takes.
_EVIDENCE_COLUMNS = ("event_id", "article_id", "outlet", "url", "title", "sentence", "start", "end", "attribution",
                     "modality", "story_id", "reported_at")


def _EVIDENCE_ORDER(e: dict[str, Any]) -> tuple[str, str]:  # noqa: N802 - a sort key, named like a constant
    return (e["outlet"], e["event_id"])


def _evidence_query(t: Tables) -> sa.Select[Any]:
    ev, ae = t.evidence, t.applied_events
    return (sa.select(*[ev.c[c] for c in _EVIDENCE_COLUMNS], ae.c.received_at, ev.c.row_key, ev.c.fact_id)
            .join(ae, ae.c.event_id == ev.c.event_id))


def _evidence_row(r: Any) -> dict[str, Any]:
    e = dict(zip(_EVIDENCE_COLUMNS, r, strict=False))
    e["received_at"] = _moment(r[len(_EVIDENCE_COLUMNS)])
    return e


@functools.lru_cache(maxsize=4096)
def _moment(epoch: float | None) -> datetime | None:
    """A receipt time as a UTC datetime (a batch's events share one: converted once)."""
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def _attach_stored_evidence(conn: Connection, t: Tables, view: View, rows: list[dict[str, Any]]) -> None:
    """Evidence of stored rows: of a place, the reports of the row's fact; of a crossing or meeting, all."""
    key = KEYS[view] if view in KEYS else _registered(view).key
    ev = t.evidence.c
    query = _evidence_query(t).where(ev.row_table == view)
    keys = [r[key] for r in rows]
    found: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    # A few rows: ask for theirs; many: read the view's evidence once (cheaper than thousands of IN lists).
    chunks = [query.where(ev.row_key.in_(c)) for c in _chunks(keys)] if len(keys) <= 4 * _CHUNK else [query]
    for q in chunks:
        for r in conn.execute(q):
            found.setdefault((r.row_key, r.fact_id if view == "control" else None), []).append(_evidence_row(r))
    for row in rows:
        fact = row["fact_id"] if view == "control" else None
        row["evidence"] = sorted(found.get((row[key], fact), []), key=_EVIDENCE_ORDER)


def _evidence_by_event(conn: Connection, t: Tables, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(list(ids)):
        for r in conn.execute(_evidence_query(t).where(t.evidence.c.event_id.in_(chunk))):
            e = _evidence_row(r)
            out[e["event_id"]] = e
    return out


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# --- what a batch changed ----------------------------------------------------------



def rows_by_key(conn: Connection, tables: Tables, view: View, keys: Sequence[str]) -> list[dict[str, Any]]:
    """The stored rows of ``view`` with these keys (those that exist), with their evidence."""
    table = {"control": tables.control, "crossings": tables.crossings, "meetings": tables.meetings}[view]
    col = table.c[KEYS[view]]
    rows = []
    for chunk in _chunks(sorted(set(keys))):
        for row in _dicts(conn.execute(sa.select(table).where(col.in_(chunk)))):
            if view == "control":
                row.update(valid_to=None, historical=False)
            rows.append(row)
    _attach_stored_evidence(conn, tables, view, rows)
    return rows


def changed_since(conn: Connection, tables: Tables, ranges: dict[tuple[str, int], tuple[int, int]]
                  ) -> dict[View, set[str]]:
    """The keys of the rows the events at these log positions ([first, end) per partition) now back."""
    ae, ev = tables.applied_events.c, tables.evidence.c
    out: dict[View, set[str]] = {v: set() for v in VIEWS}
    spans = [sa.and_(ae.topic == t, ae.partition == p, ae.offset >= lo, ae.offset < hi)
             for (t, p), (lo, hi) in ranges.items() if hi > lo]
    for chunk in _chunks(spans, 100):
        query = (sa.select(ev.row_table, ev.row_key).join(tables.evidence, ev.event_id == ae.event_id)
                 .where(sa.or_(*chunk)))
        for table, key in conn.execute(query):
            out[table].add(key)  # type: ignore[index]
    return out


# --- one place's history ----------------------------------------------------------


def place_exists(conn: Connection, tables: Tables, place_id: str) -> bool:
    ae = tables.applied_events.c
    query = sa.select(ae.event_id).where(ae.type.in_(CONTROL_TYPES), ae.subject == place_id).limit(1)
    return conn.execute(query).first() is not None


def history(conn: Connection, tables: Tables, place_id: str, *, known_at: datetime | None = None
            ) -> list[dict[str, Any]]:
    """Every transition of one place (control facts and withdrawals), oldest first, each with its ``sources``.

    A transition is valid from ``valid_from`` until ``valid_to`` (``None``: still
    valid). With ``known_at``, the history as it stood then.
    """
    if known_at is None:
        h = tables.control_history.c
        rows = _dicts(conn.execute(sa.select(tables.control_history).where(h.place_id == place_id)))
        ev = tables.evidence.c
        query = _evidence_query(tables).where(ev.row_table == "control", ev.row_key == place_id)
        by_fact: dict[str, list[dict[str, Any]]] = {}
        for r in conn.execute(query):
            by_fact.setdefault(r.fact_id, []).append(_evidence_row(r))
        for row in rows:
            row["sources"] = sorted(by_fact.get(row["fact_id"], []), key=_EVIDENCE_ORDER)
    else:
        reports = _reports(conn, tables, CONTROL_TYPES, known_at, subject=place_id).get(place_id, [])
        if not reports:
            return []
        fold = fold_place(reports)
        found = _evidence_by_event(conn, tables, list(fold.facts))
        rows = [dict(h) for h in fold.history]
        for row in rows:
            row["sources"] = sorted((found[e] for e, f in fold.facts.items() if f == row["fact_id"] and e in found),
                                    key=_EVIDENCE_ORDER)
    return sorted(rows, key=lambda r: (r["valid_from"], r["kind"], r["fact_id"]))


# --- events, a page at a time --------------------------------------------------------


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next_cursor: str | None


def _cursor(day: date, event_id: str) -> str:
    raw = json.dumps([day.isoformat(), event_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[date, str]:
    """The (day, event id) a cursor points after; ``ValueError`` when it is not one of ours."""
    try:
        day, event_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return date.fromisoformat(day), str(event_id)
    except (ValueError, TypeError, binascii.Error):
        raise ValueError("not a cursor from this API (use next_cursor of the previous page)") from None


def _like(col: Any, text: str) -> Any:
    escaped = text.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(col).like(f"%{escaped}%", escape="\\")


def events(conn: Connection, tables: Tables, *, type: str | None = None, place: str | None = None,
           actor: str | None = None, date_from: date | None = None, date_to: date | None = None,
           known_at: datetime | None = None, cursor: str | None = None, limit: int = 100) -> Page:
    """The events behind the tables, by date (then id), ``limit`` at a time after ``cursor``.

    ``place``: the subject's id (place, crossing) or part of its name (a
    meeting's: its location); ``actor``: the actor's id or part of its name
    (a meeting's participants); dates: the event's date interval overlaps
    [from, to]; ``known_at``: only events received by then.
    """
    ae, ev = tables.applied_events.c, tables.evidence.c
    where: list[Any] = []
    if type is not None:
        where.append(ae.type == type)
    if place is not None:
        where.append(sa.or_(ae.subject == place, _like(ae.subject_name, place)))
    if actor is not None:
        where.append(sa.or_(ae.actor_id == actor, _like(ae.actor_name, actor),
                            _like(sa.cast(ae.participants, sa.Text), actor)))
    if date_from is not None:
        where.append(ae.day_end >= date_from)
    if date_to is not None:
        where.append(ae.day_start <= date_to)
    if known_at is not None:
        where.append(ae.received_at <= _epoch(known_at))
    if cursor is not None:
        day, event_id = decode_cursor(cursor)
        where.append(sa.or_(ae.day_start > day, sa.and_(ae.day_start == day, ae.event_id > event_id)))
    columns = [c for c in tables.applied_events.c if c.name not in ("topic", "partition", "offset", "inferred")]
    query = (sa.select(*columns, ev.url, ev.title, ev.sentence, ev.start, ev.end, ev.attribution, ev.modality,
                       ev.row_table, ev.row_key, ev.fact_id)
             .join(tables.evidence, ev.event_id == ae.event_id)
             .where(*where).order_by(ae.day_start, ae.event_id).limit(limit + 1))
    rows = _dicts(conn.execute(query))
    for r in rows:
        r["received_at"] = datetime.fromtimestamp(r["received_at"], UTC) if r["received_at"] is not None else None
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, _cursor(rows[-1]["day_start"], rows[-1]["event_id"]) if more else None)


# --- versions and ranges --------------------------------------------------------------


def data_version(conn: Connection, tables: Tables, topics: Sequence[str] | None = None) -> str:
    """Changes whenever the projector commits a batch (of ``topics``): its stored offsets, written with the rows."""
    o = tables.offsets.c
    query = sa.select(o.topic, o.partition, o.next_offset).order_by(o.topic, o.partition)
    if topics is not None:
        query = query.where(o.topic.in_(topics))
    return ",".join(f"{t}:{p}:{n}" for t, p, n in conn.execute(query))


def known_range(conn: Connection, tables: Tables) -> dict[str, Any]:
    """The dates a reader can ask about: first and last valid dates, first and last receipt times."""
    h, ae = tables.control_history.c, tables.applied_events.c
    first_day, last_day = conn.execute(sa.select(sa.func.min(h.valid_from), sa.func.max(h.valid_from))).one()
    first_in, last_in = conn.execute(sa.select(sa.func.min(ae.received_at), sa.func.max(ae.received_at))).one()

    def moment(v: float | None) -> datetime | None:
        return datetime.fromtimestamp(v, UTC) if v is not None else None

    return {"first_date": first_day, "last_date": last_day,
            "first_received_at": moment(first_in), "last_received_at": moment(last_in)}


# --- ``newswire state`` ------------------------------------------------------------------


def state_rows(engine: Engine, view: View, *, as_of: date | None = None, place: str | None = None,
               tables: Tables | None = None) -> list[dict[str, Any]]:
    """The rows of ``view`` (optionally as of a date) whose place name or id contains ``place``.

    For meetings, ``place`` also matches a participant ("iraq").
    """
    tables = tables or make_tables()
    with engine.connect() as conn:
        rows = read_view(conn, tables, view, as_of=as_of)
    if place is None:
        return rows
    if view in tables.views:
        key = _registered(view).key
        return [r for r in rows if _has(place, r.get("name") or r.get("place_name"), r[key])]
    names: dict[View, Callable[[dict[str, Any]], list[Any]]] = {
        "control": lambda r: [r["place_name"], r["place_id"]],
        "crossings": lambda r: [r["name"], r["crossing_id"]],
        "meetings": lambda r: [r["location_name"], *r["participants"]],
    }
    return [r for r in rows if _has(place, *names[view](r))]
