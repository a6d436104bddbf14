"""A user's mistakes and unreachable backends: one line naming the setting, the README's exit code (issue 12, items 5 and 6).

README: 1 the work failed, 2 bad usage or configuration, 3 the log or a
backend is unreachable. Every case here printed a raw traceback, or exited
with another code, before.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswire.cli import app
from newswire.core.log import SqliteLog

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:  # bound and closed: nothing listens there
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(args: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    return result.exit_code, result.stderr


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


# -- configuration mistakes: exit 2, the setting named -----------------------------------------


CONFIG_CASES = {
    "binary config file": (["-c", "binary.toml", "status"], {}, "config binary.toml: not a TOML file"),
    "feeds env var that is not JSON": (["status"], {"NEWSWIRE_POLLER__FEEDS": "[{garbage"}, "NEWSWIRE_POLLER__*"),
    "kafka port that is not a number": (["tail", "conflict.control.v1"],
                                        {"NEWSWIRE_LOG_URL": "kafka://127.0.0.1:notaport"},
                                        "log_url (NEWSWIRE_LOG_URL): Value error, '127.0.0.1:notaport' is not "
                                        "host:port"),
    "mysql database URL (status)": (["status"], {"NEWSWIRE_DB_URL": "mysql://x/y"}, "db_url (NEWSWIRE_DB_URL)"),
    "mysql database URL (state)": (["state", "control"], {"NEWSWIRE_DB_URL": "mysql://x/y"},
                                   "db_url (NEWSWIRE_DB_URL)"),
    "mysql database URL (project)": (["project", "--once"], {"NEWSWIRE_DB_URL": "mysql://x/y"},
                                     "db_url (NEWSWIRE_DB_URL)"),
    "sqlite path under a file (project)": (["project", "--once"], {"NEWSWIRE_DB_URL": "sqlite:///afile/db.sqlite"},
                                           "'afile' is a file, not a directory; set NEWSWIRE_PROJECTOR__DB_URL or "
                                           "NEWSWIRE_DB_URL"),
    "sqlite path under a file (poll)": (["poll", "--once"], {"NEWSWIRE_DB_URL": "sqlite:///afile/db.sqlite"},
                                        "'afile' is a file, not a directory; set NEWSWIRE_DB_URL"),
    "junk file as the database (state)": (["state", "control"], {"NEWSWIRE_DB_URL": "sqlite:///junk.db"},
                                          "cannot use the SQLite file: file is not a database"),
    "junk file as the database (poll)": (["poll", "--once"], {"NEWSWIRE_DB_URL": "sqlite:///junk.db"},
                                         "db_url sqlite:///junk.db: cannot use the SQLite file: file is not a "
                                         "database; set NEWSWIRE_DB_URL"),
    "missing input file": (["ingest", "absent.jsonl"], {}, "no such file: absent.jsonl"),
}


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_a_configuration_mistake_is_one_line_and_exit_2(
        case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args, env, expected = CONFIG_CASES[case]
    (tmp_path / "binary.toml").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "afile").write_text("a file, not a directory\n")
    (tmp_path / "junk.db").write_bytes(os.urandom(8192))
    env = {"NEWSWIRE_LOG_URL": f"sqlite:///{tmp_path / 'log.db'}", "NEWSWIRE_POLLER__INCLUDE_SAMPLE_FEED": "false",
           **env}
    code, err = run_cli(args, env, monkeypatch)
    line = one_line(err)
    assert expected in line
    assert code == 2, line


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` made read-only, for root too (``chattr +i``: root ignores permission bits)."""
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield
        finally:
            path.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a directory read-only for root here (no chattr, or the file system refuses)")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


