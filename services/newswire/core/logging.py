"""Structured logs: rich console lines on a terminal, JSON lines otherwise (structlog)."""

from __future__ import annotations

import logging
import sys

import structlog

__all__ = ["configure_logging", "get_logger"]


def configure_logging(level: str = "info", fmt: str = "auto") -> None:
    """Configure structlog once per process. ``fmt``: auto, json or console."""
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if use_json:
        processors += [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        processors += [structlog.dev.ConsoleRenderer()]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    # Libraries (kafka-python, trafilatura) log through stdlib logging: keep them quiet unless debugging.
    logging.basicConfig(level=logging.WARNING if level != "debug" else logging.DEBUG, stream=sys.stderr)
    for noisy in ("kafka", "trafilatura", "htmldate", "courlan", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.ERROR if level != "debug" else logging.DEBUG)
    # kafka-python logs every refused connection at ERROR; KafkaLog reports an unreachable broker as one line.
    logging.getLogger("kafka").setLevel(logging.CRITICAL if level != "debug" else logging.DEBUG)


def _stderr_logger(*_: object) -> structlog.PrintLogger:
    """A logger on ``sys.stderr`` as it is now: test runners (typer's CliRunner) swap and close it."""
    return structlog.PrintLogger(sys.stderr)


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    return structlog.get_logger(name)
