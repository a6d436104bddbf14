"""The errors a user can do something about.

::

    NewswireError
    ├── ConfigError          a setting is missing or wrong (names the key)
    ├── Unavailable          a backend cannot be reached (names the address); exit code 3
    │   ├── LogUnavailable       the broker / log file (also a LogError)
    │   └── DatabaseUnavailable  the database server
    ├── LogError             the event log cannot be reached or used
    ├── DataMissing          a read-only command found no log or database where the settings point
    ├── FeedError            one feed failed; the poller records it and goes on
    │   ├── FetchError       HTTP, timeout, size, content type, address refused
    │   └── FeedParseError   the body is not a usable RSS/Atom feed
    ├── RecordError          a record on a topic is not what its schema says
    ├── ExtractionError      the extractor failed on one article
    └── ProjectionError      an event could not be folded into the tables

Bugs (``TypeError``, ``KeyError`` ...) are not wrapped: they crash loudly.
The message is built in one place, from attributes, so every error reads the
same way: ``<where>: <what>[; <hint>]``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "NewswireError",
    "ConfigError",
    "Unavailable",
    "LogError",
    "LogUnavailable",
    "DatabaseUnavailable",
    "DataMissing",
    "FeedError",
    "FetchError",
    "FeedParseError",
    "RecordError",
    "ExtractionError",
    "ProjectionError",
    "first_problem",
]


class NewswireError(Exception):
    """Root of every error newswire reports to a user as one line."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text}; {self.hint}" if self.hint else text


class ConfigError(NewswireError, ValueError):
    """A setting is missing or invalid."""


class Unavailable(NewswireError, ConnectionError):
    """A backend (the log, the database) cannot be reached: waiting or restarting may fix it."""


class LogError(NewswireError):
    """The event log failed."""


class LogUnavailable(LogError, Unavailable):
    """The event log (broker or file) cannot be reached."""


class DatabaseUnavailable(Unavailable):
    """The database server cannot be reached."""


class DataMissing(NewswireError, FileNotFoundError):
    """A read-only command (``state``, ``status``, ``tail`` ...) found nothing to read; it creates nothing."""


class FeedError(NewswireError):
    """A feed could not be polled."""


class FetchError(FeedError):
    """Fetching a URL failed: HTTP status, timeout, size, content type or refused address."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None,
                 status: int | None = None, retry_after: float | None = None) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(message, where=where, hint=hint)


class FeedParseError(FeedError, ValueError):
    """The body is not a usable RSS/Atom feed."""


class RecordError(NewswireError, ValueError):
    """A record on a topic does not match its schema."""

    @classmethod
    def invalid(cls, what: str, exc: Any, where: str) -> RecordError:
        """From a pydantic ``ValidationError``: ``not an event: data.place.id: <its first problem>``."""
        return cls(f"not {what}: {first_problem(exc)}", where=where)


class ExtractionError(NewswireError):
    """The extractor failed on one article."""


class ProjectionError(NewswireError):
    """An event could not be applied to the tables."""


def first_problem(exc: Any, whole: str = "record") -> str:
    """The first problem of a pydantic ``ValidationError`` as ``<field path>: <message>``, e.g.
    ``data.place.id: String should have at most 200 characters``; ``whole`` names a problem of the whole value.

    Every validation error a user reads is written by this (records, ingested lines, feed entries).
    """
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc']) or whole}: {err['msg']}"
