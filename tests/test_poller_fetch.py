"""The fetcher's rules on httpx's MockTransport: SSRF, redirects, conditional GET, Retry-After, politeness."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest

from newswire.core.errors import FetchError
from newswire.poller.fetch import HTML_TYPES, FetchFailure, Fetcher, HostGate, check_address, parse_retry_after

PUBLIC = {"news.example": ["93.184.215.14"], "cdn.example": ["151.101.1.1"], "intranet.example": ["10.0.0.5"],
          "metadata.example": ["169.254.169.254"], "dual.example": ["93.184.215.14", "::1"]}


def resolver(host: str) -> list[str]:
    if host in PUBLIC:
        return PUBLIC[host]
    raise FetchFailure("resolve", f"cannot resolve host {host!r}")


def fetcher(handler: Callable[[httpx.Request], httpx.Response], **kwargs: object) -> Fetcher:
    client = httpx.Client(transport=httpx.MockTransport(handler), headers={"User-Agent": "newswire-test"})
    return Fetcher(client, resolver=resolver, **kwargs)  # type: ignore[arg-type]


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text="<html><body>ok</body></html>", headers={"Content-Type": "text/html"})


@pytest.mark.parametrize(("url", "kind", "message"), [
    ("ftp://news.example/a", "scheme", "scheme 'ftp' refused; only http and https are fetched"),
    ("javascript:alert(1)", "scheme", "scheme 'javascript' refused"),
    ("http://intranet.example/a", "address", "resolves to private address 10.0.0.5; refused"),
    ("http://metadata.example/latest", "address", "resolves to link-local address 169.254.169.254; refused"),
    ("http://127.0.0.1:8080/a", "address", "resolves to loopback address 127.0.0.1; refused"),
    ("http://dual.example/a", "address", "loopback address ::1"),
    ("http://nowhere.example/a", "resolve", "cannot resolve host 'nowhere.example'"),
])
def test_unsafe_urls_are_refused_before_any_request(url: str, kind: str, message: str) -> None:
    sent: list[httpx.Request] = []
    f = fetcher(lambda r: sent.append(r) or ok(r))  # type: ignore[func-returns-value]
    with pytest.raises(FetchFailure) as info:
        f.get(url)
    assert info.value.kind == kind
    assert message in str(info.value)
    assert str(info.value).startswith(url)
    assert sent == []


def test_a_local_feed_may_reach_private_addresses() -> None:
    check_address("http://intranet.example/a", resolver, local=True)
    assert fetcher(ok).get("http://10.0.0.5/a", local=True).status == 200


def test_a_redirect_to_a_private_address_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "news.example":
            return httpx.Response(302, headers={"Location": "http://intranet.example/admin"})
        return ok(request)

    with pytest.raises(FetchFailure, match="private address 10.0.0.5") as info:
        fetcher(handler).get("http://news.example/story")
    assert info.value.kind == "address"


def test_redirects_are_followed_up_to_the_limit() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.path.strip("/") or 0)
        if n < 3:
            return httpx.Response(301, headers={"Location": f"/{n + 1}"})
        return ok(request)

    got = fetcher(handler, max_redirects=3).get("http://news.example/0")
    assert got.url == "http://news.example/3"
    with pytest.raises(FetchFailure, match="more than 2 redirects"):
        fetcher(handler, max_redirects=2).get("http://news.example/0")


def test_conditional_headers_are_sent_and_304_is_a_value() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(304)

    got = fetcher(handler).get("http://news.example/rss", etag='"abc"', last_modified="Mon, 23 Nov 2026 10:00:00 GMT")
    assert got.not_modified
    assert seen[0].headers["If-None-Match"] == '"abc"'
    assert seen[0].headers["If-Modified-Since"] == "Mon, 23 Nov 2026 10:00:00 GMT"
    assert seen[0].headers["User-Agent"] == "newswire-test"


def test_429_carries_retry_after_in_seconds_or_as_a_date() -> None:
    f = fetcher(lambda r: httpx.Response(429, headers={"Retry-After": "120"}))
    with pytest.raises(FetchFailure) as info:
        f.get("http://news.example/rss")
    assert info.value.kind == "throttled" and info.value.retry_after == 120
    assert str(info.value) == "http://news.example/rss: HTTP 429 Too Many Requests; retry in 120s"
    assert parse_retry_after("Mon, 23 Nov 2026 10:02:00 GMT", now=1795428000.0) == 120.0
    assert parse_retry_after("soon", now=0.0) is None


def test_non_html_pages_are_refused_with_the_type() -> None:
    f = fetcher(lambda r: httpx.Response(200, content=b"%PDF", headers={"Content-Type": "application/pdf"}))
    with pytest.raises(FetchFailure, match=r"content type 'application/pdf' refused \(expected text/html"):
        f.get("http://news.example/report.pdf", content_types=HTML_TYPES)


def test_a_declared_oversized_body_is_refused_before_reading() -> None:
    f = fetcher(lambda r: httpx.Response(200, content=b"x" * 2000, headers={"Content-Type": "text/html"}),
                max_body_bytes=1000)
    with pytest.raises(FetchFailure, match="body of 2000 bytes exceeds the 1000-byte limit") as info:
        f.get("http://news.example/big")
    assert info.value.kind == "too_large"


def test_http_errors_name_the_status() -> None:
    with pytest.raises(FetchError, match=r"^http://news.example/x: HTTP 404 Not Found$"):
        fetcher(lambda r: httpx.Response(404)).get("http://news.example/x")


def test_network_errors_are_fetch_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(FetchFailure, match="ConnectError: connection refused") as info:
        fetcher(handler).get("http://news.example/x")
    assert info.value.kind == "network"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_host_gate_spaces_requests_to_one_host_but_not_across_hosts() -> None:
    clock = FakeClock()
    gate = HostGate(2.0, 1, sleep=clock.sleep, monotonic=clock.monotonic)
    for host in ("a", "a", "b", "a"):
        gate.enter(host)()
    assert clock.slept == [2.0, 2.0]  # the 2nd and 4th request to "a"; "b" went straight through


def test_host_gate_caps_concurrent_requests_per_host() -> None:
    gate = HostGate(0.0, 2)
    inside, peak, lock = [0], [0], threading.Lock()
    release_all = threading.Event()

    def worker() -> None:
        release = gate.enter("a")
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        release_all.wait(10)
        with lock:
            inside[0] -= 1
        release()

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for _ in range(500):  # until two are inside (the cap), whatever the machine's load
        if inside[0] >= 2:
            break
        time.sleep(0.01)
    time.sleep(0.05)  # a window in which a third would get in if the cap did not hold
    assert inside[0] == 2
    release_all.set()
    for t in threads:
        t.join()
    assert peak[0] == 2

def test_the_poller_on_a_mock_transport_refuses_an_entry_linking_to_a_private_host(tmp_path: object) -> None:
    """Poll logic without sockets: a public feed whose entry points at an intranet page."""
    from pathlib import Path

    from newswire.core.config import FeedConfig, load_settings
    from newswire.core.log import SqliteLog
    from newswire.core.models import Article
    from newswire.core.topics import ARTICLES
    from newswire.poller import make_poller

    base = Path(str(tmp_path))
    rss = ('<rss version="2.0"><channel><title>t</title><item><title>Inside job</title>'
           '<link>http://intranet.example/admin/story</link>'
           '<description>Forces withdrew from the town overnight, residents said.</description></item>'
           '</channel></rss>')
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(200, text=rss, headers={"Content-Type": "application/rss+xml"})

    log = SqliteLog(base / "log.db")
    settings = load_settings(db_url=f"sqlite:///{base / 'state.db'}", poller={"host_delay": 0.0})
    poller = make_poller(settings, log=log, transport=httpx.MockTransport(handler), resolver=resolver,
                         feeds=[FeedConfig(url="https://news.example/rss", outlet="news")])
    try:
        result = poller.poll_once()[0]
        consumer = log.consumer(None, [ARTICLES.name])
        (record,) = consumer.poll(timeout=0.5)
        consumer.close()
    finally:
        poller.close()
        log.close()

    article = Article.model_validate_json(record.value)
    assert article.body_source == "feed" and article.text == "Forces withdrew from the town overnight, residents said."
    assert requested == ["https://news.example/rss"], "the intranet page (and its robots.txt) were never requested"
    assert any("private address 10.0.0.5; refused" in w for w in result.warnings)


def test_robots_txt_is_read_as_rfc_9309_says_longest_match_and_wildcards() -> None:
    """Protego: the most specific rule wins and `*`/`$` match; the standard library's parser takes the first rule."""
    from newswire.poller.fetch import RobotsCache

    robots = ("User-agent: *\nDisallow: /news/\nAllow: /news/world/\nDisallow: /*.pdf$\n\n"
              "User-agent: otherbot\nDisallow: /\n")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text=robots)
        return httpx.Response(200, text="<html></html>", headers={"Content-Type": "text/html"})

    cache = RobotsCache("newswire/0.1 (+https://newswire.example)")
    allowed = {path: cache.allowed(fetcher(handler), f"https://news.example{path}", local=False)
               for path in ("/news/world/story", "/news/local", "/files/a.pdf", "/files/a.pdf.html", "/about")}
    assert allowed == {"/news/world/story": True, "/news/local": False, "/files/a.pdf": False,
                       "/files/a.pdf.html": True, "/about": True}
    assert not RobotsCache("otherbot/2.0").allowed(fetcher(handler), "https://news.example/about", local=False)


def test_backoff_delays_come_from_tenacity() -> None:
    from newswire.core.backoff import delay_after, doubling, doubling_with_equal_jitter
    from newswire.supervisor.process import Backoff

    assert [delay_after(doubling(1.0, 60.0), n) for n in (1, 2, 3, 7, 8)] == [1.0, 2.0, 4.0, 60.0, 60.0]
    assert [Backoff(base=0.5, factor=3.0, max=10.0).delay(n) for n in (1, 2, 3, 4)] == [0.5, 1.5, 4.5, 10.0]
    jittered = [delay_after(doubling_with_equal_jitter(30.0, 3600.0), 3) for _ in range(200)]
    assert all(60.0 <= d <= 120.0 for d in jittered) and len(set(jittered)) > 100  # half fixed, half random
    assert all(1800.0 <= delay_after(doubling_with_equal_jitter(30.0, 3600.0), 20) <= 3600.0 for _ in range(50))
