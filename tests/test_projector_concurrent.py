"""Two projectors on one database at once (issue 12, item 2).

Two ``newswire project --once`` processes start together, in one consumer
group, on the same tables. Before the fix one crashed (``UniqueViolation`` on
the catalogue when both created the tables, or on ``applied_events_pkey``)
and the survivor exited 0 with part of the events applied. Now both exit 0
and the tables hold every event, equal to a projection by one process alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newswire.core.config import load_settings
from newswire.core.log import SqliteLog, TopicPartition
from newswire.core.topics import DLQ, EVENT_TOPICS
from newswire.projector import synthetic as s
from newswire.projector.service import make_projector
from newswire.projector.store import create_engine, dump_tables, ensure_schema, stored_offsets
from newswire.projector.tables import make_tables


EVENTS = 5000
ROUNDS = 3


def rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(url)
    try:
        return dump_tables(engine)
    finally:
        engine.dispose()


def project_alone(tmp_path: Path, log_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    settings = load_settings(log_url=f"sqlite:///{log_path}", db_url=f"sqlite:///{tmp_path / 'alone.db'}")
    with SqliteLog(log_path) as log:
        projector = make_projector(settings, log)
        try:
            projector.run(once=True, timeout=300)
        finally:
            projector.close()
    return rows(settings.db_url)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("start", ["empty database", "tables present"])
def test_two_projectors_at_once_both_succeed_and_apply_everything(
        tmp_path: Path, postgres_url: str, start: str) -> None:
    import psycopg

    from tests.fixtures.db import PG_ADMIN_URL

    log_path = tmp_path / "log.db"
    with SqliteLog(log_path) as log:
        log.create_topics({t: 3 for t in EVENT_TOPICS} | {DLQ.name: 1})
        for e in s.stream(EVENTS, places=300, seed=3):
            log.produce(e.TOPIC, e.key(), e.model_dump_json().encode())
        log.flush()
        ends = {TopicPartition(t, p): n for t in EVENT_TOPICS for p, n in log.end_offsets(t).items() if n}
    expected = project_alone(tmp_path, log_path)

    base = postgres_url.rsplit("/", 1)[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    # Small batches: the two processes interleave many transactions while the group settles.
    env |= {"NEWSWIRE_LOG_URL": f"sqlite:///{log_path}", "NEWSWIRE_LOG_FORMAT": "json",
            "NEWSWIRE_PROJECTOR__BATCH_SIZE": "100"}
    for round_ in range(ROUNDS):
        url = postgres_url if round_ == 0 else f"{base}/{postgres_url.rsplit('/', 1)[1]}_{round_}"
        if round_:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"')
        try:
            if start == "tables present":
                engine = create_engine(url)
                ensure_schema(engine, make_tables())
                engine.dispose()
            group = {"NEWSWIRE_PROJECTOR__GROUP_ID": f"race-{round_}", "NEWSWIRE_DB_URL": url}
            procs = [subprocess.Popen([sys.executable, "-m", "newswire", "project", "--once"], env=env | group,
                                      cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(2)]
            outputs = [p.communicate(timeout=240) for p in procs]
            codes = [p.returncode for p in procs]
            assert codes == [0, 0], f"round {round_}: exit codes {codes}: " + " | ".join(
                next((line for line in err.splitlines() if "Error" in line), "") for _, err in outputs)
            engine = create_engine(url)
            with engine.connect() as conn:
                assert stored_offsets(conn, make_tables()) == ends
            engine.dispose()
            assert rows(url) == expected
        finally:
            if round_:
                with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def test_once_waits_for_the_partitions_of_a_member_that_died(tmp_path: Path, db_url: str) -> None:
    """A group member that died without leaving holds partitions until its session expires; ``--once``
    must apply them then, not stop when its own share is done."""
    settings = load_settings(log_url=f"sqlite:///{tmp_path / 'log.db'}", db_url=db_url)
    with SqliteLog(tmp_path / "log.db", session_timeout=2.0) as log:
        log.create_topics({t: 3 for t in EVENT_TOPICS} | {DLQ.name: 1})
        for e in s.stream(600, places=60, seed=5):
            log.produce(e.TOPIC, e.key(), e.model_dump_json().encode())
        log.flush()
        ends = {TopicPartition(t, p): n for t in EVENT_TOPICS for p, n in log.end_offsets(t).items() if n}
        dead = log.consumer(settings.projector.group_id, EVENT_TOPICS)  # joins, then never polls again
        projector = make_projector(settings, log)
        try:
            every = {TopicPartition(t, p) for t in EVENT_TOPICS for p in range(3)}
            assert projector.consumer.assignment() < every  # the dead member holds a share
            stats = projector.run(once=True, timeout=120)
        finally:
            projector.close()
        del dead  # never closed: it left no goodbye, like a process killed with SIGKILL
    assert stats.events_applied == 600
    engine = create_engine(settings.projector_db_url())
    with engine.connect() as conn:
        assert stored_offsets(conn, make_tables()) == ends
    engine.dispose()
