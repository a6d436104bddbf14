"""The poller's limits against hostile and broken servers on 127.0.0.1 (issue 12, items 3, 4, 7 and 8).

Slow headers, redirects out of a local feed, oversized pages, invalid UTF-8,
entity declarations, and bad backfill lines: each ends as a clear outcome
(a failed feed, a warning, a skipped line, a record marked truncated) and the
rest goes on.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from newswire.cli import app
from newswire.core.config import FeedConfig, load_settings
from newswire.core.log import SqliteLog
from newswire.core.models import Article
from newswire.core.topics import ARTICLES
from newswire.poller import PollStatus, make_poller
from newswire.poller.fetch import DeadlineTransport
from tests.fixtures.http import LocalHttpServer


def articles(log: SqliteLog) -> list[tuple[Article, int]]:
    """Every published article with the size of its record."""
    consumer = log.consumer(None, [ARTICLES.name])
    try:
        out: list[tuple[Article, int]] = []
        while batch := consumer.poll(max_records=500, timeout=0.2):
            out += [(Article.model_validate_json(r.value), len(r.value)) for r in batch]
        return out
    finally:
        consumer.close()


def poll(tmp_path: Path, log: SqliteLog, feeds: list[FeedConfig], transport: httpx.BaseTransport | None = None,
         **poller_settings: object) -> list:  # type: ignore[type-arg]
    settings = load_settings(db_url=f"sqlite:///{tmp_path / 'state.db'}", log_url=f"sqlite:///{tmp_path}/x.db",
                             poller={"host_delay": 0.0, "timeout": 10.0, "include_sample_feed": False,
                                     "respect_robots": False, **poller_settings})
    poller = make_poller(settings, log=log, feeds=feeds, transport=transport)
    try:
        return poller.poll_once()
    finally:
        poller.close()


def local(server: LocalHttpServer, path: str) -> FeedConfig:
    return FeedConfig(url=server.url(path), outlet="fixture", local=True)


def rss(base: str, title: str, page: str = "/pages/a1.html", prolog: str = "") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel><title>t</title>'
            f"<item><title>{title}</title><link>{base}{page}</link>"
            "<description>A short description of the item, long enough to read.</description></item>"
            "</channel></rss>")


# -- item 3: one deadline per request ------------------------------------------------------


class TrickleServer:
    """Answers every connection with a status line and headers sent one byte every ``gap`` seconds."""

    def __init__(self, gap: float, headers: bytes) -> None:
        self.gap, self.headers = gap, headers
        self.finished = threading.Event()  # set if a client ever received the whole answer
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/feed.xml"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            try:
                for byte in self.headers:
                    conn.sendall(bytes([byte]))
                    time.sleep(self.gap)
                conn.sendall(b"<rss version='2.0'><channel><title>slow</title></channel></rss>")
                self.finished.set()
            except OSError:  # the client hung up: its deadline passed
                return

    def close(self) -> None:
        self._sock.close()


def test_a_server_trickling_its_headers_is_cut_off_at_the_deadline(tmp_path: Path, sqlite_log: SqliteLog) -> None:
    headers = (b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nX-Padding: " + b"x" * 40
               + b"\r\nContent-Length: 64\r\n\r\n")
    server = TrickleServer(gap=0.1, headers=headers)  # 12 s of headers; every byte well inside the read timeout
    try:
        [result] = poll(tmp_path, sqlite_log, [FeedConfig(url=server.url, outlet="slow", local=True)], timeout=2.0)
    finally:
        server.close()
    assert result.status is PollStatus.FAILED and result.error_kind == "timeout", result.error
    assert not server.finished.is_set()  # given up before the server was done, not after


# -- item 7: local means loopback, on every hop --------------------------------------------


class OutsideWorld(httpx.BaseTransport):
    """The real transport for loopback; anything else is recorded and answered here, never sent."""

    def __init__(self) -> None:
        self.real = DeadlineTransport()
        self.outside: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host in ("127.0.0.1", "localhost"):
            return self.real.handle_request(request)
        self.outside.append(str(request.url))
        return httpx.Response(200, text="<rss version='2.0'><channel><item><title>secret</title>"
                                         "<link>http://169.254.169.254/x</link></item></channel></rss>")


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/admin",
                                    "http://[fd00::1]/admin"])
def test_a_redirect_out_of_a_local_feed_is_refused(
        tmp_path: Path, sqlite_log: SqliteLog, http_server: LocalHttpServer, target: str) -> None:
    http_server.route("/feed.xml", redirect=target)
    world = OutsideWorld()
    [result] = poll(tmp_path, sqlite_log, [local(http_server, "/feed.xml")], transport=world)
    assert result.status is PollStatus.FAILED and result.error_kind == "address", result.error
    assert "refused" in (result.error or "")
    assert world.outside == []
    assert articles(sqlite_log) == []


# -- item 8: sizes, encodings, XML safety ----------------------------------------------------


def big_page(chars: int) -> str:
    paragraph = "Fighters advanced on the northern villages as residents fled south along the river road. "
    paragraphs = "".join(f"<p>{paragraph * 10} ({i})</p>" for i in range(chars // (len(paragraph) * 10) + 1))
    return f"<html lang='en'><head><title>Big</title></head><body><article><h1>Big</h1>{paragraphs}</article></body></html>"


@pytest.mark.parametrize(("settings", "text_limit", "record_limit"), [
    ({}, 100_000, 1_000_000),  # the defaults
    ({"max_text_chars": 1_000_000, "max_record_bytes": 300_000}, 300_000, 300_000)])
def test_a_1mb_page_becomes_a_record_under_the_limit_marked_truncated(
        tmp_path: Path, sqlite_log: SqliteLog, http_server: LocalHttpServer, settings: dict[str, int],
        text_limit: int, record_limit: int) -> None:
    http_server.route("/big.html", body=big_page(1_050_000), headers={"Content-Type": "text/html; charset=utf-8"})
    http_server.route("/feed.xml", body=rss(http_server.base_url, "A very long report", "/big.html"),
                      headers={"Content-Type": "application/rss+xml"})
    [result] = poll(tmp_path, sqlite_log, [local(http_server, "/feed.xml")], **settings)
    assert result.status is PollStatus.OK and len(result.published) == 1, result
    [(article, size)] = articles(sqlite_log)
    assert article.truncated and article.body_source == "page"
    assert size <= record_limit and text_limit * 0.9 <= len(article.text) <= text_limit
    assert article.text.endswith(")") or article.text[-1].isalpha()  # cut at a word or line break


def test_invalid_utf8_is_shown_as_replacement_characters_not_mojibake(
        tmp_path: Path, sqlite_log: SqliteLog, http_server: LocalHttpServer) -> None:
    title = "Caf\u00e9 owners in Deir ez-Zor \u2014 prices fall".encode()
    feed = rss(http_server.base_url, "TITLE").encode().replace(b"TITLE", title[:5] + b"\xff" + title[5:])
    http_server.route("/feed.xml", body=feed, headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    text = ("<p>" + "Residents of Deir ez-Zor said the caf\u00e9 on the square reopened on Monday. " * 5
            + "</p>").encode()
    page = b"<html><head><meta charset='utf-8'><title>p</title></head><body><article>" + text.replace(
        b"square", b"squ\xfeare") + b"</article></body></html>"
    http_server.route("/pages/a1.html", body=page, headers={"Content-Type": "text/html"})
    [result] = poll(tmp_path, sqlite_log, [local(http_server, "/feed.xml")])
    assert result.status is PollStatus.OK, result.error
    [(article, _)] = articles(sqlite_log)
    assert article.title == "Caf\u00e9\ufffd owners in Deir ez-Zor \u2014 prices fall"
    assert "caf\u00e9 on the squ\ufffdare" in article.text
    assert "\u00c3" not in article.title + article.text  # no "CafÃ©"


QUADRATIC = "<!DOCTYPE rss [<!ENTITY a \"" + "a" * 50_000 + "\">]>"
XXE = "<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"


@pytest.mark.parametrize("attack", ["billion-laughs", "quadratic-blowup", "xxe"])
def test_a_feed_that_declares_entities_publishes_nothing(
        tmp_path: Path, sqlite_log: SqliteLog, http_server: LocalHttpServer, attack: str) -> None:
    if attack == "billion-laughs":
        path = "/billion-laughs.xml"
    else:
        prolog, ref = (QUADRATIC, "&a;" * 5_000) if attack == "quadratic-blowup" else (XXE, "&xxe;")
        path = http_server.route("/attack.xml", body=rss(http_server.base_url, ref, prolog=prolog),
                                 headers={"Content-Type": "application/rss+xml"}).removeprefix(http_server.base_url)
    [result] = poll(tmp_path, sqlite_log, [local(http_server, path)])
    assert result.status is PollStatus.FAILED and result.error_kind == "parse", result
    assert "declares an XML entity" in (result.error or "")
    assert articles(sqlite_log) == []


# -- items 4 and 8: newswire ingest ----------------------------------------------------------


def line(n: int, **fields: str) -> bytes:
    import json

    row = {"doc_id": f"doc-{n}", "outlet": "backfill", "published": "2024-12-06",
           "title": f"Report {n}", "text": f"Opposition forces took control of the town of Number {n}.",
           "url": f"https://news.example/{n}"} | fields
    return json.dumps(row).encode() + b"\n"


@pytest.fixture
def backfill(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "backfill.jsonl"
    path.write_bytes(
        line(1)
        + line(2).replace(b"Report 2", b"Report \xff2")  # invalid UTF-8
        + line(3, url="http://[::1")  # an unclosed IPv6 literal
        + line(4, url="javascript:alert(1)")
        + line(5, text="Government forces said they held the district. " * 220_000)  # about 10 MB
        + line(6, text="Quiet\u0000 text with a NUL that PostgreSQL would refuse.")
        + line(7))
    yield path


def test_ingest_skips_each_bad_line_and_publishes_the_others(tmp_path: Path, backfill: Path) -> None:
    result = CliRunner().invoke(app, ["--log-url", f"sqlite:///{tmp_path / 'log.db'}",
                                      "--db-url", f"sqlite:///{tmp_path / 'state.db'}", "ingest", str(backfill)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 0, result.stderr
    skipped = [ln for ln in result.stderr.splitlines() if ln.startswith("skipped:")]
    column = line(2).replace(b"Report 2", b"Report \xff2").index(b"\xff") + 1
    assert skipped == [
        f"skipped: {backfill}:2: not UTF-8 (byte 0xff at column {column})",
        f"skipped: {backfill}:3: url: Value error, not a valid URL (Invalid IPv6 URL)",
        f"skipped: {backfill}:4: url: Value error, not an http(s) URL (scheme 'javascript')",
    ]
    with SqliteLog(tmp_path / "log.db") as log:
        published = {a.doc_id: (a, size) for a, size in articles(log)}
    assert sorted(published) == ["doc-1", "doc-5", "doc-6", "doc-7"]
    big, size = published["doc-5"]
    assert big.truncated and len(big.text) <= 100_000 and size <= 1_000_000
    assert published["doc-6"][0].text == "Quiet text with a NUL that PostgreSQL would refuse."
    assert not published["doc-1"][0].truncated
