"""Pure folding: events become reports, reports become rows. No IO here.

Every fold takes the *set* of reports about one subject (a place, a crossing, a
cluster of meetings) and returns rows. Nothing depends on arrival order: the
reports are sorted by a deterministic key first, so two runs that applied the
same events in any order (a replay, the reverse ingest order, a run killed and
restarted) produce identical rows.

Rules (DESIGN.md, issue 5):

- **Corroboration.** Reports of the same type, subject and actor side whose
  dates lie within :data:`WINDOW_DAYS` of each other are one *fact* (single
  linkage over day-precision dates; a month- or year-precision report joins
  the largest fact inside its interval). A fact counts its reports (distinct
  articles) and its independent sources: articles are grouped when they share
  an outlet or a ``story_id`` (syndicated copies of one wire story), and each
  group counts once.
- **Time decides.** A fact's date is the earliest explicit date among its
  reports; reports without ``occurred_on`` use the date of ``reported_at``
  and only decide when no report gives an explicit date. The current
  controller is the latest fact (ties: more sources, then later reported).
  Historical facts go into the history only.
- **Contested.** A fact of another side within the window of the current one
  marks the place ``contested``; both claims are kept.
"""

from __future__ import annotations

import calendar
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from newswire.core.errors import ProjectionError
from newswire.core.models import (
    Actor,
    ControlChanged,
    CrossingStatusChanged,
    DiplomacyMeeting,
    Event,
    ForcesWithdrew,
    Place,
    stable_id,
)

__all__ = [
    "WINDOW_DAYS",
    "CONTROL_TYPES",
    "CONTROL_CHANGED",
    "CROSSING",
    "MEETING",
    "Report",
    "Fact",
    "PlaceFold",
    "CrossingFold",
    "MeetingFold",
    "to_report",
    "date_interval",
    "Clustered",
    "cluster",
    "count_sources",
    "fold_place",
    "fold_crossing",
    "fold_meetings",
    "meetings_match",
    "meeting_components",
    "widen",
]

WINDOW_DAYS = 3
CONTROL_TYPES = (ControlChanged.model_fields["type"].default, ForcesWithdrew.model_fields["type"].default)
CONTROL_CHANGED = ControlChanged.model_fields["type"].default
CROSSING = CrossingStatusChanged.model_fields["type"].default
MEETING = DiplomacyMeeting.model_fields["type"].default
# A meeting report matches another when their participant sets overlap at least this much (Jaccard).
MEETING_OVERLAP = 0.6
_BROAD_KINDS = {"country", "province", "region", "other"}


@dataclass(frozen=True, slots=True)
class Report:
    """One applied event, reduced to what the folds read (a row of ``applied_events``)."""

    event_id: str
    type: str
    subject: str
    subject_name: str | None
    subject_kind: str | None
    actor_id: str | None
    actor_name: str | None
    side: str | None
    status: str | None
    side_code: str | None
    day_start: date
    day_end: date
    date_text: str
    precision: str
    inferred: bool
    historical: bool
    reported_at: str | None
    article_id: str
    outlet: str
    story_id: str | None
    confidence: float
    extent: str | None = None
    participants: list[list[str]] | None = None  # [[id, name], ...] sorted by id
    location: dict[str, Any] | None = None  # {"id", "name", "kind", "country", "lat", "lon"}
    framework: str | None = None
    country: str | None = None  # the subject's country and coordinates, as the event gave them
    lat: float | None = None
    lon: float | None = None
    received_at: float | None = None  # when the event entered the log (seconds since the epoch)
    date_words: str | None = None  # the words the date came from ("on Thursday"); None when inferred

    @property
    def day_precise(self) -> bool:
        return self.precision == "day"

    @property
    def sort_key(self) -> tuple[date, str]:
        return (self.day_start, self.event_id)


def date_interval(text: str) -> tuple[date, date, str]:
    """``YYYY-MM-DD`` / ``YYYY-MM`` / ``YYYY`` → (first day, last day, precision)."""
    if len(text) == 10:
        d = date.fromisoformat(text)
        return d, d, "day"
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 2:
        y, m = parts
        return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), "month"
    return date(parts[0], 1, 1), date(parts[0], 12, 31), "year"


def _side(actor: Actor) -> str:
    # An actor without a side stands for itself: two unknown-side actors never corroborate each other.
    return actor.side or actor.id


