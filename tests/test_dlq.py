"""`newswire dlq list|replay` on a real embedded log and SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswire.cli import app
from newswire.core.dlq import send_dead_letter
from newswire.core.errors import ExtractionError
from newswire.core.log import SqliteLog
from newswire.core.log.types import LogRecord
from newswire.core.topics import ARTICLES, CONTROL, DLQ, TOPICS
from newswire.supervisor import dlq as dlq_module
from newswire.supervisor.dlq import REPLAY_HEADER, dlq_engine, read_dead_letters, replay_dead_letters


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, str]:
    return tmp_path / "log.db", f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture
def log(paths: tuple[Path, str]):
    log = SqliteLog(paths[0])
    log.create_topics({t.name: 3 for t in TOPICS})
    yield log
    log.close()


def fail_records(log: SqliteLog, topic: str, keys: list[str]) -> list[LogRecord]:
    """Produce records to ``topic`` and dead-letter each, as a consumer would."""
    for key in keys:
        log.produce(topic, key, json.dumps({"id": key}).encode(), headers=(("trace", b"t-" + key.encode()),))
    log.flush()
    consumer = log.consumer(None, [topic])
    records: list[LogRecord] = []
    while len(records) < len(keys):
        records += consumer.poll(timeout=0.5)
    consumer.close()
    for r in records:
        send_dead_letter(log, "newswire-extractor", r, ExtractionError("no sentences", where=f"article {r.key}"))
    log.flush()
    return records


def cli(paths: tuple[Path, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--log-url", f"sqlite:///{paths[0]}", "--db-url", paths[1], *args],
                                env={"COLUMNS": "300"})
    return result.exit_code, result.output


def read_topic(log: SqliteLog, topic: str) -> list[LogRecord]:
    consumer = log.consumer(None, [topic])
    out: list[LogRecord] = []
    while batch := consumer.poll(timeout=0.2):
        out += batch
    consumer.close()
    return out


def test_list_shows_error_source_and_position(log: SqliteLog, paths: tuple[Path, str]) -> None:
    records = fail_records(log, ARTICLES.name, ["a1", "a2"])
    code, out = cli(paths, "dlq", "list", "--format", "jsonl")
    assert code == 0, out
    letters = [json.loads(line) for line in out.splitlines()]
    assert len(letters) == 2
    by_key = {le["letter"]["key"]: le for le in letters}
    for r in records:
        le = by_key[r.key]["letter"]
        assert (le["topic"], le["partition"], le["offset"]) == (r.topic, r.partition, r.offset)
        assert le["error"] == f"article {r.key}: no sentences" and le["error_type"] == "ExtractionError"
        assert le["consumer"] == "newswire-extractor"
        assert by_key[r.key]["replayed_at"] is None
    code, out = cli(paths, "dlq", "list", "--format", "table")
    assert code == 0 and "2 dead letter(s)" in out and "ExtractionError" in out


def test_replay_republishes_to_the_source_topic_once(log: SqliteLog, paths: tuple[Path, str]) -> None:
    records = fail_records(log, ARTICLES.name, ["a1", "a2", "a3"])
    code, out = cli(paths, "dlq", "replay")
    assert code == 0, out
    assert "replayed 3; already replayed 0" in out

    articles = read_topic(log, ARTICLES.name)
    assert len(articles) == 6  # the 3 originals and their 3 replays
    replays = [r for r in articles if r.header(REPLAY_HEADER) is not None]
    originals = {r.key: r for r in records}
    assert sorted(r.key for r in replays) == ["a1", "a2", "a3"]
    for r in replays:
        assert r.value == originals[r.key].value
        assert r.partition == originals[r.key].partition  # same key, same partition
        assert r.header("trace") == originals[r.key].header("trace")
        assert r.header(REPLAY_HEADER).decode().startswith(f"{DLQ.name}:")

    code, out = cli(paths, "dlq", "replay")
    assert code == 0 and "replayed 0; already replayed 3" in out
    assert len(read_topic(log, ARTICLES.name)) == 6  # no duplicates from the second replay
    code, out = cli(paths, "dlq", "list", "--pending", "--format", "table")
    assert "0 dead letter(s)" in out


def test_replay_filters_and_leaves_the_rest_pending(log: SqliteLog, paths: tuple[Path, str]) -> None:
    articles = fail_records(log, ARTICLES.name, ["a1", "a2"])
    fail_records(log, CONTROL.name, ["geonames:1"])
    target = articles[0]
    code, out = cli(paths, "dlq", "replay", "--topic", ARTICLES.name, "--partition", str(target.partition),
                    "--offset", str(target.offset))
    assert code == 0, out
    assert "replayed 1;" in out and "not matching 2" in out
    code, out = cli(paths, "dlq", "replay", "--topic", CONTROL.name, "--dry-run")
    assert "would replay 1;" in out
    assert len(read_topic(log, CONTROL.name)) == 1  # the dry run produced nothing
    code, out = cli(paths, "dlq", "replay")
    assert "replayed 2; already replayed 1" in out
    assert len(read_topic(log, CONTROL.name)) == 2


def test_unparsable_letters_are_listed_not_replayed(log: SqliteLog, paths: tuple[Path, str]) -> None:
    log.produce(DLQ.name, "x", b"not json")
    log.flush()
    engine = dlq_engine(paths[1])
    entries = read_dead_letters(log, engine)
    assert len(entries) == 1 and entries[0].letter is None
    result = replay_dead_letters(log, engine)
    assert result.unparsable == 1 and result.replayed == []


def test_public_names() -> None:
    for name in dlq_module.__all__:
        assert hasattr(dlq_module, name), name


@pytest.mark.kafka
def test_list_and_replay_on_kafka(kafka_broker_factory, kafka_settings, tmp_path: Path) -> None:
    """The same commands on the real broker (a private one: newswire's topic names are fixed)."""
    from newswire.core.log.kafka import KafkaLog

    bootstrap = kafka_broker_factory()
    log = KafkaLog([bootstrap], kafka_settings, default_partitions=3)
    try:
        log.create_topics({t.name: 3 for t in TOPICS})
        records = fail_records(log, ARTICLES.name, ["k1", "k2"])  # type: ignore[arg-type]
        paths = (tmp_path / "unused", f"sqlite:///{tmp_path / 'state.db'}")
        args = ["--log-url", f"kafka://{bootstrap}", "--db-url", paths[1]]
        listed = CliRunner().invoke(app, [*args, "dlq", "list", "--format", "jsonl"])
        assert listed.exit_code == 0, listed.output
        assert sorted(json.loads(line)["letter"]["key"] for line in listed.stdout.splitlines()) == ["k1", "k2"]
        replayed = CliRunner().invoke(app, [*args, "dlq", "replay"])
        assert "replayed 2; already replayed 0" in replayed.output, replayed.output
        again = CliRunner().invoke(app, [*args, "dlq", "replay"])
        assert "replayed 0; already replayed 2" in again.output, again.output
        articles = read_topic(log, ARTICLES.name)  # type: ignore[arg-type]
        assert sorted(r.key for r in articles if r.header(REPLAY_HEADER)) == sorted(r.key for r in records)
    finally:
        log.close()
