"""A bounded kill -9 campaign: the extractor and the projector killed at random while articles stream in.

``make chaos`` (``N=50`` kills per backend by default) runs, once with the
tables on SQLite and once on PostgreSQL (127.0.0.1:5432, or ``--pg``):

1. ``newswire extract`` and ``newswire project`` as separate processes on a
   fresh embedded log, exactly as in production;
2. the FA-KES articles (``../shared/corpus/fakes.jsonl``, 804) streamed onto
   ``newswire.articles.v1`` in slices, while ``N`` times a random one of the
   two services is killed with SIGKILL and restarted at once: a third of the
   kills after a random 0.1-2.5 s (mostly during its start-up: opening the
   log, loading the model), the others a random 0-0.5 s after it committed
   its first batch since its start (mid-stream, often mid-batch);
3. both left to catch up, then stopped with SIGTERM (each must exit 0);
4. the tables compared with a replay of the same log into a fresh database,
   table by table, by primary key: rows **lost** (in the replay, not in the
   tables), rows **duplicated** (in the tables, not in the replay) and
   **counts wrong** (same key, other values: ``n_sources``, ``n_reports``,
   anything); and the events on the log compared with a clean extraction of
   every streamed article (an article consumed but never extracted would
   show as events lost).

It prints one table and exits 1 unless every lost, duplicated and wrong count
is 0. It is not part of ``make test`` (it takes minutes); the test suite runs
it once, small (``tests/test_chaos.py``).

    .venv/bin/python scripts/chaos.py --kills 50
    .venv/bin/python scripts/chaos.py --kills 5 --articles 100 --backends sqlite
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FAKES = ROOT.parent / "shared" / "corpus" / "fakes.jsonl"
PG_ADMIN = os.environ.get("NEWSWIRE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SERVICES = ("extract", "project")


@dataclass
class Kill:
    service: str
    after: float  # seconds the victim had been up
    worked: bool  # the victim had committed something since its start


@dataclass
class Outcome:
    backend: str
    kills: list[Kill] = field(default_factory=list)
    articles: int = 0
    records: int = 0  # event records on the log (re-extractions after a kill included)
    rows: list[tuple[str, int, int, int, int, int]] = field(default_factory=list)  # table, live, replay, lost, dup, wrong
    exit_codes: dict[str, int] = field(default_factory=dict)
    dead_letters: int = 0


# -- the system under test -------------------------------------------------------------------


class Service:
    """One ``newswire`` service process, restartable."""

    def __init__(self, command: str, env: dict[str, str], cwd: Path) -> None:
        self.command, self.env, self.cwd = command, env, cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.log = cwd / f"{command}.log"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "newswire", self.command], env=self.env, cwd=self.cwd,
                                         stdout=subprocess.DEVNULL, stderr=out)
        self.started = time.monotonic()

    def kill(self) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.command} died on its own (exit {self.proc.returncode}); see {self.log}")
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=120)


def stream_articles(fakes: Path, limit: int | None) -> list[Any]:
    from newswire.poller.ingest import IngestStats, articles_from_file

    stats = IngestStats()
    now = datetime(2026, 1, 1, tzinfo=UTC)  # fixed, so every run streams the same records
    articles = list(articles_from_file(fakes, now, stats.skip, max_text_chars=100_000))
    if stats.skipped:
        raise SystemExit(f"{fakes}: {stats.skipped[0]}")
    return articles[:limit] if limit else articles


def committed(log: Any, group: str, topic: str) -> int:
    return sum(log.committed_offsets(group, [topic]).values())


def stored(url: str) -> int:
    """Records the tables hold (their stored offsets), 0 before the tables exist."""
    from newswire.projector.store import create_engine, stored_offsets
    from newswire.projector.tables import make_tables

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return sum(stored_offsets(conn, make_tables()).values())
    except Exception:  # noqa: BLE001 - the first projector may not have created the tables yet
        return 0
    finally:
        engine.dispose()


@contextmanager
def database(backend: str, work: Path) -> Iterator[Callable[[str], str]]:
    """A factory of fresh databases on ``backend`` (dropped afterwards)."""
    made: list[str] = []

    def fresh(name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{work / (name + '.db')}"
        import psycopg

        db = f"newswire_chaos_{name}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        made.append(db)
        return f"{PG_ADMIN.rsplit('/', 1)[0]}/{db}"

    try:
        yield fresh
    finally:
        if made:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                for db in made:
                    conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.2)


# -- one campaign -------------------------------------------------------------------------------


def campaign(backend: str, kills: int, articles: list[Any], seed: int, say: Callable[[str], None]) -> Outcome:
    from newswire.core.log import SqliteLog
    from newswire.core.topics import ARTICLES, DLQ, EVENT_TOPICS, TOPICS

    rng = random.Random(seed)
    outcome = Outcome(backend, articles=len(articles))
    with tempfile.TemporaryDirectory(prefix=f"newswire-chaos-{backend}-") as tmp, database(backend, Path(tmp)) as fresh:
        work = Path(tmp)
        log_path = work / "log.db"
        tables_url = fresh("tables")
        log = SqliteLog(log_path)
        log.create_topics({t.name: 3 for t in TOPICS})
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
        env |= {"NEWSWIRE_LOG_URL": f"sqlite:///{log_path}", "NEWSWIRE_DB_URL": tables_url,
                "NEWSWIRE_LOG_FORMAT": "json", "NEWSWIRE_EXTRACTOR__METRICS_PORT": "0",
                "NEWSWIRE_PROJECTOR__METRICS_PORT": "0", "NEWSWIRE_EXTRACTOR__BATCH_SIZE": "20",
                "NEWSWIRE_PROJECTOR__BATCH_SIZE": "50"}
        services = {name: Service(name, env, work) for name in SERVICES}
        progress = {"extract": lambda: committed(log, "newswire-extractor", ARTICLES.name),
                    "project": lambda: stored(tables_url)}
        for service in services.values():
            service.start()
        marks = {name: progress[name]() for name in SERVICES}

        # Stream the articles in slices across the campaign; kill a random service after a random pause.
        size = -(-len(articles) // max(1, kills))
        try:
            for n in range(1, max(1, kills) + 1):
                for a in articles[(n - 1) * size:n * size]:
                    log.produce(ARTICLES.name, a.article_id, a.model_dump_json().encode())
                log.flush()
                if n > kills:
                    break
                name = rng.choice(SERVICES)
                victim = services[name]
                if rng.random() < 1 / 3:
                    time.sleep(rng.uniform(0.1, 2.5))
                else:  # once it has done some work since its start (bounded: it may have nothing to do)
                    deadline = time.monotonic() + 30
                    while progress[name]() <= marks[name] and time.monotonic() < deadline:
                        time.sleep(0.05)
                    time.sleep(rng.uniform(0.0, 0.5))
                now = progress[name]()
                outcome.kills.append(Kill(name, time.monotonic() - victim.started, now > marks[name]))
                victim.kill()
                victim.start()
                marks[name] = progress[name]()
                if n % 10 == 0:
                    say(f"  {backend}: {n}/{kills} kills, {min(len(articles), n * size)} articles streamed")
            total_articles = sum(log.end_offsets(ARTICLES.name).values())
            wait_for(lambda: committed(log, "newswire-extractor", ARTICLES.name) >= total_articles, 600,
                     "the extractor to catch up")
            # The extractor's last checkpoint flushed its events before committing: they are all on the log now.
            events_end = sum(n for t in EVENT_TOPICS for n in log.end_offsets(t).values())
            wait_for(lambda: stored(tables_url) >= events_end, 600, "the projector to catch up")
        finally:
            for name, service in services.items():
                if service.proc is not None:
                    # A service that died on its own keeps its exit code, which fails the campaign.
                    outcome.exit_codes[name] = service.stop() if service.proc.poll() is None else service.proc.returncode
        log.close()

        with SqliteLog(log_path) as log:
            outcome.records = sum(n for t in EVENT_TOPICS for n in log.end_offsets(t).values())
            outcome.dead_letters = sum(log.end_offsets(DLQ.name).values())
            on_log = event_ids_on_log(log)
            replay_url = fresh("replay")
            compare_tables(outcome, tables_url, replay_url, log)
        expected = clean_extraction(articles)
        outcome.rows.append(("events (vs a clean extraction)", len(on_log), len(expected),
                             len(expected - on_log), len(on_log - expected), 0))
    return outcome


def event_ids_on_log(log: Any) -> set[str]:
    import json

    from newswire.core.topics import EVENT_TOPICS

    consumer = log.consumer(None, list(EVENT_TOPICS))
    consumer.seek_to_beginning()
    ids: set[str] = set()
    try:
        while batch := consumer.poll(max_records=2000, timeout=0.5):
            ids.update(json.loads(r.value)["event_id"] for r in batch)
    finally:
        consumer.close()
    return ids


def clean_extraction(articles: list[Any]) -> set[str]:
    """The event ids of every article, extracted once in this process (the extractor is deterministic)."""
    from newswire.extractor.extract import default_extractor

    extractor = default_extractor()
    return {e.event_id for a in articles for e in extractor.extract(a)}


def compare_tables(outcome: Outcome, live_url: str, replay_url: str, log: Any) -> None:
    """Replay the log into a fresh database; compare every table with the live one, by primary key."""
    from newswire.projector.service import replay
    from newswire.projector.store import create_engine, ensure_schema
    from newswire.projector.tables import make_tables

    tables = make_tables()
    live, rebuilt = create_engine(live_url), create_engine(replay_url)
    try:
        ensure_schema(rebuilt, tables)
        replay(rebuilt, log)
        for table in tables.derived():
            keys = [c.name for c in table.primary_key.columns]
            a, b = _rows(live, table, keys), _rows(rebuilt, table, keys)
            lost = len(b.keys() - a.keys())
            duplicated = len(a.keys() - b.keys())
            wrong = sum(1 for k in a.keys() & b.keys() if a[k] != b[k])
            outcome.rows.append((table.name, len(a), len(b), lost, duplicated, wrong))
    finally:
        live.dispose()
        rebuilt.dispose()


def _rows(engine: Any, table: Any, keys: list[str]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    import sqlalchemy as sa

    with engine.connect() as conn:
        out: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for row in conn.execute(sa.select(table)).mappings():
            key = tuple(row[k] for k in keys)
            value = tuple(round(v, 9) if isinstance(v, float) else v for v in row.values())
            out[key] = value if key not in out else ("duplicate key",)
        return out


# -- the report -----------------------------------------------------------------------------------


def report(outcomes: list[Outcome], kills: int, seconds: float) -> tuple[str, bool]:
    lines = [f"kill -9 campaign: {kills} kills per backend, {outcomes[0].articles if outcomes else 0} FA-KES "
             f"articles streamed, {seconds:.0f} s", ""]
    header = f"{'backend':<11} {'table':<31} {'live':>7} {'replay':>7} {'lost':>5} {'duplicated':>10} {'counts wrong':>12}"
    lines += [header, "-" * len(header)]
    ok = True
    for o in outcomes:
        for table, live, rebuilt, lost, dup, wrong in o.rows:
            lines.append(f"{o.backend:<11} {table:<31} {live:>7} {rebuilt:>7} {lost:>5} {dup:>10} {wrong:>12}")
            ok = ok and lost == dup == wrong == 0
    lines.append("")
    for o in outcomes:
        by = {s: [k for k in o.kills if k.service == s] for s in SERVICES}
        described = ", ".join(f"{'extractor' if s == 'extract' else 'projector'} {len(ks)} "
                              f"({sum(k.worked for k in ks)} after committing work, "
                              f"{sum(not k.worked for k in ks)} before)" for s, ks in by.items())
        codes = ", ".join(f"{s} {c}" for s, c in o.exit_codes.items())
        lines.append(f"{o.backend}: kills: {described}; {o.records} event records on the log, "
                     f"{o.dead_letters} dead letters; final SIGTERM exit codes: {codes}")
        ok = ok and all(c == 0 for c in o.exit_codes.values())
    lines.append("")
    lines.append("result: " + ("every table equals its replay; no event lost or duplicated" if ok
                               else "FAILED: see the non-zero counts above"))
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50, help="SIGKILLs per backend (default 50)")
    parser.add_argument("--articles", type=int, default=None, help="stream only the first N articles")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--fakes", type=Path, default=FAKES, help=f"the FA-KES articles (default {FAKES})")
    args = parser.parse_args(argv)
    from newswire.core.logging import configure_logging

    configure_logging("warning", "console")  # the replays' own log lines would bury the table
    if not args.fakes.is_file():
        raise SystemExit(f"{args.fakes}: not found (the shared corpus sits beside the repository)")
    articles = stream_articles(args.fakes, args.articles)
    began = time.monotonic()
    outcomes = []
    for backend in args.backends.split(","):
        print(f"{backend}: {args.kills} kills while streaming {len(articles)} articles ...", file=sys.stderr, flush=True)
        outcomes.append(campaign(backend.strip(), args.kills, articles, args.seed,
                                 lambda line: print(line, file=sys.stderr, flush=True)))
    text, ok = report(outcomes, args.kills, time.monotonic() - began)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
