"""What the pipeline has done, read from shared state only: the log and the database.

The live panel needs no IPC with the services: articles published and dead
letters are end offsets of their topics, consumer lag is each group's end
minus committed offsets, events per type are counted by reading the event
topics incrementally (each refresh reads only the records appended since the
last), table sizes are ``COUNT(*)`` of the database's tables, and feed health
is the poller's own state, read through its state module.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import Engine

from newswire.core.config import sqlalchemy_url
from newswire.core.db import open_engine
from newswire.core.log.types import Consumer, Log, TopicPartition
from newswire.core.topics import ARTICLES, DLQ, EVENT_TOPICS
from newswire.poller.state import read_feeds

__all__ = ["PipelineState", "FeedHealth", "StateReader", "GroupSpec", "state_engine", "table_sizes",
           "poller_feed_health"]


@dataclass(frozen=True)
class GroupSpec:
    """A service's consumer group and what it reads, for its lag."""

    service: str
    group_id: str
    topics: tuple[str, ...]


@dataclass(frozen=True)
class FeedHealth:
    total: int = 0
    failing: int = 0
    polled: int = 0
    failing_urls: tuple[str, ...] = ()


@dataclass
class PipelineState:
    articles: int = 0
    events: dict[str, int] = field(default_factory=dict)  # by event type
    events_by_topic: dict[str, int] = field(default_factory=dict)
    dead_letters: int = 0
    lag: dict[str, int | None] = field(default_factory=dict)  # by service; None: unknown
    tables: dict[str, int] = field(default_factory=dict)
    feeds: FeedHealth | None = None
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"articles": self.articles, "events": self.events, "dead_letters": self.dead_letters,
                "lag": self.lag, "tables": self.tables,
                "feeds": None if self.feeds is None else {"total": self.feeds.total, "failing": self.feeds.failing,
                                                          "polled": self.feeds.polled},
                "errors": self.errors}


FeedReader = Callable[[Engine], FeedHealth | None]
LagReader = Callable[[], Mapping[TopicPartition, int]]


class StateReader:
    """Reads a :class:`PipelineState`; keep one per panel so event counting stays incremental."""

    def __init__(self, log: Log, engine: Engine | None, groups: Sequence[GroupSpec], *,
                 feed_reader: FeedReader | None = None,
                 lag_readers: Mapping[str, LagReader] | None = None) -> None:
        self.log = log
        self.engine = engine
        self.groups = list(groups)
        self.feed_reader = feed_reader
        self.lag_readers = dict(lag_readers or {})
        self._events: Counter[str] = Counter()
        self._tail: Consumer | None = None

    def _count_events(self) -> None:
        """Read the event topics from where the last refresh stopped; count records by their ``type``."""
        if self._tail is None:
            self._tail = self.log.consumer(None, list(EVENT_TOPICS))
            self._tail.seek_to_beginning()
        for _ in range(100):  # bounded work per refresh; the rest is counted on the next one
            records = self._tail.poll(max_records=1000, timeout=0.05)
            if not records:
                return
            for r in records:
                try:
                    kind = json.loads(r.value).get("type", "?")
                except (ValueError, AttributeError):
                    kind = "?"
                self._events[str(kind)] += 1

    def read(self) -> PipelineState:
        state = PipelineState()
        try:
            state.articles = sum(self.log.end_offsets(ARTICLES.name).values())
            state.dead_letters = sum(self.log.end_offsets(DLQ.name).values())
            state.events_by_topic = {t: sum(self.log.end_offsets(t).values()) for t in EVENT_TOPICS}
            self._count_events()
            state.events = dict(sorted(self._events.items()))
        except Exception as exc:  # noqa: BLE001 - the panel shows what it can; the error is shown too
            state.errors.append(f"log: {' '.join(str(exc).split())}"[:200])
        for group in self.groups:
            reader = self.lag_readers.get(group.service)
            try:
                lag = reader() if reader is not None else self.log.group_lag(group.group_id, list(group.topics))
                state.lag[group.service] = sum(lag.values())
            except Exception as exc:  # noqa: BLE001
                state.lag[group.service] = None
                state.errors.append(f"{group.service} lag: {' '.join(str(exc).split())}"[:200])
        if self.engine is not None:
            try:
                state.tables = table_sizes(self.engine)
                if self.feed_reader is not None:
                    state.feeds = self.feed_reader(self.engine)
            except Exception as exc:  # noqa: BLE001
                state.errors.append(f"database: {' '.join(str(exc).split())}"[:200])
        return state

    def close(self) -> None:
        if self._tail is not None:
            self._tail.close()
            self._tail = None


def poller_feed_health(engine: Engine) -> FeedHealth | None:
    """Feeds known to the poller, polled at least once, and failing now (``failures > 0``); ``None``
    before the poller has made its state.

    Read through the poller's state module (:func:`newswire.poller.state.read_feeds`), which alone
    defines its tables; the supervisor runs the services and reads their shared state.
    """
    feeds = read_feeds(engine)
    if feeds is None:
        return None
    failing = tuple(f.url for f in feeds if f.failures)
    polled = sum(1 for f in feeds if f.last_success is not None or f.last_error_at is not None)
    return FeedHealth(total=len(feeds), failing=len(failing), polled=polled, failing_urls=failing)


def table_sizes(engine: Engine) -> dict[str, int]:
    """Rows per table of the database."""
    names = sorted(inspect(engine).get_table_names())
    sizes = {}
    with engine.connect() as conn:
        for name in names:
            sizes[name] = int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
    return sizes


def state_engine(db_url: str) -> Engine:
    """An engine to read the tables with; waits on SQLite's lock, gives up on an unreachable server in 5 s."""
    return open_engine(db_url, connect_timeout=30 if sqlalchemy_url(db_url).startswith("sqlite") else 5)
