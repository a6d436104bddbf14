"""The projector's storage: engines, one transaction per batch, schema version, the replay swap.

One batch is one transaction (:func:`apply_batch`):

1. take the writers' lock (:func:`lock_writers`: SQLite's ``BEGIN IMMEDIATE``,
   a PostgreSQL advisory lock), so concurrent projectors apply one batch at
   a time; read the stored next offset of each partition in the batch;
   records below it were applied before and are skipped; a batch starting
   *after* it (the tables were swapped by a replay that ended earlier) is
   not applied and the consumer is told to seek back;
2. insert the batch's new events into ``applied_events`` (an ``event_id``
   already there is a re-delivery and changes nothing);
3. refold every subject the new events touch (:mod:`.fold`) and rewrite its
   rows; insert or re-point ``evidence``;
4. write the next offsets, then commit: rows and offsets land together or not at all.

A value the database refuses (:class:`BatchRefused`) rolls the whole batch
back; the projector then splits it to dead-letter the one record at fault.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter, itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from newswire.core.db import open_engine
from newswire.core.errors import ProjectionError
from newswire.core.log.types import TopicPartition
from newswire.core.models import Event
from newswire.projector.fold import (
    CONTROL_TYPES,
    CROSSING,
    MEETING,
    Fact,
    MakeFact,
    Report,
    chain_facts,
    distinct,
    fold_crossing,
    fold_meetings,
    fold_place,
    make_fact,
    meeting_components,
    storable,
    widen,
)
from newswire.projector.registry import PROJECTIONS
from newswire.projector.tables import PROJECTION_SCHEMA_VERSION, REBUILD_PREFIX, Tables, make_tables

__all__ = [
    "Applied",
    "BatchOutcome",
    "BatchRefused",
    "SubjectCache",
    "create_engine",
    "apply_batch",
    "ensure_schema",
    "schema_version",
    "stored_offsets",
    "prepare_rebuild",
    "lock_live",
    "lock_writers",
    "swap_in",
    "dump_tables",
    "load_reports",
]

_EVENT_ID = attrgetter("event_id")
_CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def create_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for the projector's tables (:func:`newswire.core.db.open_engine`, setting ``projector.db_url``).

    ``read_only`` (the read API): see :func:`~newswire.core.db.open_engine`.
    """
    return open_engine(url, key="projector.db_url", read_only=read_only)


# --- schema -------------------------------------------------------------------


def schema_version(conn: Connection, tables: Tables) -> int | None:
    """The stored schema version, or ``None`` when the tables do not exist yet."""
    if not sa.inspect(conn).has_table(tables.meta.name):
        return None
    row = conn.execute(sa.select(tables.meta.c.value).where(tables.meta.c.key == "schema_version")).first()
    return None if row is None else int(row[0])


def ensure_schema(engine: Engine, tables: Tables) -> str:
    """Create missing tables. Returns ``"ok"``, ``"created"`` or ``"stale"`` (rebuild by replay needed)."""
    try:
        return _ensure_schema(engine, tables)
    except sa.exc.OperationalError as exc:
        raise ProjectionError(f"cannot use the database: {str(exc.orig or exc).strip().splitlines()[0]}",
                              where=engine.url.render_as_string(hide_password=True),
                              hint="check NEWSWIRE_PROJECTOR__DB_URL / NEWSWIRE_DB_URL and that the server is up"
                              ) from None


def _ensure_schema(engine: Engine, tables: Tables) -> str:
    with engine.begin() as conn:
        # Two projectors starting on an empty PostgreSQL database would both create the tables and
        # one would fail on the catalogue's unique index; the second waits here and finds them made.
        lock_writers(conn, "schema")
        version = schema_version(conn, tables)
        if version == PROJECTION_SCHEMA_VERSION:
            # A type registered since the tables were made brings a table: create it (nothing else changes).
            missing = [t for t in tables.views.values() if not sa.inspect(conn).has_table(t.name)]
            if missing:
                tables.metadata.create_all(conn, tables=missing)
            return "ok"
        if version is not None or sa.inspect(conn).has_table(tables.control.name):
            return "stale"
        tables.metadata.create_all(conn)
        conn.execute(sa.insert(tables.meta), [{"key": "schema_version", "value": str(PROJECTION_SCHEMA_VERSION)}])
        return "created"


def prepare_rebuild(engine: Engine) -> Tables:
    """Fresh, empty rebuild tables (left-overs of an interrupted replay are dropped)."""
    rebuild = make_tables(REBUILD_PREFIX)
    with engine.begin() as conn:
        rebuild.metadata.drop_all(conn)
        rebuild.metadata.create_all(conn)
        conn.execute(sa.insert(rebuild.meta),
                     [{"key": "schema_version", "value": str(PROJECTION_SCHEMA_VERSION)}])
    return rebuild


