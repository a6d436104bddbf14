"""Cleaning an article page: HTML in, body text with paragraphs and metadata out (trafilatura).

One function, :func:`clean_html`, with one set of settings, used by the poller,
``newswire ingest`` and ``benchmarks/cleaning.py`` alike, so the benchmark
measures exactly what the service publishes.

Settings and why:

- ``output_format="json"`` with ``with_metadata=True``: the body text keeps
  its paragraphs as newlines, and title, author and date come back with it.
- ``include_comments=False``: reader comments are not the outlet's report.
- ``include_tables=True``: trafilatura's published benchmark F1 (0.958 on the
  Scrapinghub article-extraction benchmark) uses its defaults, which keep tables.
- our own config: ``INSECURE_SSL_FALLBACK`` off and ``EXTRACTION_TIMEOUT`` 0
  (trafilatura never fetches here; the timeout uses ``signal`` and only works
  in the main thread), ``MAX_TREE_SIZE`` bounded so a hostile page cannot
  make the parse explode.

Date: trafilatura's metadata (which runs htmldate); when it has none, htmldate
directly with ``original_date=True``. Language: the page's ``<html lang>``
or ``content-language`` meta (no language model is bundled).
"""

from __future__ import annotations

import codecs
import json
import re
from configparser import ConfigParser
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import trafilatura
from htmldate import find_date
from lxml import html as lxml_html
from trafilatura.settings import use_config

__all__ = ["CLEAN_CONFIG", "Cleaned", "clean_html", "clean_text", "decode_html", "decode_text", "normalise_text"]


def _config() -> ConfigParser:
    config = use_config()
    config.set("DEFAULT", "INSECURE_SSL_FALLBACK", "off")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    config.set("DEFAULT", "MAX_TREE_SIZE", "200000")
    return config


CLEAN_CONFIG: ConfigParser = _config()

_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_CONTROLS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Cleaned:
    """What cleaning a page yields; ``text`` is empty when the page has no article body."""

    text: str
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    language: str | None = None
    url: str | None = None


def decode_html(body: bytes, declared: str | None = None) -> str:
    """Bytes to text: UTF-8 if it decodes, else the declared charset, else the ``<meta>`` one, else detected.

    UTF-8 first because a strict UTF-8 decode of non-UTF-8 text almost always
    fails, while servers often declare a wrong charset (tests: ``wrong-charset``).
    """
    meta = _META_CHARSET_RE.search(body[:4096])
    return decode_text(body, declared, meta.group(1).decode("ascii") if meta else None)


def decode_text(body: bytes, *declared: str | None) -> str:
    """Bytes to text, never mojibake from a few bad bytes (see the steps).

    1. a byte-order mark names the encoding;
    2. UTF-8, if the bytes decode as UTF-8;
    3. the first declared charset (HTTP header, ``<meta>``, XML declaration) that decodes them;
    4. detected: UTF-8 with each invalid byte shown as U+FFFD when the bytes hold
       valid multi-byte UTF-8 sequences and not many more invalid ones (a UTF-8
       page with a stray byte), else cp1252 (whose text almost never holds one).
    """
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for name in declared:
        if name and codecs.lookup(_codec(name)).name != "utf-8":
            try:
                return body.decode(_codec(name))
            except (LookupError, UnicodeDecodeError):
                continue
    as_utf8 = body.decode("utf-8", errors="replace")
    invalid = as_utf8.count("\ufffd")
    valid = sum(1 for c in as_utf8 if c > "\x7f") - invalid
    if valid > 0 and invalid <= 4 * valid:
        return as_utf8
    return body.decode("cp1252", errors="replace")


def _codec(name: str) -> str:
    try:
        codecs.lookup(name)
    except LookupError:
        return "utf-8"  # an unknown charset name is treated as undeclared
    return name


def clean_text(text: str) -> str:
    """Control characters (other than tabs and line breaks) removed: PostgreSQL refuses NUL, readers all of them."""
    return _CONTROLS_RE.sub("", text)


def normalise_text(text: str) -> str:
    """The form the content hash is computed on: whitespace collapsed, case folded."""
    return " ".join(text.split()).casefold()


def clean_html(html: str | bytes, url: str | None = None, *, declared_charset: str | None = None) -> Cleaned:
    """Extract the article body and metadata from one page. Never raises on bad HTML: returns empty text."""
    text_html = decode_html(html, declared_charset) if isinstance(html, bytes) else html
    if not text_html.strip():
        return Cleaned(text="")
    # fast=True skips the readability/jusText fallback comparison: ~25 % more pages per CPU-second with the
    # same body F1 on the html-bench pages (docs/benchmarks.md, `python -m benchmarks.report profile-cleaning`).
    raw = trafilatura.extract(
        text_html, url=url, output_format="json", with_metadata=True,
        include_comments=False, include_tables=True, include_images=False, include_links=False,
        deduplicate=False, config=CLEAN_CONFIG, fast=True,
    )
    if not raw:
        return Cleaned(text="", language=_language(text_html))
    doc = json.loads(raw)
    text = _paragraphs(clean_text(doc.get("text") or doc.get("raw_text") or ""))
    title = clean_text(doc.get("title") or "").strip()
    if title and text.startswith(title + "\n"):  # trafilatura keeps the <h1> headline as the first line
        text = text[len(title) + 1:]
    published = _as_datetime(doc.get("date")) or _htmldate(text_html, url)
    authors = [a.strip() for a in re.split(r";|\band\b", doc.get("author") or "") if a.strip()]
    return Cleaned(text=text, title=title, authors=authors, published=published,
                   language=_language(text_html), url=doc.get("source") or None)


def _paragraphs(text: str) -> str:
    """One paragraph per line, no blank lines, no trailing spaces."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _as_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())
        except ValueError:
            return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _htmldate(text_html: str, url: str | None) -> datetime | None:
    try:
        found = find_date(text_html, url=url, original_date=True, extensive_search=False)
    except (ValueError, TypeError):  # htmldate raises on pathological input
        return None
    return _as_datetime(found) if found else None


def _language(text_html: str) -> str | None:
    """The page's declared language (``<html lang>`` or a content-language meta), as a short code."""
    try:
        tree = lxml_html.fromstring(text_html[:200_000].encode("utf-8", "replace"))
    except (ValueError, lxml_html.etree.ParserError):
        return None
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    candidates += tree.xpath("//meta[translate(@http-equiv,'CONTENT-LANGUAGE','content-language')"
                             "='content-language']/@content")
    candidates += tree.xpath("//meta[@property='og:locale']/@content")
    for value in candidates:
        value = (value or "").strip()
        if value and _LANG_RE.match(value):
            return value.replace("_", "-").split("-")[0].lower()
    return None