def to_report(event: Event, *, record_time: float | None = None) -> Report:
    """Reduce one event to a :class:`Report`; raises :class:`ProjectionError` when it has no usable date.

    ``record_time`` (the log record's timestamp, seconds since the epoch) is
    the report's ``received_at``, and a last resort for events with neither
    ``occurred_on`` nor ``reported_at``: its UTC date is used; without it such
    events are refused.
    """
    where = f"event {event.event_id}"
    if event.occurred_on is not None:
        try:
            start, end, precision = date_interval(event.occurred_on.date)
        except ValueError:
            raise ProjectionError(f"invalid occurred_on date {event.occurred_on.date!r}", where=where) from None
        text, inferred, words = event.occurred_on.date, False, event.occurred_on.text
    elif event.reported_at is not None or record_time:
        day = (event.reported_at.date() if event.reported_at is not None
               else datetime.fromtimestamp(record_time or 0, UTC).date())
        start = end = day
        text, precision, inferred, words = day.isoformat(), "day", True, None
    else:
        raise ProjectionError("no occurred_on and no reported_at", where=where,
                              hint="the extractor should set reported_at from the article")
    common: dict[str, Any] = dict(
        event_id=event.event_id, type=event.type, day_start=start, day_end=end, date_text=text, date_words=words,
        precision=precision, inferred=inferred, historical=event.historical,
        reported_at=event.reported_at.isoformat() if event.reported_at is not None else None,
        article_id=event.source.article_id, outlet=event.source.outlet, story_id=event.source.story_id,
        confidence=event.confidence, received_at=record_time,
    )
    data = event.data
    if isinstance(event, ControlChanged):
        return Report(subject=data.place.id, subject_name=data.place.name, subject_kind=data.place.kind,
                      actor_id=data.controller.id, actor_name=data.controller.name, side=_side(data.controller),
                      status=None, side_code=None, extent=data.extent.text if data.extent else None,
                      **_located(data.place), **common)
    if isinstance(event, ForcesWithdrew):
        return Report(subject=data.place.id, subject_name=data.place.name, subject_kind=data.place.kind,
                      actor_id=data.actor.id, actor_name=data.actor.name, side=_side(data.actor),
                      status=None, side_code=None, **_located(data.place), **common)
    if isinstance(event, CrossingStatusChanged):
        actor = data.actor
        side_code = data.side
        if side_code is None and data.status != "seized" and actor is not None and actor.country:
            # "Jordan closing its side of the crossing": a state closing or opening acts on its own side.
            side_code = actor.country
        return Report(subject=data.crossing.id, subject_name=data.crossing.name, subject_kind=data.crossing.kind,
                      actor_id=actor.id if actor else None, actor_name=actor.name if actor else None,
                      side=_side(actor) if actor else None, status=data.status, side_code=side_code,
                      **_located(data.crossing), **common)
    if isinstance(event, DiplomacyMeeting):
        participants = sorted({(a.id, a.name) for a in data.participants})
        loc = data.location
        return Report(subject=data.meeting_id, subject_name=loc.name if loc else None, subject_kind=None,
                      actor_id=None, actor_name=None, side=None, status=data.status, side_code=None,
                      participants=[list(p) for p in participants],
                      location=_place_json(loc) if loc else None, framework=data.framework,
                      **(_located(loc) if loc else {}), **common)
    raise ProjectionError(f"event type {event.type!r} is not projected", where=where)


def _place_json(place: Place) -> dict[str, Any]:
    return {"id": place.id, "name": place.name, "kind": place.kind, "country": place.country,
            "lat": place.lat, "lon": place.lon}


def _located(place: Place) -> dict[str, Any]:
    return {"country": place.country, "lat": place.lat, "lon": place.lon}


# A place's kind, country and coordinates as one report gives them.
Where = tuple[str | None, str | None, float | None, float | None]
_NOWHERE: Where = (None, None, None, None)


def _where(r: Report) -> Where:
    return (r.subject_kind, r.country, r.lat, r.lon)


def _best_where(counts: Mapping[Where, int]) -> Where:
    """The most reported kind, country and coordinates, preferring reports that locate the place."""
    if len(counts) <= 1:
        return next(iter(counts), _NOWHERE)
    return min(counts, key=lambda w: (w[2] is None, -counts[w], repr(w)))


