"""The core commands: user errors are one line and an exit code, ``tail`` prints JSON lines, ``--help`` everywhere."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from newswire.cli import app
from newswire.commands import EXIT_CONFIG, EXIT_ERROR, EXIT_UNAVAILABLE
from newswire.core.log import SqliteLog
from newswire.core.log.kafka import KafkaLog

runner = CliRunner()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def newswire(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a child process (what a user sees, tracebacks included).

    Its data home is the test's (XDG_DATA_HOME, see conftest) unless ``env`` says otherwise.
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    return subprocess.run([sys.executable, "-m", "newswire", *args], capture_output=True, text=True,
                          env={**clean, **(env or {})}, timeout=60)


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert result.stdout == ""


# -- user errors ---------------------------------------------------------------


def test_bad_log_url_is_one_line_naming_the_setting() -> None:
    result = newswire("--log-url", "redis://localhost", "tail", "conflict.control.v1")
    assert_one_line_error(result, EXIT_CONFIG, "log_url", "NEWSWIRE_LOG_URL", "sqlite:///PATH or kafka://")


def test_bad_log_url_from_the_environment_is_the_same_line() -> None:
    result = newswire("tail", "conflict.control.v1", env={"NEWSWIRE_LOG_URL": "kafka://"})
    assert_one_line_error(result, EXIT_CONFIG, "NEWSWIRE_LOG_URL", "kafka:// needs at least one host:port")


def test_unreachable_broker_is_one_line_naming_the_address() -> None:
    address = f"127.0.0.1:{closed_port()}"
    result = newswire("--log-url", f"kafka://{address}", "tail", "conflict.control.v1", "--idle-exit", "1")
    assert_one_line_error(result, EXIT_UNAVAILABLE, f"kafka://{address}", "unreachable")


@pytest.mark.parametrize("problem", ["missing", "directory", "invalid TOML", "invalid value"])
def test_unreadable_config_file_is_one_line_naming_the_file(tmp_path: Path, problem: str) -> None:
    path = tmp_path / "newswire.toml"
    expected = {"missing": "no such file", "directory": "cannot read", "invalid TOML": "invalid TOML",
                "invalid value": "partitions"}[problem]
    if problem == "directory":
        path.mkdir()
    elif problem == "invalid TOML":
        path.write_text("log_url = [\n")
    elif problem == "invalid value":
        path.write_text("partitions = 0\n")
    result = newswire("--config", str(path), "tail", "conflict.control.v1")
    assert_one_line_error(result, EXIT_CONFIG, str(path), expected)


def test_unknown_topic_is_bad_usage_listing_the_topics(tmp_path: Path) -> None:
    SqliteLog(tmp_path / "log.db").create_topics({"conflict.control.v1": 3})
    result = newswire("--log-url", f"sqlite:///{tmp_path / 'log.db'}", "tail", "conflict.contrl.v1")
    assert_one_line_error(result, EXIT_CONFIG, "conflict.contrl.v1", "no such topic", "conflict.control.v1")
    result = newswire("--log-url", f"sqlite:///{tmp_path / 'log.db'}", "tail", r"conflikt\..*")
    assert_one_line_error(result, EXIT_CONFIG, "matches no topic", "conflict.control.v1")
    result = newswire("--log-url", f"sqlite:///{tmp_path / 'log.db'}", "tail", "conflict.(")
    assert_one_line_error(result, EXIT_CONFIG, "not a regular expression")


def test_tail_max_must_be_positive(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--log-url", f"sqlite:///{tmp_path / 'log.db'}", "tail", "t", "--max", "-1"])
    assert result.exit_code == 2 and "--max" in result.output
    assert not (tmp_path / "log.db").exists()


@pytest.mark.parametrize("command", [("tail", "conflict.control.v1"), ("log", "stats"), ("dlq", "list"),
                                     ("state", "control"), ("status",)])
def test_read_only_commands_create_nothing_and_name_the_missing_file(tmp_path: Path, command: tuple[str, ...]
                                                                     ) -> None:
    """`cd "$(mktemp -d)" && newswire state control` used to print [] and leave ./data/ behind."""
    home = tmp_path / "home"
    result = newswire(*command, env={"NEWSWIRE_HOME": str(home)})
    assert_one_line_error(result, EXIT_UNAVAILABLE, str(home), "no such file", "newswire run")
    assert not home.exists()
    assert list(tmp_path.iterdir()) == [], "nothing created in the working directory either"


def test_state_on_an_empty_postgresql_database_creates_no_tables(postgres_url: str) -> None:
    import sqlalchemy as sa

    result = newswire("--db-url", postgres_url, "state", "control")
    assert_one_line_error(result, EXIT_UNAVAILABLE, "no newswire tables", "newswire project")
    engine = sa.create_engine(postgres_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_root_options_are_accepted_after_the_subcommand(tmp_path: Path) -> None:
    with SqliteLog(tmp_path / "log.db") as log:
        produce_events(log, "conflict.control.v1")
    url = f"sqlite:///{tmp_path / 'log.db'}"
    for args in (["tail", "conflict.control.v1", "--from-beginning", "--idle-exit", "0.5", "--log-url", url],
                 ["tail", f"--log-url={url}", "conflict.control.v1", "--from-beginning", "--idle-exit", "0.5"],
                 ["tail", "conflict.control.v1", "--config", str(tmp_path / "absent.toml")]):
        result = runner.invoke(app, args)
        if "--config" in args:
            assert result.exit_code == EXIT_CONFIG and "absent.toml" in result.stderr
        else:
            assert result.exit_code == 0, result.output
            assert len(result.stdout.splitlines()) == 3


def test_version_and_shell_completion() -> None:
    from newswire import __version__

    result = newswire("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"newswire {__version__}"
    completion = newswire("--show-completion", "bash")
    assert completion.returncode == 0 and "_newswire_completion" in completion.stdout
    env = {"_NEWSWIRE_COMPLETE": "complete_bash", "COMP_WORDS": "newswire sta", "COMP_CWORD": "1"}
    script = Path(sys.executable).parent / "newswire"  # the console script, as a shell calls it
    completed = subprocess.run([str(script)], capture_output=True, text=True, env={**os.environ, **env}, timeout=60)
    assert {"state", "status"} <= set(completed.stdout.split()), completed.stdout + completed.stderr


# -- tail ------------------------------------------------------------------------


def tail(log_url: str, *args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["--log-url", log_url, "tail", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return [json.loads(line) for line in result.stdout.splitlines()]


def produce_events(log: SqliteLog | KafkaLog, topic: str) -> None:
    log.produce(topic, "place-1", json.dumps({"type": "control.changed", "n": 1}).encode())
    log.produce(topic, "place-1", json.dumps({"type": "control.changed", "n": 2}).encode(), [("h", b"1")])
    log.produce(topic, "place-2", b"not json \xff")
    log.flush()


def check_lines(lines: list[dict[str, object]], topic: str) -> None:
    """The three records of ``produce_events``: JSON values as JSON, others as text; per-key order kept."""
    assert len(lines) == 3
    assert [line["value"] for line in lines if line["key"] == "place-1"] == [
        {"type": "control.changed", "n": 1}, {"type": "control.changed", "n": 2}]
    assert [line["value"] for line in lines if line["key"] == "place-2"] == ["not json \ufffd"]
    assert all(line["topic"] == topic and isinstance(line["offset"], int) for line in lines)


def test_tail_from_beginning_prints_json_lines_on_the_embedded_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    with SqliteLog(tmp_path / "log.db") as log:
        produce_events(log, "conflict.control.v1")
    lines = tail(url, "conflict.control.v1", "--from-beginning", "--idle-exit", "1")
    check_lines(lines, "conflict.control.v1")


def test_tail_without_from_beginning_prints_only_new_records(tmp_path: Path) -> None:
    """Like kafka-console-consumer: no --from-beginning, no committed offset: start at the end."""
    url = f"sqlite:///{tmp_path / 'log.db'}"
    with SqliteLog(tmp_path / "log.db") as log:
        produce_events(log, "conflict.control.v1")
    assert tail(url, "conflict.control.v1", "--idle-exit", "0.5") == []
    assert tail(url, "conflict.control.v1", "--group", "fresh", "--idle-exit", "0.5") == []


def test_from_beginning_with_a_committed_group_resumes(tmp_path: Path) -> None:
    """Kafka's console consumer: --from-beginning applies only where the group has no committed offset."""
    url = f"sqlite:///{tmp_path / 'log.db'}"
    with SqliteLog(tmp_path / "log.db") as log:
        produce_events(log, "conflict.control.v1")
    assert len(tail(url, "conflict.control.v1", "--from-beginning", "--group", "g", "--idle-exit", "0.5")) == 3
    assert tail(url, "conflict.control.v1", "--from-beginning", "--group", "g", "--idle-exit", "0.5") == []
    with SqliteLog(tmp_path / "log.db") as log:
        log.produce("conflict.control.v1", "place-9", b"{}")
    lines = tail(url, "conflict.control.v1", "--from-beginning", "--group", "g", "--idle-exit", "0.5")
    assert [line["key"] for line in lines] == ["place-9"]


