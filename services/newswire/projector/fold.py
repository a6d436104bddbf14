"""Pure folding: events become reports, reports become rows. No IO, no caches, nothing mutable.

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
- **Precision.** A fact's date is its reports' best date (:func:`date_rank`):
  a date read at day precision beats one read at month precision, which
  beats a year, which beats a date inferred from the publication date (an
  ``occurred_on`` without the words it came from, or none at all); among
  equals the earliest.
- **Time decides.** Facts are ordered by date (ties: more sources, then
  later reported). The current controller is the latest non-historical
  fact; historical facts go into the history only.
- **Holds.** Consecutive facts of one side are one hold (:func:`holds`): a
  repeat report of the state already held is corroboration, not a new
  transition, and ``since`` is the hold's best date, so an inferred date
  never moves it later.
- **Contested.** A fact of another side within the window of the current one
  marks the place ``contested``; both claims are kept.
"""

from __future__ import annotations

import calendar
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from datetime import date, timedelta
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
    "date_rank",
    "best_dated",
    "make_fact",
    "MakeFact",
    "distinct",
    "cluster",
    "chain_facts",
    "ChainFacts",
    "holds",
    "fact_of",
    "count_sources",
    "fold_place",
    "place_state",
    "transitions",
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


_STORABLE = str.maketrans({"\x00": "\ufffd"})


def storable(text: str | None) -> str | None:
    """Free text as the tables hold it: a NUL (which PostgreSQL cannot store) shown as U+FFFD, on every backend."""
    return text.translate(_STORABLE) if text and "\x00" in text else text


def to_report(event: Event, *, record_time: float | None = None) -> Report:
    """Reduce one event to a :class:`Report`; raises :class:`ProjectionError` when it has no usable date.

    ``record_time`` (the log record's timestamp, seconds since the epoch) is
    the report's ``received_at``. An event with neither ``occurred_on`` nor
    ``reported_at`` is refused (the event model refuses it already): dating it
    by when it was read would put it on a day nobody reported.
    """
    where = f"event {event.event_id}"
    if event.occurred_on is not None:
        try:
            start, end, precision = date_interval(event.occurred_on.date)
        except ValueError:
            raise ProjectionError(f"invalid occurred_on date {event.occurred_on.date!r}", where=where) from None
        # A date without the words it came from was inferred from the publication date (the extractor's
        # fallback: AFP's undated "has lost second city Aleppo" in the seed articles).
        text, words = event.occurred_on.date, event.occurred_on.text
        inferred = words is None
    elif event.reported_at is not None:
        day = event.reported_at.date()
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
                      status=None, side_code=None, extent=storable(data.extent.text) if data.extent else None,
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
    # A type registered elsewhere (newswire.projector.registry): its subject and actor from its registration.
    from newswire.projector.registry import PROJECTIONS, report_fields

    if event.type in PROJECTIONS:
        return Report(**report_fields(event), **common)
    raise ProjectionError(f"event type {event.type!r} is not projected", where=where)


def _place_json(place: Place) -> dict[str, Any]:
    return {"id": place.id, "name": place.name, "kind": place.kind, "country": place.country,
            "lat": place.lat, "lon": place.lon}


def _located(place: Place) -> dict[str, Any]:
    return {"country": place.country, "lat": place.lat, "lon": place.lon}


# A place's kind, country and coordinates as one report gives them.
Where = tuple[str | None, str | None, float | None, float | None]
_NOWHERE: Where = (None, None, None, None)


_where: Callable[[Report], Where] = attrgetter("subject_kind", "country", "lat", "lon")  # C, no Python call


def _best_where(counts: Mapping[Where, int]) -> Where:
    """The most reported kind, country and coordinates, preferring reports that locate the place."""
    if len(counts) <= 1:
        return next(iter(counts), _NOWHERE)
    return min(counts, key=lambda w: (w[2] is None, -counts[w], repr(w)))


# --- dates --------------------------------------------------------------------

# How much a report's date is worth, best first (docs/projector.md, "The fold's rules"): a date read at
# day precision, then at month, then at year, then one inferred from the publication date. The seed
# articles show why: AFP's undated "has lost second city Aleppo" took its publication day (6 December),
# Al Jazeera's "five days after" read 30 November; the read date must win.
_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}
_INFERRED_RANK = 3