def lock_writers(conn: Connection, name: str) -> None:
    """Serialise the writers of ``name`` (a table set's prefix, or ``"schema"``) until this transaction ends.

    SQLite: the transaction began with ``BEGIN IMMEDIATE`` and holds the
    database's write lock already. PostgreSQL: a transaction-level advisory
    lock, so two projectors on one database apply their batches one after
    the other, each reading the offsets the other committed (READ COMMITTED
    sees them once the lock is granted) instead of racing on missing rows.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(name)})


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"newswire.projector:{name}".encode()).digest()[:8], "big", signed=True)


def lock_live(conn: Connection, live: Tables) -> None:
    """Keep a running projector's batches out until this transaction ends.

    The writers' lock first (:func:`lock_writers`), then, on PostgreSQL, the
    live offsets table itself, which every batch reads ``FOR UPDATE``.
    """
    lock_writers(conn, live.prefix)
    if conn.dialect.name == "postgresql" and sa.inspect(conn).has_table(live.offsets.name):
        quoted = conn.dialect.identifier_preparer.quote(live.offsets.name)
        conn.exec_driver_sql(f"LOCK TABLE {quoted} IN ACCESS EXCLUSIVE MODE")


def swap_in(conn: Connection, rebuild: Tables, live: Tables) -> None:
    """Replace the live tables by the rebuilt ones: drops and renames, inside the caller's transaction.

    Index names are global (SQLite) or per schema (PostgreSQL) and do not follow
    a renamed table, so the rebuild's indexes are dropped and re-created under
    the live names in the same transaction.
    """
    preparer = conn.dialect.identifier_preparer
    for table in reversed(live.all()):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {preparer.quote(table.name)}")
    for new, old in zip(rebuild.all(), live.all(), strict=True):
        for index in new.indexes:
            conn.exec_driver_sql(f"DROP INDEX {preparer.quote(str(index.name))}")
        conn.exec_driver_sql(f"ALTER TABLE {preparer.quote(new.name)} RENAME TO {preparer.quote(old.name)}")
        for index in old.indexes:
            index.create(conn)
        if conn.dialect.name == "postgresql":
            # The primary key keeps the rebuild's name; give it the live one back (<table>_pkey).
            pkey = conn.exec_driver_sql(
                "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%(t)s) AND contype = 'p'",
                {"t": old.name}).scalar_one()
            if pkey != f"{old.name}_pkey":
                conn.exec_driver_sql(f"ALTER TABLE {preparer.quote(old.name)} RENAME CONSTRAINT "
                                     f"{preparer.quote(pkey)} TO {preparer.quote(old.name + '_pkey')}")


# --- offsets ------------------------------------------------------------------


def stored_offsets(conn: Connection, tables: Tables, *, lock: bool = False,
                   tps: Iterable[TopicPartition] | None = None) -> dict[TopicPartition, int]:
    """The next offset to apply per partition, as committed with the rows."""
    query = sa.select(tables.offsets.c.topic, tables.offsets.c.partition, tables.offsets.c.next_offset)
    if tps is not None:
        wanted = sorted(set(tps))
        query = query.where(sa.tuple_(tables.offsets.c.topic, tables.offsets.c.partition).in_(
            [(tp.topic, tp.partition) for tp in wanted]))
    if lock:
        query = query.with_for_update()
    return {TopicPartition(t, p): int(o) for t, p, o in conn.execute(query)}


def _write_offsets(conn: Connection, tables: Tables, offsets: Mapping[TopicPartition, int],
                   existing: Mapping[TopicPartition, int]) -> None:
    """Write ``offsets``; ``existing`` holds the rows the table has (read at the batch's start, under its lock)."""
    if not offsets:
        return
    o = tables.offsets
    updates = [{"t": tp.topic, "p": tp.partition, "n": n} for tp, n in offsets.items() if tp in existing]
    inserts = [{"topic": tp.topic, "partition": tp.partition, "next_offset": n}
               for tp, n in offsets.items() if tp not in existing]
    if updates:
        conn.execute(o.update().where(o.c.topic == sa.bindparam("t"), o.c.partition == sa.bindparam("p"))
                     .values(next_offset=sa.bindparam("n")), updates)
    if inserts:
        conn.execute(sa.insert(o), inserts)


# --- one batch ----------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """One parsed event of a batch and where it came from."""

    event: Event
    report: Report
    tp: TopicPartition
    offset: int


@dataclass
class BatchOutcome:
    applied: int = 0
    duplicates: int = 0
    skipped: int = 0  # records below the stored offset: applied by an earlier transaction
    rewind: dict[TopicPartition, int] = field(default_factory=dict)  # seek here: the tables are behind
    offsets: dict[TopicPartition, int] = field(default_factory=dict)
    folds: dict[tuple[str, str], Folded] = field(default_factory=dict)
    all_offsets: dict[TopicPartition, int] = field(default_factory=dict)  # the offsets table once committed


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def apply_batch(engine: Engine, tables: Tables, items: Sequence[Applied],
                positions: Mapping[TopicPartition, tuple[int, int]],
                gaps_ok: Iterable[TopicPartition] = (), *, conn: Connection | None = None,
                cache: SubjectCache | None = None) -> BatchOutcome:
    """Apply one batch in one transaction; see the module docstring for the steps.

    ``positions`` maps each partition of the polled batch to (first, last)
    offset polled, including records that failed to parse (those are
    consumed too: they went to the dead-letter topic). ``gaps_ok`` names
    partitions already sought back once whose log starts later than the
    stored offset (records removed by retention): their batch is accepted.
    With ``conn``, the batch joins that open transaction instead (the final
    catch-up of a replay, inside its swap transaction). ``cache`` keeps the
    folds of recently touched subjects between batches (:class:`SubjectCache`).
    """
    try:
        if conn is not None:
            with conn.begin_nested():  # a refused batch rolls back alone; the replay's transaction goes on
                outcome = _apply(conn, tables, items, positions, set(gaps_ok), cache)
        else:
            with engine.begin() as own:
                outcome = _apply(own, tables, items, positions, set(gaps_ok), cache)
    except BaseException as exc:
        if cache is not None:
            cache.clear()  # rolled back: nothing of this batch may linger
        where = str(engine.url.render_as_string(hide_password=True))
        if isinstance(exc, sa.exc.DataError | sa.exc.IntegrityError):
            raise BatchRefused(f"the database refused the batch: {_first_line(exc.orig or exc)}",
                               where=where) from None
        if isinstance(exc, sa.exc.OperationalError):
            raise ProjectionError(f"database error: {_first_line(exc.orig or exc)}", where=where,
                                  hint="the batch was not applied and will be retried") from None
        raise
    if cache is not None:
        cache.commit(outcome.folds, outcome.all_offsets)
    return outcome


class BatchRefused(ProjectionError):
    """The database refused a row of the batch (a value it cannot store): nothing of the batch was applied.

    The caller splits the batch to find the record at fault (:meth:`Projector.process`).
    """


def _first_line(exc: BaseException) -> str:
    return " ".join((str(exc).strip().splitlines() or [type(exc).__name__])[0].split())


def _apply(conn: Connection, tables: Tables, items: Sequence[Applied],
           positions: Mapping[TopicPartition, tuple[int, int]], gaps_ok: set[TopicPartition],
           cache: SubjectCache | None) -> BatchOutcome:
    outcome = BatchOutcome()
    lock_writers(conn, tables.prefix)
    # The whole (small) offsets table: the batch's partitions decide what to apply, all of them
    # whether the cache still describes these tables (SubjectCache.check).
    stored = stored_offsets(conn, tables, lock=True)
    if cache is not None:
        cache.check(stored)
    accept: set[TopicPartition] = set()
    for tp, (first, last) in positions.items():
        start = stored.get(tp, 0)
        if first > start and tp not in gaps_ok:
            outcome.rewind[tp] = start
        elif last >= start:
            accept.add(tp)
            outcome.offsets[tp] = last + 1
    fresh: dict[str, Applied] = {}
    for item in items:
        if item.tp not in accept or item.offset < stored.get(item.tp, 0):
            outcome.skipped += 1
        elif item.event.event_id in fresh:
            outcome.duplicates += 1
        else:
            fresh[item.event.event_id] = item
    known = _existing_ids(conn, tables, list(fresh))
    outcome.duplicates += len(known)
    new = [a for eid, a in fresh.items() if eid not in known]
    if new:
        _insert_applied(conn, tables, new)
        outcome.folds = _refresh(conn, tables, new, cache)
    _write_offsets(conn, tables, outcome.offsets, stored)
    outcome.applied = len(new)
    outcome.all_offsets = {**stored, **outcome.offsets}
    return outcome


def _existing_ids(conn: Connection, tables: Tables, ids: list[str]) -> set[str]:
    col = tables.applied_events.c.event_id
    found: set[str] = set()
    for chunk in _chunks(ids):
        found.update(conn.execute(sa.select(col).where(col.in_(chunk))).scalars())
    return found


def _insert_applied(conn: Connection, tables: Tables, new: Sequence[Applied]) -> None:
    rows = []
    for a in new:
        r = a.report
        rows.append(dict(
            event_id=r.event_id, type=r.type, subject=r.subject, subject_name=r.subject_name,
            subject_kind=r.subject_kind, actor_id=r.actor_id, actor_name=r.actor_name, side=r.side,
            status=r.status, side_code=r.side_code, day_start=r.day_start, day_end=r.day_end,
            date_text=r.date_text, date_words=r.date_words, precision=r.precision, inferred=r.inferred,
            historical=r.historical,
            reported_at=r.reported_at, article_id=r.article_id, outlet=r.outlet, story_id=r.story_id,
            confidence=r.confidence, extent=r.extent, participants=r.participants, location=r.location,
            framework=r.framework, topic=a.tp.topic, partition=a.tp.partition, offset=a.offset,
            country=r.country, lat=r.lat, lon=r.lon, received_at=r.received_at))
    _write_rows(conn, tables.applied_events, rows)


_REPORT_FIELDS = [f for f in Report.__dataclass_fields__]


def load_reports(conn: Connection, tables: Tables, where: Any) -> list[Report]:
    ae = tables.applied_events
    rows = conn.execute(sa.select(*[ae.c[f] for f in _REPORT_FIELDS]).where(where)).all()
    return [Report(*row) for row in rows]


def _reports_of(conn: Connection, tables: Tables, types: Sequence[str], subjects: Sequence[str]) -> list[Report]:
    ae = tables.applied_events
    out: list[Report] = []
    for chunk in _chunks(sorted(subjects)):
        out += load_reports(conn, tables, sa.and_(ae.c.type.in_(types), ae.c.subject.in_(chunk)))
    return out


@dataclass(frozen=True, slots=True)
class Folded:
    """One subject's fold: its reports (sorted by event id), its rows by table and primary key, each report's fact.

    ``made`` holds the facts the fold built, by (type, key, member ids): the
    next fold of the subject reuses a fact whose reports did not change
    (a fact is a pure function of its reports, :func:`~.fold.make_fact`).
    """

    reports: tuple[Report, ...]
    rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]]
    facts: dict[str, str]  # event_id -> fact_id (the evidence row's fact)
    made: dict[tuple[Any, ...], Any]  # ("fact", type, key, ids) -> Fact; ("chain", key, window, ids) -> [Fact]


