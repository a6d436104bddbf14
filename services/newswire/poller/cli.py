"""Commands of the poller service: ``newswire poll``, ``newswire ingest``, ``newswire status``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from newswire.commands import EXIT_ERROR, err_console, run_service, settings_of, user_errors
from newswire.formats import FormatOption, resolve, write_rows

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``poll``, ``ingest`` and ``status`` to the newswire CLI."""

    @app.command()
    @user_errors
    def poll(
        ctx: typer.Context,
        once: Annotated[bool, typer.Option("--once", help="Poll every feed once, then exit.")] = False,
    ) -> None:
        """Poll the configured feeds and publish new articles to newswire.articles.v1.

        Without --once, feeds are polled on their own intervals (failed feeds back off) until SIGTERM or
        Ctrl-C. A failing feed is reported and retried; it does not make the command fail.
        """
        from newswire.core.health import db_check, log_check, serve_health
        from newswire.core.metrics import MAPPINGS, ServiceMetrics
        from newswire.poller.poller import make_poller

        settings = settings_of(ctx)
        poller = make_poller(settings)

        def serve() -> Any:
            metrics = ServiceMetrics("poller", stats=lambda: poller.stats, mapping=MAPPINGS["poller"])
            return serve_health("poller", settings.poller.metrics_port, metrics=metrics,
                              checks={"log": log_check(poller.log), "db": db_check(settings.db_url)})

        stats = run_service(poller, None if once else serve, once=once)
        err_console.print(stats.summary(), highlight=False, soft_wrap=True)

    @app.command()
    @user_errors
    def ingest(
        ctx: typer.Context,
        files: Annotated[list[Path], typer.Argument(
            help="JSON Lines files in the articles format of shared/eval/GOLD.md, or saved HTML pages.")],
    ) -> None:
        """Backfill articles from files onto newswire.articles.v1 (duplicates are skipped, as in poll)."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from newswire.core.errors import ConfigError
        from newswire.poller.ingest import ingest_files
        from newswire.poller.poller import make_poller

        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise ConfigError(f"no such file: {', '.join(missing)}", hint="give JSON Lines files or saved HTML pages")
        settings = settings_of(ctx)
        poller = make_poller(settings, feeds=[])
        try:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err_console, transient=not err_console.is_terminal) as progress:
                task = progress.add_task("ingesting", total=None)

                def advance(path: Path, n: int) -> None:
                    progress.update(task, advance=n, description=f"ingesting {path.name}")

                stats = ingest_files(files, poller.publish, datetime.now(UTC), progress=advance,
                                     max_text_chars=settings.poller.max_text_chars)
        finally:
            poller.close()
        for problem in stats.skipped:
            err_console.print(f"[yellow]skipped:[/] {problem}", highlight=False, soft_wrap=True)
        err_console.print(stats.summary(), highlight=False, soft_wrap=True)
        if stats.skipped and stats.read == 0:
            raise typer.Exit(EXIT_ERROR)

    @app.command()
    @user_errors
    def status(
        ctx: typer.Context,
        fmt: FormatOption = None,
    ) -> None:
        """Each feed's health: last success, last error, consecutive failures, next poll (reads only)."""
        from newswire.poller.feeds import feeds_for
        from newswire.poller.state import PollerState

        settings = settings_of(ctx)
        state = PollerState.open(settings.db_url, create=False)
        try:
            health = {h.url: h for h in state.feeds()}
        finally:
            state.close()
        configured = feeds_for(settings.poller)
        urls = [f.url for f in configured] + sorted(u for u in health if u not in {f.url for f in configured})
        outlets = {f.url: f.outlet for f in configured}
        rows: list[dict[str, Any]] = []
        for url in urls:
            h = health.get(url)
            rows.append({
                "url": url,
                "outlet": h.outlet if h else outlets.get(url, ""),
                "configured": url in outlets,
                "last_success": _iso(h.last_success) if h else None,
                "last_error": h.last_error if h else None,
                "last_error_at": _iso(h.last_error_at) if h else None,
                "failures": h.failures if h else 0,
                "next_poll": _iso(datetime.fromtimestamp(h.next_poll, UTC)) if h and h.next_poll else None,
                "published": h.published if h else 0,
            })
        write_rows(rows, resolve(fmt), lambda: _table(rows))


def _table(rows: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(title="feeds", show_lines=False)
    table.add_column("feed", overflow="fold", min_width=18)
    table.add_column("last success", no_wrap=True)
    table.add_column("fail", justify="right")
    table.add_column("next poll", no_wrap=True)
    table.add_column("pub", justify="right")
    table.add_column("last error", overflow="fold", min_width=10)
    for row in rows:
        failing = row["failures"] > 0
        table.add_row(f"[bold]{row['outlet']}[/]\n{row['url']}", _short(row["last_success"]) or "never",
                      f"[red]{row['failures']}[/]" if failing else "0", _short(row["next_poll"]) or "now",
                      str(row["published"]),
                      (row["last_error"] or "").removeprefix(row["url"] + ": ") if failing else "")
    return table


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def _short(value: str | None) -> str | None:
    """``2026-11-23T11:37:35+00:00`` as ``11-23 11:37Z``: the table has little room; --format json has the rest."""
    return datetime.fromisoformat(value).strftime("%m-%d %H:%MZ") if value else None