def date_rank(r: Report) -> tuple[int, date, str]:
    """Sort key of a report's date by worth: read day < read month < read year < inferred; then earliest."""
    return (_INFERRED_RANK if r.inferred else _PRECISION_RANK[r.precision], r.day_start, r.event_id)


def best_dated(reports: Iterable[Report]) -> Report:
    """The report whose date a fact or a hold takes: the most precise read date, the earliest of those."""
    return min(reports, key=date_rank)


# --- corroboration ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fact:
    """Reports of one fact: same type, subject and key (side), dates within the window. Immutable.

    ``rank`` orders facts in time; at one date the one with more sources, then reported later, wins.
    """

    type: str
    subject: str
    key: str
    reports: tuple[Report, ...]  # sorted by event id, no two with one id
    fact_id: str
    day: date
    day_end: date
    date_text: str
    date_words: str | None
    precision: str
    inferred: bool
    historical: bool
    n_sources: int
    n_reports: int
    confidence: float
    last_reported_at: str
    rank: tuple[date, int, str, str]
    actor: tuple[str, str, str]  # (id, name, side): the most named among its reports
    members: tuple[str, ...]  # the event ids of its reports, sorted: its identity


def make_fact(type_: str, subject: str, key: str, reports: Iterable[Report]) -> Fact:
    """The fact of ``reports``: its id (from its smallest event id), date, counts and confidence."""
    rs = reports if isinstance(reports, list | tuple) else list(reports)
    members = (rs[0],) if len(rs) == 1 else tuple(sorted({r.event_id: r for r in rs}.values(), key=_EVENT_ID))
    if len(members) == 1:  # the commonest fact, without the loops (the same values)
        r = members[0]
        last = r.reported_at or ""
        return Fact(
            type=type_, subject=subject, key=key, reports=members,
            fact_id=stable_id(type_, subject, key, r.event_id), day=r.day_start, day_end=r.day_end,
            date_text=r.date_text, date_words=r.date_words, precision=r.precision, inferred=r.inferred,
            historical=r.historical, n_sources=1, n_reports=1,
            confidence=round(1.0 - (1.0 - max(0.0, r.confidence)), 6), last_reported_at=last,
            rank=(r.day_start, 1, last, key), actor=(r.actor_id or "", r.actor_name or r.actor_id or "",
                                                    r.side or r.actor_id or ""), members=(r.event_id,))
    # One pass gathers the best date (best_dated), the latest report, the articles and outlets
    # (count_sources), each source's best confidence (a noisy-or over sources) and the most named
    # actor: a fold rebuilds every fact whose reports changed, and one loop costs less than six.
    first, best = members[0], date_rank(members[0])
    last = ""
    historical = True
    storied = False
    articles: set[str] = set()
    outlets: set[str] = set()
    confident: dict[str, float] = {}
    actors: dict[str, int] = {}
    for r in members:
        if (rank := date_rank(r)) < best:
            first, best = r, rank
        if r.reported_at and r.reported_at > last:
            last = r.reported_at
        historical = historical and r.historical
        storied = storied or bool(r.story_id)
        articles.add(r.article_id)
        outlets.add(r.outlet)
        source = r.story_id or r.outlet
        if r.confidence > confident.get(source, 0.0):
            confident[source] = r.confidence
        elif source not in confident:
            confident[source] = 0.0  # a source counts its best report, at least 0
        if r.actor_id:
            actors[r.actor_id] = actors.get(r.actor_id, 0) + 1
    n_sources = count_sources(members) if storied else len(outlets)
    miss = math.prod(1.0 - c for _, c in sorted(confident.items()))
    actor_id = _most_common_of(actors) or ""
    name = _most_common(r.actor_name for r in members if r.actor_id == actor_id) or actor_id
    return Fact(
        type=type_, subject=subject, key=key, reports=members,
        fact_id=stable_id(type_, subject, key, members[0].event_id),
        day=first.day_start, day_end=first.day_end, date_text=first.date_text, date_words=first.date_words,
        precision=first.precision, inferred=first.inferred, historical=historical,
        n_sources=n_sources, n_reports=len(articles), confidence=round(1.0 - miss, 6), last_reported_at=last,
        rank=(first.day_start, n_sources, last, key), actor=(actor_id, name, members[0].side or actor_id),
        members=tuple(map(_EVENT_ID, members)))


# How a fold builds a fact from its reports, and a group's facts from the group (chain_facts). The projector passes a memoised make_fact (store.SubjectCache):
# a fact is a pure function of its reports, so a fact whose reports did not change need not be rebuilt.
MakeFact = Callable[[str, str, str, Sequence[Report]], Fact]
ChainFacts = Callable[[str, list[Report], int, MakeFact], list[Fact]]


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


