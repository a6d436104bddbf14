"""The run loop every consumer service shares, and the collector settings services start with."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from newswire.core import heap
from newswire.core.log import SqliteLog
from newswire.core.log.types import LogRecord
from newswire.core.runner import ConsumerRunner


class Collect:
    def __init__(self) -> None:
        self.seen: list[int] = []

    def process(self, records: list[LogRecord]) -> None:
        self.seen += [r.offset for r in records]

    def checkpoint(self, records: list[LogRecord]) -> None:
        pass


def test_a_stop_asked_before_run_starts_ends_that_run_and_only_that_one(sqlite_log: SqliteLog) -> None:
    """SIGTERM can land while a service is still starting: the run that follows must return at once."""
    sqlite_log.create_topics({"t": 1})
    for i in range(3):
        sqlite_log.produce("t", f"k{i}", b"{}")
    sqlite_log.flush()
    handler = Collect()
    runner = ConsumerRunner(sqlite_log.consumer(None, ["t"]), handler, batch_size=10, poll_timeout=0.05)

    runner.stop()
    assert runner.run().records == 0 and handler.seen == []

    runner.run(once=True)  # the stop was used up by the run it ended
    assert handler.seen == [0, 1, 2]


@pytest.fixture
def restore_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restore_gc")
def test_settle_freezes_what_start_up_built_and_makes_young_collections_rarer() -> None:
    built = [object() for _ in range(10)]  # stands for the modules and caches a service loads
    heap.settle()
    assert gc.get_freeze_count() >= len(built)
    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD > 700
