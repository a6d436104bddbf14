"""The supervisor on real child processes: restart with backoff, crash logs, SIGTERM drain, fatal config errors."""

from __future__ import annotations

import ast
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from newswire.core.log import SqliteLog
from newswire.core.topics import ARTICLES, CONTROL, DLQ, TOPICS
from newswire.poller.state import PollerState
from newswire.supervisor import panel, process, state
from newswire.supervisor.panel import render_panel, short_line
from newswire.supervisor.process import Backoff, ServiceSpec, Supervisor, service_argv
from newswire.supervisor.state import FeedHealth, GroupSpec, StateReader, poller_feed_health, state_engine


def wait_for(cond: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


# A child that behaves like a service: prints a JSON line, stops on SIGTERM after "draining", exits 0.
SERVICE = """
import json, signal, sys, time
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
print(json.dumps({"event": "started", "level": "info"}), flush=True)
while not stop:
    time.sleep(0.02)
print(json.dumps({"event": "drained", "level": "info"}), flush=True)
"""


def test_backoff_doubles_and_caps() -> None:
    b = Backoff(base=1, factor=2, max=10)
    assert [b.delay(n) for n in (1, 2, 3, 4, 5, 6)] == [1, 2, 4, 8, 10, 10]


def test_crashed_service_is_restarted_with_backoff(tmp_path: Path) -> None:
    # Crashes on its first two runs (counted in a file), then runs like a service.
    counter = tmp_path / "runs"
    crashy = f"""
import pathlib, sys
p = pathlib.Path({str(counter)!r})
n = int(p.read_text()) if p.exists() else 0
p.write_text(str(n + 1))
if n < 2:
    print("boom on run", n, flush=True)
    sys.exit(7)
""" + SERVICE
    lines: list[tuple[str, str]] = []
    sup = Supervisor({ServiceSpec("crashy", "x"): py(crashy), ServiceSpec("steady", "y"): py(SERVICE)},
                     backoff=Backoff(base=0.2, factor=2.0, max=5.0), output=lambda s, line: lines.append((s, line)))
    crashy_mp, steady_mp = sup.processes
    first_pid: list[int | None] = []

    def tick() -> None:
        if steady_mp.pid and not first_pid:
            first_pid.append(steady_mp.pid)
        started = {s for s, line in lines if line == '{"event": "started", "level": "info"}'}
        if crashy_mp.restarts >= 2 and crashy_mp.running and started == {"crashy", "steady"}:
            sup.stop()

    began = time.monotonic()
    code = sup.run(on_tick=tick, interval=0.02)
    assert code == 0
    assert counter.read_text() == "3"
    assert crashy_mp.restarts == 2 and crashy_mp.failures == 2
    assert time.monotonic() - began >= 0.2 + 0.4  # waited the two backoff delays, doubling
    assert steady_mp.restarts == 0 and steady_mp.pid == first_pid[0]  # a crash elsewhere does not touch it
    assert ("crashy", "boom on run 0") in lines and ("crashy", "boom on run 1") in lines
    # Shutdown sent SIGTERM: both drained and exited 0.
    assert ("steady", '{"event": "drained", "level": "info"}') in lines
    assert crashy_mp.last_exit == 0 and steady_mp.last_exit == 0


def test_config_error_stops_everything_with_exit_2(tmp_path: Path) -> None:
    # "bad" fails only once "ok" has installed its SIGTERM handler, so "ok" is stopped as a running service.
    ready = tmp_path / "ok-ready"
    bad = f"import pathlib, sys, time\nwhile not pathlib.Path({str(ready)!r}).exists(): time.sleep(0.01)\n" \
          "print('error: bad key'); sys.exit(2)"
    ok = SERVICE.replace("print(json.dumps({\"event\": \"started\"",
                         f"open({str(ready)!r}, 'w').close()\nprint(json.dumps({{\"event\": \"started\"")
    sup = Supervisor({ServiceSpec("bad", "x"): py(bad), ServiceSpec("ok", "y"): py(ok)}, backoff=Backoff(base=0.05))
    code = sup.run(interval=0.02)
    assert code == 2
    assert sup.fatal == ("bad", 2)
    assert sup.processes[0].restarts == 0
    assert sup.processes[1].last_exit == 0  # stopped cleanly


def test_a_child_ignoring_sigterm_is_killed_after_grace() -> None:
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); " \
               "time.sleep(60)"
    sup = Supervisor({ServiceSpec("stubborn", "x"): py(stubborn)}, grace=0.5)
    sup.tick()
    wait_for(lambda: "up" in sup.processes[0].lines, what="child up")
    codes = sup.shutdown()
    assert codes == {"stubborn": -9}


