"""The current rows of a view, kept in memory and refreshed by the rows a projector batch changed.

Reading and encoding 20,000 control rows with their evidence takes about a
second; a projector batch changes a few of them. So the API keeps, per view,
every current row and its encoded JSON and GeoJSON pieces; when the tables'
offsets move, the events at the new positions name the rows to read again
(as for the change stream, :func:`newswire.projector.query.changed_since`),
and only those are read and encoded. A list is then the pieces of the rows
that pass its filters, joined. Lists at another date (``as_of``) or
knowledge time (``known_at``) are read from the tables as before.

Meetings are few and their ids change when reports merge: any change reloads them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from pydantic_core import to_json
from sqlalchemy.engine import Connection, Engine

from newswire.api.formats import LOCATORS, present, stream
from newswire.projector import query
from newswire.projector.query import Filters, View
from newswire.projector.store import stored_offsets
from newswire.projector.tables import Tables

__all__ = ["LiveView", "Offsets", "format_offsets", "parse_offsets"]

Offsets = dict[tuple[str, int], int]


def format_offsets(offsets: Offsets) -> str:
    """``topic:partition:next_offset,...``: a version of the tables (and a change stream's event id)."""
    return ",".join(f"{t}:{p}:{n}" for (t, p), n in sorted(offsets.items()))


def parse_offsets(text: str) -> Offsets | None:
    """The offsets of :func:`format_offsets`; ``None`` when ``text`` is not such a list."""
    try:
        out = {}
        for part in filter(None, text.split(",")):
            topic, partition, offset = part.rsplit(":", 2)
            out[(topic, int(partition))] = int(offset)
        return out
    except ValueError:
        return None
RELOAD_OVER = 5000  # more changed rows than this: read the whole view again

_ORDER: dict[View, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
    "control": lambda r: (r["place_name"], r["place_id"]),
    "crossings": lambda r: (r["name"], r["crossing_id"]),
    "meetings": lambda r: (r["date"], r["meeting_id"]),
}


class LiveView:
    """One view's current rows with their encoded pieces; safe to share between request threads."""

    def __init__(self, tables: Tables, view: View) -> None:
        self.tables = tables
        self.view = view
        self.key = query.KEYS[view]
        self.offsets: Offsets | None = None
        self.rows: dict[str, dict[str, Any]] = {}
        self.pieces: dict[str, tuple[bytes, bytes]] = {}  # key -> (JSON object, GeoJSON feature)
        self.order: list[str] = []
        self.lock = threading.Lock()

    def warm(self, engine: Engine, topics: tuple[str, ...]) -> None:
        """Read every row now (at start), so that the first request does not wait for it."""
        with engine.connect() as conn:
            offsets = {(tp.topic, tp.partition): n for tp, n in stored_offsets(conn, self.tables).items()
                       if tp.topic in topics}
            self.refresh(conn, offsets)

    def refresh(self, conn: Connection, offsets: Offsets) -> None:
        """Bring the rows to ``offsets`` (read in ``conn``'s transaction); an older snapshot changes nothing."""
        with self.lock:
            if self.offsets == offsets:
                return
            if self.offsets is not None and all(n <= self.offsets.get(tp, 0) for tp, n in offsets.items()):
                return  # a request whose transaction began before the last refresh: the rows are newer already
            if self.offsets is None or self.view == "meetings" or any(
                    n < self.offsets.get(tp, 0) for tp, n in offsets.items()):
                self._load_all(conn)
            else:
                ranges = {tp: (self.offsets.get(tp, 0), n) for tp, n in offsets.items() if n > self.offsets.get(tp, 0)}
                keys = query.changed_since(conn, self.tables, ranges)[self.view]
                if len(keys) > RELOAD_OVER:
                    self._load_all(conn)
                else:
                    self._update(conn, keys)
            self.offsets = dict(offsets)

    def _load_all(self, conn: Connection) -> None:
        self.rows, self.pieces = {}, {}
        for row in query.read_view(conn, self.tables, self.view):
            self._put(row)
        self._sort()

    def _update(self, conn: Connection, keys: set[str]) -> None:
        found = {r[self.key]: r for r in query.rows_by_key(conn, self.tables, self.view, sorted(keys))}
        order = _ORDER[self.view]
        moved = False
        for k in keys:
            old = self.rows.pop(k, None)
            self.pieces.pop(k, None)
            if k in found:
                self._put(found[k])
            moved = moved or old is None or k not in found or order(old) != order(found[k])
        if moved:  # a row came, went or was renamed: sort again (else every row keeps its place)
            self._sort()

    def _put(self, row: dict[str, Any]) -> None:
        k = row[self.key]
        self.rows[k] = row
        shown = present(self.view, dict(row))
        props = dict(shown)
        geometry = props.pop("geometry")
        feature = {"type": "Feature", "id": row[LOCATORS[self.view].key], "geometry": geometry, "properties": props}
        self.pieces[k] = (to_json(shown), to_json(feature))

    def _sort(self) -> None:
        order = _ORDER[self.view]
        self.order = sorted(self.rows, key=lambda k: order(self.rows[k]))

    def encode(self, fmt: str, filters: Filters, meta: dict[str, Any]) -> bytes:
        """The list in ``fmt``: the pieces of the rows that pass ``filters``, joined."""
        with self.lock:
            keys = self.order
            if filters.given():
                keys = [k for k in keys if filters.keep(self.view, self.rows[k])]
            if fmt == "csv":
                rows = [self.rows[k] for k in keys]
            else:
                index = 0 if fmt == "json" else 1
                pieces = [self.pieces[k][index] for k in keys]
        if fmt == "csv":
            return b"".join(stream(self.view, rows, "csv"))
        head = to_json(meta)[:-1]  # the meta object, still open
        sep = b"," if meta else b""
        if fmt == "json":
            return head + sep + b'"count":' + str(len(pieces)).encode() + b',"data":[' + b",".join(pieces) + b"]}"
        return (b'{"type":"FeatureCollection"' + (b"," + head[1:] if meta else b"") + b',"features":['
                + b",".join(pieces) + b"]}")