_PKEYS = {"control": ("place_id",), "control_history": ("place_id", "fact_id"), "crossings": ("crossing_id",)}
_EVIDENCE_TABLE = {"control": "control", "crossing": "crossings"}


def fold_subject(kind: str, reports: Iterable[Report], previous: Folded | None = None) -> Folded:
    """The fold of one place (``kind`` "control") or crossing, as rows keyed for writing.

    The fold is pure; ``previous`` (the subject's last fold) only lends the
    facts it already built, which makes the result no different.
    """
    rs = tuple(distinct(reports))
    known = previous.made if previous is not None else {}
    made: dict[tuple[Any, ...], Any] = {}

    def make(type_: str, subject: str, key: str, members: Sequence[Report]) -> Fact:
        ident = ("fact", type_, key, tuple(sorted(map(_EVENT_ID, members))))
        fact = known.get(ident)
        if fact is None:
            fact = make_fact(type_, subject, key, members)
        made[ident] = fact
        return fact

    def chain(key: str, members: list[Report], window: int, make_: MakeFact) -> list[Fact]:
        ident = ("chain", key, window, tuple(map(_EVENT_ID, members)))  # members come sorted by event id
        facts = known.get(ident)
        if facts is None:
            facts = chain_facts(key, members, window, make_)
        else:
            for f in facts:  # the next fold may rebuild this group and find these facts unchanged
                made[("fact", f.type, f.key, f.members)] = f
        made[ident] = facts
        return facts  # type: ignore[no-any-return]

    if kind == "control":
        fold = fold_place(rs, make=make, chain=chain)
        rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {
            "control": {(fold.control["place_id"],): fold.control} if fold.control else {},
            "control_history": {(h["place_id"], h["fact_id"]): h for h in fold.history}}
        return Folded(rs, rows, fold.facts, made)
    cfold = fold_crossing(rs, make=make, chain=chain)
    return Folded(rs, {"crossings": {(rs[0].subject,): cfold.row}}, cfold.facts, made)


