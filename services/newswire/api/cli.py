"""Commands of the read side: ``newswire serve`` and ``newswire export``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from newswire.commands import EXIT_CONFIG, err_console, fail, settings_of, user_errors

__all__ = ["register"]


class ExportName(StrEnum):
    control = "control"
    crossings = "crossings"
    meetings = "meetings"
    events = "events"


class ExportFormat(StrEnum):
    csv = "csv"
    geojson = "geojson"
    jsonl = "jsonl"


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``export`` to the newswire CLI."""

    @app.command()
    @user_errors
    def serve(
        ctx: typer.Context,
        host: Annotated[str | None, typer.Option(help="Address to bind (default: api.host, 127.0.0.1).")] = None,
        port: Annotated[int | None, typer.Option(help="Port to bind (default: api.port, 8080; 0: any free).")]
        = None,
    ) -> None:
        """Serve the read API (/api/v1/...) and the live map page (/) over the tables, read-only.

        Runs until SIGTERM or Ctrl-C. Tiles are off unless api.tile_url (NEWSWIRE_API__TILE_URL) is set.
        """
        from newswire.api.server import make_server

        settings = settings_of(ctx)
        server = make_server(settings, host=host, port=port)
        try:
            server.run()
        except SystemExit:  # uvicorn exits when it cannot bind; say which setting to change
            if server.started:
                raise
        if not server.started:
            cfg = server.config
            raise fail(f"cannot listen on {cfg.host}:{cfg.port} (in use, or not an address of this machine); "
                       "choose another with --port or NEWSWIRE_API__PORT", EXIT_CONFIG)

    @app.command()
    @user_errors
    def export(
        ctx: typer.Context,
        what: Annotated[ExportName, typer.Argument(help="control, crossings, meetings or events.")],
        fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="csv, geojson or jsonl.")]
        = ExportFormat.jsonl,
        output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
        as_of: Annotated[str | None, typer.Option("--as-of", help="The state on this date (YYYY-MM-DD).")] = None,
        known_at: Annotated[str | None, typer.Option(
            "--known-at", help="The state as known at this time (ISO 8601, UTC unless a zone is given).")] = None,
        country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 country code.")] = None,
        side: Annotated[str | None, typer.Option(help="Controller's (holder's) side.")] = None,
        controller: Annotated[str | None, typer.Option(help="Controller's (holder's) id or part of its name.")]
        = None,
        status: Annotated[str | None, typer.Option(help="Row status.")] = None,
        place: Annotated[str | None, typer.Option(help="Place id or part of its name.")] = None,
        bbox: Annotated[str | None, typer.Option(help="min_lon,min_lat,max_lon,max_lat.")] = None,
        participant: Annotated[str | None, typer.Option(help="Meetings: a participant's id or name.")] = None,
        date_from: Annotated[str | None, typer.Option("--from", help="Meetings, events: from this date.")] = None,
        date_to: Annotated[str | None, typer.Option("--to", help="Meetings, events: up to this date.")] = None,
        event_type: Annotated[str | None, typer.Option("--type", help="Events: one event type.")] = None,
        actor: Annotated[str | None, typer.Option(help="Events: the actor's id or part of its name.")] = None,
    ) -> None:
        """Write a table (or the events behind them) as CSV, GeoJSON or JSON Lines, with the API's filters."""
        from pydantic import ValidationError

        from newswire.api import params as p
        from newswire.api.formats import stream
        from newswire.projector import query
        from newswire.projector.service import open_tables

        given: dict[str, Any] = {k: v for k, v in dict(
            as_of=as_of, known_at=known_at, country=country, side=side, controller=controller, status=status,
            place=place, bbox=bbox, participant=participant, date_from=date_from, date_to=date_to,
            type=event_type, actor=actor).items() if v is not None}
        model: type[Any] = {"control": p.ControlParams, "crossings": p.CrossingParams,
                            "meetings": p.MeetingParams, "events": p.EventParams}[what.value]
        try:
            params = model(**given)
        except ValidationError as exc:
            name, message = p.first_error(exc)
            flag = "--" + {"date_from": "from", "date_to": "to", "type": "type"}.get(name, name).replace("_", "-")
            if message.startswith("unknown parameter"):
                message = f"{flag} does not apply to {what.value}"
            else:
                message = f"{flag}: {message.split(': ', 1)[-1]}"
            raise fail(message, EXIT_CONFIG) from None

        settings = settings_of(ctx)
        engine, tables = open_tables(settings, create=False)  # reads only: creates nothing
        try:
            with engine.connect() as conn:
                if what is ExportName.events:
                    rows: list[dict[str, Any]] = []
                    cursor = None
                    while True:
                        page = query.events(conn, tables, type=params.type, place=params.place, actor=params.actor,
                                            date_from=params.date_from, date_to=params.date_to,
                                            known_at=params.known_at, cursor=cursor, limit=1000)
                        rows += page.rows
                        if page.next_cursor is None:
                            break
                        cursor = page.next_cursor
                    meta: dict[str, Any] = {"known_at": params.known_at}
                else:
                    rows = query.read_view(conn, tables, what.value, filters=params.filters(),  # type: ignore[arg-type]
                                           as_of=params.as_of, known_at=params.known_at)
                    meta = {"as_of": params.as_of, "known_at": params.known_at}
        finally:
            engine.dispose()
        out = output.open("wb") if output is not None else sys.stdout.buffer
        try:
            for chunk in stream(what.value, rows, fmt.value, meta):  # type: ignore[arg-type]
                out.write(chunk)
        finally:
            if output is not None:
                out.close()
            else:
                out.flush()
        if output is not None:
            err_console.print(f"wrote {len(rows)} {what.value} row(s) to {output}", highlight=False)