_BY_DATE = attrgetter("day_start", "event_id")
_EVENT_ID = attrgetter("event_id")
_RANK = attrgetter("rank")


def distinct(reports: Iterable[Report]) -> list[Report]:
    """The set of reports as a list sorted by event id: a duplicate (a re-delivery) counts once."""
    rs = reports if isinstance(reports, list | tuple) else list(reports)
    # The store hands a fold its reports already distinct and sorted (SubjectCache keeps them so);
    # checking that is several times cheaper than sorting again.
    ids = list(map(_EVENT_ID, rs))
    if ids == sorted(ids) and len(set(ids)) == len(ids):
        return list(rs)
    return sorted({r.event_id: r for r in rs}.values(), key=_EVENT_ID)


def cluster(reports: Iterable[Report], key: Callable[[Report], str], *,
            window: int = WINDOW_DAYS, make: MakeFact = make_fact, chain: ChainFacts | None = None) -> list[Fact]:
    """Group reports into facts: same ``key``, day dates chained within ``window`` days.

    A month- or year-precision report joins the largest chain inside its
    interval (the earliest of equals); one with none forms a fact with the
    others of the same text. The result is sorted by key, then by date.
    """
    return _cluster(distinct(reports), key, window, make, chain)


def _cluster(rs: Sequence[Report], key: Callable[[Report], str], window: int, make: MakeFact,
             chain: ChainFacts | None) -> list[Fact]:
    """:func:`cluster` of reports already distinct and sorted by event id."""
    groups: dict[str, list[Report]] = defaultdict(list)
    for r in rs:
        groups[key(r)].append(r)
    return _chain_groups(groups, window, make, chain)


def _groups_by(rs: Sequence[Report], parts: Callable[[Report], tuple[Any, ...]],
               name: Callable[[tuple[Any, ...]], str]) -> dict[str, list[Report]]:
    """``rs`` grouped by ``name(parts(r))``, each group in the order of ``rs`` (by event id).

    The same groups as a key function ``lambda r: name(parts(r))``, but the
    parts come from a C ``attrgetter`` and the name is formatted once per
    group, not once per report: a fold groups every report of its subject.
    """
    by: dict[tuple[Any, ...], list[Report]] = {}
    for r in rs:
        k = parts(r)
        group = by.get(k)
        if group is None:
            by[k] = [r]
        else:
            group.append(r)
    out: dict[str, list[Report]] = {}
    for k, group in by.items():
        label = name(k)
        if label in out:  # two parts that print alike (None and "" both print as ""): one group, as a key would
            out[label] = sorted(out[label] + group, key=_EVENT_ID)
        else:
            out[label] = group
    return out


def _chain_groups(groups: Mapping[str, list[Report]], window: int, make: MakeFact,
                  chain: ChainFacts | None) -> list[Fact]:
    chain = chain or chain_facts
    return [f for k in sorted(groups) for f in chain(k, groups[k], window, make)]


def chain_facts(k: str, reports: list[Report], window: int, make: MakeFact = make_fact) -> list[Fact]:
    """The facts of one group (one key) of a subject's reports: day dates chained within ``window`` days."""
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
    return [make(first.type, first.subject, k, group) for group in chains + [loose[t] for t in sorted(loose)]]


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


def fact_of(facts: Iterable[Fact]) -> dict[str, str]:
    """event_id -> fact_id of every report of ``facts`` (what each evidence row points at)."""
    return {r.event_id: f.fact_id for f in facts for r in f.reports}


# --- places -------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceFold:
    """A place's folded state: its ``control`` row (none when nothing current), history rows, facts of reports."""

    control: dict[str, Any] | None
    history: list[dict[str, Any]]
    facts: dict[str, str]  # event_id -> fact_id


