"""Parsing feed bytes with feedparser into plain entries.

feedparser is handed the bytes we fetched and the response headers (it must
never fetch anything itself: no timeout, see DESIGN.md). A feed is judged by
its ``version`` and entries, not by ``bozo``: ``bozo`` is also set for a
wrong declared charset or a stray character in an otherwise fine feed.
Before feedparser sees them, the bytes are made UTF-8 (:func:`decode_text`:
the declared charset, or UTF-8 with invalid bytes shown as U+FFFD, never
mojibake), and a feed that declares XML entities is refused whole: entity
declarations are how "billion laughs", quadratic blow-up and XXE attacks
work, and no news feed needs them (feedparser's lenient fallback would
otherwise publish a junk article from the unexpanded text).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from xml.parsers import expat
from datetime import UTC, datetime
from typing import Any

import feedparser

from newswire.core.errors import FeedParseError
from newswire.poller.clean import clean_text, decode_text

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
    body, response_headers["content-type"] = _as_utf8(body, response_headers.get("content-type", ""))
    declared = _entity_declaration(body)
    if declared is not None:
        raise FeedParseError(f"the feed declares an XML entity ({declared!r}); refused", where=url,
                             hint="entity declarations are how billion-laughs and XXE attacks work; "
                                  "no article of this feed is published")
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
    return FeedEntry(link=link, title=" ".join(clean_text(entry.get("title") or "").split()),
                     summary=clean_text(summary),
                     published=published, authors=authors, guid=guid,
                     language=(entry.get("language") or feed_language))


def _as_utf8(body: bytes, declared: str) -> tuple[bytes, str]:
    """The body as UTF-8 and the content type to tell feedparser (``charset=utf-8``).

    Servers (and XML declarations) that say ISO-8859-1 for UTF-8 bytes are
    common (tests: ``wrong-charset``), and so are UTF-8 feeds with a stray
    invalid byte, which feedparser would read as windows-1252 throughout:
    :func:`decode_text` decides, and the XML declaration is made to agree.
    """
    media = declared.split(";")[0].strip() or "application/xml"
    if body.isascii():
        return body, declared or media
    http_charset = next((v.strip().strip('"') for k, _, v in (p.partition("=") for p in declared.split(";")[1:])
                         if k.strip().lower() == "charset"), None)
    prolog = _XML_ENCODING_RE.search(body[:200])
    text = decode_text(body, http_charset, prolog.group(2).decode("ascii") if prolog else None)
    utf8 = text.encode("utf-8")
    if prolog:
        utf8 = _XML_ENCODING_RE.sub(rb"\1utf-8\3", utf8, count=1)
    return utf8, f"{media}; charset=utf-8"


_XML_ENCODING_RE = re.compile(rb"""(<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9_.:-]+)(["'])""")


class _Declared(Exception):
    pass


class _Prolog(Exception):
    pass


def _entity_declaration(body: bytes) -> str | None:
    """The name of the first entity the document declares (read up to its root element), if any."""
    parser = expat.ParserCreate(encoding="utf-8")

    def on_entity(name: str, *_: object) -> None:
        raise _Declared(name)

    def on_root(*_: object) -> None:
        raise _Prolog

    parser.EntityDeclHandler = on_entity
    parser.StartElementHandler = on_root
    try:
        parser.Parse(body, True)
    except _Declared as found:
        return str(found.args[0])
    except (_Prolog, expat.ExpatError):  # the prolog is over, or not XML at all: feedparser judges the rest
        return None
    return None