class SubjectCache:
    """The last fold of recently touched places and crossings: the one cache of the projector.

    The folds are pure (:mod:`.fold`); this only saves re-reading a subject's
    reports and re-writing rows that did not change. It is keyed by the
    tables' offsets: an entry is right while the offsets table holds exactly
    what this projector last committed (:meth:`check`, one read of that small
    table per batch, which the batch reads anyway). Anything else (a replay's
    swap, a second projector, a rewind) moved them, and the cache is
    dropped. Entries change only after their transaction commits
    (:meth:`commit`); a rolled-back batch drops the cache (:meth:`clear`).

    Memory is bounded by ``max_reports``, the reports held over all entries
    (not by a number of subjects, whose histories differ in length): least
    recently used entries go first (an ``OrderedDict`` keeps them in the
    order they were last committed; evicting its first is O(1), where a
    plain dict's ``next(iter(...))`` walks every slot deleted before it,
    which cost more than the fold once the cache was full).
    """

    def __init__(self, max_reports: int = 200_000) -> None:
        self.max_reports = max_reports
        self._entries: OrderedDict[tuple[str, str], Folded] = OrderedDict()
        self._held = 0
        self._offsets: dict[TopicPartition, int] | None = None

    def check(self, stored: Mapping[TopicPartition, int]) -> None:
        """Drop every entry unless ``stored`` (all the tables' offsets) is what this cache committed last."""
        if self._offsets is not None and dict(stored) != self._offsets:
            self.clear()

    def get(self, key: tuple[str, str]) -> Folded | None:
        return self._entries.get(key)

    def commit(self, folds: Mapping[tuple[str, str], Folded], offsets: Mapping[TopicPartition, int]) -> None:
        """Keep ``folds`` once their transaction committed the tables at ``offsets``."""
        entries = self._entries
        for key, folded in folds.items():
            old = entries.pop(key, None)
            self._held -= len(old.reports) if old is not None else 0
            if len(folded.reports) <= self.max_reports:
                entries[key] = folded
                self._held += len(folded.reports)
        while self._held > self.max_reports:
            _, oldest = entries.popitem(last=False)
            self._held -= len(oldest.reports)
        self._offsets = dict(offsets)

    def clear(self) -> None:
        self._entries.clear()
        self._held = 0
        self._offsets = None

    @property
    def reports_held(self) -> int:
        return self._held

    def __len__(self) -> int:
        return len(self._entries)


