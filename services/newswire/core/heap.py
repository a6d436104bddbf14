"""Garbage-collector settings for the long-running services."""

from __future__ import annotations

import gc

__all__ = ["YOUNG_THRESHOLD", "settle"]

# Net allocations of container objects between two young collections; CPython's default is 700.
YOUNG_THRESHOLD = 100_000


def settle() -> None:
    """Freeze what start-up built and make young collections rarer; call once, before the run loop.

    A service keeps many long-lived objects: modules, the extractor's gazetteer
    and language model, the projector's cache of recent folds. With CPython's
    default thresholds the cyclic collector walks them over and over, and in
    the projector most of what a batch allocates survives into that cache, so
    every young collection is expensive too. Frozen objects are never scanned
    again, and a larger young generation lets a batch's short-lived objects
    die before a collection sees them. Reference counting still frees at once
    everything that is not in a reference cycle: only cyclic garbage waits
    longer. The effect is measured by ``benchmarks/projection.py`` with and
    without ``--no-settle`` (docs/projector.md).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 10, 10)