def test_service_argv_runs_the_real_cli() -> None:
    argv = service_argv(process.SERVICES[1], ["--config", "x.toml"], ["--once"])
    assert argv == [sys.executable, "-m", "newswire", "--config", "x.toml", "extract", "--once"]
    assert [s.command for s in process.SERVICES] == ["poll", "extract", "project", "serve"]
    assert [s.command for s in process.PIPELINE] == ["poll", "extract", "project"]


def test_state_reads_counts_lag_and_tables(tmp_path: Path) -> None:
    log = SqliteLog(tmp_path / "log.db")
    log.create_topics({t.name: 3 for t in TOPICS})
    for i in range(5):
        log.produce(ARTICLES.name, f"a{i}", b"{}")
    log.produce(CONTROL.name, "geonames:1", b'{"type": "control.changed"}')
    log.produce(CONTROL.name, "geonames:2", b'{"type": "forces.withdrew"}')
    log.produce(CONTROL.name, "geonames:3", b'{"type": "control.changed"}')
    log.produce(DLQ.name, "a1", b"{}")
    log.flush()
    consumer = log.consumer("newswire-extractor", [ARTICLES.name])
    got = 0
    while got < 2:
        got += len(consumer.poll(max_records=2 - got, timeout=0.5))
    consumer.commit()
    consumer.close()
    engine = state_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE control (place_id TEXT)")
        conn.exec_driver_sql("INSERT INTO control VALUES ('geonames:1'), ('geonames:3')")
    assert poller_feed_health(engine) is None  # the poller has not run: no feed health, and nothing created
    # The poller's table as the poller writes it (newswire.poller.state defines it, in one place).
    poller = PollerState(engine)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    poller.record_success("http://a", "a", etag=None, last_modified=None, at=at, next_poll=0.0, published=1)
    for _ in range(2):
        poller.record_failure("http://b", "b", error="http://b: HTTP 503", at=at, next_poll=0.0)
    poller.record_failure("http://c", "c", error="http://c: HTTP 503", at=at, next_poll=0.0)
    poller.record_success("http://c", "c", etag=None, last_modified=None, at=at, next_poll=0.0, published=0)
    reader = StateReader(log, engine, [GroupSpec("extractor", "newswire-extractor", (ARTICLES.name,))],
                         feed_reader=poller_feed_health)
    s = reader.read()
    assert s.feeds == FeedHealth(total=3, failing=1, polled=3, failing_urls=("http://b",))
    assert s.articles == 5 and s.dead_letters == 1
    assert s.events == {"control.changed": 2, "forces.withdrew": 1}
    assert s.lag == {"extractor": 3}
    assert s.tables == {"control": 2, "poller_articles": 0, "poller_feeds": 3}
    # Incremental: only new records are read on the next refresh.
    log.produce(CONTROL.name, "geonames:4", b'{"type": "forces.withdrew"}')
    log.flush()
    assert reader.read().events == {"control.changed": 2, "forces.withdrew": 2}

    procs = Supervisor({ServiceSpec("extractor", "extract"): py("pass")}).processes
    console = Console(width=120, record=True)
    console.print(render_panel(s, procs, recent_lines=[("extractor", '{"level": "info", "event": "batch"}')]))
    text = console.export_text()
    for needle in ("extractor", "articles published", "feeds failing", "events: control.changed", "dead letters", "control",
                   "info    batch"):
        assert needle in text, needle
    reader.close()
    log.close()