# --- corroboration ------------------------------------------------------------


@dataclass(slots=True)
class Fact:
    """Reports of one fact: same type, subject and side, dates within the window."""

    type: str
    subject: str
    key: str
    reports: list[Report]
    fact_id: str = ""
    day: date = date.min
    day_end: date = date.min
    date_text: str = ""
    date_words: str | None = None
    precision: str = "day"
    historical: bool = False
    n_sources: int = 0
    n_reports: int = 0
    confidence: float = 0.0
    last_reported_at: str = ""
    # Cached per place fold: the actor (id, name, side), and the last history row with what it depended on.
    who: tuple[str, str, str] | None = None
    row: tuple[tuple[Any, ...], dict[str, Any]] | None = None

    members: tuple[str, ...] = ()  # the sorted event ids of its reports: its identity for reuse across folds
    # Order of facts in time; at one date, the one with more sources (then reported later) wins.
    rank: tuple[date, int, str, str] = (date.min, 0, "", "")

    def finish(self) -> Fact:
        """Compute the fact's date, counts and confidence from its reports (one pass)."""
        reports = self.reports
        if len(reports) == 1:
            return self._finish_one(reports[0])
        reports.sort(key=_EVENT_ID)
        self.members = tuple(map(_EVENT_ID, reports))
        self.fact_id = stable_id(self.type, self.subject, self.key, reports[0].event_id)
        explicit = inferred = coarse = None
        articles: set[str] = set()
        historical = True
        last = ""
        for r in reports:
            articles.add(r.article_id)
            historical = historical and r.historical
            if r.reported_at and r.reported_at > last:
                last = r.reported_at
            if r.precision == "day":
                if r.inferred:
                    if inferred is None or r.day_start < inferred.day_start:
                        inferred = r
                elif explicit is None or r.day_start < explicit.day_start:
                    explicit = r
            # only month/year precision: the most precise, then the earliest
            elif coarse is None or (r.day_end - r.day_start, r.day_start) < (
                    coarse.day_end - coarse.day_start, coarse.day_start):
                coarse = r
        first = explicit or inferred or coarse
        assert first is not None
        self.day, self.day_end, self.date_text, self.date_words, self.precision = (
            first.day_start, first.day_end, first.date_text, first.date_words, first.precision)
        self.historical = historical
        self.n_reports = len(articles)
        self.n_sources = count_sources(reports)
        self.confidence = _combined_confidence(reports)
        self.last_reported_at = last
        self.rank = (self.day, self.n_sources, last, self.key)
        return self

    def _finish_one(self, r: Report) -> Fact:
        """:meth:`finish` for a fact of one report (the commonest kind), without the loops."""
        self.members = (r.event_id,)
        self.fact_id = stable_id(self.type, self.subject, self.key, r.event_id)
        self.day, self.day_end, self.date_text, self.date_words, self.precision = (
            r.day_start, r.day_end, r.date_text, r.date_words, r.precision)
        self.historical = r.historical
        self.n_reports = self.n_sources = 1
        self.confidence = round(1.0 - (1.0 - max(0.0, r.confidence)), 6)  # as _combined_confidence computes it
        self.last_reported_at = r.reported_at or ""
        self.rank = (self.day, 1, self.last_reported_at, self.key)
        return self


def count_sources(reports: Iterable[Report]) -> int:
    """Independent sources: articles linked by a shared outlet or ``story_id`` count once."""
    reports = list(reports)
    if not any(r.story_id for r in reports):  # the common case: one source per outlet
        return len({r.outlet for r in reports})
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    articles = set()
    for r in reports:
        articles.add(r.article_id)
        links = [f"o:{r.outlet}"] + ([f"s:{r.story_id}"] if r.story_id else [])
        for link in links:
            parent[find("a:" + r.article_id)] = find(link)
    return len({find("a:" + a) for a in articles})


def _combined_confidence(reports: Sequence[Report]) -> float:
    """Noisy-or over independent sources, each counting its most confident report."""
    best: dict[str, float] = {}
    for r in reports:
        key = r.story_id or r.outlet
        best[key] = max(best.get(key, 0.0), r.confidence)
    miss = math.prod(1.0 - c for _, c in sorted(best.items()))
    return round(1.0 - miss, 6)


