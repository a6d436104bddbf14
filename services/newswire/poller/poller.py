"""The poller: feeds in, cleaned articles out on ``newswire.articles.v1``.

One round (:meth:`Poller.poll_once`), for each feed, in worker threads:

1. fetch the feed (conditional GET with the stored ETag / Last-Modified);
   304 ends the feed's round;
2. parse it (:func:`~newswire.poller.parse.parse_feed`);
3. for each entry with an http(s) link whose canonical id has not been seen:
   fetch the page (robots.txt permitting) and clean it; when the page cannot
   be fetched or has no body, use the entry's own content (``body_source="feed"``).

then, in the calling thread, feed by feed as they finish, for each article:

4. skip exact duplicates (same id, or same content hash under another URL);
5. give it a ``story_id`` (near-duplicates share one);
6. publish it and flush the log, *then* record it in the state database;
7. record the feed's outcome: ETag, health, next poll.

Every feed's outcome is a :class:`PollResult` value; a failing feed never
stops a round. Failed feeds are retried with exponential backoff and jitter,
no sooner than a server's ``Retry-After``. :meth:`Poller.run` repeats rounds
for the feeds that are due until :meth:`Poller.stop`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

import httpx
from lxml import html as lxml_html
from pydantic import ValidationError

from newswire.core.backoff import delay_after, doubling_with_equal_jitter
from newswire.core.config import FeedConfig, PollerSettings, Settings
from newswire.core.errors import FeedError, FeedParseError, LogError, first_problem
from newswire.core.log import Log, open_log
from newswire.core.logging import get_logger
from newswire.core.models import Article
from newswire.core.stats import Stats
from newswire.core.topics import ARTICLES
from newswire.poller.clean import Cleaned, clean_html
from newswire.poller.feeds import feeds_for, is_file_feed, local_page
from newswire.poller.fetch import (
    HTML_TYPES,
    DeadlineTransport,
    FetchFailure,
    Fetcher,
    HostGate,
    Resolver,
    RobotsCache,
    check_address,
    system_resolver,
)
from newswire.poller.identity import (
    StoryIndex,
    article_id_for,
    canonical_url,
    content_hash,
    signature,
    signature_bytes,
    url_problem,
)
from newswire.poller.limits import cut_text, fit_article, record_bytes
from newswire.poller.parse import FeedEntry, parse_feed
from newswire.poller.state import PollerState

__all__ = [
    "FEED_ACCEPT",
    "FEED_TYPES_REFUSED",
    "MIN_PAGE_TEXT",
    "PollResult",
    "PollStatus",
    "Poller",
    "PollerStats",
    "make_poller",
]

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
# Feeds are often served with odd types (text/html, text/plain, octet-stream); feedparser judges the
# bytes. Only types that cannot be a feed are refused before parsing.
FEED_TYPES_REFUSED = ("image/", "video/", "audio/", "font/", "application/pdf", "application/zip")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9"
MAX_WORKERS = 4
# How often the seen-article state is pruned of ids older than poller.seen_horizon_days.
PRUNE_EVERY = 3600.0
# Below this, what trafilatura found is a menu or a teaser ("Home", a cookie banner), not the article.
MIN_PAGE_TEXT = 200

_log = get_logger("newswire.poller")


class PollStatus(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PollResult:
    """The outcome of polling one feed once."""

    url: str
    outlet: str
    status: PollStatus
    entries: int = 0
    published: tuple[str, ...] = ()  # article ids, in publishing order
    duplicates: int = 0
    page_fallbacks: int = 0  # articles whose text came from the feed entry
    warnings: tuple[str, ...] = ()  # per-entry problems: no link, page refused, no body ...
    error: str | None = None  # one line, when status is FAILED
    error_kind: str | None = None
    retry_after: float | None = None
    next_poll: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not PollStatus.FAILED


@dataclass
class PollerStats(Stats):
    """Counters for the metrics exporter: simple, monotonic; ``errors`` counts feed failures by kind."""

    rounds: int = 0
    feeds_polled: int = 0
    feeds_failed: int = 0
    not_modified: int = 0
    entries: int = 0
    published: int = 0
    duplicates: int = 0
    page_fallbacks: int = 0
    entry_warnings: int = 0
    pruned: int = 0  # article ids forgotten past the seen horizon
    fetches: Counter[str] = field(default_factory=Counter)  # feed outcomes: ok, not_modified, <error kind>

    def add(self, result: PollResult) -> None:
        self.feeds_polled += 1
        self.fetches[result.error_kind or str(result.status) if result.status is PollStatus.FAILED
                     else str(result.status)] += 1
        self.entries += result.entries
        self.published += len(result.published)
        self.duplicates += result.duplicates
        self.page_fallbacks += result.page_fallbacks
        self.entry_warnings += len(result.warnings)
        if result.status is PollStatus.NOT_MODIFIED:
            self.not_modified += 1
        elif result.status is PollStatus.FAILED:
            self.feeds_failed += 1
            self.error(result.error_kind or "unknown")

    def summary(self) -> str:
        return (f"polled {self.feeds_polled} feed(s): {self.published} article(s) published, "
                f"{self.duplicates} already seen, {self.not_modified} not modified, {self.feeds_failed} failed")


@dataclass(frozen=True, slots=True)
class _Candidate:
    """An article built in a worker, not yet checked for duplicates or published."""

    article: Article


@dataclass(frozen=True, slots=True)
class _FeedFetch:
    """What a worker hands back: the feed's result so far and its new articles."""

    result: PollResult
    candidates: tuple[_Candidate, ...] = ()
    etag: str | None = None
    last_modified: str | None = None
    started: float | None = None  # when this feed's fetch began: its next poll is due an interval later