def test_the_supervisor_reads_the_poller_table_through_the_poller_state_module() -> None:
    """The poller's tables are defined in newswire.poller.state alone: no table name or SQL of its here."""
    source = Path(state.__file__).read_text()
    strings = [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert not [s for s in strings if "poller_feeds" in s or "SELECT " in s.upper()]
    assert "exec_driver_sql" not in source


def test_short_line_condenses_json() -> None:
    assert short_line('{"level": "error", "event": "feed failed", "timestamp": "x", "url": "u"}') == \
        "error   feed failed url=u"
    assert short_line("plain text") == "plain text"


@pytest.mark.parametrize("module", [process, state, panel])
def test_public_names(module: object) -> None:
    for name in module.__all__:  # type: ignore[attr-defined]
        assert hasattr(module, name), name


def test_run_stops_with_the_childs_error_when_its_port_is_taken(tmp_path: Path) -> None:
    """A real misconfiguration: the extractor's metrics port is in use. No restart loop: exit 2, one line."""
    import os
    import socket
    import subprocess

    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))  # noqa: S104 - the services bind all interfaces
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
        env.update(NEWSWIRE_POLLER__METRICS_PORT="0", NEWSWIRE_PROJECTOR__METRICS_PORT="0", NEWSWIRE_API__PORT="0",
                   NEWSWIRE_EXTRACTOR__METRICS_PORT=str(port), NEWSWIRE_POLLER__INCLUDE_SAMPLE_FEED="false",
                   COLUMNS="400")
        done = subprocess.run([sys.executable, "-m", "newswire", "run", "--no-panel"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr[-3000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: extractor: exited with code 2 (bad usage or configuration), so the pipeline"
                           " stopped: extractor.metrics_port: cannot serve health and metrics on 0.0.0.0:"), last
    assert "NEWSWIRE_EXTRACTOR__METRICS_PORT" in last
    assert "service crashed; restarting" not in done.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_children_stop_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    """kill -9 of the supervisor: the kernel sends each child SIGTERM, it drains and exits (no orphans)."""
    import os
    import signal
    import subprocess

    pid_file, drained = tmp_path / "child.pid", tmp_path / "drained"
    child = SERVICE.replace("print(json.dumps({\"event\": \"drained\"",
                            f"open({str(drained)!r}, 'w').close()\nprint(json.dumps({{\"event\": \"drained\"")
    # The pid is written once the SIGTERM handler is in place.
    child = child.replace("print(json.dumps({\"event\": \"started\"",
                          f"import os\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
                          "print(json.dumps({\"event\": \"started\"")
    supervisor = (f"from newswire.supervisor.process import ServiceSpec, Supervisor\n"
                  f"Supervisor({{ServiceSpec('svc', 'x'): {py(child)!r}}}).run()\n")
    proc = subprocess.Popen([sys.executable, "-c", supervisor], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: pid_file.exists() and pid_file.read_text() != "", what="the child to start")
        child_pid = int(pid_file.read_text())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def gone() -> bool:
        try:
            os.kill(child_pid, 0)
        except ProcessLookupError:
            return True
        # A zombie (exited, not yet reaped by init) is gone too.
        return Path(f"/proc/{child_pid}/stat").read_text().split(") ")[1].startswith("Z")

    wait_for(gone, what="the orphaned child to exit")
    assert drained.exists()  # it stopped through its SIGTERM handler, not by being killed


@pytest.mark.parametrize("columns, expected", [(250, 110), (80, 80)])
def test_the_panel_keeps_a_sensible_width(columns: int, expected: int) -> None:
    from newswire.supervisor.state import PipelineState

    procs = Supervisor({ServiceSpec("extractor", "extract"): py("pass")}).processes
    console = Console(width=columns, record=True)
    console.print(render_panel(PipelineState(), procs, recent_lines=[("poller", "x" * 400)]))
    widths = {len(line) for line in console.export_text().splitlines() if line.strip()}
    assert max(widths) == expected
