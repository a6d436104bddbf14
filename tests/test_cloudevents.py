"""CloudEvents binary-mode headers on every record produced through newswire's log (docs/operations.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswire.core.cloudevents import HEADERS, cloudevent_headers, stamp
from newswire.core.config import load_settings
from newswire.core.dlq import send_dead_letter
from newswire.core.errors import ExtractionError
from newswire.core.log import SqliteLog, open_log
from newswire.core.log.types import LogRecord
from newswire.core.models import Article
from newswire.core.topics import ARTICLES, CONTROL, DLQ
from newswire.projector import synthetic as s


def headers_of(topic: str, key: str, value: bytes) -> dict[str, str]:
    added = cloudevent_headers(topic, key, value)
    assert added is not None
    return {k: v.decode() for k, v in added}


def test_an_event_carries_its_id_type_time_subject_and_schema() -> None:
    event = s.control(("afp", "2026-03-06"), s.place("Saraqib"), s.actor("opposition"), "2026-03-05")
    got = headers_of(CONTROL.name, event.key(), event.model_dump_json().encode())
    assert list(got) == list(HEADERS)
    assert got == {"ce_specversion": "1.0", "ce_id": event.event_id, "ce_source": "/newswire/extractor",
                   "ce_type": "dev.newswire.control.changed", "ce_time": "2026-03-06T12:00:00Z",
                   "ce_subject": "test:saraqib", "content-type": "application/json",
                   "ce_dataschema": "https://newswire.dev/schemas/control.changed.schema.json"}


def test_an_article_and_a_dead_letter() -> None:
    article = Article(article_id="a1", outlet="x", fetched_at=datetime(2026, 3, 6, 9, 5, tzinfo=UTC), text="t",
                      content_hash="h", published=datetime(2026, 3, 6, 8, 0, tzinfo=UTC))
    got = headers_of(ARTICLES.name, "a1", article.model_dump_json().encode())
    assert (got["ce_id"], got["ce_type"], got["ce_time"], got["ce_source"]) == (
        "a1", "dev.newswire.article", "2026-03-06T08:00:00Z", "/newswire/poller")
    unpublished = article.model_copy(update={"published": None})
    assert headers_of(ARTICLES.name, "a1", unpublished.model_dump_json().encode())["ce_time"] == "2026-03-06T09:05:00Z"

    log_path = Path("log.db")
    log = SqliteLog(log_path, stamp=stamp)
    try:
        record = LogRecord(ARTICLES.name, 0, 7, "a1", b"{broken", ())
        send_dead_letter(log, "newswire-extractor", record, ExtractionError("no sentences"))
        log.flush()
        consumer = log.consumer(None, [DLQ.name])
        [letter] = consumer.poll(timeout=1.0)
        consumer.close()
    finally:
        log.close()
    got = dict(letter.headers)
    assert got["ce_type"] == b"dev.newswire.dead_letter" and got["ce_source"] == b"/newswire/dlq"
    assert got["ce_subject"] == b"a1" and len(got["ce_id"]) == 24
    assert got["newswire-error"] == b"ExtractionError"  # the producer's own headers stay


def test_records_that_are_not_newswires_are_left_alone() -> None:
    assert stamp("someone.elses.topic", "k", b'{"event_id": "x"}', [("h", b"1")]) == [("h", b"1")]
    assert stamp(CONTROL.name, "k", b"not json", ()) == ()
    assert stamp(CONTROL.name, "k", b'{"type": "control.unknown", "event_id": "x"}', ()) == ()
    kept = [("ce_specversion", b"1.0"), ("ce_id", b"original")]  # a dead letter replayed with its headers
    assert stamp(CONTROL.name, "k", b'{"type": "control.changed", "event_id": "new"}', kept) == kept


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("kafka", marks=pytest.mark.kafka)])
def test_open_log_stamps_what_is_produced(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    if backend == "kafka":
        url = f"kafka://{request.getfixturevalue('kafka_broker_factory')()}"
    settings = load_settings(log_url=url)
    log = open_log(settings)
    try:
        event = s.control(("afp", "2026-03-06"), s.place("Saraqib"), s.actor("opposition"), "2026-03-05")
        log.produce(CONTROL.name, event.key(), event.model_dump_json().encode())
        log.flush()
        consumer = log.consumer(None, [CONTROL.name])
        records: list[LogRecord] = []
        for _ in range(40):
            records += consumer.poll(timeout=0.5)
            if records:
                break
        consumer.close()
    finally:
        log.close()
    [record] = records
    assert dict(record.headers)["ce_id"] == event.event_id.encode()
    assert json.loads(record.value)["event_id"] == event.event_id  # the value is the event itself


def test_the_pattern_consumer_of_docs_log_md_runs_on_the_embedded_log(tmp_path: Path) -> None:
    """docs/log.md's embedded-log consumer, run as written (its path replaced): it sees only the event topics."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "log.md").read_text()
    start = text.index("```python\nimport json\n\nfrom newswire.core.log import SqliteLog")
    code = text[start + len("```python\n"):text.index("```\n", start + 10)]
    path = tmp_path / "log.db"
    code = code.replace('"/home/me/.local/share/newswire/log.db"', repr(str(path)))
    log = open_log(load_settings(log_url=f"sqlite:///{path}"))
    event = s.control(("afp", "2026-03-06"), s.place("Saraqib"), s.actor("opposition"), "2026-03-05")
    log.produce(CONTROL.name, event.key(), event.model_dump_json().encode())
    withdrew = s.withdrew(("afp", "2026-03-06"), s.place("Hama"), s.actor("opposition"), "2026-03-05")
    log.produce(CONTROL.name, withdrew.key(), withdrew.model_dump_json().encode())
    log.produce(ARTICLES.name, "a1", Article(article_id="a1", outlet="x", fetched_at=datetime.now(UTC), text="t",
                                             content_hash="h").model_dump_json().encode())
    log.close()
    handled: list[dict[str, object]] = []
    exec(code, {"handle": handled.append})  # noqa: S102 - the documented snippet itself
    assert [e["event_id"] for e in handled] == [event.event_id]
