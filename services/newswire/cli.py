"""The ``newswire`` command: thin over the library.

Each command builds :class:`Settings` once, calls a ``make_*`` factory and
runs. Errors a user can fix print one line and exit non-zero; bugs keep their
traceback.

Exit codes: :mod:`newswire.commands` (``EXIT_*``), for users the README.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from newswire import __version__
from newswire.commands import EXIT_CONFIG, EXIT_ERROR, SERVICE_COMMANDS, fail, settings_of, user_errors
from newswire.core.signals import on_stop, release_sigterm
from newswire.formats import FormatOption, resolve, until_the_reader_leaves, write_rows

__all__ = ["app", "main", "hoist_root_options"]

#: Root options that take a value; they may also follow the subcommand (``newswire state control --db-url U``).
ROOT_OPTIONS = ("--config", "-c", "--log-url", "--db-url")
# A Kafka topic name is letters, digits, '.', '_' and '-'; anything else in `tail TOPIC` makes it a pattern.
_TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]+")


def hoist_root_options(args: list[str]) -> list[str]:
    """``args`` with the root options (and their values) found after the subcommand moved to the front."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":  # everything after it is an argument
            rest += args[i:]
            break
        if arg in ROOT_OPTIONS and i + 1 < len(args):
            front += args[i:i + 2]
            i += 2
            continue
        if arg.startswith(tuple(f"{o}=" for o in ROOT_OPTIONS if o.startswith("--"))):
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