_BY_DATE = attrgetter("day_start", "event_id")
_EVENT_ID = attrgetter("event_id")


@dataclass(slots=True)
class Clustered:
    """Reports grouped by key and the facts of each group.

    Kept between folds of one subject: when the next fold's reports are these
    plus new ones, only the groups the new ones join are chained again, and
    there only the facts whose members changed are recomputed (``fresh``).
    """

    count: int
    groups: dict[str, list[Report]]
    facts: dict[str, list[Fact]]
    fact_of: dict[str, str]  # event_id -> fact_id of every report
    fresh: list[Fact]  # the facts this clustering made, not reused

    def moved(self) -> dict[str, str]:
        """``fact_of`` for the reports of the facts this clustering made: the only ones that can differ."""
        return {e: f.fact_id for f in self.fresh for e in f.members}

    def all(self) -> list[Fact]:
        return [f for k in sorted(self.facts) for f in self.facts[k]]


def cluster(reports: Sequence[Report], key: Callable[[Report], str], *, window: int = WINDOW_DAYS,
            reuse: Clustered | None = None) -> Clustered:
    """Group reports into facts: same ``key``, day dates chained within ``window`` days.

    ``reuse`` is the result for a prefix of ``reports`` (the same reports, in
    the same order, then new ones); anything it already holds is not redone.
    """
    if reuse is not None and reuse.count <= len(reports):
        groups = dict(reuse.groups)
        touched: set[str] = set()
        for r in reports[reuse.count:]:
            k = key(r)
            if k not in touched:
                groups[k] = list(groups.get(k, ()))
                touched.add(k)
            groups[k].append(r)
    else:
        reuse = None
        groups = defaultdict(list)
        for r in reports:
            groups[key(r)].append(r)
        touched = set(groups)
    facts: dict[str, list[Fact]] = {}
    fresh: list[Fact] = []
    for k, members in groups.items():
        if reuse is not None and k not in touched:
            facts[k] = reuse.facts[k]
        else:
            known = {f.members: f for f in reuse.facts.get(k, ())} if reuse is not None else {}
            facts[k] = _chain(k, members, window, known, fresh)
    fact_of = dict(reuse.fact_of) if reuse is not None else {}
    for f in fresh:
        fact_of.update(dict.fromkeys(f.members, f.fact_id))
    return Clustered(len(reports), dict(groups), facts, fact_of, fresh)


def _chain(k: str, reports: list[Report], window: int, known: Mapping[tuple[str, ...], Fact],
           fresh: list[Fact]) -> list[Fact]:
    members = sorted(reports, key=_BY_DATE)
    chains: list[list[Report]] = []
    coarse: list[Report] = []
    for r in members:
        if r.precision != "day":
            coarse.append(r)
        elif chains and (r.day_start - chains[-1][-1].day_start).days <= window:
            chains[-1].append(r)
        else:
            chains.append([r])
    loose: dict[str, list[Report]] = defaultdict(list)
    for r in coarse:
        inside = [c for c in chains if any(r.day_start <= x.day_start <= r.day_end for x in c)]
        if inside:  # the largest fact inside the interval, then the earliest
            max(inside, key=lambda c: (len(c), -c[0].day_start.toordinal())).append(r)
        else:
            loose[r.date_text].append(r)
    first = members[0]
    facts = []
    for group in chains + [loose[t] for t in sorted(loose)]:
        fact = known.get(tuple(sorted(map(_EVENT_ID, group))))
        if fact is None:
            fact = Fact(first.type, first.subject, k, group).finish()
            fresh.append(fact)
        facts.append(fact)
    return facts


def _most_common(values: Iterable[str | None]) -> str | None:
    """The most frequent value, ties to the smallest; ``None`` when there is none."""
    counts: dict[str, int] = {}
    for v in values:
        if v:
            counts[v] = counts.get(v, 0) + 1
    return _most_common_of(counts)


def _most_common_of(counts: Mapping[str, int]) -> str | None:
    if len(counts) <= 1:
        return next(iter(counts), None)
    return min(counts, key=lambda v: (-counts[v], v))


# --- places -------------------------------------------------------------------


