"""The health and metrics endpoint: real HTTP on loopback, a real embedded log and SQLite database."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from newswire.core import health, metrics
from newswire.core.config import sqlalchemy_url
from newswire.core.errors import ConfigError
from newswire.core.health import HealthServer, db_check, log_check, serve_health
from newswire.core.log import SqliteLog
from newswire.core.log.types import LogRecord
from newswire.core.metrics import ServiceMetrics, StatsMapping, as_topic, pick
from newswire.core.runner import ConsumerRunner


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback test server
            return resp.status, resp.headers["Content-Type"], resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


@dataclass
class FakeStats:
    """The shape services keep: plain counters and errors by kind."""

    records_in: int = 0
    records_out: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0


@pytest.fixture
def server(sqlite_log: SqliteLog, tmp_path: Path):
    stats = FakeStats(records_in=7, records_out=5, errors={"ExtractionError": 2})
    m = ServiceMetrics("extractor", stats=lambda: stats,
                       lag=lambda: sqlite_log.group_lag("g", ["t"]))
    srv = HealthServer("extractor", 0, metrics=m, host="127.0.0.1",
                       checks={"log": log_check(sqlite_log), "db": db_check(f"sqlite:///{tmp_path / 'db.sqlite'}")})
    srv.start()
    yield srv, stats, m
    srv.close()


def test_healthz_is_live(server) -> None:
    srv, _, _ = server
    status, ctype, body = get(srv.url + "/healthz")
    assert status == 200 and ctype == "application/json"
    assert json.loads(body) == {"service": "extractor", "status": "live"}


@pytest.mark.parametrize("path", ["/readyz", "/healthz?ready=1"])
def test_ready_when_log_and_db_answer(server, path: str) -> None:
    srv, _, _ = server
    status, _, body = get(srv.url + path)
    assert status == 200
    assert json.loads(body)["checks"] == {"log": "ok", "db": "ok"}


def test_not_ready_when_the_log_is_closed(server, sqlite_log: SqliteLog) -> None:
    srv, _, _ = server
    sqlite_log.close()
    status, _, body = get(srv.url + "/readyz")
    report = json.loads(body)
    assert status == 503
    assert report["checks"]["db"] == "ok" and report["checks"]["log"] != "ok"
    # Liveness is about the process, not its dependencies: a probe must not restart it for a broker outage.
    assert get(srv.url + "/healthz")[0] == 200


def test_not_ready_when_the_database_is_unreachable(sqlite_log: SqliteLog) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = HealthServer("projector", 0, host="127.0.0.1", checks={
        "log": log_check(sqlite_log), "db": db_check(f"postgresql+psycopg://postgres@127.0.0.1:{port}/x")}).start()
    try:
        status, _, body = get(srv.url + "/readyz")
        report = json.loads(body)
        assert status == 503
        assert report["checks"]["log"] == "ok" and "OperationalError" in report["checks"]["db"]
    finally:
        srv.close()


def test_liveness_fails_once_marked_failed(server) -> None:
    srv, _, _ = server
    srv.mark_failed("run loop crashed: TypeError")
    status, _, body = get(srv.url + "/healthz")
    assert status == 503 and json.loads(body)["reason"] == "run loop crashed: TypeError"


def test_metrics_expose_stats_lag_and_latency(server, sqlite_log: SqliteLog) -> None:
    srv, stats, m = server
    sqlite_log.create_topics({"t": 3})
    for i in range(4):
        sqlite_log.produce("t", f"k{i}", b"{}")
    sqlite_log.flush()
    consumer = sqlite_log.consumer("g", ["t"])

    class Handler:
        def process(self, records: list[LogRecord]) -> None:
            stats.records_in += len(records)

        def checkpoint(self, records: list[LogRecord]) -> None:
            consumer.commit()

    runner = ConsumerRunner(consumer, Handler(), batch_size=2, poll_timeout=0.05)
    runner.on_batch = m.observe_batch
    runner.run(count=2)
    consumer.close()

    status, ctype, body = get(srv.url + "/metrics")
    assert status == 200 and ctype.startswith("text/plain")
    got = samples(body)
    svc = ("service", "extractor")
    assert got[("newswire_records_in_total", (svc,))] == 9  # 7 + the 2 just processed
    assert got[("newswire_records_out_total", (svc, ("topic", "all")))] == 5
    assert got[("newswire_errors_total", (("kind", "ExtractionError"), svc))] == 2
    assert got[("newswire_extractor_duplicates_total", (svc,))] == 0  # a field of its own, as a counter
    assert not [k for k in got if k[0] == "newswire_stat"]
    lag = {k: v for k, v in got.items() if k[0] == "newswire_consumer_lag"}
    assert sum(lag.values()) == 2  # 4 produced, 2 committed
    assert got[("newswire_batch_seconds_count", (svc,))] == 1
    assert got[("newswire_record_latency_seconds_count", (svc,))] == 2


def test_lag_errors_do_not_fail_a_scrape() -> None:
    def broken() -> dict:
        raise ConnectionError("broker away")

    m = ServiceMetrics("projector", lag=broken)
    text = m.render().decode()
    assert "newswire_consumer_lag" in text and m.lag_errors == 1


def test_mapping_names_service_specific_fields() -> None:
    @dataclass
    class PollStats:
        articles: int = 3
        outcomes: dict[str, int] = field(default_factory=lambda: {"ok": 4, "http_error": 1})

    m = ServiceMetrics("poller", stats=PollStats, mapping=StatsMapping(
        records_in=pick("articles"), records_out=as_topic("articles", "newswire.articles.v1"), errors=None,
        feed_fetches=pick("outcomes")))
    got = {(n, tuple(sorted(labels.items()))): v for n, labels, v in m.samples()}
    assert got[("newswire_records_in_total", (("service", "poller"),))] == 3
    assert got[("newswire_feed_fetches_total", (("outcome", "http_error"), ("service", "poller")))] == 1
    assert got[("newswire_feed_fetches_total", (("outcome", "ok"), ("service", "poller")))] == 4
    assert got[("newswire_records_out_total", (("service", "poller"), ("topic", "newswire.articles.v1")))] == 3
    assert not [k for k in got if k[0] == "newswire_errors_total"]


def test_unknown_path_is_404(server) -> None:
    srv, _, _ = server
    status, _, body = get(srv.url + "/nope")
    assert status == 404 and "/metrics" in body


@pytest.mark.parametrize("port", [None, 0])
def test_no_port_disables_the_server(port: int | None) -> None:
    assert serve_health("poller", port) is None


def test_port_in_use_is_a_config_error_naming_the_key() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(ConfigError) as info:
            HealthServer("extractor", port, host="127.0.0.1")
    assert str(info.value).startswith("extractor.metrics_port: cannot serve health and metrics on 127.0.0.1:")
    assert "NEWSWIRE_EXTRACTOR__METRICS_PORT" in str(info.value)


def test_public_names() -> None:
    for module in (health, metrics):
        for name in module.__all__:
            assert hasattr(module, name), name


def test_mapping_by_field_names() -> None:
    @dataclass
    class Stats:
        entries: int = 5
        errors: dict[str, int] = field(default_factory=lambda: {"timeout": 2})

    m = ServiceMetrics("poller", stats=Stats, mapping=StatsMapping(records_in=("entries",), records_out=None,
                                                                   errors="errors"))
    got = {(n, tuple(sorted(labels.items()))): v for n, labels, v in m.samples()}
    assert got[("newswire_records_in_total", (("service", "poller"),))] == 5
    assert got[("newswire_errors_total", (("kind", "timeout"), ("service", "poller")))] == 2
    assert not [k for k in got if k[0].startswith("newswire_poller_")], "read fields are not exported twice"


def test_every_stats_field_is_a_counter_of_its_own_and_labels_mean_one_thing() -> None:
    """Prometheus naming: counters (``_total``), never a gauge with a ``name`` label wrapping other counters."""
    from newswire.extractor.service import ExtractorStats
    from newswire.poller.poller import PollerStats
    from newswire.projector.service import ProjectorStats

    for service, stats in (("poller", PollerStats(rounds=2, published=1)),
                           ("extractor", ExtractorStats(records_out={"conflict.control.v1": 3},
                                                        events={"control.changed": 3})),
                           ("projector", ProjectorStats(events_applied=4, dead_letters=1))):
        m = ServiceMetrics(service, stats=lambda stats=stats: stats, mapping=metrics.MAPPINGS[service])
        families = {f.name: f for f in m.registry.collect()}
        for name, family in families.items():
            if name in ("newswire_consumer_lag", "newswire_batch_seconds", "newswire_record_latency_seconds"):
                continue
            assert family.type == "counter", (service, name, family.type)
        topics = {labels["topic"] for n, labels, _ in m.samples() if "topic" in labels and n != "newswire_consumer_lag"}
        assert topics <= {"newswire.articles.v1", "conflict.control.v1", "newswire.dlq.v1"}, topics
        got = {(n, tuple(sorted(labels.items()))): v for n, labels, v in m.samples()}
        if service == "poller":
            assert got[("newswire_poller_rounds_total", (("service", "poller"),))] == 2
            assert got[("newswire_records_out_total", (("service", "poller"), ("topic", "newswire.articles.v1")))] == 1
        elif service == "extractor":
            assert got[("newswire_extractor_events_total", (("service", "extractor"), ("type", "control.changed")))] == 3
        else:
            assert got[("newswire_projector_events_applied_total", (("service", "projector"),))] == 4
            assert got[("newswire_records_out_total", (("service", "projector"), ("topic", "newswire.dlq.v1")))] == 1


def test_metrics_are_prometheus_clients_own_exposition(server) -> None:
    """make_wsgi_app negotiates OpenMetrics from the Accept header and filters by name[]."""
    srv, _, _ = server
    request = urllib.request.Request(srv.url + "/metrics?name[]=newswire_records_in_total",
                                     headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    with urllib.request.urlopen(request, timeout=5) as resp:  # noqa: S310 - loopback test server
        ctype, body = resp.headers["Content-Type"], resp.read().decode()
    assert ctype.startswith("application/openmetrics-text")
    assert body.rstrip().endswith("# EOF")
    assert "newswire_records_in_total" in body and "newswire_consumer_lag" not in body


def test_bind_host_is_configurable_and_the_log_line_shows_the_real_address(capsys: pytest.CaptureFixture[str]
                                                                          ) -> None:
    health.configure("127.0.0.1")
    try:
        srv = serve_health("poller", _free_port())
        assert srv is not None
        try:
            assert srv.host == "127.0.0.1" and srv.address == f"127.0.0.1:{srv.port}"
            assert get(srv.url + "/healthz")[0] == 200
        finally:
            srv.close()
    finally:
        health.configure(health.DEFAULT_HOST)
    logged = capsys.readouterr()
    line = next(line for line in (logged.out + logged.err).splitlines() if "health server listening" in line)
    assert f"127.0.0.1:{srv.port}" in line and "address" in line  # console or JSON, as logging is configured
    everywhere = HealthServer("poller", 0)  # the default: every interface, logged as such
    try:
        assert everywhere.address == f"0.0.0.0:{everywhere.port}"
        assert everywhere.url == f"http://127.0.0.1:{everywhere.port}"
    finally:
        everywhere.close()


def test_metrics_host_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from newswire.core.config import load_settings

    assert load_settings().metrics_host == "0.0.0.0"
    monkeypatch.setenv("NEWSWIRE_METRICS_HOST", "127.0.0.1")
    assert load_settings().metrics_host == "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_liveness_fails_when_the_run_loop_stalls(sqlite_log: SqliteLog) -> None:
    """A real runner, its loop blocked inside a batch: live until the stall limit passes, then 503."""
    import threading

    sqlite_log.create_topics({"t": 1})
    sqlite_log.produce("t", "k", b"{}")
    sqlite_log.flush()
    release = threading.Event()

    class Stuck:
        def process(self, records: list[LogRecord]) -> None:
            release.wait(10)

        def checkpoint(self, records: list[LogRecord]) -> None:
            pass

    consumer = sqlite_log.consumer("g", ["t"])
    runner = ConsumerRunner(consumer, Stuck(), poll_timeout=0.05)
    assert runner.last_turn is None
    srv = HealthServer("extractor", 0, host="127.0.0.1", live_checks={"loop": health.loop_check(runner, 0.3)})
    srv.start()
    thread = threading.Thread(target=runner.run, kwargs={"count": 1})
    try:
        assert get(srv.url + "/healthz")[0] == 200  # not running yet: live
        thread.start()
        deadline = time.monotonic() + 10
        while get(srv.url + "/healthz")[0] == 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        status, _, body = get(srv.url + "/healthz")
        assert status == 503 and json.loads(body)["reason"].startswith("loop: run loop stalled for")
    finally:
        release.set()
        thread.join()
        consumer.close()
        srv.close()
    assert runner.last_turn is None  # the loop ended: a stopped runner is not "stalled"


def test_db_check_accepts_plain_postgresql_urls_and_reports_bad_ones() -> None:
    assert sqlalchemy_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("sqlite:///x.db") == "sqlite:///x.db"
    check = db_check("nosuchdialect://x")  # built lazily: a bad URL is "not ready", not a crash
    srv = HealthServer("poller", 0, host="127.0.0.1", checks={"db": check}).start()
    try:
        status, _, body = get(srv.url + "/readyz")
        assert status == 503 and "NoSuchModuleError" in json.loads(body)["checks"]["db"]
    finally:
        srv.close()
