"""End to end (b): the services as separate processes on a real Kafka-protocol broker and PostgreSQL.

`newswire poll`, two `newswire extract` in one consumer group and `newswire
project`, each its own process, against a private Tansu broker (newswire's
topic names are fixed, so no other test may share it) and a fresh PostgreSQL
database (SQLite when no PostgreSQL server answers). The two
extractors share the articles' partitions: each processes some, together
all; the expected rows appear in PostgreSQL; SIGTERM stops every process
with exit 0.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from newswire.core.config import KafkaSettings
from newswire.core.log.kafka import KafkaLog
from newswire.core.topics import ARTICLES
from tests.test_e2e import (
    SENTENCES,
    TOWNS,
    child_env,
    free_port,
    http_get,
    json_lines,
    metric,
    start,
    stop,
    wait_for,
    write_config,
)

pytestmark = [pytest.mark.slow, pytest.mark.kafka]


@pytest.fixture
def tables_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh PostgreSQL database where a server answers, else SQLite: the broker part runs either way."""
    from tests.fixtures.db import REQUIRE_PG, pg_reachable

    if pg_reachable() is None or REQUIRE_PG:
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'tables.db'}"

N_GENERATED = 30


def serve_generated_feed(http_server: Any, n: int) -> str:
    """An RSS feed of ``n`` articles (one town each) and their pages, on the loopback server."""
    base = datetime(2026, 11, 2, 9, tzinfo=UTC)
    items = []
    for i in range(n):
        town, published = TOWNS[i % len(TOWNS)], base + timedelta(hours=i)
        sentence = SENTENCES[i % 2].format(town=town, day=published.strftime("%A"))
        page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Fighting in {town} - Generated Wire</title>
<meta property="article:published_time" content="{published.isoformat()}"></head>
<body><nav><a href="/">Generated Wire</a></nav><article><h1>Fighting in {town}</h1>
<p>{sentence}</p>
<p>Residents who fled the fighting said they had no plans to return while shelling continued in nearby villages.</p>
<p>The area has changed hands several times during the conflict, and aid groups said access remained limited.</p>
</article><footer>Written for newswire's tests. All events are invented.</footer></body></html>"""
        http_server.route(f"/gen/{i}.html", body=page, headers={"Content-Type": "text/html; charset=utf-8"})
        items.append(f"<item><title>Fighting in {town}</title><link>{http_server.url(f'/gen/{i}.html')}</link>"
                     f"<pubDate>{published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
                     f"<description>Fighting in {town}.</description></item>")
    feed = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Generated Wire</title>'
            f'<link>{http_server.url("/")}</link><description>Generated for tests.</description>'
            + "".join(items) + "</channel></rss>")
    return http_server.route("/gen.xml", body=feed, headers={"Content-Type": "application/rss+xml; charset=utf-8"})


def logged(out: Path, event: str) -> Callable[[], bool]:
    return lambda: any(e.get("event") == event for e in json_lines(out))