@dataclass
class PlaceFold:
    control: dict[str, Any] | None
    history: list[dict[str, Any]]
    facts: dict[str, str]  # event_id -> fact_id
    memo: PlaceMemo | None = None  # for the next fold's ``reuse``
    moved: dict[str, str] = field(default_factory=dict)  # the part of ``facts`` that this fold made


@dataclass(slots=True)
class PlaceMemo:
    """What a fold of one place keeps for the next one: its clustering and the counts of its names."""

    clustered: Clustered
    names: dict[str, int]
    wheres: dict[Where, int] = field(default_factory=dict)


def fold_place(reports: Sequence[Report], *, window: int = WINDOW_DAYS,
               reuse: PlaceMemo | None = None) -> PlaceFold:
    """The ``control`` row (or none) and ``control_history`` rows of one place.

    ``reuse`` is the previous fold's ``memo`` when ``reports`` are that fold's
    reports followed by new ones: unchanged facts are not recomputed, and the
    history row of a fact whose neighbours did not change is the same object
    as before (callers skip writing it).
    """
    place_id = reports[0].subject
    clustered = cluster(reports, key=_place_key, window=window, reuse=reuse.clustered if reuse else None)
    if reuse is not None and reuse.clustered.count <= len(reports):  # as cluster() decides
        names, wheres, added = dict(reuse.names), dict(reuse.wheres), reports[reuse.clustered.count:]
    else:
        names, wheres, added = {}, {}, reports
    for r in added:
        if r.subject_name:
            names[r.subject_name] = names.get(r.subject_name, 0) + 1
        w = _where(r)
        wheres[w] = wheres.get(w, 0) + 1
    place_name = _most_common_of(names) or place_id
    where = _best_where(wheres)
    facts = clustered.all()
    changes = sorted((f for f in facts if f.type == CONTROL_CHANGED), key=_RANK)
    withdrawals = sorted((f for f in facts if f.type != CONTROL_CHANGED), key=_RANK)

    current = [f for f in changes if not f.historical]
    winner = current[-1] if current else None
    rivals: list[Fact] = []
    if winner is not None:
        w_side = _who(winner)[2]
        rivals = [f for f in current if f is not winner and _who(f)[2] != w_side
                  and abs((f.day - winner.day).days) <= window]
    contested = {id(f) for f in rivals} | ({id(winner)} if rivals else set())

    history: list[dict[str, Any]] = []
    for i, f in enumerate(changes):
        valid_to = changes[i + 1].day if i + 1 < len(changes) else None
        history.append(_history_row(f, place_id, place_name, where, "control", valid_to,
                                    "contested" if id(f) in contested else "held"))
    for f in withdrawals:
        history.append(_history_row(f, place_id, place_name, where, "withdrawal", None, "withdrew"))

    control = None
    if winner is not None:
        actor_id, name, side = _who(winner)
        claims = [{"controller": _who(f)[1], "side": _who(f)[2], "since": f.date_text,
                   "n_sources": f.n_sources, "fact_id": f.fact_id}
                  for f in sorted([winner, *rivals], key=_RANK, reverse=True)] if rivals else []
        control = dict(
            place_id=place_id, place_name=place_name, controller_id=actor_id, controller_name=name, side=side,
            since=winner.day, since_text=winner.date_words, precision=winner.precision,
            extent=_most_common(r.extent for r in winner.reports),
            status="contested" if rivals else "held", confidence=winner.confidence,
            n_sources=winner.n_sources, n_reports=winner.n_reports, fact_id=winner.fact_id, claims=claims,
            last_reported_at=winner.last_reported_at or None, **_where_columns(where))
    return PlaceFold(control, history, clustered.fact_of, PlaceMemo(clustered, names, wheres), clustered.moved())


_RANK = attrgetter("rank")


def _who(f: Fact) -> tuple[str, str, str]:
    """The fact's actor (id, name, side): the most named among its reports."""
    named = f.who
    if named is None:
        actor_id = _most_common(r.actor_id for r in f.reports) or ""
        name = _most_common(r.actor_name for r in f.reports if r.actor_id == actor_id) or actor_id
        named = f.who = (actor_id, name, f.reports[0].side or actor_id)
    return named


def _where_columns(where: Where) -> dict[str, Any]:
    return dict(zip(("place_kind", "country", "lat", "lon"), where, strict=True))


