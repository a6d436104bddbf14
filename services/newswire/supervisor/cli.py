"""``newswire run`` (the whole pipeline, supervised) and ``newswire dlq list|replay``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Annotated, Any

import typer

from newswire.commands import err_console, fail, settings_of, user_errors
from newswire.core.signals import on_stop
from newswire.formats import FormatOption, resolve, write_rows

__all__ = ["register", "root_args"]


def root_args(ctx: typer.Context) -> list[str]:
    """The root options of this invocation, passed on so each child resolves the same settings."""
    obj = ctx.find_root().obj or {}
    args: list[str] = []
    config: Path | None = obj.get("config")
    if config is not None:
        args += ["--config", str(config)]
    overrides = obj.get("overrides", {})
    if "log_url" in overrides:
        args += ["--log-url", overrides["log_url"]]
    if "db_url" in overrides:
        args += ["--db-url", overrides["db_url"]]
    return args


def _json_line(service: str, line: str) -> str:
    """A child's log line tagged with its service (children write JSON lines; anything else is wrapped)."""
    try:
        entry = json.loads(line)
    except ValueError:
        entry = None
    if not isinstance(entry, dict):
        entry = {"event": line, "level": "info"}
    entry.setdefault("service", service)
    return json.dumps(entry, ensure_ascii=False, default=str)