def test_tail_a_pattern_on_the_embedded_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    with SqliteLog(tmp_path / "log.db") as log:
        produce_events(log, "conflict.control.v1")
        produce_events(log, "conflict.crossings.v1")
        produce_events(log, "newswire.articles.v1")
    lines = tail(url, r"conflict\..*\.v1", "--from-beginning", "--idle-exit", "0.5")
    assert sorted({line["topic"] for line in lines}) == ["conflict.control.v1", "conflict.crossings.v1"]
    assert len(lines) == 6


@pytest.mark.kafka
def test_tail_a_pattern_on_kafka(kafka_bootstrap: str, kafka_log_factory: Callable[..., KafkaLog],
                                 kafka_topic: Callable[..., str]) -> None:
    log = kafka_log_factory()
    prefix = kafka_topic("pat")
    for name in ("a", "b"):
        produce_events(log, f"{prefix}.{name}")
    produce_events(log, kafka_topic("other"))
    pattern = prefix.replace(".", r"\.") + r"\..*"
    url = f"kafka://{kafka_bootstrap}"
    lines = tail(url, pattern, "--from-beginning", "--idle-exit", "1")
    assert sorted({line["topic"] for line in lines}) == [f"{prefix}.a", f"{prefix}.b"] and len(lines) == 6
    with_group = tail(url, pattern, "--from-beginning", "--group", kafka_topic("g"), "--idle-exit", "1")
    assert len(with_group) == 6


