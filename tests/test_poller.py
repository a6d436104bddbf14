"""The poller against a real HTTP server on 127.0.0.1 and a real embedded log and state database."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newswire.core.config import FeedConfig, load_settings
from newswire.core.log import SqliteLog
from newswire.core.models import Article
from newswire.core.topics import ARTICLES
from newswire.poller import Poller, PollResult, PollStatus, make_poller
from newswire.poller.clean import Cleaned
from newswire.poller.feeds import SAMPLE_FEED
from newswire.poller.state import PollerState
from tests.fixtures.http import LocalHttpServer

MakePoller = Callable[..., Poller]


@pytest.fixture
def poller_factory(tmp_path: Path, sqlite_log: SqliteLog) -> Iterator[MakePoller]:
    """Build pollers sharing one log and one state database (a restart is a second poller)."""
    made: list[Poller] = []

    def make(feeds: Sequence[FeedConfig], **poller_settings: Any) -> Poller:
        settings = load_settings(db_url=f"sqlite:///{tmp_path / 'state.db'}", log_url=f"sqlite:///{tmp_path}/x.db",
                                 poller={"host_delay": 0.0, "timeout": 10.0, "include_sample_feed": False,
                                         **poller_settings})
        poller = make_poller(settings, log=sqlite_log, feeds=feeds)
        made.append(poller)
        return poller

    yield make
    for poller in made:
        poller.close()


def feed(server: LocalHttpServer, path: str, outlet: str | None = None) -> FeedConfig:
    return FeedConfig(url=server.url(path), outlet=outlet or path.strip("/").split(".")[0], local=True)


def articles(log: SqliteLog) -> list[Article]:
    consumer = log.consumer(None, [ARTICLES.name])
    try:
        out: list[Article] = []
        while batch := consumer.poll(max_records=500, timeout=0.2):
            out += [Article.model_validate_json(r.value) for r in batch]
        return out
    finally:
        consumer.close()


def by_url(results: list[PollResult]) -> dict[str, PollResult]:
    return {r.url: r for r in results}


# -- the done-when cases ---------------------------------------------------------


def test_a_poll_publishes_one_record_per_distinct_article_and_a_second_poll_nothing(
        http_server: LocalHttpServer, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    feeds = [feed(http_server, "/world.xml"), feed(http_server, "/wire.xml"), feed(http_server, "/region.atom")]
    poller = poller_factory(feeds)

    first = by_url(poller.poll_once())
    published = articles(sqlite_log)

    # world: a1, a2, a3 (its 4th item is a1 under a tracking URL); wire: b1 only (b2 is a2's exact text);
    # region: a4 from its page + 3 entries whose pages are unusable, published from the feed's own text.
    assert sorted(a.url.rsplit("/", 1)[-1] for a in published) == sorted(
        ["a1.html", "a2.html", "a3.html", "b1.html", "a4.html", "missing.html", "secret.html", "doc.pdf"])
    assert len({a.article_id for a in published}) == len(published)
    assert all(r.status is PollStatus.OK for r in first.values())
    assert first[feeds[0].url].duplicates == 1
    assert first[feeds[1].url].duplicates == 1

    second = poller.poll_once()
    assert articles(sqlite_log) == published
    assert sum(len(r.published) for r in second) == 0


def test_nothing_is_republished_after_a_restart(
        http_server: LocalHttpServer, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    feeds = [feed(http_server, "/world.xml"), feed(http_server, "/wire.xml")]
    poller_factory(feeds).poll_once()
    count = len(articles(sqlite_log))

    restarted = poller_factory(feeds)
    results = restarted.poll_once()

    assert sum(len(r.published) for r in results) == 0
    assert len(articles(sqlite_log)) == count


def test_each_broken_feed_is_a_clear_error_and_the_others_still_arrive(
        http_server: LocalHttpServer, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    http_server.route("/gone.xml", status=404, body="no such feed")
    http_server.route("/error.xml", status=500, body="boom")
    http_server.route("/slow.xml", delay=5.0, body=http_server.file_body("world.xml"))
    http_server.route("/loop-a", redirect="/loop-b")
    http_server.route("/loop-b", redirect="/loop-a")
    http_server.route("/huge.xml", body=b"<rss>" + b" " * 300_000 + b"</rss>",
                      headers={"Content-Type": "application/rss+xml"})
    broken = {
        "/malformed.xml": ("parse", "not an RSS/Atom feed"),
        "/gone.xml": ("http", "HTTP 404 Not Found"),
        "/error.xml": ("http", "HTTP 500 Internal Server Error"),
        "/slow.xml": ("timeout", "timed out after 0.5s"),
        "/loop-a": ("redirects", "more than 5 redirects"),
        "/huge.xml": ("too_large", "exceeds the 100000-byte limit"),
    }
    good = feed(http_server, "/world.xml")
    poller = poller_factory([good, *(feed(http_server, p, outlet="broken") for p in broken)],
                            timeout=0.5, max_body_bytes=100_000)

    results = by_url(poller.poll_once())

    assert results[good.url].status is PollStatus.OK
    assert len(results[good.url].published) == 3
    for path, (kind, message) in broken.items():
        result = results[http_server.url(path)]
        assert result.status is PollStatus.FAILED, path
        assert result.error_kind == kind, (path, result.error)
        assert message in (result.error or ""), (path, result.error)
        assert result.error is not None and "\n" not in result.error
        assert (result.error or "").startswith(http_server.url(path)), "the error names the feed"
    assert {a.outlet for a in articles(sqlite_log)} == {"world"}
    assert poller.stats.feeds_failed == len(broken)


def test_failures_are_recorded_as_health_and_backed_off(
        http_server: LocalHttpServer, poller_factory: MakePoller, tmp_path: Path) -> None:
    http_server.route("/gone.xml", status=404)
    gone = feed(http_server, "/gone.xml")
    poller = poller_factory([gone], backoff_base=10.0, backoff_max=1000.0)

    t0 = poller.clock()
    first = poller.poll_once()[0]
    t1 = poller.clock()
    second = poller.poll_once()[0]
    t2 = poller.clock()

    state = PollerState.open(f"sqlite:///{tmp_path / 'state.db'}")
    health = state.feed(gone.url)
    state.close()
    assert health is not None and health.failures == 2 and health.last_success is None
    assert health.last_error is not None and "HTTP 404" in health.last_error
    # backoff: 10 s then 20 s, each with "equal jitter" (between half and all of it)
    assert first.next_poll is not None and second.next_poll is not None
    assert t0 + 5.0 <= first.next_poll <= t1 + 10.0
    assert t1 + 10.0 <= second.next_poll <= t2 + 20.0
    assert poller.due_feeds() == []


def test_retry_after_on_503_postpones_the_next_poll(
        http_server: LocalHttpServer, poller_factory: MakePoller) -> None:
    http_server.route("/busy.xml", status=503, headers={"Retry-After": "3600"})
    poller = poller_factory([feed(http_server, "/busy.xml")], backoff_base=1.0)

    result = poller.poll_once()[0]

    assert result.error_kind == "throttled" and result.retry_after == 3600
    assert "retry in 3600s" in (result.error or "")
    assert result.next_poll is not None and result.next_poll - poller.clock() >= 3599


# -- conditional GET, changing feeds, encodings ----------------------------------------


def test_a_304_after_an_etag_publishes_nothing_and_sent_the_etag(
        http_server: LocalHttpServer, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    http_server.route("/etag.xml", body=http_server.file_body("world.xml"), etag='"v1"',
                      headers={"Content-Type": "application/rss+xml", "Last-Modified": "Tue, 17 Nov 2026 09:00:00 GMT"})
    poller = poller_factory([feed(http_server, "/etag.xml")])

    first = poller.poll_once()[0]
    second = poller.poll_once()[0]

    assert first.status is PollStatus.OK and len(first.published) == 3
    assert second.status is PollStatus.NOT_MODIFIED and second.published == ()
    requests = http_server.hits("/etag.xml")
    assert "if-none-match" not in requests[0].headers
    assert requests[1].headers["if-none-match"] == '"v1"'
    assert requests[1].headers["if-modified-since"] == "Tue, 17 Nov 2026 09:00:00 GMT"
    assert len(articles(sqlite_log)) == 3


def test_a_feed_that_changes_between_polls_publishes_only_the_new_entry(
        http_server: LocalHttpServer, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    world = http_server.file_body("world.xml").decode()
    first_version = world.split("    <item>", 2)
    only_first_item = first_version[0] + "    <item>" + first_version[1] + "  </channel>\n</rss>\n"
    http_server.route("/changing.xml", body=only_first_item, headers={"Content-Type": "application/rss+xml"})
    poller = poller_factory([feed(http_server, "/changing.xml")])
    assert len(poller.poll_once()[0].published) == 1

    http_server.route("/changing.xml", body=world, headers={"Content-Type": "application/rss+xml"})
    second = poller.poll_once()[0]

    assert len(second.published) == 2
    assert second.duplicates == 2  # a1 again, and a1 under a tracking URL
    assert len(articles(sqlite_log)) == 3


def test_a_gzipped_feed_is_decoded(http_server: LocalHttpServer, poller_factory: MakePoller) -> None:
    http_server.route("/gzip.xml", body=http_server.file_body("world.xml"), gzip=True,
                      headers={"Content-Type": "application/rss+xml"})
    result = poller_factory([feed(http_server, "/gzip.xml")]).poll_once()[0]
    assert result.status is PollStatus.OK and len(result.published) == 3
    assert http_server.hits("/gzip.xml")[0].headers.get("accept-encoding", "").find("gzip") >= 0


def test_a_gzip_bomb_is_cut_at_the_decoded_size(http_server: LocalHttpServer, poller_factory: MakePoller) -> None:
    http_server.route("/bomb.xml", body=b"<rss>" + b"A" * 5_000_000 + b"</rss>", gzip=True,
                      headers={"Content-Type": "application/rss+xml"})
    result = poller_factory([feed(http_server, "/bomb.xml")], max_body_bytes=200_000).poll_once()[0]
    assert gzip.compress(b"A" * 5_000_000).__len__() < 200_000, "the compressed body alone is under the cap"
    assert result.error_kind == "too_large"


def test_an_oversized_body_without_content_length_is_cut_while_streaming(
        http_server: LocalHttpServer, poller_factory: MakePoller) -> None:
    http_server.route("/chunked.xml", body=b"<rss>" + b" " * 500_000 + b"</rss>", content_length=False,
                      headers={"Content-Type": "application/rss+xml"})
    result = poller_factory([feed(http_server, "/chunked.xml")], max_body_bytes=100_000).poll_once()[0]
    assert result.error_kind == "too_large" and "body exceeds the 100000-byte limit" in (result.error or "")


def test_a_wrong_declared_charset_still_reads_the_text(
        http_server: LocalHttpServer, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    # wrong-charset.xml is windows-1252; the server declares charset=utf-8.
    assert b"charset=utf-8" not in http_server.file_body("wrong-charset.xml")
    result = poller_factory([feed(http_server, "/wrong-charset.xml")]).poll_once()[0]
    assert result.status is PollStatus.OK
    (article,) = articles(sqlite_log)
    assert article.title == "Aid convoy reaches Deir ez-Zor \u2014 caf\u00e9 owners hope for lower prices"


def test_utf8_served_as_latin1_is_read_as_utf8(
        http_server: LocalHttpServer, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    body = http_server.file_body("wrong-charset.xml").decode("cp1252").replace(
        'encoding="windows-1252"', 'encoding="iso-8859-1"').encode("utf-8")
    http_server.route("/latin.xml", body=body, headers={"Content-Type": "application/rss+xml; charset=iso-8859-1"})
    poller_factory([feed(http_server, "/latin.xml")]).poll_once()
    (article,) = articles(sqlite_log)
    assert "caf\u00e9" in article.title


def test_entity_expansion_is_harmless(http_server: LocalHttpServer, poller_factory: MakePoller,
                                      sqlite_log: SqliteLog) -> None:
    result = poller_factory([feed(http_server, "/billion-laughs.xml")]).poll_once()[0]
    # Either refused as a broken feed or parsed with the entity left unexpanded: never a 3 GB string.
    if result.status is PollStatus.OK:
        assert all(len(a.title) < 1000 for a in articles(sqlite_log))
    else:
        assert result.error_kind == "parse"


# -- entries and pages ---------------------------------------------------------------


def test_an_item_without_a_link_is_skipped_with_a_warning(
        http_server: LocalHttpServer, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    result = poller_factory([feed(http_server, "/nolink.xml")]).poll_once()[0]
    assert result.status is PollStatus.OK and len(result.published) == 1
    assert result.warnings == ("entry 'A headline with no link': no link; skipped",)
    assert [a.title for a in articles(sqlite_log)] == ["Libya reopens Ras Jedir crossing with Tunisia"]


def test_unusable_pages_fall_back_to_the_feed_text_with_the_reason(
        http_server: LocalHttpServer, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    result = poller_factory([feed(http_server, "/region.atom")]).poll_once()[0]

    got = {a.url.rsplit("/", 1)[-1]: a for a in articles(sqlite_log)}
    assert got["a4.html"].body_source == "page"
    assert got["missing.html"].body_source == "feed"
    assert got["missing.html"].text.splitlines() == [
        "Sudan's army said it had recaptured the town of Sinja in Sennar state from the Rapid Support Forces on "
        "Friday.", "The RSF did not comment. Residents reported heavy gunfire overnight."]
    assert got["secret.html"].body_source == "feed"
    assert got["doc.pdf"].body_source == "feed"
    assert result.page_fallbacks == 3
    warnings = " | ".join(result.warnings)
    assert "HTTP 404 Not Found; using the feed's text" in warnings
    assert "robots.txt disallows the page" in warnings
    assert "content type 'application/pdf' refused" in warnings
    assert http_server.hits("/private/secret.html") == [], "robots.txt was respected"


def test_robots_can_be_turned_off(http_server: LocalHttpServer, poller_factory: MakePoller,
                                  sqlite_log: SqliteLog) -> None:
    poller_factory([feed(http_server, "/region.atom")], respect_robots=False).poll_once()
    got = {a.url.rsplit("/", 1)[-1]: a for a in articles(sqlite_log)}
    assert got["secret.html"].body_source == "page"
    assert http_server.hits("/robots.txt") == []


def test_a_page_article_has_clean_text_and_metadata(
        http_server: LocalHttpServer, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    poller_factory([feed(http_server, "/world.xml", outlet="fixture-world")]).poll_once()
    a1 = next(a for a in articles(sqlite_log) if a.url.endswith("/a1.html"))

    assert a1.url == http_server.url("/pages/a1.html")
    assert a1.outlet == "fixture-world"
    assert a1.title == "Government forces retake Kafr Nabudah in northern Hama"
    assert a1.authors == ["Rami Saleh"]
    assert a1.published is not None and a1.published.isoformat() == "2026-11-17T09:00:00+00:00"
    assert a1.language == "en"
    assert a1.text.startswith("Syrian government forces retook the village of Kafr Nabudah")
    assert len(a1.text.splitlines()) == 4, "paragraphs are kept, navigation and footer are not"
    assert "Copyright" not in a1.text and "Opinion" not in a1.text
    assert a1.feed_url == http_server.url("/world.xml")
    assert http_server.hits("/pages/a1.html")[0].headers["user-agent"].startswith("newswire/")
    assert len(http_server.hits("/pages/a1.html")) == 1, "listed twice in the feed, fetched once"


def test_syndicated_copies_share_a_story_id_and_exact_copies_are_not_published(
        http_server: LocalHttpServer, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    poller_factory([feed(http_server, "/world.xml")]).poll_once()
    # The wire feed later, from a restarted poller: the story index is rebuilt from the database.
    poller_factory([feed(http_server, "/wire.xml")]).poll_once()

    got = {a.url.rsplit("/", 1)[-1]: a for a in articles(sqlite_log)}
    assert "b2.html" not in got, "same text as a2 under another URL"
    assert got["b1.html"].story_id == got["a1.html"].story_id == got["a1.html"].article_id
    assert got["b1.html"].article_id != got["a1.html"].article_id
    assert len({got[k].story_id for k in ("a1.html", "a2.html", "a3.html")}) == 3


def test_links_to_private_addresses_are_refused_unless_the_feed_is_local(
        http_server: LocalHttpServer, poller_factory: MakePoller) -> None:
    not_local = FeedConfig(url=http_server.url("/world.xml"), outlet="world", local=False)
    result = poller_factory([not_local]).poll_once()[0]
    assert result.error_kind == "address"
    assert "resolves to loopback address 127.0.0.1; refused" in (result.error or "")
    assert http_server.hits("/world.xml") == [], "nothing was sent"


# -- the run loop ------------------------------------------------------------------------


def test_run_polls_due_feeds_until_stopped(http_server: LocalHttpServer, poller_factory: MakePoller,
                                           sqlite_log: SqliteLog) -> None:
    poller = poller_factory([feed(http_server, "/world.xml")])
    rounds: list[int] = []
    original = poller.poll_once

    def poll_and_stop(feeds: Sequence[FeedConfig] | None = None) -> list[PollResult]:
        results = original(feeds)
        rounds.append(len(results))
        poller.stop()
        return results

    poller.poll_once = poll_and_stop  # type: ignore[method-assign]
    stats = poller.run()

    assert rounds == [1]
    assert stats.published == 3 and stats.rounds == 1


def test_a_page_without_a_body_or_too_large_falls_back_to_the_feed(
        http_server: LocalHttpServer, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    http_server.route("/pages/empty.html", body="<html><body><nav><a href='/'>Home</a></nav></body></html>",
                      headers={"Content-Type": "text/html"})
    http_server.route("/pages/big.html", body="<html><body>" + "<p>word </p>" * 20_000 + "</body></html>",
                      headers={"Content-Type": "text/html"})
    items = "".join(
        f"<item><title>{name}</title><link>{http_server.url(f'/pages/{name}.html')}</link>"
        f"<description>The feed's own summary of the {name} story, used when its page is not.</description></item>"
        for name in ("empty", "big"))
    http_server.route("/two.xml", body=f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>',
                      headers={"Content-Type": "application/rss+xml"})

    result = poller_factory([feed(http_server, "/two.xml")], max_body_bytes=100_000).poll_once()[0]

    got = {a.title: a for a in articles(sqlite_log)}
    assert got["empty"].body_source == got["big"].body_source == "feed"
    assert got["big"].text == "The feed's own summary of the big story, used when its page is not."
    assert "entry 'empty': the page has no article body; using the feed's text" in result.warnings
    assert any("entry 'big': page not used:" in w and "exceeds the 100000-byte limit" in w for w in result.warnings)


def test_a_local_feed_file_is_not_modified_until_it_changes(
        tmp_path: Path, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    copy = tmp_path / "sample"
    copy.mkdir()
    for file in SAMPLE_FEED.parent.glob("*.*ml"):
        (copy / file.name).write_bytes(file.read_bytes())
    local = FeedConfig(url=str(copy / "feed.xml"), outlet="sample")
    poller = poller_factory([local])

    assert len(poller.poll_once()[0].published) == 5
    assert poller.poll_once()[0].status is PollStatus.NOT_MODIFIED

    os.utime(copy / "feed.xml", (1_900_000_000, 1_900_000_000))
    third = poller.poll_once()[0]
    assert third.status is PollStatus.OK and third.published == () and third.duplicates == 5
    assert len(articles(sqlite_log)) == 5


def test_a_stop_asked_before_run_starts_ends_that_run(http_server: LocalHttpServer, poller_factory: MakePoller,
                                                      sqlite_log: SqliteLog) -> None:
    """SIGTERM can land while the service is still starting: run() must not poll, and must return."""
    poller = poller_factory([feed(http_server, "/world.xml")])
    poller.stop()
    stats = poller.run()
    assert stats.rounds == 0 and http_server.hits("/world.xml") == []
    assert poller.run(once=True).published == 3  # the stop was used up by the run it ended


def test_the_next_poll_is_due_an_interval_after_the_fetch_started(http_server: LocalHttpServer, tmp_path: Path,
                                                                  sqlite_log: SqliteLog) -> None:
    """A round that takes long (many new pages) must not stretch the feed's cycle."""
    now = [1_800_000_000.0]
    world = FeedConfig(url=http_server.url("/world.xml"), outlet="world", interval=10, local=True)
    settings = load_settings(db_url=f"sqlite:///{tmp_path / 'state.db'}",
                             poller={"host_delay": 0.0, "include_sample_feed": False})
    poller = make_poller(settings, log=sqlite_log, feeds=[world], clock=lambda: now[0])
    page = poller._page

    def slow_page(feed: FeedConfig, link: str) -> tuple[Cleaned | None, str | None]:
        now[0] += 4.0  # each page takes 4 s of the fake clock
        return page(feed, link)

    poller._page = slow_page  # type: ignore[method-assign]
    try:
        result = poller.poll_once()[0]
    finally:
        poller.close()
    assert len(result.published) == 3 and now[0] == 1_800_000_012.0
    assert result.next_poll == 1_800_000_010.0  # the fetch's start + interval, not its end + interval