def register(app: typer.Typer) -> None:
    """Add ``newswire run`` and ``newswire dlq``."""
    dlq_app = typer.Typer(help="Dead letters: records a consumer could not process.", no_args_is_help=True)
    app.add_typer(dlq_app, name="dlq")

    @app.command()
    @user_errors
    def run(
        ctx: typer.Context,
        once: Annotated[bool, typer.Option(
            "--once", help="Run each stage in turn (poll, extract, project) until caught up, then exit.")] = False,
        panel: Annotated[bool | None, typer.Option(
            "--panel/--no-panel", help="Live panel (default: when stderr is a terminal); else JSON logs.")] = None,
        grace: Annotated[float, typer.Option(
            help="Seconds a stopping service gets to finish its batch before it is killed.")] = 20.0,
        refresh: Annotated[float, typer.Option(help="Seconds between panel refreshes.")] = 1.0,
        status_every: Annotated[float, typer.Option(
            "--status-every", help="Without the panel: seconds between 'pipeline status' log lines.")] = 30.0,
    ) -> None:
        """Run the poller, extractor, projector and read API (the map page) together, supervised.

        A crashed service is restarted with exponential backoff (1 s doubling to 60 s) and the crash logged.
        SIGTERM or Ctrl-C stops every service (each drains its batch and commits) and exits 0.
        """
        from newswire.core.log import open_log
        from newswire.core.logging import get_logger
        from rich.markup import escape

        from newswire.supervisor.panel import short_line
        from newswire.supervisor.process import SERVICES, Supervisor, service_argv

        settings = settings_of(ctx)
        logger = get_logger("newswire.supervisor")
        # Open the log once up front: an unreachable broker fails here with one line (exit 3), and the
        # topics exist before three children race to create them.
        log = open_log(settings)
        log.ping()
        # --once is a batch job: no panel; short lines on a terminal, JSON lines otherwise.
        use_panel = (sys.stderr.isatty() if panel is None else panel) and not once
        plain = once and sys.stderr.isatty()
        # JSON lines the supervisor can tag; COLUMNS keeps rich from wrapping a child's summary line at 80.
        env = {**os.environ, "NEWSWIRE_LOG_FORMAT": "json", "COLUMNS": os.environ.get("COLUMNS", "250")}
        args = root_args(ctx)
        recent: deque[tuple[str, str]] = deque(maxlen=50)
        lock = threading.Lock()

        def sink(service: str, line: str) -> None:
            if use_panel:
                recent.append((service, line))
            elif plain:
                with lock:
                    err_console.print(f"[bold]{service:<10}[/] {escape(short_line(line))}", highlight=False)
            else:
                with lock:
                    sys.stderr.write(_json_line(service, line) + "\n")
                    sys.stderr.flush()

        if use_panel:
            _log_into(recent, settings.log_level)
        if once:
            log.close()
            code = _run_stages(args, env, sink)
            raise typer.Exit(code)

        sup = Supervisor({spec: service_argv(spec, args) for spec in SERVICES}, env=env, output=sink, grace=grace)

        on_stop(sup.stop)
        reader = _state_reader(settings, log)
        logger.info("pipeline starting", services=[s.name for s in SERVICES], log=log.url, panel=use_panel)
        try:
            if use_panel:
                code = _run_with_panel(sup, reader, recent, refresh)
            else:
                last = [0.0]

                def status() -> None:
                    if time.monotonic() - last[0] >= status_every:
                        last[0] = time.monotonic()
                        logger.info("pipeline status", **reader.read().as_json(),
                                    restarts={mp.name: mp.restarts for mp in sup.processes})

                code = sup.run(on_tick=status)
        finally:
            reader.close()
            log.close()
        logger.info("pipeline stopped", exit_codes={mp.name: mp.last_exit for mp in sup.processes})
        if sup.fatal is not None:
            name, exit_code = sup.fatal
            said = next((short_line(line) for mp in sup.processes if mp.name == name
                         for line in reversed(mp.lines) if "error" in line.lower()), None)
            raise fail(f"{name}: exited with code {exit_code} (bad usage or configuration), so the pipeline"
                       f" stopped" + (f": {said.removeprefix('error:').strip()}" if said else
                                      f"; run `newswire {_command_of(name)}` alone to see why"), exit_code)
        raise typer.Exit(code)

    @dlq_app.command("list")
    @user_errors
    def dlq_list(
        ctx: typer.Context,
        pending: Annotated[bool, typer.Option("--pending", help="Only letters not replayed yet.")] = False,
        fmt: FormatOption = None,
    ) -> None:
        """List the dead letters: where each record came from, its error, and whether it was replayed.

        Reads only. The JSON formats carry the full letter (value and headers included).
        """
        from newswire.core.log import open_log
        from newswire.supervisor.dlq import existing_dlq_engine, read_dead_letters

        settings = settings_of(ctx)
        log = open_log(settings, create=False)
        engine = existing_dlq_engine(settings.db_url)
        try:
            entries = read_dead_letters(log, engine)
        finally:
            log.close()
            if engine is not None:
                engine.dispose()
        if pending:
            entries = [e for e in entries if e.replayed_at is None]
        write_rows([e.as_json() for e in entries], resolve(fmt), lambda: _dlq_table(entries))

    @dlq_app.command("replay")
    @user_errors
    def dlq_replay(
        ctx: typer.Context,
        topic: Annotated[str | None, typer.Option(help="Only letters whose source topic is this.")] = None,
        partition: Annotated[int | None, typer.Option(help="Only letters from this source partition.")] = None,
        offset: Annotated[int | None, typer.Option(help="Only the letter of this source offset.")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be replayed; change nothing.")]
        = False,
    ) -> None:
        """Re-publish dead letters to their source topic (after fixing the cause); each letter at most once."""
        from newswire.core.log import open_log
        from newswire.supervisor.dlq import dlq_engine, replay_dead_letters

        settings = settings_of(ctx)
        log = open_log(settings)
        try:
            result = replay_dead_letters(log, dlq_engine(settings.db_url), topic=topic, partition=partition,
                                         offset=offset, dry_run=dry_run)
        finally:
            log.close()
        verb = "would replay" if dry_run else "replayed"
        for e in result.replayed:
            assert e.letter is not None
            typer.echo(f"{verb} dlq {e.position} -> {e.letter.topic}[{e.letter.partition}]@{e.letter.offset}"
                       f" key={e.letter.key}")
        typer.echo(f"{verb} {len(result.replayed)}; already replayed {result.already_replayed};"
                   f" not matching {result.unmatched}; unparsable {result.unparsable}")


def _dlq_table(entries: list[Any]) -> Any:
    from rich.table import Table

    table = Table(title=f"{len(entries)} dead letter(s)", title_justify="left")
    for col in ("dlq", "failed at", "consumer", "source", "error", "replayed"):
        table.add_column(col, overflow="fold")
    for e in entries:
        le = e.letter
        if le is None:
            table.add_row(e.position, "-", "-", "-", "unparsable dead letter", "-")
            continue
        table.add_row(e.position, le.failed_at.strftime("%Y-%m-%d %H:%M:%S"), le.consumer,
                      f"{le.topic}[{le.partition}]@{le.offset}", f"{le.error_type}: {le.error}"[:200],
                      e.replayed_at.strftime("%Y-%m-%d %H:%M:%S") if e.replayed_at else "no")
    return table


class _LinesTo:
    """A file-like object that turns the supervisor's own log lines into panel lines."""

    def __init__(self, lines: deque[tuple[str, str]]) -> None:
        self.lines = lines

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                self.lines.append(("supervisor", line))
        return len(text)

    def flush(self) -> None:
        pass


def _log_into(lines: deque[tuple[str, str]], level: str) -> None:
    """With the panel on the terminal, the supervisor's own logs go into the panel, not over it."""
    import structlog

    from newswire.core.logging import configure_logging

    configure_logging(level, "json")
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=_LinesTo(lines)))  # type: ignore[arg-type]


