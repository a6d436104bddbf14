"""Crash test: SIGKILL the projector process mid-batch, repeatedly, while events flow; restart; compare with a replay."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from newswire.core.log import SqliteLog
from newswire.core.topics import DLQ, EVENT_TOPICS
from newswire.projector import synthetic as s
from newswire.projector.service import replay
from newswire.projector.store import create_engine, dump_tables, stored_offsets
from newswire.projector.tables import make_tables

pytestmark = pytest.mark.slow

EVENTS = 3000
KILLS = 6


def applied_so_far(db_url: str) -> int:
    """Records the tables have consumed (their stored offsets), 0 before the tables exist."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return sum(stored_offsets(conn, make_tables()).values())
    except Exception:  # noqa: BLE001 - the first process may not have created the tables yet
        return 0
    finally:
        engine.dispose()


def test_killed_projector_ends_with_the_tables_of_a_replay(tmp_path: Path, db_url: str) -> None:
    log_path = tmp_path / "log.db"
    log = SqliteLog(log_path)
    log.create_topics({t: 3 for t in EVENT_TOPICS} | {DLQ.name: 1})
    events = list(s.stream(EVENTS, places=150, seed=11))
    done = threading.Event()
    killed = threading.Event()

    def producer() -> None:
        rng = random.Random(5)
        for i in range(0, len(events), 60):
            if i >= len(events) - 300:
                killed.wait(timeout=300)  # the stream is still flowing when the last kill lands
            chunk = events[i:i + 60]
            chunk += rng.sample(chunk, 5)  # the producer retried some: re-deliveries at new offsets
            for e in chunk:
                log.produce(e.TOPIC, e.key(), e.model_dump_json().encode())
            log.flush()
            time.sleep(0.05)
        done.set()

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(NEWSWIRE_LOG_URL=f"sqlite:///{log_path}", NEWSWIRE_DB_URL=db_url, NEWSWIRE_LOG_FORMAT="json",
               NEWSWIRE_PROJECTOR__BATCH_SIZE="40", NEWSWIRE_PROJECTOR__METRICS_PORT="0")
    command = [sys.executable, "-m", "newswire", "project"]
    thread = threading.Thread(target=producer, daemon=True)
    thread.start()
    rng = random.Random(3)
    kills = 0
    progress = []
    try:
        while kills < KILLS:
            before = applied_so_far(db_url)
            proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            deadline = time.monotonic() + 60
            # Wait for progress (a committed batch), then kill at a random instant of a later batch.
            while applied_so_far(db_url) <= before and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.3))
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert proc.returncode == -signal.SIGKILL
            if proc.stderr:
                proc.stderr.close()
            kills += 1
            progress.append(applied_so_far(db_url))
        killed.set()
        thread.join(timeout=120)
        assert done.is_set()
        total = sum(n for t in EVENT_TOPICS for n in log.end_offsets(t).values())
        # The last restart runs until the tables hold every record. The killed members still own
        # partitions in the consumer group until their session times out, as in Kafka.
        last = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err_lines: list[str] = []
        reader = threading.Thread(target=lambda: err_lines.extend(line.decode() for line in last.stderr or ()),
                                  daemon=True)
        reader.start()
        deadline = time.monotonic() + 120
        # The killed runs may have applied everything already: wait until this one is in its run
        # loop too, so that SIGTERM reaches its handler rather than an interpreter still importing.
        while (applied_so_far(db_url) < total or not any('"projector.start"' in line for line in err_lines)) \
                and time.monotonic() < deadline and last.poll() is None:
            time.sleep(0.1)
        last.send_signal(signal.SIGTERM)  # a graceful stop: finish the batch, exit 0
        last.wait(timeout=60)
        reader.join(timeout=10)
        assert last.returncode == 0, "".join(err_lines)
    finally:
        killed.set()
        done.wait(timeout=120)
        log.close()

    # Events were still flowing when each kill landed (the tables were behind the log).
    assert progress == sorted(progress) and progress[-1] < total
    assert applied_so_far(db_url) == total

    engine = create_engine(db_url)
    try:
        survived = dump_tables(engine)
        assert sum(1 for _ in survived["applied_events"]) == len({e.event_id for e in events})
        with SqliteLog(log_path) as fresh_log:
            replay(engine, fresh_log)
        assert dump_tables(engine) == survived
    finally:
        engine.dispose()
