"""``newswire explain ARTICLE_ID``: the extractor's explanation of an article read from the log.

The extractor's own ``explain`` reads an articles file (``--input FILE
--doc-id ID``); this wraps it so that the id shown in ``newswire state``'s
evidence (``article_id``) works too: the article is read from
``newswire.articles.v1`` (its key's partition only) and handed to that same
command. It lives outside the extractor package, which is being rewritten;
when it is, this lookup belongs in the extractor's command.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from newswire.commands import EXIT_CONFIG, fail, settings_of, user_errors

__all__ = ["find_record", "register"]


def find_record(log: Any, topic: str, key: str, timeout: float = 60.0) -> Any:
    """The newest record of ``topic`` with ``key`` (read from the key's partition only), or None."""
    import time

    from newswire.core.log.sqlite import partition_for

    wanted = partition_for(key, log.partitions_for(topic))
    consumer = log.consumer(None, [topic])
    try:
        ends = consumer.end_offsets(consumer.assignment())
        for tp, end in ends.items():
            if tp.partition != wanted:
                consumer.seek(tp, end)
        found = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            records = consumer.poll(max_records=500, timeout=0.2)
            for record in records:
                if record.key == key:
                    found = record
            if not records and all(consumer.position(tp) >= end for tp, end in ends.items()):
                break
        return found
    finally:
        consumer.close()


def register(app: typer.Typer) -> None:
    """Replace the extractor's ``explain`` by one that also takes an ARTICLE_ID from the log."""
    info = next(c for c in app.registered_commands if (c.name or c.callback.__name__) == "explain")  # type: ignore[union-attr]
    by_file = info.callback
    assert by_file is not None
    app.registered_commands.remove(info)

    @app.command()
    @user_errors
    def explain(
        ctx: typer.Context,
        article_id: Annotated[str | None, typer.Argument(
            help="An article id from the log (the article_id in `newswire state`'s evidence).")] = None,
        input_: Annotated[Path | None, typer.Option(
            "--input", "-i", help="Or an articles file (JSON lines, GOLD.md format)...")] = None,
        doc_id: Annotated[str | None, typer.Option("--doc-id", help="...and the doc_id of the article in it.")]
        = None,
    ) -> None:
        """Show each sentence of one article that produced an event, the rule that fired and the event."""
        if article_id is None:
            if input_ is None or doc_id is None:
                raise fail("give an ARTICLE_ID (see `newswire state`'s evidence), or --input FILE and --doc-id ID",
                           EXIT_CONFIG)
            by_file(input_=input_, doc_id=doc_id)
            return
        if input_ is not None or doc_id is not None:
            raise fail("give an ARTICLE_ID or --input/--doc-id, not both", EXIT_CONFIG)
        from newswire.core.log import open_log
        from newswire.core.models import Article
        from newswire.core.topics import ARTICLES

        settings = settings_of(ctx)
        log = open_log(settings, create=False)
        try:
            if ARTICLES.name not in log.topics():
                raise fail(f"{log.url}: no {ARTICLES.name} topic; nothing was published yet", EXIT_CONFIG)
            record = find_record(log, ARTICLES.name, article_id)
        finally:
            log.close()
        if record is None:
            days = ARTICLES.retention_ms // 86_400_000
            raise fail(f"article {article_id!r}: not on {ARTICLES.name}; check the id (the article_id of "
                       f"`newswire state`'s evidence), or it is older than the topic's retention ({days} days)",
                       EXIT_CONFIG)
        article = Article.model_validate_json(record.value).model_copy(update={"doc_id": article_id})
        with tempfile.TemporaryDirectory(prefix="newswire-explain-") as tmp:
            path = Path(tmp) / "article.jsonl"
            path.write_text(article.model_dump_json() + "\n", encoding="utf-8")
            by_file(input_=path, doc_id=article_id)
