"""One --format (table, json, jsonl, csv) for the commands that print rows; JSON Lines when piped; `| head` works."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswire.cli import app
from newswire.poller.state import PollerState

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def state_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    state = PollerState.open(url)
    for i in range(3):
        state.record_failure(f"http://feed{i}.example/rss", f"outlet{i}", error="HTTP 500", at=AT, next_poll=1e9)
    state.close()
    return url


def status(url: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["status", "--db-url", url, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_lines_when_piped(state_db: str) -> None:
    rows = [json.loads(line) for line in status(state_db).splitlines()]
    assert {"http://feed0.example/rss", "http://feed2.example/rss"} <= {r["url"] for r in rows}
    assert all(r["failures"] == 1 for r in rows if r["url"].startswith("http://feed"))


def test_every_format(state_db: str) -> None:
    lines = [json.loads(line) for line in status(state_db, "--format", "jsonl").splitlines()]
    assert json.loads(status(state_db, "--format", "json")) == lines
    table = list(csv.DictReader(io.StringIO(status(state_db, "--format", "csv"))))
    assert [r["url"] for r in table] == [r["url"] for r in lines]
    assert {r["url"]: r["failures"] for r in table}["http://feed1.example/rss"] == "1"
    text = status(state_db, "--format", "table")
    assert "outlet1" in text and "┃" in text
    bad = CliRunner().invoke(app, ["status", "--db-url", state_db, "--format", "xml"])
    assert bad.exit_code == 2


def test_a_table_on_a_terminal(state_db: str, tmp_path: Path) -> None:
    import pty

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    proc = subprocess.run([sys.executable, "-m", "newswire", "status", "--db-url", state_db], stdout=slave,
                          stderr=subprocess.PIPE, env={**env, "COLUMNS": "120"}, timeout=60)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.returncode == 0, proc.stderr
    assert "feeds" in out.decode() and "outlet0" in out.decode() and "{" not in out.decode()


def test_head_closing_the_pipe_is_not_an_error(tmp_path: Path) -> None:
    """`newswire status | head -1` on thousands of rows: no traceback, no BrokenPipeError, exit 0."""
    url = f"sqlite:///{tmp_path / 'many.db'}"
    state = PollerState.open(url)
    for i in range(3000):
        state.record_failure(f"http://feed{i}.example/rss", f"outlet{i}", error="x" * 200, at=AT, next_poll=1e9)
    state.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    shell = (f"set -o pipefail; {sys.executable} -m newswire status --db-url {url} | head -1; "
             f"{sys.executable} -m newswire status --db-url {url} --format csv | head -2")
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    first, header, row = done.stdout.splitlines()
    assert json.loads(first)["url"] and header.startswith("url,") and row.startswith("http")