def _command_of(service: str) -> str:
    from newswire.supervisor.process import SERVICES

    return next((s.command for s in SERVICES if s.name == service), service)


def _run_stages(args: list[str], env: dict[str, str], sink: Any) -> int:
    """``--once``: each service in pipeline order with ``--once``; the first failure's exit code.

    SIGTERM is passed on to the running stage (which finishes its batch and commits) and no later
    stage starts; Ctrl-C on a terminal reaches the stage directly (same process group).
    """
    from newswire.core.logging import get_logger
    from newswire.supervisor.process import PIPELINE, service_argv

    logger = get_logger("newswire.supervisor")
    current: list[subprocess.Popen[bytes]] = []
    stopping = threading.Event()

    def stop() -> None:
        stopping.set()
        for proc in current:
            proc.send_signal(signal.SIGTERM)

    on_stop(stop, sigint=False)
    for spec in PIPELINE:
        if stopping.is_set():
            break
        argv = service_argv(spec, args, ["--once"])
        began = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,  # noqa: S603
                                stderr=subprocess.STDOUT, env=env)
        current[:] = [proc]
        assert proc.stdout is not None
        for raw in proc.stdout:
            sink(spec.name, raw.decode("utf-8", "replace").rstrip("\n"))
        code = proc.wait()
        current.clear()
        logger.info("stage finished", service=spec.name, exit_code=code, seconds=round(time.monotonic() - began, 2))
        if code != 0 and not stopping.is_set():
            err_console.print(f"[bold red]error:[/] {spec.name}: exited with code {code}", highlight=False)
            return code
    return 0


def _state_reader(settings: Any, log: Any) -> Any:
    from newswire.core.topics import ARTICLES, EVENT_TOPICS
    from newswire.supervisor.state import GroupSpec, StateReader, poller_feed_health, state_engine

    groups = [GroupSpec("extractor", settings.extractor.group_id, (ARTICLES.name,)),
              GroupSpec("projector", settings.projector.group_id, tuple(EVENT_TOPICS))]
    # Table sizes come from the projector's database; feed health from the poller's (the service database).
    poller_engine = state_engine(settings.db_url)
    return StateReader(log, state_engine(settings.projector_db_url()), groups,
                       feed_reader=lambda _engine: poller_feed_health(poller_engine))


def _run_with_panel(sup: Any, reader: Any, recent: Any, refresh: float) -> int:
    from rich.live import Live

    from newswire.supervisor.panel import render_panel

    state = reader.read()
    last = [time.monotonic()]
    with Live(render_panel(state, sup.processes, recent_lines=recent), console=err_console,
              refresh_per_second=4, transient=False) as live:

        def tick() -> None:
            nonlocal state
            if time.monotonic() - last[0] >= refresh:
                last[0] = time.monotonic()
                state = reader.read()
            live.update(render_panel(state, sup.processes, recent_lines=recent))

        return int(sup.run(on_tick=tick))