@pytest.mark.parametrize(("args", "expected", "exit_code"), [
    (["poll", "--once"], "cannot create the directory", 2),  # a writer: the data home is unusable
    (["state", "control"], "no such file", 3),  # a reader: nothing has run with this data home
    (["status"], "no such file", 3),
])
def test_a_read_only_data_home_is_one_line(
        args: list[str], expected: str, exit_code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "ro"
    work.mkdir()
    with read_only(work):
        code, err = run_cli(args, {"NEWSWIRE_HOME": str(work / "home"),
                                   "NEWSWIRE_POLLER__INCLUDE_SAMPLE_FEED": "false"}, monkeypatch)
    line = one_line(err)
    assert expected in line and "NEWSWIRE_" in line
    assert code == exit_code, line


# -- an unreachable database: exit 3 from every command ---------------------------------------


@pytest.mark.parametrize("args", [["project", "--once"], ["state", "control"], ["replay"], ["poll", "--once"],
                                  ["status"], ["dlq", "list"], ["dlq", "replay"]])
def test_an_unreachable_database_is_one_line_and_exit_3(
        args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/newswire"
    SqliteLog(tmp_path / "log.db").close()  # the log is there (read-only commands open no missing log)
    code, err = run_cli(args, {"NEWSWIRE_DB_URL": url, "NEWSWIRE_LOG_URL": f"sqlite:///{tmp_path / 'log.db'}",
                               "NEWSWIRE_POLLER__INCLUDE_SAMPLE_FEED": "false"}, monkeypatch)
    line = one_line(err)
    assert "cannot reach the database" in line and "NEWSWIRE_DB_URL" in line and "Connection refused" in line
    assert code == 3, line


# -- SIGTERM in a service's first seconds: drain, exit 0 --------------------------------------


def opened(pid: int, name: str) -> bool:
    """Whether process ``pid`` holds a file called ``name`` open."""
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}").endswith(name) for fd in os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError):
        return False


def start(tmp_path: Path, command: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env |= {"NEWSWIRE_LOG_URL": f"sqlite:///{tmp_path / 'log.db'}", "NEWSWIRE_DB_URL": f"sqlite:///{tmp_path / 'tables.db'}",
            "NEWSWIRE_EXTRACTOR__METRICS_PORT": "0", "NEWSWIRE_PROJECTOR__METRICS_PORT": "0",
            "NEWSWIRE_LOG_FORMAT": "json"}
    return subprocess.Popen([sys.executable, "-m", "newswire", command], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.5, 1.0])
def test_sigterm_while_the_extractor_loads_ends_it_with_0(tmp_path: Path, delay: float) -> None:
    proc = start(tmp_path, "extract")
    try:
        # The log is opened before the language model loads (about 3 s): SIGTERM lands during the load.
        wait_until(lambda: opened(proc.pid, "log.db"))
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err[-2000:]
    assert "extracted 0 event(s) from 0 article(s)" in err


@pytest.mark.slow
def test_sigterm_while_the_projector_opens_its_tables_ends_it_with_0(tmp_path: Path) -> None:
    holder = sqlite3.connect(tmp_path / "tables.db", isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")  # the projector's first transaction waits for this lock
    proc = start(tmp_path, "project")
    try:
        wait_until(lambda: opened(proc.pid, "tables.db"))
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        holder.execute("ROLLBACK")
        _, err = proc.communicate(timeout=120)
    finally:
        holder.close()
        proc.kill()
    assert proc.returncode == 0, err[-2000:]
    assert "projected 0 record(s)" in err


def catches_sigterm(pid: int) -> bool:
    """Whether process ``pid`` has a handler for SIGTERM (``SigCgt`` in /proc/PID/status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    mask = int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("SigCgt:")), 16)
    return bool(mask & (1 << (signal.SIGTERM - 1)))


@pytest.mark.slow
@pytest.mark.parametrize("command", ["project", "extract"])
def test_sigterm_while_python_still_imports_the_cli_ends_the_service_with_0(tmp_path: Path, command: str) -> None:
    """SIGTERM is taken from the process's first line, before the CLI and its libraries are imported."""
    proc = start(tmp_path, command)
    try:
        wait_until(lambda: catches_sigterm(proc.pid) or proc.poll() is not None)
        assert not opened(proc.pid, "log.db")  # still starting: the log is not even open
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err[-2000:]
