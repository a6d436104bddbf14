"""Reading articles from files: the GOLD.md articles format (evaluation, backfills).

One JSON object per line with ``doc_id``, ``outlet``, ``published``
(``YYYY-MM-DD`` or an ISO time), ``title``, ``text``, ``url``. A full
:class:`Article` (as on ``newswire.articles.v1``) is accepted too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from newswire.core.errors import RecordError
from newswire.core.models import Article, stable_id

__all__ = ["article_from_record", "read_articles"]


def _when(value: Any, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        raise RecordError(f"'published' is not a date: {value!r}", where=where,
                          hint="use YYYY-MM-DD or an ISO 8601 time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def article_from_record(record: dict[str, Any], where: str = "article") -> Article:
    """An :class:`Article` from a GOLD.md-style record (or a full article record)."""
    if not isinstance(record, dict):
        raise RecordError("not a JSON object", where=where)
    if "article_id" in record and "content_hash" in record:
        try:
            return Article.model_validate(record)
        except ValidationError as exc:
            raise RecordError.invalid("an article", exc, where=where) from None
    text = record.get("text")
    if not isinstance(text, str):
        raise RecordError("no 'text' string", where=where, hint="each line needs doc_id, published and text")
    doc_id = record.get("doc_id")
    url = str(record.get("url") or "")
    published = _when(record.get("published"), where)
    return Article(
        article_id=stable_id(url or f"doc:{doc_id}"),
        url=url,
        outlet=str(record.get("outlet") or "unknown"),
        title=str(record.get("title") or ""),
        published=published,
        fetched_at=published or datetime.now(UTC),
        text=text,
        content_hash=hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest(),
        body_source="file",
        doc_id=str(doc_id) if doc_id is not None else None,
    )


def read_articles(path: Path) -> Iterator[Article]:
    """The articles of a JSON-lines file; a bad line raises :class:`RecordError` naming file and line."""
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise RecordError(f"cannot read: {exc.strerror}", where=str(path)) from None
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RecordError(f"invalid JSON: {exc.msg}", where=where) from None
            yield article_from_record(record, where)
