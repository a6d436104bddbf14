"""Backfill: articles from files onto ``newswire.articles.v1`` (``newswire ingest FILE...``).

Two inputs, told apart by the file name:

- ``*.jsonl`` / ``*.json``: JSON Lines in the articles format of
  ``../shared/eval/GOLD.md`` (``doc_id``, ``outlet``, ``published``,
  ``title``, ``text``, ``url``). The article id is that of the canonical URL,
  or ``stable_id("doc", doc_id)`` when ``url`` is empty, so re-ingesting a
  file publishes nothing twice and an ingested article and the same one
  polled later share an id.
- ``*.html`` / ``*.htm``: a saved page, cleaned like a polled one; the URL is
  the page's canonical link if it has one, the doc id the file name.

Records are ``body_source="file"`` with ``doc_id`` set. A bad line (not
UTF-8, not JSON, a missing field, a URL that is not http(s)) is one clear
error naming the file and line; the lines before and after it are still
ingested. The poller's limits apply: control characters are removed and the
text is cut to ``poller.max_text_chars`` (the record says ``truncated``).
Duplicates (same id or same text) go through the poller's state, like polled
articles, so ``ingest`` and ``poll`` never publish one article twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from newswire.core.errors import first_problem
from newswire.core.models import Article
from newswire.core.stats import Stats
from newswire.poller.clean import clean_html, clean_text
from newswire.poller.identity import article_id_for, canonical_url, content_hash, url_problem
from newswire.poller.limits import cut_text

__all__ = ["ArticleLine", "IngestStats", "articles_from_file", "ingest_files"]


class ArticleLine(BaseModel):
    """One line of an articles JSONL file (GOLD.md's format)."""

    model_config = ConfigDict(extra="ignore")

    doc_id: str
    outlet: str
    published: datetime | None = None
    title: str = ""
    text: str
    url: str = ""

    @field_validator("published", mode="before")
    @classmethod
    def _date_or_datetime(cls, value: Any) -> Any:
        if isinstance(value, str) and len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        return value or None

    @field_validator("doc_id", "outlet", "text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        problem = url_problem(value) if value.strip() else None
        if problem is not None:
            raise ValueError(problem)
        return value


@dataclass
class IngestStats(Stats):
    """What ``newswire ingest`` read and published; ``errors`` counts skipped lines and files by kind
    (``unreadable``, ``encoding``, ``invalid``, ``no_body``), ``skipped`` says what each was, one line each."""

    files: int = 0
    read: int = 0
    published: int = 0
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)

    def skip(self, kind: str, problem: str) -> None:
        self.error(kind)
        self.skipped.append(problem)

    def summary(self) -> str:
        return (f"ingested {self.files} file(s): {self.read} article(s) read, {self.published} published, "
                f"{self.duplicates} already seen, {len(self.skipped)} skipped")


Skip = Callable[[str, str], None]
"""``skip(kind, problem)``: a line or file that gives no article, and why (one line)."""


def articles_from_file(path: Path, now: datetime, skip: Skip, *, max_text_chars: int) -> Iterator[Article]:
    """The articles in one file; what cannot be read is reported to ``skip``, one line each."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        article = _from_html(path, now, skip, max_text_chars)
        if article is not None:
            yield article
        return
    try:
        handle = path.open("rb")  # lines are decoded one by one: a bad byte spoils its line only
    except OSError as exc:
        skip("unreadable", f"{path}: cannot read: {exc.strerror}")
        return
    with handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                skip("encoding", f"{path}:{number}: not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})")
                continue
            try:
                article = _from_line(ArticleLine.model_validate_json(line), now, max_text_chars)
            except ValidationError as exc:
                skip("invalid", f"{path}:{number}: {first_problem(exc, 'line')}")
                continue
            yield article


def _from_line(row: ArticleLine, now: datetime, max_text_chars: int) -> Article:
    url = canonical_url(row.url) if row.url.strip() else ""
    full = clean_text(row.text)
    text = cut_text(full, max_text_chars)
    return Article(
        article_id=article_id_for(url, row.doc_id), url=url, outlet=row.outlet, title=clean_text(row.title),
        published=row.published, fetched_at=now, text=text, truncated=text != full,
        content_hash=content_hash(full), body_source="file", doc_id=row.doc_id,
    )


def _from_html(path: Path, now: datetime, skip: Skip, max_text_chars: int) -> Article | None:
    try:
        body = path.read_bytes()
    except OSError as exc:
        skip("unreadable", f"{path}: cannot read: {exc.strerror}")
        return None
    cleaned = clean_html(body)
    if not cleaned.text:
        skip("no_body", f"{path}: no article body found in the page")
        return None
    url = canonical_url(cleaned.url) if cleaned.url and url_problem(cleaned.url) is None else ""
    doc_id = path.stem
    text = cut_text(cleaned.text, max_text_chars)
    try:
        return Article(
            article_id=article_id_for(url, doc_id), url=url, outlet=_outlet_of(url) or "file", title=cleaned.title,
            authors=cleaned.authors, published=cleaned.published, fetched_at=now, language=cleaned.language,
            text=text, truncated=text != cleaned.text, content_hash=content_hash(cleaned.text), body_source="file",
            doc_id=doc_id,
        )
    except ValidationError as exc:
        skip("invalid", f"{path}: {first_problem(exc, 'article')}")
        return None


def _outlet_of(url: str) -> str | None:
    """A short outlet name from a URL's host: ``www.aljazeera.com`` -> ``aljazeera``."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return host.split(".")[0] if host else None


def ingest_files(paths: list[Path], publish: Callable[[Article], bool], now: datetime,
                 progress: Callable[[Path, int], None] | None = None, *, max_text_chars: int) -> IngestStats:
    """Publish every article of ``paths`` through ``publish`` (the poller's, so duplicates are shared)."""
    stats = IngestStats()
    for path in paths:
        stats.files += 1
        for article in articles_from_file(path, now, stats.skip, max_text_chars=max_text_chars):
            stats.read += 1
            if publish(article):
                stats.published += 1
            else:
                stats.duplicates += 1
            if progress is not None:
                progress(path, 1)
    return stats
