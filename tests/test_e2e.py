"""End to end on the embedded defaults: `newswire run` as a user runs it, and kill -9 mid-stream.

(a) A loopback HTTP server serves fixture feeds and pages; `newswire run`
    runs as a subprocess; the expected rows appear; every service is ready and
    its metrics show the work; SIGTERM stops it with exit 0 and no uncommitted
    offsets.
(c) Articles stream into the log while `newswire run` works; the extractor
    and then the projector are killed with SIGKILL mid-stream; the supervisor
    restarts them; in the end no article is lost, every offset is committed,
    and the tables equal a replay from offset zero.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from newswire.core.log import SqliteLog
from newswire.core.models import Article, stable_id
from newswire.core.topics import ARTICLES, EVENT_TOPICS, TOPICS

pytestmark = pytest.mark.slow

# Towns the gazetteer knows; one article per (town, variant) in the stream of test (c).
TOWNS = ["Saraqib", "Khan Shaykhun", "Jisr al-Shughur", "Ariha", "Kafr Nabl", "Atarib", "Manbij", "Jarabulus",
         "Azaz", "Afrin", "Raqqa", "Tabqa", "Deir ez-Zor", "Mayadin", "Palmyra", "Qaryatayn", "Daraa", "Bosra",
         "Nawa", "Inkhil", "Quneitra", "Douma", "Harasta", "Zabadani", "Madaya", "Yabroud", "Qusayr", "Rastan",
         "Talbiseh", "Kessab", "Binnish", "Taftanaz", "Morek", "Suran", "Halfaya", "Mahardah", "Salamiyah",
         "Tal Abyad", "Qamishli", "Hasakah"]
SENTENCES = [
    "Syrian government forces retook the town of {town} on {day} after two days of heavy fighting, a military "
    "source told state media.",
    "Opposition fighters seized control of the town of {town} on {day} after an overnight assault, according to "
    "commanders of the armed groups.",
]


# -- helpers shared with test_e2e_kafka.py --------------------------------------------


def home(tmp_path: Path) -> Path:
    """The default data home of a child run in this test: the platform's data directory (XDG_DATA_HOME, conftest)."""
    return tmp_path / "xdg-data" / "newswire"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(path: Path, *, feeds: Sequence[str] = (), ports: Sequence[int] = (0, 0, 0),
                 batch_size: int = 500, api_port: int = 0) -> Path:
    """A newswire.toml: the given loopback feeds only, no host delay, the given metrics and API ports."""
    lines = ["[poller]", "include_sample_feed = false", "host_delay = 0.0", "respect_robots = false",
             f"metrics_port = {ports[0]}"]
    for url in feeds:
        lines += ["[[poller.feeds]]", f'url = "{url}"', 'outlet = "fixture"', "interval = 3600", "local = true"]
    lines += ["[extractor]", f"metrics_port = {ports[1]}", f"batch_size = {batch_size}",
              "[projector]", f"metrics_port = {ports[2]}", f"batch_size = {batch_size}",
              "[api]", f"port = {api_port}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(extra)
    return env


def start(args: Sequence[str], cwd: Path, out: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``python -m newswire ARGS`` with its output in a file (a pipe nobody reads would block it)."""
    with out.open("ab") as fh:
        return subprocess.Popen([sys.executable, "-m", "newswire", *args], cwd=cwd, env=env or child_env(),
                                stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT)


def wait_for(cond: Callable[[], bool], *, timeout: float, what: str,
             procs: Sequence[tuple[subprocess.Popen[bytes], Path]] = ()) -> None:
    """Poll ``cond`` until true; fail with the processes' output if one dies or the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        for proc, out in procs:
            if proc.poll() is not None:
                raise AssertionError(f"{proc.args} exited {proc.returncode} while waiting for {what}:\n"
                                     + out.read_text(errors="replace")[-4000:])
        time.sleep(0.05)
    tails = "\n".join(out.read_text(errors="replace")[-3000:] for _, out in procs)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tails}")


def stop(proc: subprocess.Popen[bytes], out: Path, timeout: float = 60) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"{proc.args} did not stop on SIGTERM:\n" + out.read_text(errors="replace")[-3000:])


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql``, or [] while the database or table does not exist yet."""
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def metric(port: int, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` matching ``labels`` on a service's /metrics (0 if unreachable)."""
    status, body = http_get(f"http://127.0.0.1:{port}/metrics")
    if status != 200:
        return 0.0
    return sum(s.value for fam in text_string_to_metric_families(body) for s in fam.samples
               if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


def json_lines(out: Path) -> list[dict[str, Any]]:
    entries = []
    for line in out.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def make_articles(n: int, salt: str = "") -> list[Article]:
    base = datetime(2026, 10, 1, 8, tzinfo=UTC)
    articles = []
    for i in range(n):
        town = TOWNS[i % len(TOWNS)]
        published = base + timedelta(days=i // len(TOWNS), hours=i % 7)
        text = (SENTENCES[(i // len(TOWNS)) % 2].format(town=town, day=published.strftime("%A"))
                + "\nResidents said they had no plans to return while shelling continued.")
        url = f"https://wire.example/{salt}{i}/{town.lower().replace(' ', '-')}"
        articles.append(Article(article_id=stable_id(url), url=url, outlet="example-wire", title=f"Fighting in {town}",
                                published=published, fetched_at=published + timedelta(minutes=5), language="en",
                                text=text, content_hash=stable_id(text)))
    return articles


# -- (a) the embedded defaults, `newswire run` ----------------------------------------------


def test_run_on_the_embedded_defaults(http_server: Any, tmp_path: Path) -> None:
    ports = [free_port() for _ in range(3)]
    api_port = free_port()
    write_config(tmp_path / "newswire.toml", feeds=[http_server.url("/world.xml")], ports=ports, api_port=api_port)
    out = tmp_path / "run.log"
    proc = start(["run", "--no-panel", "--status-every", "1"], tmp_path, out)
    db = home(tmp_path) / "newswire.db"
    try:
        wait_for(lambda: query(db, "SELECT place_name, controller_id FROM control")
                 == [("Kafr Nabudah", "sy.government")]
                 and query(db, "SELECT crossing_id FROM crossings") == [("newswire:bab-al-hawa",)]
                 and len(query(db, "SELECT meeting_id FROM meetings WHERE status = 'held'")) == 1,
                 timeout=120, what="the fixture feed's rows in the tables", procs=[(proc, out)])
        # Each service is ready (its log and database answer) and its metrics show what it did.
        for port in ports:
            status, body = http_get(f"http://127.0.0.1:{port}/readyz")
            assert status == 200, body
        poller, extractor, projector = ports
        wait_for(lambda: metric(poller, "newswire_feed_fetches_total", outcome="ok") >= 1
                 and metric(poller, "newswire_records_out_total") == 3
                 and metric(extractor, "newswire_records_in_total") == 3
                 and metric(extractor, "newswire_batch_seconds_count") >= 1
                 and metric(extractor, "newswire_records_out_total") >= 3  # events: at least one per article
                 and metric(projector, "newswire_projector_events_applied_total")
                 == metric(extractor, "newswire_records_out_total")
                 and metric(extractor, "newswire_consumer_lag") == 0,
                 timeout=30, what="the services' metrics", procs=[(proc, out)])
        # The read API and its map page are served too, over the same tables.
        status, body = http_get(f"http://127.0.0.1:{api_port}/")
        assert status == 200 and "leaflet.js" in body
        status, body = http_get(f"http://127.0.0.1:{api_port}/api/v1/control")
        assert status == 200 and [r["place_name"] for r in json.loads(body)["data"]] == ["Kafr Nabudah"], body
        # The supervisor's periodic status line carries the panel's numbers.
        wait_for(lambda: any(e.get("event") == "pipeline status" and e.get("articles") == 3
                             and e.get("tables", {}).get("control") == 1 for e in json_lines(out)),
                 timeout=30, what="a pipeline status line", procs=[(proc, out)])
    finally:
        code = stop(proc, out)
    assert code == 0, out.read_text()[-3000:]
    entries = json_lines(out)
    stopped = [e for e in entries if e.get("event") == "pipeline stopped"]
    assert stopped and stopped[-1]["exit_codes"] == {"poller": 0, "extractor": 0, "projector": 0, "api": 0}
    assert {e.get("service") for e in entries} >= {"poller", "extractor", "projector"}
    # Each service drained and printed its summary on the way out, and the supervisor passed it on.
    summaries = {e["service"]: e["event"] for e in entries if str(e.get("event", "")).startswith(
        ("polled ", "extracted ", "projected "))}
    assert set(summaries) == {"poller", "extractor", "projector"}, summaries

    # Nothing is left uncommitted: the groups' offsets are at the end of the log.
    with SqliteLog(home(tmp_path) / "log.db") as log:
        assert sum(log.end_offsets(ARTICLES.name).values()) == 3
        assert sum(log.group_lag("newswire-extractor", [ARTICLES.name]).values()) == 0
        ends = {(t, p): n for t in EVENT_TOPICS for p, n in log.end_offsets(t).items()}
    stored = {(t, p): n for t, p, n in query(db, "SELECT topic, partition, next_offset FROM projector_offsets")}
    assert {k: v for k, v in ends.items() if v} == {k: v for k, v in stored.items() if v}


def test_run_once_processes_each_stage_until_caught_up(http_server: Any, tmp_path: Path) -> None:
    write_config(tmp_path / "newswire.toml", feeds=[http_server.url("/world.xml")])
    out = tmp_path / "run.log"
    proc = start(["run", "--once"], tmp_path, out)
    assert proc.wait(timeout=180) == 0, out.read_text()[-3000:]
    stages = [e for e in json_lines(out) if e.get("event") == "stage finished"]
    assert [(e["service"], e["exit_code"]) for e in stages] == [("poller", 0), ("extractor", 0), ("projector", 0)]
    db = home(tmp_path) / "newswire.db"
    assert query(db, "SELECT place_name, controller_id FROM control") == [("Kafr Nabudah", "sy.government")]
    with SqliteLog(home(tmp_path) / "log.db") as log:
        assert sum(log.group_lag("newswire-extractor", [ARTICLES.name]).values()) == 0
        records = every_record(log)
    # Every record the services produced carries the CloudEvents binary-mode headers (docs/operations.md).
    assert {r.topic for r in records} >= {ARTICLES.name, *EVENT_TOPICS[:2]}
    for r in records:
        headers = dict(r.headers)
        value = json.loads(r.value)
        assert headers["ce_specversion"] == b"1.0" and headers["content-type"] == b"application/json"
        assert headers["ce_id"].decode() == value.get("event_id", value.get("article_id")), r
        assert headers["ce_subject"].decode() == r.key
        kind = value.get("type", "article")
        assert headers["ce_type"].decode() == f"dev.newswire.{kind}"
        assert headers["ce_dataschema"].decode() == f"https://newswire.dev/schemas/{kind}.schema.json"
        assert headers["ce_source"] in (b"/newswire/poller", b"/newswire/extractor")
        assert datetime.fromisoformat(headers["ce_time"].decode().replace("Z", "+00:00")).tzinfo is not None


def every_record(log: SqliteLog) -> list[Any]:
    consumer = log.consumer(None, [t.name for t in TOPICS])
    try:
        records: list[Any] = []
        while batch := consumer.poll(max_records=500, timeout=0.2):
            records += batch
        return records
    finally:
        consumer.close()


# -- (c) kill -9 mid-stream ------------------------------------------------------------------


def supervised_pids(out: Path, service: str) -> list[int]:
    return [e["pid"] for e in json_lines(out) if e.get("event") == "service started" and e.get("service") == service]


def only_pid(out: Path, service: str) -> int:
    """The pid of the service's one and only start (a crash before our kill would be a failure of its own)."""
    pids = supervised_pids(out, service)
    crashes = [e for e in json_lines(out) if e.get("event", "").startswith("service crashed")]
    assert len(pids) == 1, f"{service} started {len(pids)} times before the kill; crashes: {crashes}"
    return pids[0]


def test_kill_9_extractor_and_projector_mid_stream(http_server: Any, tmp_path: Path) -> None:
    from newswire.projector.service import replay
    from newswire.projector.store import create_engine, dump_tables

    write_config(tmp_path / "newswire.toml", feeds=[http_server.url("/world.xml")], batch_size=10)
    articles = make_articles(240)
    log_path = home(tmp_path) / "log.db"
    log_path.parent.mkdir(parents=True)
    log = SqliteLog(log_path)
    log.create_topics({t.name: 3 for t in TOPICS})  # as `newswire run` would (the default 3 partitions)
    for a in articles:
        log.produce(ARTICLES.name, a.article_id, a.model_dump_json().encode())
    log.flush()

    db = home(tmp_path) / "newswire.db"
    out = tmp_path / "run.log"
    proc = start(["run", "--no-panel"], tmp_path, out)
    procs = [(proc, out)]

    def extracted() -> int:
        return sum(n for _, n in log.committed_offsets("newswire-extractor", [ARTICLES.name]).items())

    def projected() -> int:
        return sum(n for (n,) in query(db, "SELECT next_offset FROM projector_offsets"))

    def events_on_log() -> int:
        return sum(n for t in EVENT_TOPICS for n in log.end_offsets(t).values())

    try:
        # 1. The extractor is part-way through the stream: kill -9 it; the supervisor restarts it.
        wait_for(lambda: extracted() >= 20, timeout=120, what="the extractor's first batches", procs=procs)
        os.kill(only_pid(out, "extractor"), signal.SIGKILL)
        at_kill = extracted()
        assert at_kill < len(articles), "the extractor finished before it could be killed mid-stream"
        wait_for(lambda: len(supervised_pids(out, "extractor")) == 2, timeout=30, what="the extractor's restart",
                 procs=procs)

        # 2. The projector has applied some events while more keep coming: kill -9 it too.
        wait_for(lambda: 0 < projected() and extracted() > at_kill, timeout=60,
                 what="the projector's first batches", procs=procs)
        os.kill(only_pid(out, "projector"), signal.SIGKILL)
        assert extracted() < len(articles) + 3 or projected() < events_on_log(), "the stream ended before the kill"
        wait_for(lambda: len(supervised_pids(out, "projector")) == 2, timeout=30, what="the projector's restart",
                 procs=procs)

        # 3. Both catch up (the killed members' partitions return once their sessions expire).
        wait_for(lambda: extracted() == sum(log.end_offsets(ARTICLES.name).values())
                 and projected() == events_on_log(), timeout=120, what="both to catch up", procs=procs)
    finally:
        code = stop(proc, out)
    assert code == 0, out.read_text()[-3000:]
    crashes = [e for e in json_lines(out) if e.get("event") == "service crashed; restarting"]
    assert sorted(e["service"] for e in crashes) == ["extractor", "projector"]
    assert all(e["how"] == "signal SIGKILL" for e in crashes)

    # No article lost: every article on the log (the stream and the fixture feed's 3) has its events.
    consumer = log.consumer(None, [ARTICLES.name, *EVENT_TOPICS])
    consumer.seek_to_beginning()
    on_log: dict[str, Article] = {}
    event_ids: set[str] = set()
    while batch := consumer.poll(max_records=1000, timeout=0.5):
        for r in batch:
            if r.topic == ARTICLES.name:
                on_log[r.key or ""] = Article.model_validate_json(r.value)
            else:
                event_ids.add(json.loads(r.value)["event_id"])
    consumer.close()
    assert len(on_log) == len(articles) + 3
    # The events on the log are exactly those of every article, extracted here in-process (the
    # extractor is deterministic): an article skipped across a kill would leave its events missing.
    from newswire.extractor.extract import extract

    expected = {e.event_id for a in on_log.values() for e in extract(a)}
    missing = {a.article_id: a.title for a in on_log.values()
               if {e.event_id for e in extract(a)} - event_ids}
    assert not missing, f"articles without their events: {missing}"
    assert event_ids == expected
    # Every offset is committed: nothing left for either service.
    assert sum(log.group_lag("newswire-extractor", [ARTICLES.name]).values()) == 0
    assert projected() == events_on_log()

    # The tables equal a replay from offset zero (on a copy, so the evidence is kept).
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    copy = tmp_path / "replayed.db"
    shutil.copy(db, copy)
    live_engine, replay_engine = create_engine(f"sqlite:///{db}"), create_engine(f"sqlite:///{copy}")
    try:
        replay(replay_engine, log)
        live, replayed = dump_tables(live_engine), dump_tables(replay_engine)
        assert live == replayed
        # Every event on the log applied exactly once (redeliveries after the kills folded away).
        assert len(live["applied_events"]) == len(event_ids)
    finally:
        live_engine.dispose()
        replay_engine.dispose()
        log.close()


# -- the README's main command on a terminal -------------------------------------------------


def test_main_command_on_a_terminal_shows_the_panel_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """`newswire run` with no configuration in a fresh directory: the bundled sample feed, the live panel,
    its data in the default data home (not the working directory), which `newswire state` finds from anywhere."""
    import pty
    import re
    import threading

    master, slave = pty.openpty()
    env = child_env(COLUMNS="120", LINES="60", TERM="xterm-256color",
                    # Only so that parallel test runs on one machine do not fight over the default ports.
                    NEWSWIRE_POLLER__METRICS_PORT="0", NEWSWIRE_EXTRACTOR__METRICS_PORT="0",
                    NEWSWIRE_PROJECTOR__METRICS_PORT="0", NEWSWIRE_API__PORT="0")
    proc = subprocess.Popen([sys.executable, "-m", "newswire", "run"], cwd=tmp_path, env=env,
                            stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    screen = bytearray()

    def drain() -> None:  # a terminal nobody reads would block the panel's writes
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            screen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()

    def text() -> str:
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", bytes(screen).decode("utf-8", "replace"))

    db = home(tmp_path) / "newswire.db"

    def shown() -> bool:
        assert proc.poll() is None, f"newswire run exited {proc.returncode}:\n{text()[-3000:]}"
        return (len(query(db, "SELECT place_id FROM control")) == 2
                and re.search(r"articles published\s*│\s*5\b", text()) is not None
                and re.search(r"events: control\.changed\s*│\s*[1-9]", text()) is not None)

    try:
        wait_for(shown, timeout=120, what="the sample feed's rows and the panel showing them")
        for needle in ("services", "poller", "extractor", "projector", "running", "feeds failing", "tables",
                       "Ctrl-C stops"):
            assert needle in text(), needle
        # A second terminal: `newswire state control` reads the same tables.
        state = subprocess.run([sys.executable, "-m", "newswire", "state", "control", "--format", "json"],
                               cwd=tmp_path.parent, env=child_env(), capture_output=True, text=True, timeout=60,
                               check=True)
        assert {r["place_name"] for r in json.loads(state.stdout)} == {"Saraqib", "Um Rawaba"}
    finally:
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground process
        try:
            code = proc.wait(timeout=60)
        finally:
            os.close(master)
    assert code == 0, text()[-3000:]
