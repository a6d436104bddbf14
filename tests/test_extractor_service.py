"""The extractor service end to end on a real embedded log, and its commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswire.cli import app
from newswire.core.config import load_settings
from newswire.core.log import SqliteLog
from newswire.core.log.types import TopicPartition
from newswire.core.models import Article, DeadLetter, parse_event, stable_id
from newswire.core.topics import ARTICLES, CONTROL, CROSSINGS, DIPLOMACY, DLQ, TOPICS
from newswire.extractor.extract import default_extractor
from newswire.extractor.service import make_extractor

FIXTURES = Path(__file__).parent / "data" / "articles"


def _article(n: int, text: str) -> Article:
    when = datetime(2024, 12, 6, 12, 0, tzinfo=UTC)
    return Article(article_id=stable_id("test", n), url=f"https://example.org/{n}", outlet="test",
                   title=f"article {n}", published=when, fetched_at=when, text=text,
                   content_hash=stable_id(text), story_id=f"story-{n}", doc_id=f"test:{n}")


def _read_all(log: SqliteLog, topic: str) -> list[bytes]:
    consumer = log.consumer(None, [topic])
    try:
        out: list[bytes] = []
        while batch := consumer.poll(max_records=500, timeout=0.1):
            out.extend(r.value for r in batch)
        return out
    finally:
        consumer.close()


@pytest.fixture
def log(tmp_path: Path) -> Iterator[SqliteLog]:
    log = SqliteLog(tmp_path / "log.db", session_timeout=3.0)
    log.create_topics({t.name: t.partitions or 3 for t in TOPICS})
    yield log
    log.close()


def test_service_extracts_produces_commits_and_dead_letters(log: SqliteLog, tmp_path: Path) -> None:
    good = [
        _article(1, "Rebel factions captured the town of Kafr Nabudah on Friday, the Observatory said.\n"
                    "Jordan closed its side of the Nassib crossing on Friday."),
        _article(2, "Turkey said it would hold talks with Russia and Iran in Doha this weekend."),
        _article(3, "Nothing of interest happened in Damascus."),
    ]
    for a in good[:2]:
        log.produce(ARTICLES.name, a.article_id, a.model_dump_json().encode())
    log.produce(ARTICLES.name, "bad-1", b"{not json")
    log.produce(ARTICLES.name, "bad-2", json.dumps({"article_id": "x", "outlet": "o"}).encode())
    log.produce(ARTICLES.name, good[2].article_id, good[2].model_dump_json().encode())
    log.flush()

    settings = load_settings(log_url=f"sqlite:///{tmp_path / 'log.db'}")
    service = make_extractor(settings, log=log)
    try:
        stats = service.run(once=True, timeout=30)
    finally:
        service.close()

    assert stats.records_in == 5 and stats.articles == 3 and stats.dead_letters == 2
    assert stats.errors == {"RecordError": 2}
    control = [parse_event(v) for v in _read_all(log, CONTROL.name)]
    crossings = [parse_event(v) for v in _read_all(log, CROSSINGS.name)]
    meetings = [parse_event(v) for v in _read_all(log, DIPLOMACY.name)]
    assert [e.type for e in control] == ["control.changed"]
    assert control[0].source.article_id == good[0].article_id and control[0].source.story_id == "story-1"
    assert [(e.data.status, e.data.actor.id) for e in crossings] == [("closed", "state:JO")]
    assert [e.data.status for e in meetings] == ["scheduled"]
    assert stats.records_out == {CONTROL.name: 1, CROSSINGS.name: 1, DIPLOMACY.name: 1}

    letters = [DeadLetter.model_validate_json(v) for v in _read_all(log, DLQ.name)]
    assert sorted(letter.key or "" for letter in letters) == ["bad-1", "bad-2"]
    assert all(letter.consumer == settings.extractor.group_id and letter.topic == ARTICLES.name
               for letter in letters)
    assert all(letter.error_type == "RecordError" for letter in letters)

    # every article record's offset is committed: the group has no lag left
    lag = log.group_lag(settings.extractor.group_id, [ARTICLES.name])
    assert sum(lag.values()) == 0
    committed = log.committed_offsets(settings.extractor.group_id, [ARTICLES.name])
    assert sum(committed.values()) == 5


def test_events_are_keyed_by_their_subject(log: SqliteLog, tmp_path: Path) -> None:
    a = _article(7, "Kurdish forces captured Sarrin on Monday.")
    log.produce(ARTICLES.name, a.article_id, a.model_dump_json().encode())
    log.flush()
    service = make_extractor(load_settings(log_url=f"sqlite:///{tmp_path / 'log.db'}"), log=log)
    try:
        service.run(once=True, timeout=30)
    finally:
        service.close()
    consumer = log.consumer(None, [CONTROL.name])
    try:
        [record] = consumer.poll(timeout=0.1)
    finally:
        consumer.close()
    event = parse_event(record.value)
    assert record.key == event.data.place.id == event.key()


def test_an_exception_in_extract_is_a_dead_letter_and_the_service_goes_on(log: SqliteLog, tmp_path: Path) -> None:
    class Exploding:
        def extract(self, article: Article) -> list[object]:
            if "boom" in article.text:
                raise RuntimeError("boom")
            return default_extractor().extract(article)

        def extract_many(self, articles: list[Article]) -> list[list[object]]:
            return [self.extract(a) for a in articles]  # the batch fails: the service retries one by one

    for n, text in enumerate(["boom", "Kurdish forces captured Sarrin on Monday."]):
        a = _article(10 + n, text)
        log.produce(ARTICLES.name, a.article_id, a.model_dump_json().encode())
    log.flush()
    settings = load_settings(log_url=f"sqlite:///{tmp_path / 'log.db'}")
    service = make_extractor(settings, log=log, extractor=Exploding())  # type: ignore[arg-type]
    try:
        stats = service.run(once=True, timeout=30)
    finally:
        service.close()
    assert stats.errors == {"ExtractionError": 1} and stats.articles == 1
    [letter] = [DeadLetter.model_validate_json(v) for v in _read_all(log, DLQ.name)]
    assert letter.error_type == "ExtractionError" and "RuntimeError: boom" in letter.error
    assert len(_read_all(log, CONTROL.name)) == 1
    assert sum(log.group_lag(settings.extractor.group_id, [ARTICLES.name]).values()) == 0


def test_a_batch_gives_the_events_of_its_articles_one_by_one(tmp_path: Path) -> None:
    texts = ["Kurdish forces captured Sarrin on Monday.", "", "The weather was fine.",
             "Rebels seized the town of Zarqoun on Tuesday. Pakistan closed the Torkham crossing on Sunday."]
    articles = [_article(20 + n, text) for n, text in enumerate(texts)]
    ex = default_extractor()
    many = ex.extract_many(articles)
    assert [[e.event_id for e in evs] for evs in many] == [[e.event_id for e in ex.extract(a)] for a in articles]
    assert [len(evs) for evs in many] == [1, 0, 0, 2]


def test_rerun_after_commit_reads_nothing_again(log: SqliteLog, tmp_path: Path) -> None:
    a = _article(20, "Kurdish forces captured Sarrin on Monday.")
    log.produce(ARTICLES.name, a.article_id, a.model_dump_json().encode())
    log.flush()
    settings = load_settings(log_url=f"sqlite:///{tmp_path / 'log.db'}")
    for expected in (1, 0):
        service = make_extractor(settings, log=log)
        try:
            assert service.run(once=True, timeout=30).records_in == expected
        finally:
            service.close()
    [(partition, end)] = [(p, end) for p, end in log.end_offsets(ARTICLES.name).items() if end]
    committed = log.committed_offsets(settings.extractor.group_id, [ARTICLES.name])
    assert committed[TopicPartition(ARTICLES.name, partition)] == end == 1


# --- commands ----------------------------------------------------------------------------------------


def _articles_file(tmp_path: Path) -> Path:
    path = tmp_path / "articles.jsonl"
    lines = [json.loads((FIXTURES / name).read_text())["article"] for name in ("syria_south.json", "ukraine.json")]
    path.write_text("".join(json.dumps(a) + "\n" for a in lines), encoding="utf-8")
    return path


def test_extract_command_evaluation_mode(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = CliRunner().invoke(app, ["extract", "--input", str(_articles_file(tmp_path)), "--output", str(out)])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert {e["doc_id"] for e in events} == {"fixture:syria-south", "fixture:ukraine"}
    assert all(parse_event({k: v for k, v in e.items() if k != "doc_id"}).event_id == e["event_id"]
               for e in events)
    assert len(events) == 8


def test_extract_command_errors_name_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "a", "text": "x", "published": "2024-01-01"}\n{oops\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", "--input", str(bad), "--output", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 1
    assert f"{bad}:2: invalid JSON" in result.output
    result = CliRunner().invoke(app, ["extract", "--input", str(bad)])
    assert result.exit_code == 2 and "needs both --input" in result.output


def test_explain_shows_sentences_and_rules(tmp_path: Path) -> None:
    articles = str(_articles_file(tmp_path))
    result = CliRunner().invoke(app, ["explain", "--input", articles, "--doc-id", "fixture:ukraine"])
    assert result.exit_code == 0, result.output
    assert "Russian forces captured the village of Staromaiorske" in result.output
    assert "control.changed/seize" in result.output and "forces.withdrew/withdraw" in result.output
    missing = CliRunner().invoke(app, ["explain", "--input", str(_articles_file(tmp_path)), "--doc-id", "nope"])
    assert missing.exit_code == 2 and "no article with doc_id 'nope'" in missing.output
