"""Reading the tables: what ``newswire state`` prints.

``as_of`` answers "what did the tables say on that date": for control it reads
``control_history`` (the fact valid on that day); for crossings and meetings it
refolds the applied events dated (crossings) or reported (meetings) up to that
day with the same pure folds the projector uses.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from newswire.projector.fold import CROSSING, MEETING, fold_crossing, fold_meetings
from newswire.projector.store import load_reports
from newswire.projector.tables import Tables, make_tables

__all__ = ["View", "state_rows"]

View = Literal["control", "crossings", "meetings"]


def _matches(place: str | None, *names: object) -> bool:
    if place is None:
        return True
    needle = place.casefold()
    return any(needle in str(n).casefold() for n in names if n)


def state_rows(engine: Engine, view: View, *, as_of: date | None = None, place: str | None = None,
               tables: Tables | None = None) -> list[dict[str, Any]]:
    """The rows of ``view`` (optionally as of a date, filtered by a place name), each with its evidence."""
    tables = tables or make_tables()
    with engine.connect() as conn:
        if view == "control":
            rows = _control(conn, tables, as_of)
            rows = [r for r in rows if _matches(place, r["place_name"], r["place_id"])]
        elif view == "crossings":
            rows = _crossings(conn, tables, as_of)
            rows = [r for r in rows if _matches(place, r["name"], r["crossing_id"])]
        else:
            rows = _meetings(conn, tables, as_of)
            rows = [r for r in rows if _matches(place, r["location_name"], *r["participants"])]
        for row in rows:
            row["evidence"] = _evidence(conn, tables, view, row)
    return rows


def _control(conn: Connection, t: Tables, as_of: date | None) -> list[dict[str, Any]]:
    if as_of is None:
        return [dict(r._mapping) for r in conn.execute(sa.select(t.control).order_by(t.control.c.place_name))]
    h = t.control_history.c
    query = (sa.select(h.place_id, h.place_name, h.controller_id, h.controller_name, h.side,
                       h.valid_from.label("since"), h.date_words.label("since_text"), h.precision, h.status,
                       h.confidence, h.n_sources, h.n_reports, h.fact_id, h.valid_to, h.historical)
             .where(h.kind == "control", h.valid_from <= as_of,
                    sa.or_(h.valid_to.is_(None), h.valid_to > as_of))
             .order_by(h.place_name))
    return [dict(r._mapping) for r in conn.execute(query)]


def _crossings(conn: Connection, t: Tables, as_of: date | None) -> list[dict[str, Any]]:
    if as_of is None:
        return [dict(r._mapping) for r in conn.execute(sa.select(t.crossings).order_by(t.crossings.c.name))]
    ae = t.applied_events.c
    grouped: dict[str, list[Any]] = {}
    for r in load_reports(conn, t, sa.and_(ae.type == CROSSING, ae.day_start <= as_of)):
        grouped.setdefault(r.subject, []).append(r)
    rows = [fold_crossing(reports).row for reports in grouped.values()]
    return sorted(rows, key=lambda r: r["name"])


def _meetings(conn: Connection, t: Tables, as_of: date | None) -> list[dict[str, Any]]:
    if as_of is None:
        query = sa.select(t.meetings).order_by(t.meetings.c.date, t.meetings.c.meeting_id)
        return [dict(r._mapping) for r in conn.execute(query)]
    ae = t.applied_events.c
    # What was known on that day: reports published by then (a meeting scheduled for later is listed).
    reports = [r for r in load_reports(conn, t, ae.type == MEETING)
               if (date.fromisoformat(r.reported_at[:10]) if r.reported_at else r.day_start) <= as_of]
    return sorted(fold_meetings(reports).rows, key=lambda r: (r["date"], r["meeting_id"]))


def _evidence(conn: Connection, t: Tables, view: View, row: dict[str, Any]) -> list[dict[str, Any]]:
    ev = t.evidence.c
    if view == "control":
        where = sa.and_(ev.row_table == "control", ev.row_key == row["place_id"], ev.fact_id == row["fact_id"])
    elif view == "crossings":
        where = sa.and_(ev.row_table == "crossings", ev.row_key == row["crossing_id"])
    else:
        where = sa.and_(ev.row_table == "meetings", ev.row_key == row["meeting_id"])
    # article_id: what `newswire explain ARTICLE_ID` takes.
    query = (sa.select(ev.event_id, ev.article_id, ev.outlet, ev.url, ev.sentence, ev.start, ev.end, ev.attribution,
                       ev.story_id)
             .where(where).order_by(ev.outlet, ev.event_id))
    return [dict(r._mapping) for r in conn.execute(query)]
