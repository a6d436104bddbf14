"""What a run counts, one shape for every service: the poller, ``ingest``, the extractor and the projector.

A stats object is a dataclass of counters, kept by the service in its loop;
nothing calls a metrics API in the hot path. The same object is then read in
three ways, each written once:

- the metrics exporter turns it into Prometheus families at scrape time
  (:func:`newswire.core.metrics.stats_values` reads :meth:`Stats.as_dict`);
- the service logs it when its run ends (:meth:`Stats.log`, every field);
- the command prints :meth:`Stats.summary`, one line for a person.

Every stats object counts failures by kind in ``errors`` (the error class, or
the poller's fetch failure kind); the consumer services add
:class:`ServiceStats`' records in, batches and dead letters.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ServiceStats", "Stats"]


@dataclass
class Stats:
    """The base of every service's counters: failures by kind, and the one way to read them."""

    errors: Counter[str] = field(default_factory=Counter)  # failures by kind

    def error(self, kind: str) -> None:
        self.errors[kind] += 1

    def as_dict(self) -> dict[str, Any]:
        """Every field, mappings copied (the metrics exporter reads them from another thread)."""
        return {f.name: dict(value) if isinstance(value := getattr(self, f.name), Mapping) else value
                for f in dataclasses.fields(self)}

    def log(self, logger: Any, event: str) -> None:
        """Log every field under ``event`` (``projector.stop``, ``extractor.stop`` ...)."""
        logger.info(event, **self.as_dict())

    def summary(self) -> str:
        """One line for a person, printed by the command when the run ends."""
        raise NotImplementedError


@dataclass
class ServiceStats(Stats):
    """What every consumer service counts (the extractor and the projector add their own)."""

    records_in: int = 0
    batches: int = 0
    dead_letters: int = 0