class Poller:
    """Polls feeds and publishes articles. Build with :func:`make_poller`."""

    def __init__(self, log: Log, client: Fetcher, clock: Callable[[], float], state: PollerState, *,
                 feeds: Sequence[FeedConfig], settings: PollerSettings | None = None,
                 robots: RobotsCache | None = None,
                 sleep: Callable[[float], None] = time.sleep, owns_log: bool = False) -> None:
        self.log = log
        self._owns_log = owns_log
        self.client = client
        self.clock = clock
        self.state = state
        self.feeds = list(feeds)
        self.settings = settings or PollerSettings()
        self._backoff = doubling_with_equal_jitter(self.settings.backoff_base, self.settings.backoff_max)
        self.robots = robots or RobotsCache(self.settings.user_agent)
        self.stats = PollerStats()
        self._sleep = sleep
        # Set by stop(), cleared when run() returns: a stop asked before run() starts still counts.
        self._stop = False
        self._stories = StoryIndex()
        self._stories.load(state.signatures())
        self._publish_lock = threading.Lock()
        self._next_prune = 0.0  # clock() time of the next prune: the first round prunes

    # -- the service shape -------------------------------------------------------

    def run(self, once: bool = False, timeout: float | None = None) -> PollerStats:
        """Poll due feeds round after round until :meth:`stop` or ``timeout`` seconds; ``once``: one round of all."""
        try:
            if once:
                if not self._stop:
                    self.poll_once()
                return self.stats
            deadline = None if timeout is None else time.monotonic() + timeout
            _log.info("poller.start", feeds=len(self.feeds), log=self.log.url)
            while not self._stop:
                due = self.due_feeds()
                if due:
                    self.poll_once(due)
                # Sleep in short slices so stop() (from a signal handler) takes effect quickly.
                wake = self.next_due()
                while not self._stop and self.clock() < wake:
                    if deadline is not None and time.monotonic() >= deadline:
                        break
                    self._sleep(min(0.2, max(0.0, wake - self.clock())))
                if deadline is not None and time.monotonic() >= deadline:
                    break
            self.stats.log(_log, "poller.stop")
            return self.stats
        finally:
            self._stop = False

    def stop(self) -> None:
        """Finish the round in hand and return from :meth:`run` (safe from a signal handler)."""
        self._stop = True

    def close(self) -> None:
        """Release the HTTP client and the database, and the log if :func:`make_poller` opened it."""
        self.client.client.close()
        self.state.close()
        if self._owns_log:
            self.log.close()

    # -- scheduling --------------------------------------------------------------

    def due_feeds(self) -> list[FeedConfig]:
        now = self.clock()
        health = {h.url: h for h in self.state.feeds()}
        return [f for f in self.feeds if (h := health.get(f.url)) is None or (h.next_poll or 0) <= now]

    def next_due(self) -> float:
        health = {h.url: h for h in self.state.feeds()}
        times = [(h.next_poll or 0.0) if (h := health.get(f.url)) else 0.0 for f in self.feeds]
        return min(times, default=self.clock() + 60.0)

    def backoff(self, failures: int) -> float:
        """Seconds before retrying after ``failures`` consecutive failures: doubling from ``backoff_base``,
        capped at ``backoff_max``, with equal jitter (:func:`~newswire.core.backoff.doubling_with_equal_jitter`)."""
        return delay_after(self._backoff, failures)

    # -- one round ---------------------------------------------------------------

    def poll_once(self, feeds: Sequence[FeedConfig] | None = None) -> list[PollResult]:
        """Poll ``feeds`` (default: all) once; returns one result per feed, in the order given.

        Feeds are fetched concurrently but published in the order given, so
        which of two identical texts under different URLs wins is deterministic.
        """
        feeds = list(self.feeds if feeds is None else feeds)
        results: list[PollResult] = []
        if not feeds:
            return results
        self.prune_state()
        with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(feeds)), thread_name_prefix="poll") as pool:
            futures: list[tuple[FeedConfig, Future[_FeedFetch]]] = [(f, pool.submit(self._fetch_feed, f))
                                                                   for f in feeds]
            for feed, future in futures:
                try:
                    fetched = future.result()
                except Exception as exc:  # noqa: BLE001 — a bug in one feed's handling must not stop the round
                    _log.exception("poller.feed_bug", feed=feed.url)
                    fetched = _FeedFetch(self._failed(feed, f"internal error: {type(exc).__name__}: {exc}",
                                                      "internal"))
                result = self._finish(feed, fetched)
                self.stats.add(result)
                results.append(result)
                self._log_result(result)
        self.stats.rounds += 1
        return results

    def prune_state(self) -> int:
        """Forget articles first seen more than ``seen_horizon_days`` ago, at most once per :data:`PRUNE_EVERY`."""
        now = self.clock()
        if now < self._next_prune:
            return 0
        self._next_prune = now + PRUNE_EVERY
        horizon = datetime.fromtimestamp(now - self.settings.seen_horizon_days * 86400, UTC)
        pruned = self.state.prune(horizon)
        self.stats.pruned += pruned
        if pruned:
            _log.info("poller.state_pruned", articles=pruned, first_seen_before=horizon.isoformat())
        return pruned

    def _fetch_feed(self, feed: FeedConfig) -> _FeedFetch:
        """Worker: fetch and parse one feed and clean its new entries' pages. No publishing here."""
        started = self.clock()
        health = self.state.feed(feed.url)
        try:
            got = self.client.get(feed.url, local=feed.local or is_file_feed(feed),
                                  etag=health.etag if health else None,
                                  last_modified=health.last_modified if health else None, accept=FEED_ACCEPT)
            if got.not_modified:
                return _FeedFetch(PollResult(feed.url, feed.outlet, PollStatus.NOT_MODIFIED),
                                  etag=health.etag if health else None,
                                  last_modified=health.last_modified if health else None, started=started)
            if got.content_type.startswith(FEED_TYPES_REFUSED):
                raise FetchFailure("content_type", f"content type {got.content_type!r} is not a feed",
                                   where=feed.url)
            parsed = parse_feed(got.body, got.url, got.headers)
        except FeedError as exc:
            kind = getattr(exc, "kind", "parse" if isinstance(exc, FeedParseError) else "feed")
            return _FeedFetch(self._failed(feed, _one_line(exc), kind, getattr(exc, "retry_after", None)))
        warnings: list[str] = []
        linked: list[tuple[FeedEntry, str]] = []
        for entry in parsed.entries:
            label = f"entry {entry.title[:60]!r}" if entry.title else f"entry {entry.guid or '(untitled)'!r}"
            if not entry.link:
                warnings.append(f"{label}: no link; skipped")
            elif not entry.link.lower().startswith(("http://", "https://")):
                warnings.append(f"{label}: link {entry.link[:80]!r} is not http(s); skipped")
            elif (problem := url_problem(entry.link)) is not None:
                warnings.append(f"{label}: link {entry.link[:80]!r}: {problem}; skipped")
            else:
                linked.append((entry, canonical_url(entry.link)))
        seen = self.state.seen_ids([article_id_for(url) for _, url in linked])
        candidates: list[_Candidate] = []
        fallbacks = duplicates = 0
        for entry, url in linked:
            article_id = article_id_for(url)
            if article_id in seen:  # published before, or earlier in this feed (one URL listed twice)
                duplicates += 1
                continue
            seen.add(article_id)
            cleaned, problem = self._page(feed, entry.link or url)
            label = f"entry {entry.title[:60]!r}"
            try:
                article = self._article(feed, entry, url, cleaned, parsed.language)
            except ValidationError as exc:  # a field beyond the article contract's limits
                warnings.append(f"{label}: not a valid article ({first_problem(exc, 'article')}); skipped")
                continue
            if article is None:
                warnings.append(f"{label}: {problem or 'no article body'}; no text in the feed either; skipped")
                continue
            if problem:
                warnings.append(f"{label}: {problem}; using the feed's text")
            fallbacks += article.body_source == "feed"
            candidates.append(_Candidate(article))
        result = PollResult(feed.url, feed.outlet, PollStatus.OK, entries=len(parsed.entries),
                            duplicates=duplicates,
                            page_fallbacks=fallbacks, warnings=tuple(warnings))
        return _FeedFetch(result, tuple(candidates), etag=got.etag, last_modified=got.last_modified, started=started)

    def _page(self, feed: FeedConfig, link: str) -> tuple[Cleaned | None, str | None]:
        """The cleaned page, or ``None`` and why not."""
        local = feed.local or is_file_feed(feed)
        path = local_page(feed, link)
        try:
            if path is not None:
                got = self.client.get(str(path), local=True)
            else:
                # The address first: a refused host should be reported as such, not as "robots.txt unreachable".
                check_address(link, self.client.resolver, local=local)
                if self.settings.respect_robots and not self.robots.allowed(self.client, link, local=local):
                    return None, "robots.txt disallows the page"
                got = self.client.get(link, local=local, accept=PAGE_ACCEPT, content_types=HTML_TYPES)
        except FeedError as exc:
            return None, f"page not used: {_one_line(exc)}"
        cleaned = clean_html(got.body, got.url, declared_charset=got.charset)
        if len(cleaned.text) < MIN_PAGE_TEXT:
            return None, "the page has no article body"
        return cleaned, None

    def _article(self, feed: FeedConfig, entry: FeedEntry, url: str, page: Cleaned | None,
                 feed_language: str | None) -> Article | None:
        from_page = page is not None and bool(page.text)
        full = page.text if page is not None and from_page else _html_text(entry.summary)
        if not full:
            return None
        text = cut_text(full, self.settings.max_text_chars)
        language = (page.language if page else None) or entry.language or feed_language or feed.language
        return Article(
            article_id=article_id_for(url), url=url, outlet=feed.outlet,
            title=entry.title or (page.title if page else ""),
            authors=list((page.authors if page and page.authors else None) or entry.authors),
            published=_published(page.published if page else None, entry.published),
            fetched_at=datetime.fromtimestamp(self.clock(), UTC),
            language=language.split("-")[0].lower() if language else None,
            text=text, truncated=text != full, content_hash=content_hash(full), feed_url=feed.url,
            body_source="page" if from_page else "feed",
        )

    # -- publishing (calling thread only) ---------------------------------------

    def _finish(self, feed: FeedConfig, fetched: _FeedFetch) -> PollResult:
        result = fetched.result
        now = self.clock()
        if result.status is PollStatus.FAILED:
            return self._record_failure(feed, result, now)
        published: list[str] = []
        duplicates = result.duplicates
        try:
            for candidate in fetched.candidates:
                if self.publish(candidate.article):
                    published.append(candidate.article.article_id)
                else:
                    duplicates += 1
        except LogError as exc:
            # Nothing of this feed after the failed record was recorded: the next round retries them.
            failed = _with(result, status=PollStatus.FAILED, error=_one_line(exc), error_kind="log",
                           published=tuple(published))
            return self._record_failure(feed, failed, now)
        # Due `interval` after this fetch *began*: many new pages to clean do not stretch the feed's
        # cycle, and two fetches of one feed still start at least an interval apart.
        next_poll = (fetched.started if fetched.started is not None else now) + feed.interval
        if result.status is PollStatus.NOT_MODIFIED:
            self.state.record_not_modified(feed.url, feed.outlet, at=datetime.fromtimestamp(now, UTC),
                                           next_poll=next_poll)
        else:
            self.state.record_success(feed.url, feed.outlet, etag=fetched.etag, last_modified=fetched.last_modified,
                                      at=datetime.fromtimestamp(now, UTC), next_poll=next_poll, published=len(published))
        return _with(result, published=tuple(published), duplicates=duplicates, next_poll=next_poll)

    def _record_failure(self, feed: FeedConfig, result: PollResult, now: float) -> PollResult:
        """Count the failure and schedule the retry: backoff, but no sooner than the server's Retry-After."""
        health = self.state.feed(feed.url)
        failures = (health.failures if health else 0) + 1
        next_poll = now + max(self.backoff(failures), result.retry_after or 0.0)
        self.state.record_failure(feed.url, feed.outlet, error=result.error or "",
                                  at=datetime.fromtimestamp(now, UTC), next_poll=next_poll)
        return _with(result, next_poll=next_poll)

    def publish(self, article: Article) -> bool:
        """Publish one article unless it is an exact duplicate; returns whether it was published.

        Order: publish and flush, then record; a crash in between republishes
        this one record with the same id at worst.
        """
        with self._publish_lock:
            if self.state.seen(article.article_id, article.content_hash) is not None:
                return False
            sig = signature(article.text)
            story_id = self._stories.story_for(article.article_id, sig)
            article = fit_article(article.model_copy(update={"story_id": story_id}),
                                  max_text_chars=self.settings.max_text_chars,
                                  max_record_bytes=self.settings.max_record_bytes)
            self.log.produce(ARTICLES.name, article.article_id, record_bytes(article))
            self.log.flush()
            self.state.record_article(article_id=article.article_id, content_hash=article.content_hash,
                                      story_id=story_id, signature=signature_bytes(sig), url=article.url,
                                      feed_url=article.feed_url, at=article.fetched_at)
            self._stories.add(article.article_id, story_id, sig)
            return True

    # -- helpers -----------------------------------------------------------------

    def _failed(self, feed: FeedConfig, error: str, kind: str, retry_after: float | None = None) -> PollResult:
        return PollResult(feed.url, feed.outlet, PollStatus.FAILED, error=error, error_kind=kind,
                          retry_after=retry_after)

    def _log_result(self, result: PollResult) -> None:
        if result.status is PollStatus.FAILED:
            _log.warning("poller.feed_failed", feed=result.url, kind=result.error_kind, error=result.error,
                         next_poll=result.next_poll)
        else:
            _log.info("poller.feed_polled", feed=result.url, status=str(result.status), entries=result.entries,
                      published=len(result.published), duplicates=result.duplicates,
                      fallbacks=result.page_fallbacks)
        for warning in result.warnings:
            _log.warning("poller.entry_skipped" if "skipped" in warning else "poller.entry_fallback",
                         feed=result.url, detail=warning)


