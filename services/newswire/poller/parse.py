"""Parsing feed bytes with feedparser into plain entries.

feedparser is handed the bytes we fetched and the response headers (it must
never fetch anything itself: no timeout, see DESIGN.md). A feed is judged by
its ``version`` and entries, not by ``bozo``: ``bozo`` is also set for a
wrong declared charset or a stray character in an otherwise fine feed.
Entity expansion is harmless: feedparser's SAX parser does not resolve
external entities, and expat (>= 2.4) stops "billion laughs" amplification;
whatever survives is an error on that feed (tests: ``billion-laughs.xml``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from newswire.core.errors import FeedParseError

__all__ = ["FeedEntry", "ParsedFeed", "parse_feed"]


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed, as much as the poller needs of it."""

    link: str | None
    title: str
    summary: str  # the entry's own text: content:encoded if present, else the description
    published: datetime | None
    authors: tuple[str, ...]
    guid: str | None
    language: str | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    version: str
    title: str
    language: str | None
    entries: tuple[FeedEntry, ...]


def parse_feed(body: bytes, url: str, headers: dict[str, str] | None = None) -> ParsedFeed:
    """Parse RSS/Atom bytes; raises :class:`FeedParseError` when they are not a usable feed."""
    response_headers = dict(headers or {})
    response_headers.setdefault("content-location", url)
    response_headers["content-type"] = _content_type(body, response_headers.get("content-type", ""))
    try:
        parsed = feedparser.parse(body, response_headers=response_headers, resolve_relative_uris=True,
                                  sanitize_html=True)
    except Exception as exc:  # noqa: BLE001 — feedparser's parsers raise many types on hostile input
        raise FeedParseError(f"cannot parse: {type(exc).__name__}: {exc}", where=url) from None
    # Usable: some entries, or a well-formed feed that happens to be empty right now.
    if not parsed.entries and (not parsed.get("version") or parsed.get("bozo")):
        reason = parsed.get("bozo_exception")
        detail = f" ({' '.join(str(reason).split())[:200]})" if reason else ""
        raise FeedParseError(f"not an RSS/Atom feed{detail}", where=url,
                             hint="check the URL serves a feed, not a page")
    channel = parsed.get("feed", {})
    language = channel.get("language") or None
    entries = tuple(_entry(e, language) for e in parsed.entries)
    return ParsedFeed(version=parsed.get("version") or "unknown", title=channel.get("title", ""),
                      language=language, entries=entries)


def _entry(entry: Any, feed_language: str | None) -> FeedEntry:
    content = entry.get("content") or []
    summary = next((c.get("value", "") for c in content if c.get("value")), "") or entry.get("summary", "")
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
    authors = tuple(a.get("name", "") for a in entry.get("authors", []) if a.get("name"))
    link = entry.get("link") or None
    guid = entry.get("id") or None
    if link is None and guid and entry.get("guidislink", False) is not False and guid.startswith("http"):
        link = guid
    return FeedEntry(link=link, title=" ".join((entry.get("title") or "").split()), summary=summary,
                     published=published, authors=authors, guid=guid,
                     language=(entry.get("language") or feed_language))


def _content_type(body: bytes, declared: str) -> str:
    """The content type to tell feedparser: ``charset=utf-8`` when the bytes are valid, non-ASCII UTF-8.

    A strict UTF-8 decode of non-ASCII text in another encoding almost always
    fails, so success is strong evidence; servers (and XML declarations) that
    say ISO-8859-1 for UTF-8 bytes are common (tests: ``wrong-charset``).
    The other way round (UTF-8 declared, cp1252 sent) feedparser detects itself.
    """
    media = declared.split(";")[0].strip() or "application/xml"
    if body.isascii():
        return declared or media
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return declared or media
    return f"{media}; charset=utf-8"