class _RootGroup(TyperGroup):
    """The ``newswire`` group: root options are accepted before or after the subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_root_options(args))


app = typer.Typer(
    name="newswire",
    cls=_RootGroup,
    help="Event-sourced newswire ingestion for conflict monitoring: feeds in, typed events and state tables out."
         "\n\nThe root options (--config, --log-url, --db-url) may also follow the command.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
schemas_app = typer.Typer(help="The published contract: JSON Schemas and the AsyncAPI document.",
                          no_args_is_help=True)
app.add_typer(schemas_app, name="schemas")
log_app = typer.Typer(help="The event log: what it holds.", no_args_is_help=True)
app.add_typer(log_app, name="log")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"newswire {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option(
        "--version", help="Print the version and exit.", callback=_print_version, is_eager=True)] = False,
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", help="TOML configuration file (default: ./newswire.toml, or NEWSWIRE_CONFIG).",
        envvar="NEWSWIRE_CONFIG", show_envvar=True)] = None,
    log_url: Annotated[str | None, typer.Option(
        "--log-url", help="Event log: sqlite:///PATH or kafka://host:port[,host:port] (NEWSWIRE_LOG_URL).")] = None,
    db_url: Annotated[str | None, typer.Option(
        "--db-url", help="SQLAlchemy URL of the tables (NEWSWIRE_DB_URL).")] = None,
) -> None:
    """Settings are resolved lazily so that --help works with a broken configuration."""
    if ctx.invoked_subcommand not in SERVICE_COMMANDS:
        release_sigterm()  # only a service's start-up defers SIGTERM (newswire.core.signals)
    overrides = {k: v for k, v in {"log_url": log_url, "db_url": db_url}.items() if v is not None}
    ctx.obj = {"config": config, "overrides": overrides, "settings": None}


# -- core commands -------------------------------------------------------------


@schemas_app.command("export")
@user_errors
def schemas_export(
    directory: Annotated[Path, typer.Argument(help="Where to write the schemas.")] = Path("schemas"),
) -> None:
    """Write one JSON Schema per record type and schemas/asyncapi.yaml (AsyncAPI 3)."""
    from newswire.core.schemas import export_schemas

    for path in export_schemas(directory):
        typer.echo(path)


@schemas_app.command("check")
@user_errors
def schemas_check(
    directory: Annotated[Path, typer.Argument(help="The committed schemas (run from the repository root).")]
    = Path("schemas"),
) -> None:
    """Exit 1 when the files in DIRECTORY differ from the models (missing, changed or left over)."""
    from newswire.core.schemas import drifted_schemas

    if not directory.is_dir():
        raise fail(f"{directory}: no such directory; run from the repository root or pass the schemas directory",
                   EXIT_CONFIG)
    drifted = drifted_schemas(directory)
    if drifted:
        raise fail(f"{directory}: out of date: {', '.join(drifted)}; run `newswire schemas export`", EXIT_ERROR)
    typer.echo(f"{directory}: up to date")


@log_app.command("stats")
@user_errors
def log_stats(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """Records, bytes, oldest and next offset, and retention of every topic (reads only)."""
    from newswire.core.log import open_log, retention_of

    settings = settings_of(ctx)
    log = open_log(settings, create=False)
    try:
        stats = log.topic_stats()
    finally:
        log.close()
    retention = retention_of(settings)
    rows = [{"topic": t.topic, "partitions": t.partitions, "records": t.records, "bytes": t.bytes,
             "oldest_offset": t.oldest_offset, "end_offset": t.end_offset,
             "retention_ms": retention[t.topic].ms if t.topic in retention else -1,
             "retention_bytes": retention[t.topic].bytes if t.topic in retention else -1} for t in stats]

    def table() -> Any:
        from rich.table import Table

        grid = Table(title=f"{settings.log_url}", title_justify="left")
        for col in ("topic", "records", "bytes", "oldest offset", "next offset", "retention"):
            grid.add_column(col, justify="left" if col == "topic" else "right", no_wrap=col == "topic")
        for r in rows:
            grid.add_row(r["topic"], f"{r['records']:,}", "-" if r["bytes"] is None else _size(r["bytes"]),
                         "/".join(str(v) for v in r["oldest_offset"].values()),
                         "/".join(str(v) for v in r["end_offset"].values()),
                         _retention(r["retention_ms"], r["retention_bytes"]))
        return grid

    write_rows(rows, resolve(fmt), table)


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _retention(ms: int, size: int) -> str:
    parts = []
    if ms >= 0:
        days = ms / 86_400_000
        parts.append(f"{days:g} days" if days >= 1 else f"{ms / 1000:g} s")
    if size >= 0:
        parts.append(_size(size) + "/partition")
    return ", ".join(parts) or "forever"


@app.command()
@user_errors
def tail(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(
        help="A topic (conflict.control.v1), or a regular expression matching whole topic names "
             "('conflict\\..*\\.v1').")],
    from_beginning: Annotated[bool, typer.Option(
        "--from-beginning", help="Start at the oldest record where the group has no committed offset "
                                 "(a group with commits resumes); otherwise new records only.")] = False,
    group: Annotated[str | None, typer.Option(
        "--group", "-g", help="Consumer group: resume at its committed offsets and commit what was printed.")] = None,
    max_records: Annotated[int | None, typer.Option("--max", min=1, help="Stop after this many records.")] = None,
    idle_exit: Annotated[float | None, typer.Option(
        "--idle-exit", min=0, help="Stop after this many seconds without a record.")] = None,
) -> None:
    """Print records of TOPIC as JSON lines: the smallest downstream consumer (like kafka-console-consumer)."""
    import time

    from newswire.core.log import open_log

    settings = settings_of(ctx)
    log = open_log(settings, create=False)
    try:
        topics, pattern = _subscription(topic, log.topics())
        stopped = threading.Event()
        on_stop(stopped.set, sigint=False)  # SIGTERM: finish the batch in hand, exit 0; Ctrl-C: 130
        consumer = log.consumer(group, topics, pattern=pattern,
                                offset_reset="earliest" if from_beginning else "latest")
    except BaseException:
        log.close()
        raise
    try:
        with until_the_reader_leaves():
            printed, last_seen = 0, time.monotonic()
            while not stopped.is_set() and (max_records is None or printed < max_records):
                records = consumer.poll(max_records=100 if max_records is None else min(100, max_records - printed),
                                        timeout=0.5)
                for r in records:
                    try:
                        value: Any = json.loads(r.value)
                    except ValueError:
                        value = r.value.decode("utf-8", "replace")
                    sys.stdout.write(json.dumps({"topic": r.topic, "partition": r.partition, "offset": r.offset,
                                                 "key": r.key, "headers": {k: v.decode("utf-8", "replace")
                                                                           for k, v in r.headers},
                                                 "value": value}, ensure_ascii=False) + "\n")
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


def _subscription(topic: str, existing: dict[str, int]) -> tuple[list[str], str | None]:
    """``([topic], None)`` for an existing topic name, ``([], pattern)`` for a pattern matching some; else exit 2.

    Reading a missing topic would create it, so a typo would wait forever on an empty topic.
    """
    from newswire.core.log.types import matching_topics

    listed = f"existing topics: {', '.join(sorted(existing)) or 'none'}"
    if _TOPIC_NAME.fullmatch(topic):
        if topic not in existing:
            raise fail(f"topic {topic!r}: no such topic; {listed}", EXIT_CONFIG)
        return [topic], None
    try:
        matched = matching_topics(topic, existing)
    except re.error as exc:
        raise fail(f"topic pattern {topic!r}: not a regular expression: {exc}", EXIT_CONFIG) from None
    if not matched:
        raise fail(f"topic pattern {topic!r}: matches no topic; {listed}", EXIT_CONFIG)
    return [], topic


def _register_services() -> None:
    """Each service package contributes its own commands."""
    from newswire.api.cli import register as register_api
    from newswire.explain import register as register_explain_by_id
    from newswire.extractor.cli import register as register_extractor
    from newswire.poller.cli import register as register_poller
    from newswire.projector.cli import register as register_projector
    from newswire.supervisor.cli import register as register_supervisor

    for register in (register_poller, register_extractor, register_projector, register_api, register_supervisor,
                     register_explain_by_id):
        register(app)


_register_services()


def main() -> None:
    # One name however it is started (`newswire`, `python -m newswire`): help, errors and shell completion use it.
    app(prog_name="newswire")
