"""A full disk under the projector's tables: the batch is refused whole, nothing applied is lost.

The tables live on a real 1 MiB file system (tmpfs, mounted for the test:
root only, as CI runs). ``newswire project --once`` fills it, fails with one
line and exit 1, and leaves the tables at the last committed batch, rows and
offsets together. Once there is room again, the next run catches up and the
tables equal a replay of the whole log.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from newswire.core.log import SqliteLog, TopicPartition
from newswire.core.topics import DLQ, EVENT_TOPICS
from newswire.projector import synthetic as s
from newswire.projector.service import replay
from newswire.projector.store import create_engine, dump_tables, stored_offsets
from newswire.projector.tables import make_tables

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def project_once(tmp_path: Path, tables_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env |= {"NEWSWIRE_LOG_URL": f"sqlite:///{tmp_path / 'log.db'}", "NEWSWIRE_DB_URL": tables_url,
            "NEWSWIRE_PROJECTOR__BATCH_SIZE": "100", "NEWSWIRE_LOG_FORMAT": "json"}
    return subprocess.run([sys.executable, "-m", "newswire", "project", "--once"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)


def test_a_full_disk_fails_the_batch_and_the_next_run_catches_up(tmp_path: Path, small_disk: Path) -> None:
    with SqliteLog(tmp_path / "log.db") as log:
        log.create_topics({t: 3 for t in EVENT_TOPICS} | {DLQ.name: 1})
        for e in s.stream(6000, places=3000, seed=9):
            log.produce(e.TOPIC, e.key(), e.model_dump_json().encode())
        log.flush()
        ends = {TopicPartition(t, p): n for t in EVENT_TOPICS for p, n in log.end_offsets(t).items() if n}
    tables_url = f"sqlite:///{small_disk / 'tables.db'}"

    full = project_once(tmp_path, tables_url)
    assert full.returncode == 1, full.stderr[-2000:]
    errors = [ln for ln in full.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "database or disk is full" in errors[0], full.stderr[-2000:]
    assert "Traceback" not in full.stderr

    engine = create_engine(tables_url)
    tables = make_tables()
    with engine.connect() as conn:
        applied = stored_offsets(conn, tables)
        events = conn.execute(sa.select(tables.applied_events.c.topic, tables.applied_events.c.partition,
                                        tables.applied_events.c.offset)).all()
    engine.dispose()
    assert 0 < sum(applied.values()) < sum(ends.values())  # part applied, then the disk filled
    # What was committed is whole: every applied event sits below the stored offset of its partition.
    assert events and all(offset < applied[TopicPartition(topic, partition)] for topic, partition, offset in events)

    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    again = project_once(tmp_path, tables_url)
    assert again.returncode == 0, again.stderr[-2000:]
    engine = create_engine(tables_url)
    try:
        with engine.connect() as conn:
            assert stored_offsets(conn, make_tables()) == ends
        survived = dump_tables(engine)
        with SqliteLog(tmp_path / "log.db") as log:
            replay(engine, log)
        assert dump_tables(engine) == survived
    finally:
        engine.dispose()