def holds(facts: Sequence[Fact], make: MakeFact = make_fact) -> tuple[list[Fact], dict[str, Fact]]:
    """Control facts in time order, each run of one side's consecutive facts merged into one *hold*.

    A repeat report of the state already held is corroboration, not a new
    transition: a hold is one fact (one row of ``control_history``) whose
    date is the most precise, earliest read date of all its reports
    (:func:`best_dated`), so an inferred date later in the hold never moves
    ``since``. Another side's fact in between ends the hold. Returns the
    holds and, by ``fact_id``, the hold of each fact.
    """
    runs: list[list[Fact]] = []
    for f in sorted(facts, key=_RANK):
        if runs and runs[-1][-1].key == f.key:
            runs[-1].append(f)
        else:
            runs.append([f])
    out: list[Fact] = []
    hold_of: dict[str, Fact] = {}
    for run in runs:
        hold = run[0] if len(run) == 1 else make(run[0].type, run[0].subject, run[0].key,
                                                 [r for f in run for r in f.reports])
        out.append(hold)
        hold_of.update((f.fact_id, hold) for f in run)
    return out, hold_of


def fold_place(reports: Iterable[Report], *, window: int = WINDOW_DAYS, make: MakeFact = make_fact,
               chain: ChainFacts | None = None) -> PlaceFold:
    """The ``control`` row (or none) and the ``control_history`` rows of one place: a pure function of the set.

    1. cluster the reports into facts per type and side (:func:`cluster`);
    2. merge each side's consecutive control facts into holds (:func:`holds`);
    3. the current controller is the side of the latest non-historical fact;
       its hold gives ``since``; another side's fact within ``window`` days of
       that latest fact makes the row ``contested``;
    4. one history row per hold (valid until the next hold's date) and per withdrawal fact.

    ``make`` and ``chain`` build a fact and a group's facts; a caller may pass
    memoised versions of :func:`make_fact` and :func:`chain_facts` (both are
    pure functions of their reports), which changes nothing in the result.
    """
    rs = distinct(reports)
    if not rs:
        raise ValueError("fold_place needs at least one report")
    place_id = rs[0].subject
    names: dict[str, int] = {}
    wheres: dict[Where, int] = {}
    for r in rs:  # one pass for both counts (a Counter and a generator cost more than the fold's grouping)
        if r.subject_name:
            names[r.subject_name] = names.get(r.subject_name, 0) + 1
        w = _where(r)
        wheres[w] = wheres.get(w, 0) + 1
    place_name = _most_common_of(names) or place_id
    located = _where_columns(_best_where(wheres))
    facts = _chain_groups(_groups_by(rs, _PLACE_PARTS, _place_label), window, make, chain)
    changes = sorted((f for f in facts if f.type == CONTROL_CHANGED), key=_RANK)
    withdrawals = sorted((f for f in facts if f.type != CONTROL_CHANGED), key=_RANK)
    timeline, hold_of = holds(changes, make)

    current = [f for f in changes if not f.historical]
    latest = current[-1] if current else None
    winner = hold_of[latest.fact_id] if latest is not None else None
    rivals: list[Fact] = []
    if latest is not None and winner is not None:
        seen = {winner.fact_id}
        for f in current:
            h = hold_of[f.fact_id]
            if f.key != latest.key and abs((f.day - latest.day).days) <= window and h.fact_id not in seen:
                seen.add(h.fact_id)
                rivals.append(h)
    contested = {f.fact_id for f in rivals} | ({winner.fact_id} if rivals and winner else set())

    history: list[dict[str, Any]] = []
    for i, f in enumerate(timeline):
        valid_to = timeline[i + 1].day if i + 1 < len(timeline) else None
        history.append(_history_row(f, place_id, place_name, located, "control", valid_to,
                                    "contested" if f.fact_id in contested else "held"))
    for f in withdrawals:
        history.append(_history_row(f, place_id, place_name, located, "withdrawal", None, "withdrew"))

    control = None
    if winner is not None:
        actor_id, name, side = winner.actor
        claims = [{"controller": f.actor[1], "side": f.actor[2], "since": f.date_text,
                   "n_sources": f.n_sources, "fact_id": f.fact_id}
                  for f in sorted([winner, *rivals], key=_RANK, reverse=True)] if rivals else []
        control = dict(
            place_id=place_id, place_name=place_name, controller_id=actor_id, controller_name=name, side=side,
            since=winner.day, since_text=winner.date_words, precision=winner.precision,
            extent=_most_common(r.extent for r in winner.reports),
            status="contested" if rivals else "held", confidence=winner.confidence,
            n_sources=winner.n_sources, n_reports=winner.n_reports, fact_id=winner.fact_id, claims=claims,
            last_reported_at=winner.last_reported_at or None, **located)
    return PlaceFold(control, history, fact_of([*timeline, *withdrawals]))