def _history_row(f: Fact, place_id: str, place_name: str, where: Where, kind: str, valid_to: date | None,
                 status: str) -> dict[str, Any]:
    """The fact's ``control_history`` row; the same object as last fold's when nothing in it changed."""
    sig = (place_name, where, kind, valid_to, status)
    if f.row is not None and f.row[0] == sig:
        return f.row[1]
    actor_id, name, side = _who(f)
    row = dict(
        place_id=place_id, fact_id=f.fact_id, kind=kind, place_name=place_name,
        controller_id=actor_id, controller_name=name, side=side, valid_from=f.day, valid_to=valid_to,
        date_text=f.date_text, date_words=f.date_words, precision=f.precision, status=status,
        historical=f.historical, confidence=f.confidence, n_sources=f.n_sources, n_reports=f.n_reports,
        **_where_columns(where))
    f.row = (sig, row)
    return row


def _place_key(r: Report) -> str:
    return f"{r.type}|{r.side}"


# --- crossings ----------------------------------------------------------------


@dataclass
class CrossingFold:
    row: dict[str, Any]
    facts: dict[str, str]  # event_id -> fact_id
    memo: Clustered | None = None  # for the next fold's ``reuse``
    moved: dict[str, str] = field(default_factory=dict)  # the part of ``facts`` that this fold made


def fold_crossing(reports: Sequence[Report], *, window: int = WINDOW_DAYS,
                  reuse: Clustered | None = None) -> CrossingFold:
    """One ``crossings`` row: the holder (latest seizure), the overall status and each side's status.

    ``reuse`` is the previous fold's ``memo``, as for :func:`fold_place`.
    """
    crossing_id = reports[0].subject
    name = _most_common(r.subject_name for r in reports) or crossing_id
    clustered = cluster(reports, key=_crossing_key, window=window, reuse=reuse)
    facts = clustered.all()
    live = [f for f in facts if not f.historical] or facts
    sided = sorted((f for f in live if f.reports[0].side_code), key=lambda f: f.rank)
    unsided = sorted((f for f in live if not f.reports[0].side_code), key=lambda f: f.rank)
    seized = [f for f in unsided if f.reports[0].status == "seized"]
    sides: dict[str, dict[str, Any]] = {}
    for f in sided:  # later facts overwrite earlier ones
        code = f.reports[0].side_code or ""
        sides[code] = {"status": f.reports[0].status, "since": f.date_text,
                       "actor": _most_common(r.actor_name for r in f.reports), "n_sources": f.n_sources}
    latest = unsided[-1] if unsided else sorted(live, key=lambda f: f.rank)[-1]
    # A side that changed strictly later than the whole crossing did speaks for the
    # crossing now ("closed earlier this month", then "Sudan reopened it on Sunday").
    later_sided = [f for f in sided if unsided and f.day > latest.day]
    status_fact = later_sided[-1] if later_sided else (latest if unsided else None)
    holder = seized[-1] if seized else None
    n_sources = count_sources([r for f in live for r in f.reports])
    _, country, lat, lon = _best_where(Counter(map(_where, reports)))
    row = dict(
        crossing_id=crossing_id, name=name, status=status_fact.reports[0].status if status_fact else None,
        holder_id=_most_common(r.actor_id for r in holder.reports) if holder else None,
        holder_name=_most_common(r.actor_name for r in holder.reports) if holder else None,
        holder_side=holder.reports[0].side if holder else None,
        since=latest.day, since_text=latest.date_words, sides={k: sides[k] for k in sorted(sides)},
        confidence=max(f.confidence for f in live), n_sources=n_sources,
        n_reports=len({r.article_id for f in live for r in f.reports}), country=country, lat=lat, lon=lon)
    return CrossingFold(row, clustered.fact_of, clustered, clustered.moved())


def _crossing_key(r: Report) -> str:
    return f"{r.status}|{r.side_code or ''}|{r.side or ''}"


# --- meetings -----------------------------------------------------------------


@dataclass
class MeetingFold:
    rows: list[dict[str, Any]]
    keys: dict[str, str]  # event_id -> meeting_id of its row


def _participant_keys(r: Report) -> set[str]:
    return {p[0] for p in (r.participants or [])}


