"""Commands of the extractor service: ``newswire extract`` and ``newswire explain``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``extract`` and ``explain`` to the newswire CLI."""
    from newswire.commands import EXIT_CONFIG, err_console, fail, run_service, settings_of, user_errors

    @app.command()
    @user_errors
    def extract(
        ctx: typer.Context,
        once: Annotated[bool, typer.Option("--once", help="Process what is on the log, commit and exit.")] = False,
        timeout: Annotated[float | None, typer.Option("--timeout", help="Stop after this many seconds.")] = None,
        input_: Annotated[Path | None, typer.Option(
            "--input", "-i", help="Evaluation mode: read articles from this JSON-lines file (GOLD.md format).")]
        = None,
        output: Annotated[Path | None, typer.Option(
            "--output", "-o", help="Evaluation mode: write one event per line here ('-' for stdout).")] = None,
    ) -> None:
        """Extract conflict events from articles.

        Without --input: the service. Consumes newswire.articles.v1 in the consumer group
        extractor.group_id and produces events to conflict.*.v1 until SIGTERM or Ctrl-C (or, with
        --once, until caught up). With --input/--output: reads an articles file and writes events
        as JSON lines, each with the article's doc_id; the log is not touched.
        """
        if input_ is not None or output is not None:
            if input_ is None or output is None:
                raise fail("evaluation mode needs both --input ARTICLES.jsonl and --output EVENTS.jsonl",
                           EXIT_CONFIG)
            _evaluate(input_, output)
            return
        from newswire.core.health import serve_service
        from newswire.core.topics import ARTICLES
        from newswire.extractor.service import make_extractor

        settings = settings_of(ctx)
        service = make_extractor(settings)

        def serve() -> Any:
            return serve_service("extractor", settings.extractor.metrics_port, service, log=service.log,
                               group_id=settings.extractor.group_id, topics=[ARTICLES.name])

        stats = run_service(service, None if once else serve, once=once, timeout=timeout)
        err_console.print(stats.summary(), highlight=False)

    @app.command()
    @user_errors
    def explain(
        input_: Annotated[Path, typer.Option("--input", "-i", help="Articles file (JSON lines, GOLD.md format).")],
        doc_id: Annotated[str, typer.Option("--doc-id", help="The article to explain.")],
    ) -> None:
        """Show each sentence of one article that produced an event, the rule that fired and the event."""
        from rich.console import Console
        from rich.panel import Panel
        from rich.text import Text

        from newswire.extractor.articles import read_articles
        from newswire.extractor.extract import default_extractor

        article = next((a for a in read_articles(input_) if a.doc_id == doc_id), None)
        if article is None:
            raise fail(f"{input_}: no article with doc_id {doc_id!r}; check the id (doc_id field)", EXIT_CONFIG)
        findings = default_extractor().findings(article)
        console = Console()
        published = article.published.date().isoformat() if article.published else "unknown date"
        console.print(f"[bold]{doc_id}[/] {article.outlet}, published {published}: "
                      f"{len(findings)} event(s)", highlight=False)
        for f in findings:
            e = f.event
            summary = _summary(e)
            body = Text(f.sentence, style="italic")
            body.append(f"\n\nrule       {f.rule}\nevent      {summary}", style="")
            when = e.occurred_on
            body.append(f"\ndate       {when.date} ({when.precision.value}"
                        f"{', from ' + repr(when.text) if when.text else ', inferred'})" if when else "\ndate       -")
            body.append(f"\nmodality   {e.modality.value}"
                        f"{'  attribution ' + e.attribution if e.attribution else ''}"
                        f"\nconfidence {e.confidence:.2f}   chars {f.start}-{f.end}")
            console.print(Panel(body, title=e.type, title_align="left", expand=True))


def _summary(event: object) -> str:
    data = getattr(event, "data", None)
    parts: list[str] = []
    for key in ("place", "controller", "actor", "crossing", "status", "location", "extent", "side", "framework"):
        value = getattr(data, key, None)
        if value is None:
            continue
        if hasattr(value, "name"):
            name = value.name
            mention = getattr(value, "mention", None)
            parts.append(f"{key}={name}" + (f" ({mention!r})" if mention and mention != name else ""))
        elif hasattr(value, "text"):
            parts.append(f"{key}={value.text!r}")
        else:
            parts.append(f"{key}={value}")
    participants = getattr(data, "participants", None)
    if participants:
        parts.insert(0, "participants=" + "+".join(p.name for p in participants))
    return ", ".join(parts)


# articles extracted together (their sentences parsed in one call), as the service does a batch of the log
_BATCH = 100


def _evaluate(input_: Path, output: Path) -> None:
    """Evaluation mode: articles file in, one event JSON per line out (with ``doc_id``)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from newswire.commands import EXIT_CONFIG, err_console, fail
    from newswire.extractor.articles import read_articles
    from newswire.extractor.extract import default_extractor

    articles = list(read_articles(input_))
    extractor = default_extractor()
    out = sys.stdout if str(output) == "-" else None
    try:
        fh = out or output.open("w", encoding="utf-8")
    except OSError as exc:
        raise fail(f"{output}: cannot write: {exc.strerror}", EXIT_CONFIG) from None
    events = 0
    progress = Progress(TextColumn("extracting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=err_console, disable=not err_console.is_terminal, transient=True)
    try:
        with progress:
            task = progress.add_task("extract", total=len(articles))
            for i in range(0, len(articles), _BATCH):
                batch = articles[i:i + _BATCH]
                for article, found in zip(batch, extractor.extract_many(batch), strict=True):
                    for event in found:
                        record = json.loads(event.model_dump_json())
                        record["doc_id"] = article.doc_id
                        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                        events += 1
                progress.advance(task, len(batch))
    finally:
        if out is None:
            fh.close()
    err_console.print(f"{events} event(s) from {len(articles)} article(s) -> {output}", highlight=False)
