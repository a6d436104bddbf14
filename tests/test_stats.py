"""Every service's counters have one base (``newswire.core.stats.Stats``): one field for failures by kind, one
way to read them for the metrics, the stop log and the summary line; the metrics users scrape are unchanged."""

from __future__ import annotations

import ast
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import newswire
from newswire.core.metrics import MAPPINGS, ServiceMetrics
from newswire.core.stats import ServiceStats, Stats
from newswire.extractor.service import ExtractorStats
from newswire.poller.ingest import IngestStats, ingest_files
from newswire.poller.poller import PollerStats
from newswire.projector.service import ProjectorStats

PACKAGE = Path(newswire.__file__).resolve().parent
SVC = "service"


def test_every_stats_class_of_the_package_derives_from_the_one_base() -> None:
    named = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Stats") and node.name not in (
                    "Stats", "RunStats", "TopicStats"):  # RunStats: the run loop's own; TopicStats: the log's sizes
                named.add(node.name)
    assert named == {"ServiceStats", "ExtractorStats", "ProjectorStats", "PollerStats", "IngestStats"}
    for cls in (ExtractorStats, ProjectorStats, PollerStats, IngestStats):
        stats = cls()
        assert isinstance(stats, Stats) and isinstance(stats.errors, Counter)
        stats.error("timeout")
        assert stats.errors == {"timeout": 1} and stats.as_dict()["errors"] == {"timeout": 1}
        assert stats.summary()  # every one has its summary line
    assert issubclass(ExtractorStats, ServiceStats) and issubclass(ProjectorStats, ServiceStats)


class _Logger:
    def __init__(self) -> None:
        self.lines: list[tuple[str, dict[str, Any]]] = []

    def info(self, event: str, **fields: Any) -> None:
        self.lines.append((event, fields))


def test_the_stop_log_carries_every_field() -> None:
    stats = ProjectorStats(records_in=3, events_applied=2)
    stats.error("RecordError")
    logger = _Logger()
    stats.log(logger, "projector.stop")
    assert logger.lines == [("projector.stop", {
        "errors": {"RecordError": 1}, "records_in": 3, "batches": 0, "dead_letters": 0, "events_applied": 2,
        "duplicates": 0, "skipped": 0, "rewinds": 0})]


def test_the_summary_lines_users_read() -> None:
    poller = PollerStats(feeds_polled=3, published=5, duplicates=2, not_modified=1, feeds_failed=1)
    assert poller.summary() == "polled 3 feed(s): 5 article(s) published, 2 already seen, 1 not modified, 1 failed"
    extractor = ExtractorStats(articles=2, dead_letters=1, events=Counter({"control.changed": 3, "forces.withdrew": 1}))
    assert extractor.summary() == "extracted 4 event(s) from 2 article(s); 1 dead-lettered"
    projector = ProjectorStats(records_in=9, events_applied=6, duplicates=1, skipped=2)
    assert projector.summary() == "projected 9 record(s): 6 applied, 1 duplicate(s), 2 already applied, 0 dead-lettered"


def test_ingest_counts_skipped_lines_by_kind_and_says_what_each_was(tmp_path: Path) -> None:
    good = '{"doc_id": "a", "outlet": "x", "published": "2024-12-06", "text": "Rebels took Hama.", "url": ""}'
    lines = tmp_path / "in.jsonl"
    lines.write_bytes((good + "\n" + '{"doc_id": ""}\n').encode() + b"\xff\n")
    page = tmp_path / "empty.html"
    page.write_text("<html><body></body></html>")
    stats = ingest_files([lines, page, tmp_path / "absent.jsonl"], lambda article: True,
                         datetime(2026, 1, 1, tzinfo=UTC), max_text_chars=10_000)
    assert (stats.files, stats.read, stats.published) == (3, 1, 1)
    assert stats.errors == {"invalid": 1, "encoding": 1, "no_body": 1, "unreadable": 1}
    assert len(stats.skipped) == 4 and stats.skipped[1].startswith(f"{lines}:3: not UTF-8")
    assert stats.summary() == "ingested 3 file(s): 1 article(s) read, 1 published, 0 already seen, 4 skipped"


def _samples(service: str, stats: Stats) -> set[tuple[str, tuple[tuple[str, str], ...], float]]:
    metrics = ServiceMetrics(service, stats=lambda: stats, mapping=MAPPINGS[service])
    return {(name, tuple(sorted(labels.items())), value) for name, labels, value in metrics.samples()
            if not name.startswith(("newswire_batch", "newswire_record_latency", "newswire_consumer_lag"))}


def _one(name: str, service: str, value: float, **labels: str) -> tuple[str, tuple[tuple[str, str], ...], float]:
    return (f"newswire_{name}_total", tuple(sorted({**labels, SVC: service}.items())), value)


@pytest.mark.parametrize(("service", "stats", "expected"), [
    ("poller", PollerStats(rounds=2, published=1, errors=Counter(timeout=1), fetches=Counter(ok=2)), {
        _one("errors", "poller", 1, kind="timeout"), _one("feed_fetches", "poller", 2, outcome="ok"),
        _one("records_in", "poller", 0), _one("records_out", "poller", 1, topic="newswire.articles.v1"),
        _one("poller_rounds", "poller", 2), *(_one(f"poller_{f}", "poller", 0) for f in (
            "duplicates", "entry_warnings", "feeds_failed", "feeds_polled", "not_modified", "page_fallbacks",
            "pruned"))}),
    ("extractor", ExtractorStats(records_in=3, records_out=Counter({"conflict.control.v1": 3}),
                                 events=Counter({"control.changed": 3}), errors=Counter(RecordError=1)), {
        _one("errors", "extractor", 1, kind="RecordError"), _one("records_in", "extractor", 3),
        _one("records_out", "extractor", 3, topic="conflict.control.v1"),
        _one("extractor_events", "extractor", 3, type="control.changed"),
        *(_one(f"extractor_{f}", "extractor", 0) for f in ("articles", "batches", "dead_letters"))}),
    ("projector", ProjectorStats(events_applied=4, dead_letters=1, errors=Counter(RecordError=1)), {
        _one("errors", "projector", 1, kind="RecordError"), _one("records_in", "projector", 0),
        _one("records_out", "projector", 1, topic="newswire.dlq.v1"), _one("projector_events_applied", "projector", 4),
        *(_one(f"projector_{f}", "projector", 0) for f in ("batches", "duplicates", "rewinds", "skipped"))}),
])
def test_the_metrics_users_scrape_are_the_same(service: str, stats: Stats, expected: set[Any]) -> None:
    """Recorded before the stats classes got one base: the same families, labels and values."""
    assert _samples(service, stats) == expected