def make_poller(settings: Settings, log: Log | None = None, *, transport: httpx.BaseTransport | None = None,
                resolver: Resolver = system_resolver, feeds: Sequence[FeedConfig] | None = None,
                clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> Poller:
    """Build the poller from settings: the log (unless injected), the HTTP client, the state database."""
    cfg = settings.poller
    client = httpx.Client(headers={"User-Agent": cfg.user_agent}, transport=transport or DeadlineTransport(),
                          follow_redirects=False, timeout=cfg.timeout, trust_env=False)
    fetcher = Fetcher(client, timeout=cfg.timeout, max_body_bytes=cfg.max_body_bytes,
                      max_redirects=cfg.max_redirects, gate=HostGate(cfg.host_delay, cfg.host_concurrency),
                      resolver=resolver, clock=clock)
    state = PollerState.open(settings.db_url)
    if log is not None:  # open_log creates the topics; an injected log may be fresh
        log.create_topics({ARTICLES.name: ARTICLES.partitions or settings.partitions})
    return Poller(log if log is not None else open_log(settings), fetcher, clock, state,
                  feeds=feeds_for(cfg) if feeds is None else feeds, settings=cfg, sleep=sleep, owns_log=log is None)


def _published(page: datetime | None, feed: datetime | None) -> datetime | None:
    """The page's date (trafilatura, then htmldate); the feed's time when it is the same day (more precise)."""
    if page is None:
        return feed
    if feed is not None and feed.date() == page.date():
        return feed
    return page


def _html_text(fragment: str) -> str:
    """A feed entry's HTML (content:encoded or description) as text, one paragraph per line."""
    if not fragment.strip():
        return ""
    if "<" not in fragment:
        return "\n".join(line.strip() for line in fragment.splitlines() if line.strip())
    try:
        tree = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml_html.etree.ParserError):
        return ""
    for br in tree.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in tree.iter("p", "div", "li", "h1", "h2", "h3", "h4", "blockquote"):
        block.tail = "\n" + (block.tail or "")
    text = tree.text_content()
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _with(result: PollResult, **changes: object) -> PollResult:
    from dataclasses import replace

    return replace(result, **changes)  # type: ignore[arg-type]
