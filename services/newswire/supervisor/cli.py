"""Commands that run the whole pipeline."""

from __future__ import annotations

import typer

from newswire.cli import settings_of, user_errors


def register(app: typer.Typer) -> None:
    """Add ``newswire run``."""

    @app.command()
    @user_errors
    def run(ctx: typer.Context) -> None:
        """Run the poller, extractor and projector together on the configured backends."""
        from newswire.core.log import open_log

        settings = settings_of(ctx)
        log = open_log(settings)
        log.ping()
        typer.echo(f"log ready at {log.url}; no services are built yet")
        log.close()