def test_tail_with_a_group_resumes_where_it_stopped(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    with SqliteLog(tmp_path / "log.db") as log:
        produce_events(log, "conflict.control.v1")
    assert len(tail(url, "conflict.control.v1", "--group", "me", "--from-beginning", "--idle-exit", "1")) == 3
    assert tail(url, "conflict.control.v1", "--group", "me", "--idle-exit", "1") == []
    with SqliteLog(tmp_path / "log.db") as log:
        log.produce("conflict.control.v1", "place-3", b"{}")
    lines = tail(url, "conflict.control.v1", "--group", "me", "--idle-exit", "1")
    assert [line["key"] for line in lines] == ["place-3"]


def test_tail_max_stops_after_that_many_records(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    with SqliteLog(tmp_path / "log.db") as log:
        produce_events(log, "conflict.control.v1")
    assert len(tail(url, "conflict.control.v1", "--from-beginning", "--max", "2")) == 2


@pytest.mark.kafka
def test_tail_from_beginning_prints_json_lines_on_kafka(
        kafka_bootstrap: str, kafka_log_factory: Callable[..., KafkaLog], kafka_topic: Callable[..., str]) -> None:
    log = kafka_log_factory()
    topic = kafka_topic()
    produce_events(log, topic)
    lines = tail(f"kafka://{kafka_bootstrap}", topic, "--from-beginning", "--idle-exit", "1")
    check_lines(lines, topic)


# -- --help ----------------------------------------------------------------------


def command_paths(group: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and sub-command of a click group (typer vendors click: duck-type on ``commands``)."""
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if getattr(command, "commands", None):
            yield from command_paths(command, (*prefix, name))


ALL_COMMANDS = [(), *command_paths(typer.main.get_command(app))]


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "newswire")
def test_help_works_on_every_command(path: tuple[str, ...], tmp_path: Path) -> None:
    # A broken configuration must not stop --help: settings are resolved lazily.
    (tmp_path / "newswire.toml").write_text("not toml [")
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout


def test_the_command_list_includes_the_core_commands() -> None:
    assert {("tail",), ("schemas",), ("schemas", "export"), ("schemas", "check")} <= set(ALL_COMMANDS)