def test_separate_processes_on_kafka_and_postgresql(http_server: Any, tmp_path: Path,
                                                    kafka_broker_factory: Callable[[], str],
                                                    kafka_settings: KafkaSettings, tables_url: str) -> None:
    bootstrap = kafka_broker_factory()
    feeds = [http_server.url("/world.xml"), serve_generated_feed(http_server, N_GENERATED)]
    write_config(tmp_path / "newswire.toml", feeds=feeds, batch_size=5)
    env = child_env(
        NEWSWIRE_LOG_URL=f"kafka://{bootstrap}", NEWSWIRE_DB_URL=tables_url, NEWSWIRE_LOG_FORMAT="json",
        # DESIGN.md: a group joins in ~3 s on Tansu with these, 20+ s with the defaults.
        NEWSWIRE_KAFKA__SESSION_TIMEOUT_MS=str(kafka_settings.session_timeout_ms),
        NEWSWIRE_KAFKA__HEARTBEAT_INTERVAL_MS=str(kafka_settings.heartbeat_interval_ms),
        NEWSWIRE_KAFKA__REQUEST_TIMEOUT_MS=str(kafka_settings.request_timeout_ms))
    ports = {name: free_port() for name in ("poller", "extractor-1", "extractor-2", "projector")}

    def launch(name: str, command: str) -> tuple[Any, Path]:
        out = tmp_path / f"{name}.log"
        section = name.split("-")[0]
        proc_env = {**env, f"NEWSWIRE_{section.upper()}__METRICS_PORT": str(ports[name])}
        return start([command], tmp_path, out, proc_env), out

    procs: dict[str, tuple[Any, Path]] = {}
    try:
        # Both extractors are in the group before any article arrives, so the partitions are shared from
        # the start (a member joins inside its constructor, before its run loop logs extractor.start).
        for name in ("extractor-1", "extractor-2"):
            procs[name] = launch(name, "extract")
        procs["projector"] = launch("projector", "project")
        for name in ("extractor-1", "extractor-2"):
            wait_for(logged(procs[name][1], "extractor.start"), timeout=90, what=f"{name} to join",
                     procs=list(procs.values()))
        procs["poller"] = launch("poller", "poll")
        engine = sa.create_engine(tables_url)

        def control_rows() -> dict[str, tuple[str, str]]:
            try:
                with engine.connect() as conn:
                    return {i: (n, c) for i, n, c in conn.execute(sa.text(
                        "SELECT place_id, place_name, controller_id FROM control")).all()}
            except (sa.exc.ProgrammingError, sa.exc.OperationalError):  # no tables yet
                return {}

        total = N_GENERATED + 3
        wait_for(lambda: metric(ports["poller"], "newswire_records_out_total") == total, timeout=120,
                 what="the poller to publish every article", procs=list(procs.values()))
        wait_for(lambda: metric(ports["extractor-1"], "newswire_records_in_total")
                 + metric(ports["extractor-2"], "newswire_records_in_total") >= total
                 and metric(ports["extractor-1"], "newswire_consumer_lag")
                 + metric(ports["extractor-2"], "newswire_consumer_lag") == 0,
                 timeout=120, what="the extractors to process every article", procs=list(procs.values()))
        events = metric(ports["extractor-1"], "newswire_records_out_total") \
            + metric(ports["extractor-2"], "newswire_records_out_total")
        assert events >= total  # every article yields at least one event
        wait_for(lambda: metric(ports["projector"], "newswire_records_in_total") >= events
                 and metric(ports["projector"], "newswire_consumer_lag") == 0, timeout=60,
                 what="the projector to fold every event", procs=list(procs.values()))
        rows = control_rows()
        assert len(rows) >= N_GENERATED + 1, rows  # a row per generated town, and the fixture's Kafr Nabudah
        assert ("Kafr Nabudah", "sy.government") in rows.values()
        assert {c for _, c in rows.values()} >= {"sy.government", "sy.opposition"}
        # Each extractor processed part of the stream: they shared the partitions.
        shares = [metric(ports[n], "newswire_records_in_total") for n in ("extractor-1", "extractor-2")]
        assert all(share > 0 for share in shares), shares
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM crossings")).scalar_one() == 1
            assert conn.execute(sa.text("SELECT count(*) FROM meetings")).scalar_one() == 1
        for name, port in ports.items():
            status, body = http_get(f"http://127.0.0.1:{port}/readyz")
            assert status == 200, (name, body)
        engine.dispose()
    finally:
        codes = {name: stop(proc, out) for name, (proc, out) in procs.items()}
    assert codes == {name: 0 for name in procs}, codes

    # Nothing uncommitted: the extractors' group has no lag on the articles.
    log = KafkaLog([bootstrap], kafka_settings)
    try:
        assert sum(log.group_lag("newswire-extractor", [ARTICLES.name]).values()) == 0
        assert sum(log.end_offsets(ARTICLES.name).values()) >= N_GENERATED + 3
    finally:
        log.close()
