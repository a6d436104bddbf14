"""What one article record may hold: its text is cut to ``poller.max_text_chars`` and the whole
record to ``poller.max_record_bytes``, and the record says so (``truncated``).

Articles are built with their text cut (:func:`cut_text`, the content hash
taken of the whole text), and both polled and ingested ones go through
:func:`fit_article` in :meth:`Poller.publish`, so a 1 MB page can never
become a record the broker refuses (stock Kafka's ``message.max.bytes`` is
1,048,588), and a 10 MB line of a backfill file is no bigger a record than a
polled page.
"""

from __future__ import annotations

from newswire.core.errors import RecordError
from newswire.core.models import Article

__all__ = ["cut_text", "fit_article", "record_bytes"]


def record_bytes(article: Article) -> bytes:
    """The record's value on ``newswire.articles.v1``."""
    return article.model_dump_json().encode("utf-8")


def fit_article(article: Article, *, max_text_chars: int, max_record_bytes: int) -> Article:
    """``article`` with its text cut to fit both limits (at a line or word break when one is near)."""
    text = cut_text(article.text, max_text_chars)
    fitted = article if text == article.text else article.model_copy(update={"text": text, "truncated": True})
    over = len(record_bytes(fitted)) - max_record_bytes
    while over > 0 and fitted.text:
        # Each character is at least one byte of JSON, so cutting `over` characters is enough unless
        # the cut lands inside a multi-byte run; the loop takes care of that rare second step.
        text = cut_text(fitted.text, max(0, len(fitted.text) - over))
        fitted = fitted.model_copy(update={"text": text, "truncated": True})
        over = len(record_bytes(fitted)) - max_record_bytes
    if over > 0:
        raise RecordError(f"the record is {over} bytes over the {max_record_bytes}-byte limit without any text",
                          where=f"article {article.url or article.article_id}",
                          hint="raise poller.max_record_bytes (and the broker's message.max.bytes)")
    return fitted


def cut_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters (at a line or word break when one is near)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    # Prefer the end of a paragraph, then of a word, within the last tenth of what is kept.
    for sep in ("\n", " "):
        at = head.rfind(sep)
        if at >= limit * 0.9:
            return head[:at].rstrip()
    return head