def _refresh(conn: Connection, tables: Tables, new: Sequence[Applied],
             cache: SubjectCache | None) -> dict[tuple[str, str], Folded]:
    """Refold every subject the new events touch; write what changed; point evidence at the rows.

    1. group the new reports by subject;
    2. per subject, take its reports from the cache, or read them (and delete its rows, to write them all);
    3. fold each subject from all its reports (:func:`fold_subject`, pure);
    4. delete rows gone, upsert rows new or changed;
    5. meetings: refold the components the new reports touch;
    6. insert the new events' evidence, re-point older evidence whose fact changed.

    Returns the new folds of places and crossings, for the cache once the transaction commits.
    """
    fresh: dict[tuple[str, str], list[Report]] = {}
    meetings: list[Report] = []
    for a in new:
        r = a.report
        if r.type in CONTROL_TYPES:
            fresh.setdefault(("control", r.subject), []).append(r)
        elif r.type == CROSSING:
            fresh.setdefault(("crossing", r.subject), []).append(r)
        elif r.type == MEETING:
            meetings.append(r)
    new_ids = {a.report.event_id for a in new}
    keys: dict[str, tuple[str, str, str | None]] = {}  # evidence key of every event whose key may have changed
    old_keys: dict[str, tuple[str, str, str | None]] = {}  # and the key its evidence row has now
    pending: dict[tuple[str, str], Folded] = {}
    by_table = {t.name.removeprefix(tables.prefix): t for t in tables.all()}
    indexed = {name: _indexed(t) for name, t in by_table.items()}
    deletes: dict[str, list[tuple[Any, ...]]] = {"control": [], "control_history": [], "crossings": []}
    inserts: dict[str, list[dict[str, Any]]] = {"control": [], "control_history": [], "crossings": []}
    updates: dict[str, list[dict[str, Any]]] = {"control": [], "control_history": [], "crossings": []}

    for kind, types in (("control", CONTROL_TYPES), ("crossing", (CROSSING,))):
        subjects = sorted(subject for k, subject in fresh if k == kind)
        if not subjects:
            continue
        row_table = _EVIDENCE_TABLE[kind]
        hits = {s: f for s in subjects if cache is not None and (f := cache.get((kind, s))) is not None}
        misses = [s for s in subjects if s not in hits]
        loaded = _group(_reports_of(conn, tables, types, misses)) if misses else {}
        stored: dict[str, dict[str, dict[tuple[Any, ...], dict[str, Any]]]] = {}
        if misses:  # subjects this projector does not hold: read their rows and their evidence keys
            # Read, not deleted and rewritten: reading a row dirties no page, and past the cache's
            # size most subjects are misses (the 1,000,000-event history), where every page
            # written is a random one the commit and the WAL checkpoint pay for.
            stored = _stored_rows(conn, by_table, kind, misses)
            old_keys.update(_evidence_keys(conn, tables, [r.event_id for m in misses for r in loaded[m]
                                                          if r.event_id not in new_ids]))
        for subject in subjects:
            old = hits.get(subject)
            reports = [*old.reports, *fresh[(kind, subject)]] if old is not None else loaded[subject]
            folded = fold_subject(kind, reports, old)
            pending[(kind, subject)] = folded
            for event_id, fact_id in folded.facts.items():
                if event_id in new_ids:
                    keys[event_id] = (row_table, subject, fact_id)
                elif old is not None:
                    if old.facts[event_id] != fact_id:
                        keys[event_id] = (row_table, subject, fact_id)
                        old_keys[event_id] = (row_table, subject, old.facts[event_id])
                else:
                    keys[event_id] = (row_table, subject, fact_id)
            for table, rows in folded.rows.items():
                before = old.rows.get(table, {}) if old is not None else stored.get(subject, {}).get(table, {})
                # Rows gone are deleted; new and changed rows are upserted; the rest stay untouched.
                deletes[table] += [pk for pk in before if pk not in rows]
                for pk, row in rows.items():
                    was = before.get(pk)
                    if was is None:
                        inserts[table].append(row)
                    elif was != row:
                        # A row whose indexed columns kept their values is updated without them, so
                        # SQLite leaves those indexes' pages alone (an upsert sets, and so rewrites, all).
                        same = all(was[c] == row[c] for c in indexed[table])
                        (updates if same else inserts)[table].append(row)

    for table, pks in deletes.items():
        if pks:
            _delete_rows(conn, by_table[table], _PKEYS[table], pks)
    for table, changed in inserts.items():
        if changed:
            _write_rows(conn, by_table[table], changed, upsert=_PKEYS[table])
    for table, changed in updates.items():
        if changed:
            _update_rows(conn, by_table[table], changed, _PKEYS[table])

    registered = sorted({(r.type, r.subject) for a in new if (r := a.report).type in PROJECTIONS})
    for type_, subject in registered:
        # A registered type (newswire.projector.registry): one row per subject, refolded from all its reports.
        proj = PROJECTIONS[type_]
        table = tables.views[proj.view]
        ae = tables.applied_events
        reports = load_reports(conn, tables, sa.and_(ae.c.type == type_, ae.c.subject == subject))
        _replace(conn, table, table.c[proj.key], [subject], [proj.fold(distinct(reports))])
        keys.update({r.event_id: (proj.view, subject, None) for r in reports if r.event_id in new_ids})

    if meetings:
        reports = _meeting_neighbourhood(conn, tables, meetings)
        mfold = fold_meetings(reports)
        current = _evidence_keys(conn, tables, [r.event_id for r in reports])
        old_keys.update(current)
        stale = sorted({k[1] for k in current.values()} | {row["meeting_id"] for row in mfold.rows})
        _replace(conn, tables.meetings, tables.meetings.c.meeting_id, stale, mfold.rows)
        keys.update({e: ("meetings", k, None) for e, k in mfold.keys.items()})

    _point_evidence(conn, tables, new, new_ids, keys, old_keys)
    return pending