def place_state(reports: Iterable[Report], *, window: int = WINDOW_DAYS) -> dict[str, Any] | None:
    """fold(reports) -> state: the place's ``control`` row, or ``None``."""
    return fold_place(reports, window=window).control


def transitions(reports: Iterable[Report], *, window: int = WINDOW_DAYS) -> list[dict[str, Any]]:
    """transitions(reports) -> history: the place's ``control_history`` rows, in time order."""
    return fold_place(reports, window=window).history


def _where_columns(where: Where) -> dict[str, Any]:
    return dict(zip(("place_kind", "country", "lat", "lon"), where, strict=True))


def _history_row(f: Fact, place_id: str, place_name: str, where: dict[str, Any], kind: str,
                 valid_to: date | None, status: str) -> dict[str, Any]:
    actor_id, name, side = f.actor
    # A literal, not dict(...): built for every hold of every place a batch touches.
    return {"place_id": place_id, "fact_id": f.fact_id, "kind": kind, "place_name": place_name,
            "controller_id": actor_id, "controller_name": name, "side": side, "valid_from": f.day,
            "valid_to": valid_to, "date_text": f.date_text, "date_words": f.date_words, "precision": f.precision,
            "status": status, "historical": f.historical, "confidence": f.confidence, "n_sources": f.n_sources,
            "n_reports": f.n_reports, **where}


_PLACE_PARTS = attrgetter("type", "side")


def _place_label(parts: tuple[Any, ...]) -> str:
    return f"{parts[0]}|{parts[1]}"


# --- crossings ----------------------------------------------------------------


@dataclass(frozen=True)
class CrossingFold:
    row: dict[str, Any]
    facts: dict[str, str]  # event_id -> fact_id


def fold_crossing(reports: Iterable[Report], *, window: int = WINDOW_DAYS,
                  make: MakeFact = make_fact, chain: ChainFacts | None = None) -> CrossingFold:
    """One ``crossings`` row: the holder (latest seizure), the overall status and each side's status."""
    rs = distinct(reports)
    if not rs:
        raise ValueError("fold_crossing needs at least one report")
    crossing_id = rs[0].subject
    name = _most_common(r.subject_name for r in rs) or crossing_id
    facts = _chain_groups(_groups_by(rs, _CROSSING_PARTS, _crossing_label), window, make, chain)
    live = [f for f in facts if not f.historical] or facts
    sided = sorted((f for f in live if f.reports[0].side_code), key=_RANK)
    unsided = sorted((f for f in live if not f.reports[0].side_code), key=_RANK)
    seized = [f for f in unsided if f.reports[0].status == "seized"]
    sides: dict[str, dict[str, Any]] = {}
    for f in sided:  # later facts overwrite earlier ones
        code = f.reports[0].side_code or ""
        sides[code] = {"status": f.reports[0].status, "since": f.date_text,
                       "actor": _most_common(r.actor_name for r in f.reports), "n_sources": f.n_sources}
    latest = unsided[-1] if unsided else sorted(live, key=_RANK)[-1]
    # A side that changed strictly later than the whole crossing did speaks for the
    # crossing now ("closed earlier this month", then "Sudan reopened it on Sunday").
    later_sided = [f for f in sided if unsided and f.day > latest.day]
    status_fact = later_sided[-1] if later_sided else (latest if unsided else None)
    holder = seized[-1] if seized else None
    n_sources = count_sources([r for f in live for r in f.reports])
    _, country, lat, lon = _best_where(Counter(map(_where, rs)))
    row = dict(
        crossing_id=crossing_id, name=name, status=status_fact.reports[0].status if status_fact else None,
        holder_id=_most_common(r.actor_id for r in holder.reports) if holder else None,
        holder_name=_most_common(r.actor_name for r in holder.reports) if holder else None,
        holder_side=holder.reports[0].side if holder else None,
        since=latest.day, since_text=latest.date_words, sides={k: sides[k] for k in sorted(sides)},
        confidence=max(f.confidence for f in live), n_sources=n_sources,
        n_reports=len({r.article_id for f in live for r in f.reports}), country=country, lat=lat, lon=lon)
    return CrossingFold(row, fact_of(facts))


_CROSSING_PARTS = attrgetter("status", "side_code", "side")


def _crossing_label(parts: tuple[Any, ...]) -> str:
    return f"{parts[0]}|{parts[1] or ''}|{parts[2] or ''}"



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
        dated = make_fact(MEETING, meeting_id, "", held or comp)
        fact = make_fact(MEETING, meeting_id, "", comp)
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
