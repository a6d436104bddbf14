"""``GET /api/v1/changes``: the tables' changes as server-sent events.

The projector commits each batch with its next offsets (``projector_offsets``).
One task per app polls those offsets every ``interval`` seconds; when they
moved, the events at the new positions (``applied_events`` keeps each
event's topic, partition and offset) name the rows they back, and those rows
are read and sent to every subscriber as one message::

    id: conflict.control.v1:0:42,conflict.control.v1:1:17,...
    event: change
    data: {"changes": [{"table": "control", "key": "geonames:1", "row": {...}}, ...]}

``row`` is ``null`` when the key has no row any more. The ``id`` is the
offsets themselves, so a client reconnecting with ``Last-Event-ID`` is sent
what changed since. When more rows changed than :data:`MAX_ROWS` (a replay, a
backlog), or the offsets went back (tables rebuilt), the message is
``event: reset`` instead: read the lists again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from pydantic_core import to_json
from sqlalchemy.engine import Engine

from newswire.api.formats import present
from newswire.api.live import Offsets, format_offsets, parse_offsets
from newswire.core.logging import get_logger
from newswire.projector import query
from newswire.projector.store import stored_offsets
from newswire.projector.tables import Tables

__all__ = ["MAX_ROWS", "ChangeFeed"]

_log = get_logger("newswire.api")
MAX_ROWS = 1000  # more changed rows than this in one message: send a reset instead
KEEPALIVE = 15.0  # seconds between comment lines on an idle stream (proxies drop silent connections)

def _sse(event: str, data: Any, ident: str | None = None) -> bytes:
    head = f"id: {ident}\n" if ident is not None else ""
    return head.encode() + f"event: {event}\ndata: ".encode() + to_json(data) + b"\n\n"


class ChangeFeed:
    """Polls the offsets; fans each change message out to the open streams."""

    def __init__(self, engine: Engine, tables: Tables, *, interval: float = 0.5) -> None:
        self.engine = engine
        self.tables = tables
        self.interval = interval
        self.offsets: Offsets | None = None
        self._queues: set[asyncio.Queue[bytes | None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="newswire-changes")

    def close_streams(self) -> None:
        """End every open stream (the server is stopping; clients reconnect to the next one)."""
        self._closed = True
        for q in list(self._queues):
            q.put_nowait(None)

    async def stop(self) -> None:
        self.close_streams()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                message = await asyncio.to_thread(self._poll)
            except Exception as exc:  # the database may be away for a while: say so, keep polling
                _log.warning("api.changes_failed", error=str(exc).splitlines()[0] if str(exc) else repr(exc))
                message = None
            if message is not None:
                for q in list(self._queues):
                    q.put_nowait(message)
            await asyncio.sleep(self.interval)

    # -- reading ------------------------------------------------------------------

    def _read_offsets(self) -> Offsets:
        with self.engine.connect() as conn:
            return {(tp.topic, tp.partition): n for tp, n in stored_offsets(conn, self.tables).items()}

    def _poll(self) -> bytes | None:
        try:
            now = self._read_offsets()
        except Exception:
            if self.offsets is None:
                return None  # no tables yet
            raise
        if self.offsets is None:
            self.offsets = now
            return None
        if now == self.offsets:
            return None
        message = self.diff(self.offsets, now)
        self.offsets = now
        return message

    def diff(self, before: Offsets, after: Offsets) -> bytes:
        """The message that takes a reader at ``before`` to ``after``."""
        ident = format_offsets(after)
        if any(after.get(tp, 0) < n for tp, n in before.items()):
            return _sse("reset", {"reason": "the tables were rebuilt"}, ident)
        ranges = {tp: (before.get(tp, 0), n) for tp, n in after.items() if n > before.get(tp, 0)}
        with self.engine.connect() as conn:
            keys = query.changed_since(conn, self.tables, ranges)
            if sum(map(len, keys.values())) > MAX_ROWS:
                return _sse("reset", {"reason": "many rows changed"}, ident)
            changes = []
            for view, wanted in keys.items():
                found = {r[query.KEYS[view]]: r for r in query.rows_by_key(conn, self.tables, view, sorted(wanted))}
                changes += [{"table": view, "key": k, "row": present(view, found[k]) if k in found else None}
                            for k in sorted(wanted)]
        return _sse("change", {"changes": changes}, ident)

    # -- one client ---------------------------------------------------------------

    async def stream(self, last_event_id: str | None) -> AsyncIterator[bytes]:
        """The stream of one client: a ``hello`` with the current position, then the changes."""
        q: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._queues.add(q)
        try:
            yield b"retry: 2000\n\n"
            if self.offsets is None:
                with contextlib.suppress(Exception):
                    self.offsets = await asyncio.to_thread(self._read_offsets)
            current = self.offsets or {}
            since = parse_offsets(last_event_id) if last_event_id else None
            if last_event_id and since is None:
                yield _sse("reset", {"reason": "unknown Last-Event-ID"}, format_offsets(current))
            elif since is not None and since != current:
                yield await asyncio.to_thread(self.diff, since, current)
            yield _sse("hello", {"cursor": format_offsets(current)}, format_offsets(current))
            while not self._closed:
                try:
                    message = await asyncio.wait_for(q.get(), timeout=KEEPALIVE)
                except TimeoutError:
                    yield b": keepalive\n\n"
                    continue
                if message is None:
                    break
                yield message
        finally:
            self._queues.discard(q)