def _write_rows(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]],
                upsert: Sequence[str] | None = None) -> None:
    """Insert rows; with ``upsert`` (the primary key), update the row with the same key instead.

    On SQLite the rows go to the driver's ``executemany`` directly, converted
    as SQLAlchemy's types would store them: per-row parameter processing in
    SQLAlchemy costs about three times the insert itself (measured 9.6 µs vs
    3.8 µs a row), and these are the projector's hot writes.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        from sqlalchemy.dialects.postgresql import insert

        stmt = insert(table)
        if upsert:
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c[c] for c in upsert],
                set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name not in upsert})
        conn.execute(stmt, list(rows))
        return
    quote = conn.dialect.identifier_preparer.quote
    names = [c.name for c in table.columns]
    convert = [_SQLITE_CONVERT.get(type(c.type)) for c in table.columns]
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)})"
           f" VALUES ({', '.join('?' * len(names))})")
    if upsert:
        sql += (f" ON CONFLICT ({', '.join(quote(n) for n in upsert)}) DO UPDATE SET "
                + ", ".join(f"{quote(n)} = excluded.{quote(n)}" for n in names if n not in upsert))
    conn.exec_driver_sql(sql, _sqlite_params(rows, names, convert))  # type: ignore[arg-type]


def _delete_rows(conn: Connection, table: sa.Table, key: Sequence[str], pks: Sequence[tuple[Any, ...]]) -> None:
    """Delete the rows with these primary keys (on SQLite through the driver, as :func:`_write_rows` writes)."""
    if conn.dialect.name != "sqlite":
        conn.execute(table.delete().where(*[table.c[c] == sa.bindparam(f"k_{c}") for c in key]),
                     [{f"k_{c}": v for c, v in zip(key, pk, strict=True)} for pk in pks])
        return
    quote = conn.dialect.identifier_preparer.quote
    sql = f"DELETE FROM {quote(table.name)} WHERE {' AND '.join(f'{quote(c)} = ?' for c in key)}"
    conn.exec_driver_sql(sql, list(pks))  # type: ignore[arg-type]


def _sqlite_params(rows: Sequence[dict[str, Any]], names: Sequence[str],
                   convert: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Each row's values for ``names`` (every row carries every column), converted as SQLite stores them."""
    values = itemgetter(*names)
    converted = [(i, f) for i, f in enumerate(convert) if f is not None]
    params = []
    for row in rows:
        vals = list(values(row))
        for i, f in converted:
            if vals[i] is not None:
                vals[i] = f(vals[i])
        params.append(tuple(vals))
    return params


