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

Records are ``body_source="file"`` with ``doc_id`` set. A bad line is one
clear error naming the file and line; the others are still ingested.
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

from newswire.core.models import Article
from newswire.poller.clean import clean_html
from newswire.poller.identity import article_id_for, canonical_url, content_hash

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


@dataclass
class IngestStats:
    files: int = 0
    read: int = 0
    published: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


def articles_from_file(path: Path, now: datetime, errors: list[str]) -> Iterator[Article]:
    """The articles in one file; problems are appended to ``errors`` as one line each."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        article = _from_html(path, now, errors)
        if article is not None:
            yield article
        return
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        errors.append(f"{path}: cannot read: {exc.strerror}")
        return
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = ArticleLine.model_validate_json(line)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "line"
                errors.append(f"{path}:{number}: {where}: {first['msg']}")
                continue
            except UnicodeDecodeError:
                errors.append(f"{path}:{number}: not UTF-8")
                continue
            url = canonical_url(row.url) if row.url.strip() else ""
            yield Article(
                article_id=article_id_for(url, row.doc_id), url=url, outlet=row.outlet, title=row.title,
                published=row.published, fetched_at=now, text=row.text, content_hash=content_hash(row.text),
                body_source="file", doc_id=row.doc_id,
            )


def _from_html(path: Path, now: datetime, errors: list[str]) -> Article | None:
    try:
        body = path.read_bytes()
    except OSError as exc:
        errors.append(f"{path}: cannot read: {exc.strerror}")
        return None
    cleaned = clean_html(body)
    if not cleaned.text:
        errors.append(f"{path}: no article body found in the page")
        return None
    url = canonical_url(cleaned.url) if cleaned.url and cleaned.url.startswith(("http://", "https://")) else ""
    doc_id = path.stem
    return Article(
        article_id=article_id_for(url, doc_id), url=url, outlet=_outlet_of(url) or "file", title=cleaned.title,
        authors=cleaned.authors, published=cleaned.published, fetched_at=now, language=cleaned.language,
        text=cleaned.text, content_hash=content_hash(cleaned.text), body_source="file", doc_id=doc_id,
    )


def _outlet_of(url: str) -> str | None:
    """A short outlet name from a URL's host: ``www.aljazeera.com`` -> ``aljazeera``."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return host.split(".")[0] if host else None


def ingest_files(paths: list[Path], publish: Callable[[Article], bool], now: datetime,
                 progress: Callable[[Path, int], None] | None = None) -> IngestStats:
    """Publish every article of ``paths`` through ``publish`` (the poller's, so duplicates are shared)."""
    stats = IngestStats()
    for path in paths:
        stats.files += 1
        for article in articles_from_file(path, now, stats.errors):
            stats.read += 1
            if publish(article):
                stats.published += 1
            else:
                stats.duplicates += 1
            if progress is not None:
                progress(path, 1)
    return stats
