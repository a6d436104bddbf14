"""Commands of the projector service: ``newswire project``, ``newswire state``, ``newswire replay``."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import typer

from newswire.commands import EXIT_CONFIG, err_console, fail, run_service, settings_of, user_errors
from newswire.core import heap
from newswire.formats import FormatOption, resolve, write_rows

__all__ = ["register"]


class ViewName(StrEnum):
    control = "control"
    crossings = "crossings"
    meetings = "meetings"


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"--as-of {value!r}: not a date; use YYYY-MM-DD", EXIT_CONFIG) from None


def register(app: typer.Typer) -> None:
    """Add ``project``, ``state`` and ``replay`` to the newswire CLI."""

    @app.command()
    @user_errors
    def project(
        ctx: typer.Context,
        once: Annotated[bool, typer.Option("--once", help="Stop when caught up with the log.")] = False,
        timeout: Annotated[float | None, typer.Option("--timeout", help="Stop after this many seconds.")] = None,
    ) -> None:
        """Fold conflict.*.v1 events into the control, crossings and meetings tables.

        Runs until SIGTERM or Ctrl-C (the batch in hand is committed first), or with --once until caught up.
        """
        from newswire.core.health import serve_service
        from newswire.core.topics import event_topics
        from newswire.projector.service import make_projector

        settings = settings_of(ctx)
        projector = make_projector(settings)

        def serve() -> Any:
            return serve_service("projector", settings.projector.metrics_port, projector, log=projector.log,
                               db_url=settings.projector_db_url(),
                               group_id=settings.projector.group_id, topics=event_topics())

        stats = run_service(projector, None if once else serve, once=once, timeout=timeout)
        err_console.print(stats.summary(), highlight=False)

    @app.command()
    @user_errors
    def state(
        ctx: typer.Context,
        view: Annotated[str, typer.Argument(
            help="Which table: control, crossings, meetings, or a registered type's table.")],
        as_of: Annotated[str | None, typer.Option("--as-of", help="The state on this date (YYYY-MM-DD).")] = None,
        place: Annotated[str | None, typer.Option(
            "--place", help="Only rows whose place (or meeting location/participant) contains NAME.")] = None,
        fmt: FormatOption = None,
    ) -> None:
        """Print the current state: who holds which place, crossings, meetings (rows with their evidence).

        Reads only: a database newswire has not written yet is an error, not an empty answer.
        """
        from newswire.projector.query import state_rows
        from newswire.projector.service import open_tables

        from newswire.projector.registry import PROJECTIONS

        views = [*ViewName, *sorted(p.view for p in PROJECTIONS.values())]
        if view not in views:
            raise fail(f"no table {view!r}; choose one of {', '.join(views)}", EXIT_CONFIG)
        day = _parse_date(as_of)
        settings = settings_of(ctx)
        engine, _ = open_tables(settings, create=False)
        try:
            rows = state_rows(engine, view, as_of=day, place=place)  # type: ignore[arg-type]
        finally:
            engine.dispose()
        write_rows(rows, resolve(fmt), lambda: _table(view, rows, day))

    @app.command()
    @user_errors
    def replay(ctx: typer.Context) -> None:
        """Rebuild the tables from offset zero into fresh tables and swap them in atomically."""
        from newswire.core.log import open_log
        from newswire.projector.service import open_tables
        from newswire.projector.service import replay as run_replay

        settings = settings_of(ctx)
        log = open_log(settings)
        try:
            engine, _ = open_tables(settings, log)
            try:
                heap.settle()
                result = run_replay(engine, log)
            finally:
                engine.dispose()
        finally:
            log.close()
        err_console.print(f"replayed {result.records} record(s) from offset 0: {result.events} event(s) applied; "
                          "tables swapped in", highlight=False)


def _when(day: date | None, precision: str | None, words: str | None) -> str:
    """``2026-11-19 (on Thursday)``, ``2026-11`` for a month: the date at its precision, and the words."""
    if day is None:
        return ""
    text = {"month": day.isoformat()[:7], "year": day.isoformat()[:4]}.get(precision or "day", day.isoformat())
    return f"{text} ({words})" if words else text


def _table(view: str, rows: list[dict[str, Any]], as_of: date | None) -> Any:
    from rich.table import Table

    title = f"{view}" + (f" as of {as_of.isoformat()}" if as_of else "")
    table = Table(title=title, title_justify="left")
    sources = lambda r: ", ".join(sorted({e["outlet"] for e in r["evidence"]}))  # noqa: E731
    if view not in set(ViewName):  # a registered type's table: its columns as they are
        names = [k for k in (rows[0] if rows else {}) if k != "evidence"]
        for col in (*names, "outlets"):
            table.add_column(col)
        for r in rows:
            table.add_row(*("" if r[k] is None else str(r[k]) for k in names), sources(r))
    elif view == ViewName.control:
        for col in ("place", "controller", "side", "since", "status", "sources", "reports", "outlets"):
            table.add_column(col)
        for r in rows:
            status = f"[yellow]{r['status']}[/]" if r["status"] == "contested" else r["status"]
            table.add_row(r["place_name"], r["controller_name"], r["side"],
                          _when(r["since"], r["precision"], r["since_text"]), status,
                          str(r["n_sources"]), str(r["n_reports"]), sources(r))
    elif view == ViewName.crossings:
        for col in ("crossing", "status", "held by", "sides", "since", "sources", "outlets"):
            table.add_column(col)
        for r in rows:
            sides = "; ".join(f"{k}: {v['status']}" for k, v in r["sides"].items())
            table.add_row(r["name"], r["status"] or "", r["holder_name"] or "", sides,
                          _when(r["since"], None, r["since_text"]),
                          str(r["n_sources"]), sources(r))
    else:
        for col in ("date", "location", "participants", "status", "framework", "sources", "outlets"):
            table.add_column(col)
        for r in rows:
            table.add_row(r["date_text"], r["location_name"] or "", ", ".join(r["participants"]), r["status"],
                          r["framework"] or "", str(r["n_sources"]), sources(r))
    return table