def _indexed(table: sa.Table) -> tuple[str, ...]:
    """The columns of ``table``'s secondary indexes (``valid_from`` of ``control_history``)."""
    return tuple(sorted({c.name for index in table.indexes for c in index.columns}))


def _update_rows(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]], key: Sequence[str]) -> None:
    """Update existing rows by ``key``, leaving the key and the secondary indexes' columns as they are.

    The caller checked that those columns did not change. SQLite rewrites an
    index only when its columns are SET, so a history row whose counts or
    ``valid_to`` changed leaves ``ix_history_from``'s pages clean: fewer pages
    for the commit and the WAL checkpoint to write. PostgreSQL finds that by
    itself (a HOT update), so there the rows take the usual upsert.
    """
    if conn.dialect.name != "sqlite":
        _write_rows(conn, table, rows, upsert=key)
        return
    quote = conn.dialect.identifier_preparer.quote
    fixed = set(key) | set(_indexed(table))
    names = [c.name for c in table.columns if c.name not in fixed] + list(key)
    convert = {c.name: _SQLITE_CONVERT.get(type(c.type)) for c in table.columns}
    sql = (f"UPDATE {quote(table.name)} SET {', '.join(f'{quote(n)} = ?' for n in names[:-len(key)])}"
           f" WHERE {' AND '.join(f'{quote(n)} = ?' for n in key)}")
    conn.exec_driver_sql(sql, _sqlite_params(rows, names, [convert[n] for n in names]))  # type: ignore[arg-type]


# How SQLAlchemy's SQLite dialect stores these types (ISO dates, 0/1, JSON text).
_SQLITE_CONVERT: dict[type[Any], Any] = {
    sa.Date: date.isoformat,
    sa.Boolean: int,
    sa.JSON: lambda v: json.dumps(v),
}


def _stored_rows(conn: Connection, by_table: Mapping[str, sa.Table], kind: str,
                 subjects: Sequence[str]) -> dict[str, dict[str, dict[tuple[Any, ...], dict[str, Any]]]]:
    """The rows the tables hold for ``subjects``, keyed as :class:`Folded` keys them: subject -> table -> pk -> row."""
    out: dict[str, dict[str, dict[tuple[Any, ...], dict[str, Any]]]] = {}
    for table in (("control", "control_history") if kind == "control" else ("crossings",)):
        t, cols = by_table[table], _PKEYS[table]
        for chunk in _chunks(list(subjects)):
            for row in conn.execute(sa.select(t).where(t.c[cols[0]].in_(chunk))).mappings():
                pk = tuple(row[c] for c in cols)
                out.setdefault(pk[0], {}).setdefault(table, {})[pk] = dict(row)
    return out


def _group(reports: Iterable[Report]) -> dict[str, list[Report]]:
    grouped: dict[str, list[Report]] = {}
    for r in reports:
        grouped.setdefault(r.subject, []).append(r)
    return grouped


def _replace(conn: Connection, table: sa.Table, key: sa.Column[Any], keys: Sequence[str],
             rows: Sequence[dict[str, Any]]) -> None:
    for chunk in _chunks(list(keys)):
        conn.execute(table.delete().where(key.in_(chunk)))
    if rows:
        conn.execute(sa.insert(table), list(rows))


def _meeting_neighbourhood(conn: Connection, tables: Tables, new: Sequence[Report]) -> list[Report]:
    """The meeting reports whose components contain a new report, widening the date spans until closed.

    Components only grow as reports arrive, so the rows to rewrite are exactly
    those of the components that contain a new report. Only the days around
    the new reports are read, however far apart they are (an old meeting
    recalled in today's news does not load the years in between).
    """
    ae = tables.applied_events
    new_ids = {r.event_id for r in new}
    spans = _spans(new)
    while True:
        loaded: dict[str, Report] = {}
        # A hundred spans per query keeps the OR well inside SQLite's expression depth limit (1000).
        for chunk in _chunks(spans, 100):
            for r in load_reports(conn, tables, sa.or_(*[_overlapping(ae, lo, hi) for lo, hi in chunk])):
                loaded[r.event_id] = r  # a month-precision report can overlap two spans
        touched = [c for c in meeting_components(list(loaded.values())) if any(r.event_id in new_ids for r in c)]
        members = [r for c in touched for r in c]
        wider = _spans(members + list(new), spans)
        if wider == spans:
            return members
        spans = wider


