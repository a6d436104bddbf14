"""The poller service: RSS/Atom feeds in, cleaned articles out on ``newswire.articles.v1``.

Modules: :mod:`~newswire.poller.fetch` (polite, safe HTTP),
:mod:`~newswire.poller.parse` (feedparser), :mod:`~newswire.poller.clean`
(trafilatura), :mod:`~newswire.poller.identity` (canonical URLs, hashes,
story groups), :mod:`~newswire.poller.state` (feed health, seen articles),
:mod:`~newswire.poller.poller` (the service), :mod:`~newswire.poller.ingest`
(backfill from files), :mod:`~newswire.poller.feeds` (which feeds).
"""

from newswire.poller.poller import Poller, PollerStats, PollResult, PollStatus, make_poller

__all__ = ["PollResult", "PollStatus", "Poller", "PollerStats", "make_poller"]
