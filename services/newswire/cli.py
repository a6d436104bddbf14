"""The ``newswire`` command: thin over the library.

Each command builds :class:`Settings` once, calls a ``make_*`` factory and
runs. Errors a user can fix print one line and exit non-zero; bugs keep their
traceback.

Exit codes: 0 success; 1 the work failed (a :class:`NewswireError`); 2 bad
usage or configuration; 3 a backend (log, database, broker) is unreachable;
130 interrupted.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from newswire.commands import EXIT_ERROR, fail, settings_of, user_errors

__all__ = ["app", "main"]

app = typer.Typer(
    name="newswire",
    help="Event-sourced newswire ingestion for conflict monitoring: feeds in, typed events and state tables out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
schemas_app = typer.Typer(help="The published JSON Schemas and topic catalogue.", no_args_is_help=True)
app.add_typer(schemas_app, name="schemas")


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", help="TOML configuration file (default: ./newswire.toml, or NEWSWIRE_CONFIG).",
        envvar="NEWSWIRE_CONFIG", show_envvar=True)] = None,
    log_url: Annotated[str | None, typer.Option(
        "--log-url", help="Event log: sqlite:///PATH or kafka://host:port[,host:port] (NEWSWIRE_LOG_URL).")] = None,
    db_url: Annotated[str | None, typer.Option(
        "--db-url", help="SQLAlchemy URL of the tables (NEWSWIRE_DB_URL).")] = None,
) -> None:
    """Settings are resolved lazily so that --help works with a broken configuration."""
    overrides = {k: v for k, v in {"log_url": log_url, "db_url": db_url}.items() if v is not None}
    ctx.obj = {"config": config, "overrides": overrides, "settings": None}


# -- core commands -------------------------------------------------------------


@schemas_app.command("export")
@user_errors
def schemas_export(
    directory: Annotated[Path, typer.Argument(help="Where to write the schemas.")] = Path("schemas"),
) -> None:
    """Write one JSON Schema per record type and schemas/topics.yaml."""
    from newswire.core.schemas import export_schemas

    for path in export_schemas(directory):
        typer.echo(path)


@schemas_app.command("check")
@user_errors
def schemas_check(
    directory: Annotated[Path, typer.Argument(help="The committed schemas.")] = Path("schemas"),
) -> None:
    """Exit 1 when the files in DIRECTORY differ from the models."""
    from newswire.core.schemas import drifted_schemas

    drifted = drifted_schemas(directory)
    if drifted:
        raise fail(f"{directory}: out of date: {', '.join(drifted)}; run `newswire schemas export`", EXIT_ERROR)
    typer.echo(f"{directory}: up to date")


@app.command()
@user_errors
def tail(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(help="Topic to read, e.g. conflict.control.v1.")],
    from_beginning: Annotated[bool, typer.Option("--from-beginning", help="Start at the oldest record.")] = False,
    group: Annotated[str | None, typer.Option(
        "--group", "-g", help="Consumer group: resume at its committed offsets and commit what was printed.")] = None,
    max_records: Annotated[int | None, typer.Option("--max", help="Stop after this many records.")] = None,
    idle_exit: Annotated[float | None, typer.Option(
        "--idle-exit", help="Stop after this many seconds without a record.")] = None,
) -> None:
    """Print records of TOPIC as JSON lines: the smallest downstream consumer."""
    import time

    from newswire.core.errors import LogError
    from newswire.core.log import open_log

    settings = settings_of(ctx)
    log = open_log(settings)
    existing = log.topics()
    if topic not in existing:  # reading would create it: a typo would wait forever on an empty topic
        log.close()
        raise LogError("no such topic", where=f"topic {topic!r}",
                       hint=f"existing topics: {', '.join(sorted(existing)) or 'none'}")
    stop = _stop_on_sigterm()
    consumer = log.consumer(group, [topic])
    try:
        if from_beginning:
            consumer.seek_to_beginning()
        elif group is None:
            for tp, end in consumer.end_offsets(consumer.assignment()).items():
                consumer.seek(tp, end)
        printed, last_seen = 0, time.monotonic()
        while not stop() and (max_records is None or printed < max_records):
            records = consumer.poll(max_records=100 if max_records is None else min(100, max_records - printed),
                                    timeout=0.5)
            for r in records:
                try:
                    value: Any = json.loads(r.value)
                except ValueError:
                    value = r.value.decode("utf-8", "replace")
                sys.stdout.write(json.dumps({"topic": r.topic, "partition": r.partition, "offset": r.offset,
                                             "key": r.key, "value": value}, ensure_ascii=False) + "\n")
            sys.stdout.flush()
            if records:
                printed += len(records)
                last_seen = time.monotonic()
                if group is not None:
                    consumer.commit()
            elif idle_exit is not None and time.monotonic() - last_seen >= idle_exit:
                break
    finally:
        consumer.close()
        log.close()


def _stop_on_sigterm() -> Callable[[], bool]:
    """A flag that SIGTERM sets, so loops finish their batch and exit 0."""
    stopped = {"flag": False}

    def handler(signum: int, frame: object) -> None:
        stopped["flag"] = True

    signal.signal(signal.SIGTERM, handler)
    return lambda: stopped["flag"]


def _register_services() -> None:
    """Each service package contributes its own commands."""
    from newswire.api.cli import register as register_api
    from newswire.extractor.cli import register as register_extractor
    from newswire.poller.cli import register as register_poller
    from newswire.projector.cli import register as register_projector
    from newswire.supervisor.cli import register as register_supervisor

    for register in (register_poller, register_extractor, register_projector, register_api, register_supervisor):
        register(app)


_register_services()


def main() -> None:
    app()
