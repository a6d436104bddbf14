"""One run-loop shape for every consumer service (after quixstreams' ``Application.run``).

::

    while running:
        records = consumer.poll()      # keeps group membership alive
        handler.process(records)       # pure work + produce outputs / write rows
        handler.checkpoint(records)    # 1. flush what was produced  2. commit offsets

SIGTERM / Ctrl-C call :meth:`ConsumerRunner.stop`: the batch in hand finishes,
its checkpoint is taken, and ``run`` returns. ``once=True`` stops when the
consumer has caught up with the log: a poll comes back empty *and* every
position has reached its partition's end offset (a broker may report an end
offset early, see DESIGN.md on Tansu, so the empty poll is required too).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from newswire.core.log.types import Consumer, LogRecord

__all__ = ["BatchHandler", "ConsumerRunner", "RunStats"]


class BatchHandler(Protocol):
    def process(self, records: list[LogRecord]) -> None:
        """Handle one batch; records that fail individually go to the dead-letter topic."""
        ...

    def checkpoint(self, records: list[LogRecord]) -> None:
        """Make the batch's effects durable, then commit its offsets."""
        ...


@dataclass
class RunStats:
    records: int = 0
    batches: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


class ConsumerRunner:
    def __init__(self, consumer: Consumer, handler: BatchHandler, *, batch_size: int = 500,
                 poll_timeout: float = 0.5, done: Callable[[], bool] | None = None) -> None:
        self.consumer = consumer
        self.handler = handler
        self.done = done
        self.batch_size = batch_size
        self.poll_timeout = poll_timeout
        # Set by stop(), cleared when run() returns: a stop asked before run() starts still counts.
        self._stop = False
        self.stats = RunStats()
        # Called after each checkpointed batch with its records and seconds taken (metrics hook).
        self.on_batch: Callable[[list[LogRecord], float], None] | None = None
        # Monotonic time the loop last came round (None while not running): a liveness probe's heartbeat.
        self.last_turn: float | None = None

    def stop(self) -> None:
        """Ask the loop to finish its current batch and return (safe from a signal handler)."""
        self._stop = True

    def caught_up(self) -> bool:
        assignment = self.consumer.assignment()
        ends = self.consumer.end_offsets(assignment)
        return all(self.consumer.position(tp) >= end for tp, end in ends.items())

    def run(self, *, once: bool = False, timeout: float | None = None, count: int | None = None) -> RunStats:
        """Poll and process until stopped, caught up (``once``), ``timeout`` seconds or ``count`` records."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while not self._stop:
                self.last_turn = time.monotonic()
                limit = self.batch_size if count is None else min(self.batch_size, count - self.stats.records)
                records = self.consumer.poll(max_records=limit, timeout=self.poll_timeout)
                if records:
                    began = time.monotonic()
                    self.handler.process(records)
                    self.handler.checkpoint(records)
                    self.stats.records += len(records)
                    self.stats.batches += 1
                    if self.on_batch is not None:
                        self.on_batch(records, time.monotonic() - began)
                elif once and self.caught_up() and (self.done is None or self.done()):
                    break
                if count is not None and self.stats.records >= count:
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    break
            return self.stats
        finally:
            self._stop = False
            self.last_turn = None