def _overlapping(ae: sa.Table, lo: date, hi: date) -> sa.ColumnElement[bool]:
    """Meeting reports whose dates overlap ``[lo, hi]``, each term a bounded range of ``ix_applied_day``.

    ``day_end >= lo AND day_start <= hi`` alone makes the index scan every
    meeting dated before ``hi``: the whole history, for every batch (the
    1,000,000-event benchmark row never finished). A report starting before
    ``lo`` and reaching it is month or year precision, and those start on the
    first of their month or on 1 January (:func:`~.fold.date_interval`), so
    two equality lookups find them.
    """
    starts = sorted({lo.replace(day=1), lo.replace(month=1, day=1)} - {lo})
    within = sa.and_(ae.c.type == MEETING, ae.c.day_start >= lo, ae.c.day_start <= hi)
    if not starts:
        return within
    return sa.or_(within, sa.and_(ae.c.type == MEETING, ae.c.day_start.in_(starts), ae.c.day_end >= lo))


def _spans(reports: Iterable[Report], spans: Iterable[tuple[date, date]] = ()) -> list[tuple[date, date]]:
    """The days within the matching window of any of ``reports`` (and ``spans``), as sorted disjoint spans."""
    out: list[tuple[date, date]] = []
    for lo, hi in sorted([*spans, *((widen(r.day_start)[0], widen(r.day_end)[1]) for r in reports)]):
        if out and lo <= out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _evidence_keys(conn: Connection, tables: Tables, ids: Sequence[str]) -> dict[str, tuple[str, str, str | None]]:
    ev = tables.evidence
    out: dict[str, tuple[str, str, str | None]] = {}
    for chunk in _chunks(list(ids)):
        query = sa.select(ev.c.event_id, ev.c.row_table, ev.c.row_key, ev.c.fact_id).where(ev.c.event_id.in_(chunk))
        out.update((e, (t, k, f)) for e, t, k, f in conn.execute(query))
    return out


def _point_evidence(conn: Connection, tables: Tables, new: Sequence[Applied], new_ids: set[str],
                    keys: Mapping[str, tuple[str, str, str | None]],
                    old_keys: Mapping[str, tuple[str, str, str | None]]) -> None:
    """Insert the new events' evidence; re-point older rows whose fact or meeting row changed.

    ``keys`` holds the new events' keys and those of older events whose key
    may have changed; ``old_keys`` the keys their evidence rows hold now.
    """
    ev = tables.evidence
    rows = []
    for a in new:
        e, (row_table, row_key, fact_id) = a.event, keys[a.event.event_id]
        rows.append(dict(
            event_id=e.event_id, row_table=row_table, row_key=row_key, fact_id=fact_id,
            article_id=e.source.article_id, outlet=e.source.outlet, story_id=e.source.story_id,
            url=storable(e.source.url), title=storable(e.source.title), sentence=storable(e.evidence.sentence),
            start=e.evidence.start, end=e.evidence.end, attribution=storable(e.attribution), modality=str(e.modality),
            reported_at=a.report.reported_at))
    _write_rows(conn, ev, rows)
    moved, refacted = [], []
    for event_id, key in keys.items():
        if event_id not in new_ids and (was := old_keys.get(event_id)) != key:
            if was is not None and was[:2] == key[:2]:
                refacted.append({"e": event_id, "f": key[2]})  # same row, another fact (a place's hold grew)
            else:
                moved.append({"e": event_id, "k": key[1], "f": key[2]})
    if moved:
        conn.execute(ev.update().where(ev.c.event_id == sa.bindparam("e"))
                     .values(row_key=sa.bindparam("k"), fact_id=sa.bindparam("f")), moved)
    if refacted:
        # Only fact_id: SET row_key would rewrite ix_evidence_row's entry, unchanged, for nothing.
        conn.execute(ev.update().where(ev.c.event_id == sa.bindparam("e")).values(fact_id=sa.bindparam("f")),
                     refacted)


# --- dumps --------------------------------------------------------------------


def dump_tables(engine: Engine, tables: Tables | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every projector table, sorted: equal dumps mean equal tables."""
    tables = tables or make_tables()
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in tables.derived():
            rows = conn.execute(sa.select(table)).all()
            out[table.name] = sorted((tuple(_plain(v) for v in row) for row in rows), key=repr)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    return value
