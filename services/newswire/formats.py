"""One ``--format`` for every command that prints rows (``state``, ``status``, ``dlq list``, ``log stats``).

``table`` (rich) is the default on a terminal, ``jsonl`` (one JSON object per
line, what ``jq`` and ``head`` want) when stdout is piped; ``json`` is one
array, ``csv`` one header line and a row per object, nested values as JSON.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer

__all__ = ["Format", "FormatOption", "resolve", "write_rows", "until_the_reader_leaves"]


class Format(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


FormatOption = Annotated[Format | None, typer.Option(
    "--format", help="table (the default on a terminal), jsonl (the default when piped), json or csv.")]


def resolve(fmt: Format | None) -> Format:
    """The format asked for, else a table on a terminal and JSON Lines otherwise."""
    if fmt is not None:
        return fmt
    return Format.table if sys.stdout.isatty() else Format.jsonl


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False)


@contextmanager
def until_the_reader_leaves() -> Iterator[None]:
    """Writing to a pipe whose reader has gone (``newswire state control | head``) ends the command with exit 0.

    stdout is pointed at /dev/null first, so the interpreter's last flush does not complain either.
    """
    try:
        yield
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None


def write_rows(rows: Sequence[dict[str, Any]], fmt: Format, table: Callable[[], Any]) -> None:
    """Print ``rows`` in ``fmt``; ``table`` builds the rich renderable, only when a table is wanted."""
    with until_the_reader_leaves():
        _write(rows, fmt, table)


def _write(rows: Sequence[dict[str, Any]], fmt: Format, table: Callable[[], Any]) -> None:
    out = sys.stdout
    if fmt is Format.table:
        from rich.console import Console

        Console().print(table())
    elif fmt is Format.json:
        out.write(_dumps(list(rows)) + "\n")
    elif fmt is Format.jsonl:
        for row in rows:
            out.write(_dumps(row) + "\n")
    else:
        columns = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
    out.flush()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return _dumps(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
