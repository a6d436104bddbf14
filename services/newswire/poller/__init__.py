"""The poller service: RSS/Atom feeds in, cleaned articles out on ``newswire.articles.v1``.

Modules: :mod:`~newswire.poller.fetch` (polite, safe HTTP),
:mod:`~newswire.poller.parse` (feedparser), :mod:`~newswire.poller.clean`
(trafilatura), :mod:`~newswire.poller.identity` (canonical URLs, hashes,
story groups), :mod:`~newswire.poller.state` (feed health, seen articles),
:mod:`~newswire.poller.poller` (the service), :mod:`~newswire.poller.ingest`
(backfill from files), :mod:`~newswire.poller.feeds` (which feeds).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newswire.poller.poller import Poller, PollerStats, PollResult, PollStatus, make_poller

_HOME = {"poller": ("PollResult", "PollStatus", "Poller", "PollerStats", "make_poller")}

# The lazy exports' one list is _HOME (the TYPE_CHECKING import above repeats it for type checkers only).
__all__ = sorted(name for names in _HOME.values() for name in names)


def __getattr__(name: str) -> Any:
    # Imported on first use: the service pulls in trafilatura and datasketch (scipy), about half
    # a second of start-up that `newswire --help` or `newswire state` should not pay.
    for module, names in _HOME.items():
        if name in names:
            return getattr(importlib.import_module(f"newswire.poller.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
