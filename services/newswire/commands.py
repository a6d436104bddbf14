"""What every ``newswire`` command shares: settings resolution, one-line errors, exit codes.

Kept apart from :mod:`newswire.cli` so that each service's ``cli`` module can
import it without importing the whole command tree (which imports them).

Exit codes: the ``EXIT_*`` constants below, documented for users once, in the
README's Commands section (``tests/test_docs_once.py`` checks they agree).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import typer
from rich.console import Console

from newswire.core import heap
from newswire.core.config import Settings, load_settings
from newswire.core.errors import ConfigError, DataMissing, NewswireError, Unavailable
from newswire.core.signals import on_stop, release_sigterm

__all__ = ["EXIT_ERROR", "EXIT_CONFIG", "EXIT_UNAVAILABLE", "EXIT_INTERRUPTED", "SERVICE_COMMANDS", "err_console",
           "exit_code", "fail", "user_errors", "settings_of", "run_service"]

EXIT_ERROR = 1  # the work failed (a NewswireError)
EXIT_CONFIG = 2  # bad usage or configuration
EXIT_UNAVAILABLE = 3  # the log, the database or a backend is unreachable or missing
EXIT_INTERRUPTED = 130  # Ctrl-C where no loop drains (128 + SIGINT)

err_console = Console(stderr=True)


F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def exit_code(exc: NewswireError) -> int:
    """The README's exit code for an error a user can fix: 2 configuration, 3 a backend unreachable (or, for a
    read-only command, no data where the settings point), 1 the rest."""
    if isinstance(exc, ConfigError):
        return EXIT_CONFIG
    if isinstance(exc, Unavailable | DataMissing):
        return EXIT_UNAVAILABLE
    return EXIT_ERROR


def user_errors(func: F) -> F:
    """Turn errors a user can fix into one line and an exit code; let bugs crash.

    Every command is wrapped in this, so this is the one place where errors
    meet the terminal. Errors are turned into :class:`NewswireError` where they
    arise (settings, :mod:`newswire.core.db`, the log backends, the poller).
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NewswireError as exc:
            raise fail(str(exc), exit_code(exc)) from None
        except KeyboardInterrupt:
            raise typer.Exit(EXIT_INTERRUPTED) from None
        finally:
            release_sigterm()  # a SIGTERM no run loop took (a batch command) ends the process as before

    return wrapper  # type: ignore[return-value]


# The commands that end in run_service: a SIGTERM during their start-up asks for a drain, not a kill.
SERVICE_COMMANDS = frozenset({"poll", "extract", "project"})


def settings_of(ctx: typer.Context) -> Settings:
    """The settings of this invocation, resolved once and configuring logging."""
    root = ctx.find_root()
    obj = root.obj if root.obj is not None else {"config": None, "overrides": {}, "settings": None}
    if obj["settings"] is None:
        from newswire.core import health
        from newswire.core.logging import configure_logging

        obj["settings"] = load_settings(obj["config"], **obj["overrides"])
        configure_logging(obj["settings"].log_level, obj["settings"].log_format)
        health.configure(obj["settings"].metrics_host)
        root.obj = obj
    return obj["settings"]  # type: ignore[no-any-return]


class _Closeable(Protocol):
    def close(self) -> None: ...


def run_service(service: Any, serve: Callable[[], _Closeable] | None, **run_args: Any) -> Any:
    """Run a service until it stops; SIGTERM and Ctrl-C call ``service.stop()``.

    ``serve`` starts its health/metrics server (none with ``--once``). Order on
    the way out: the server closes, then the service (after its last checkpoint).
    """
    server = None
    try:
        if serve is not None:
            server = serve()
        on_stop(service.stop)  # also takes a SIGTERM that came while the process started
        heap.settle()
        return service.run(**run_args)
    finally:
        if server is not None:
            server.close()
        service.close()