def _locations_compatible(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    if a is None or b is None:
        return True
    if a["id"] == b["id"] or a["name"].casefold() == b["name"].casefold():
        return True
    # "in Qatar" and "in Doha": a broad place matches a city inside it.
    broad, narrow = (a, b) if a.get("kind") in _BROAD_KINDS else (b, a)
    return (broad.get("kind") in _BROAD_KINDS and broad.get("country") is not None
            and broad.get("country") == narrow.get("country"))


def meetings_match(a: Report, b: Report, *, window: int = WINDOW_DAYS) -> bool:
    """Same meeting: large participant overlap, compatible places, dates within the window."""
    return _meetings_match(a, b, _participant_keys(a), _participant_keys(b), window)


def _meetings_match(a: Report, b: Report, pa: set[str], pb: set[str], window: int) -> bool:
    shared = len(pa & pb)
    if shared < 2 or shared / len(pa | pb) < MEETING_OVERLAP:
        return False
    gap = max((b.day_start - a.day_end).days, (a.day_start - b.day_end).days, 0)
    return gap <= window and _locations_compatible(a.location, b.location)


def meeting_components(reports: Sequence[Report], *, window: int = WINDOW_DAYS) -> list[list[Report]]:
    """Connected components of :func:`meetings_match`, each sorted by event id."""
    ordered = sorted(reports, key=lambda r: (r.day_start, r.event_id))
    who = [_participant_keys(r) for r in ordered]
    parent = list(range(len(ordered)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Sweep in date order: a report can only match those starting within the window after its end.
    for i, a in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            b = ordered[j]
            if (b.day_start - a.day_end).days > window:
                break
            if find(i) != find(j) and _meetings_match(a, b, who[i], who[j], window):
                parent[find(j)] = find(i)
    comps: dict[int, list[Report]] = defaultdict(list)
    for i, r in enumerate(ordered):
        comps[find(i)].append(r)
    return sorted((sorted(c, key=lambda r: r.event_id) for c in comps.values()), key=lambda c: c[0].event_id)


def fold_meetings(reports: Sequence[Report], *, window: int = WINDOW_DAYS) -> MeetingFold:
    """One ``meetings`` row per component; a held report upgrades a scheduled meeting."""
    rows, keys = [], {}
    for comp in meeting_components(reports, window=window):
        # One id per meeting, from its first report (the extractor's meeting_id is not enough: two
        # undated reports of the same parties and place, months apart, share one).
        meeting_id = stable_id(MEETING, comp[0].event_id)
        held = [r for r in comp if r.status == "held"]
        dated = Fact(MEETING, meeting_id, "", list(held or comp)).finish()
        fact = Fact(MEETING, meeting_id, "", list(comp)).finish()
        loc = _pick_location([r.location for r in comp if r.location])
        names: dict[str, str] = {}
        for r in comp:
            for pid, pname in r.participants or []:
                names.setdefault(pid, pname)
        rows.append(dict(
            meeting_id=meeting_id, date=dated.day, date_text=dated.date_text, precision=dated.precision,
            location_id=loc["id"] if loc else None, location_name=loc["name"] if loc else None,
            participants=[names[p] for p in sorted(names, key=lambda p: names[p])],
            participant_ids=sorted(names), status="held" if held else "scheduled",
            framework=_most_common(r.framework for r in comp), confidence=fact.confidence,
            n_sources=fact.n_sources, n_reports=fact.n_reports,
            location_kind=loc.get("kind") if loc else None, location_country=loc.get("country") if loc else None,
            location_lat=loc.get("lat") if loc else None, location_lon=loc.get("lon") if loc else None))
        keys.update({r.event_id: meeting_id for r in comp})
    return MeetingFold(rows, keys)


def _pick_location(locations: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The most specific place named (a city over its country), then the most often named."""
    if not locations:
        return None
    counts = Counter(loc["id"] for loc in locations)
    # One dict per id; of several, one that locates the place (older reports may lack coordinates).
    by_id = {loc["id"]: loc for loc in sorted(locations, key=lambda loc: (loc["id"], loc.get("lat") is not None,
                                                                           repr(loc)))}
    return min(by_id.values(), key=lambda loc: (loc.get("kind") in _BROAD_KINDS, -counts[loc["id"]], loc["id"]))


def widen(day: date, window: int = WINDOW_DAYS) -> tuple[date, date]:
    return day - timedelta(days=window), day + timedelta(days=window)