def test_run_polls_each_feed_on_its_own_interval(http_server: LocalHttpServer, tmp_path: Path,
                                                 sqlite_log: SqliteLog) -> None:
    """A fake clock that only moves when the poller sleeps: 35 s of schedule in no real time."""
    now = [1_800_000_000.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds
        if now[0] >= 1_800_000_035.0:
            poller.stop()

    http_server.route("/fast.xml", body=http_server.file_body("nolink.xml"), etag='"f"',
                      headers={"Content-Type": "application/rss+xml"})
    http_server.route("/slow.xml", body=http_server.file_body("world.xml"), etag='"s"',
                      headers={"Content-Type": "application/rss+xml"})
    feeds = [FeedConfig(url=http_server.url("/fast.xml"), outlet="fast", interval=10, local=True),
             FeedConfig(url=http_server.url("/slow.xml"), outlet="slow", interval=30, local=True)]
    settings = load_settings(db_url=f"sqlite:///{tmp_path / 'state.db'}",
                             poller={"host_delay": 0.0, "include_sample_feed": False})
    poller = make_poller(settings, log=sqlite_log, feeds=feeds, clock=lambda: now[0], sleep=sleep)
    try:
        stats = poller.run()
    finally:
        poller.close()

    assert len(http_server.hits("/fast.xml")) == 4  # t = 0, 10, 20, 30
    assert len(http_server.hits("/slow.xml")) == 2  # t = 0, 30
    assert stats.not_modified == 4 and stats.published == 4


def test_state_on_each_database_backend(db_url: str, http_server: LocalHttpServer, sqlite_log: SqliteLog) -> None:
    """SQLite by default, PostgreSQL in production: the same poll, restart and health on both."""
    http_server.route("/gone.xml", status=404)
    feeds = [feed(http_server, "/world.xml"), feed(http_server, "/gone.xml")]
    settings = load_settings(db_url=db_url, poller={"host_delay": 0.0, "include_sample_feed": False})

    first = make_poller(settings, log=sqlite_log, feeds=feeds)
    try:
        assert [len(r.published) for r in first.poll_once()] == [3, 0]
    finally:
        first.close()
    restarted = make_poller(settings, log=sqlite_log, feeds=feeds)
    try:
        results = restarted.poll_once()
        health = {h.url: h for h in restarted.state.feeds()}
    finally:
        restarted.close()

    assert [len(r.published) for r in results] == [0, 0]
    assert len(articles(sqlite_log)) == 3
    assert health[feeds[0].url].published == 3 and health[feeds[0].url].failures == 0
    assert health[feeds[1].url].failures == 2


def test_an_entry_with_no_usable_page_and_no_feed_text_is_skipped_with_both_reasons(
        http_server: LocalHttpServer, poller_factory: MakePoller, sqlite_log: SqliteLog) -> None:
    http_server.route("/bare.xml", body=f'<rss version="2.0"><channel><title>t</title><item><title>Bare</title>'
                                        f'<link>{http_server.url("/pages/nothing.html")}</link></item></channel></rss>',
                      headers={"Content-Type": "application/rss+xml"})
    result = poller_factory([feed(http_server, "/bare.xml")]).poll_once()[0]
    assert result.status is PollStatus.OK and result.published == ()
    assert result.warnings == (f"entry 'Bare': page not used: {http_server.url('/pages/nothing.html')}: HTTP 404 "
                               "Not Found; no text in the feed either; skipped",)
    assert articles(sqlite_log) == []


def test_the_poller_prunes_its_seen_articles_past_the_horizon_once_an_hour(
        http_server: LocalHttpServer, poller_factory: MakePoller, tmp_path: Path) -> None:
    """Bounded state: ids first seen more than seen_horizon_days ago are forgotten (docs/poller.md)."""
    from datetime import timedelta

    poller = poller_factory([feed(http_server, "/world.xml")], seen_horizon_days=30)
    first = poller.poll_once()[0]
    assert len(first.published) == 3
    state = PollerState.open(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        old = datetime.fromtimestamp(poller.clock(), UTC) - timedelta(days=31)
        state.record_article(article_id="gone", content_hash="h", story_id="gone", signature=b"\0" * 8,
                             url="https://x/gone", feed_url=None, at=old)
        assert poller.prune_state() == 0, "pruned on the first round; the next is an hour later"
        poller._next_prune = 0.0  # an hour has passed
        assert poller.prune_state() == 1 and poller.stats.pruned == 1
        assert state.count_articles() == 3, "the feed's own, recent articles are kept"
    finally:
        state.close()
    assert poller.poll_once()[0].published == (), "the kept ids still stop republishing"
