"""``newswire poll``, ``newswire ingest`` and ``newswire status``, through the real CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswire.cli import app
from newswire.core.log import SqliteLog
from newswire.core.models import Article, stable_id
from newswire.core.topics import ARTICLES
from tests.fixtures.http import FEED_DATA, LocalHttpServer

ROOT = Path(__file__).resolve().parent.parent


def published(log_path: Path) -> list[Article]:
    log = SqliteLog(log_path)
    consumer = log.consumer(None, [ARTICLES.name])
    try:
        out: list[Article] = []
        while batch := consumer.poll(max_records=500, timeout=0.2):
            out += [Article.model_validate_json(r.value) for r in batch]
        return out
    finally:
        consumer.close()
        log.close()


def invoke(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--log-url", f"sqlite:///{tmp_path / 'log.db'}",
                                      "--db-url", f"sqlite:///{tmp_path / 'state.db'}", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def write_config(tmp_path: Path, server: LocalHttpServer | None, *, sample: bool) -> None:
    lines = ["[poller]", f"include_sample_feed = {'true' if sample else 'false'}", "host_delay = 0",
             "timeout = 2", "metrics_port = 0"]
    if server is not None:
        for path, outlet in (("/world.xml", "fixture-world"), ("/missing-feed.xml", "fixture-gone")):
            lines += ["[[poller.feeds]]", f'url = "{server.url(path)}"', f'outlet = "{outlet}"', "local = true"]
    (tmp_path / "newswire.toml").write_text("\n".join(lines) + "\n")


def test_poll_once_publishes_the_sample_feed_with_no_network(tmp_path: Path) -> None:
    write_config(tmp_path, None, sample=True)
    (tmp_path / "newswire.toml").write_text((tmp_path / "newswire.toml").read_text()
                                            + '[[poller.feeds]]\nurl = "https://feeds.invalid/rss"\noutlet = "x"\n')
    code, _, err = invoke(tmp_path, "poll", "--once")
    assert code == 0, err
    articles = published(tmp_path / "log.db")
    assert len(articles) == 5
    assert {a.outlet for a in articles} == {"newswire-sample"}
    assert all(a.body_source == "page" and a.url.startswith("https://sample.newswire.invalid/") for a in articles)
    assert "5 article(s) published" in err and "1 failed" in err


def test_poll_once_then_status_shows_each_feeds_health(tmp_path: Path, http_server: LocalHttpServer) -> None:
    write_config(tmp_path, http_server, sample=False)
    code, _, err = invoke(tmp_path, "poll", "--once")
    assert code == 0, err
    assert len(published(tmp_path / "log.db")) == 3

    code, out, _ = invoke(tmp_path, "status", "--format", "json")
    rows = {r["outlet"]: r for r in json.loads(out)}
    assert code == 0
    assert rows["fixture-world"]["failures"] == 0 and rows["fixture-world"]["published"] == 3
    assert rows["fixture-world"]["last_success"] is not None
    assert rows["fixture-gone"]["failures"] == 1
    assert rows["fixture-gone"]["last_error"] == f"{http_server.url('/missing-feed.xml')}: HTTP 404 Not Found"
    assert rows["fixture-gone"]["next_poll"] is not None

    code, table, _ = invoke(tmp_path, "status")
    assert code == 0 and "fixture-gone" in table and "fixture-world" in table


def test_ingest_jsonl_and_html_files(tmp_path: Path) -> None:
    lines = [
        {"doc_id": "test:one", "outlet": "testwire", "published": "2026-11-20", "title": "One",
         "text": "Rebels seized the town of Example on Friday.\nThe army withdrew.", "url": ""},
        {"doc_id": "test:two", "outlet": "testwire", "published": "2026-11-21", "title": "Two",
         "text": "Officials met in Doha on Saturday.", "url": "https://news.example/two?utm_source=x"},
        {"doc_id": "test:bad", "outlet": "testwire", "text": ""},
    ]
    jsonl = tmp_path / "articles.jsonl"
    jsonl.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n")
    page = FEED_DATA / "pages" / "a1.html"

    code, _, err = invoke(tmp_path, "ingest", str(jsonl), str(page))

    assert code == 0, err
    got = {a.doc_id: a for a in published(tmp_path / "log.db")}
    assert set(got) == {"test:one", "test:two", "a1"}
    assert got["test:one"].article_id == stable_id("doc", "test:one") and got["test:one"].url == ""
    assert got["test:two"].article_id == stable_id("https://news.example/two")
    assert got["test:one"].published is not None and got["test:one"].published.isoformat().startswith("2026-11-20")
    assert got["test:one"].text.splitlines() == ["Rebels seized the town of Example on Friday.", "The army withdrew."]
    assert all(a.body_source == "file" for a in got.values())
    assert got["a1"].text.startswith("Syrian government forces retook the village of Kafr Nabudah")
    assert f"{jsonl}:3: text: Value error, must not be empty" in err
    assert f"{jsonl}:4: " in err and "Invalid JSON" in err

    code, _, err = invoke(tmp_path, "ingest", str(jsonl))
    assert code == 0 and "0 published, 2 already seen" in err
    assert len(published(tmp_path / "log.db")) == 3


def test_ingest_of_a_missing_file_is_one_line(tmp_path: Path) -> None:
    code, _, err = invoke(tmp_path, "ingest", str(tmp_path / "absent.jsonl"))
    assert code == 1
    assert err.strip() == f"error: no such file: {tmp_path / 'absent.jsonl'}"


@pytest.mark.slow
def test_poll_runs_until_sigterm_and_exits_0(tmp_path: Path) -> None:
    write_config(tmp_path, None, sample=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "newswire", "--log-url", f"sqlite:///{tmp_path / 'log.db'}",
         "--db-url", f"sqlite:///{tmp_path / 'state.db'}", "poll"],
        cwd=tmp_path, stderr=subprocess.PIPE, text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                                                             "NEWSWIRE_LOG_FORMAT": "json"})
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 60
        for line in proc.stderr:
            if "poller.feed_polled" in line or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(published(tmp_path / "log.db")) == 5


def test_the_docs_cover_every_poller_setting_and_command() -> None:
    from newswire.core.config import PollerSettings

    docs = (ROOT / "docs" / "poller.md").read_text()
    for name in PollerSettings.model_fields:
        if name not in ("batch_size", "poll_timeout"):  # ServiceSettings keys the poller does not use
            assert f"`{name}`" in docs, name
    for command in ("newswire poll --once", "newswire poll ", "newswire status", "newswire status --format json",
                    "newswire ingest FILE"):
        assert command in docs, command
