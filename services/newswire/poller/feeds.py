"""Which feeds to poll: the configured list, else the bundled default list; plus the offline sample.

``poller.feeds`` (TOML ``[[poller.feeds]]``) wins when it is not empty;
otherwise ``default_feeds.toml`` in this package (real outlets). With
``poller.include_sample_feed`` (the default) the bundled sample feed is added:
``sample/feed.xml`` and its article pages, written for newswire, readable with
no network. A local feed file's article links are served from the files next
to it, named by the link's last path segment (see :func:`local_page`).
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newswire.core.config import FeedConfig, PollerSettings
from newswire.core.errors import ConfigError

__all__ = ["DEFAULT_FEEDS_FILE", "SAMPLE_FEED", "SAMPLE_OUTLET", "default_feeds", "feeds_for", "is_file_feed",
           "local_page", "sample_feed"]

DEFAULT_FEEDS_FILE = "default_feeds.toml"
SAMPLE_OUTLET = "newswire-sample"
SAMPLE_FEED = Path(str(resources.files("newswire.poller") / "sample" / "feed.xml"))


def default_feeds() -> list[FeedConfig]:
    """The bundled list of real outlets' feeds."""
    text = (resources.files("newswire.poller") / DEFAULT_FEEDS_FILE).read_text(encoding="utf-8")
    try:
        return [FeedConfig(**row) for row in tomllib.loads(text)["feeds"]]
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"bad bundled feed list: {exc}", where=DEFAULT_FEEDS_FILE) from None


def sample_feed() -> FeedConfig:
    return FeedConfig(url=str(SAMPLE_FEED), outlet=SAMPLE_OUTLET, interval=3600.0, language="en", local=True)


def feeds_for(settings: PollerSettings) -> list[FeedConfig]:
    """The feeds to poll, each URL once (the first configuration of a URL wins)."""
    feeds = list(settings.feeds) or default_feeds()
    if settings.include_sample_feed:
        feeds.append(sample_feed())
    unique: dict[str, FeedConfig] = {}
    for feed in feeds:
        unique.setdefault(feed.url, feed)
    return list(unique.values())


def is_file_feed(feed: FeedConfig) -> bool:
    return feed.url.startswith("file:") or "://" not in feed.url


def local_page(feed: FeedConfig, link: str) -> Path | None:
    """For a file feed: the file next to it named by the link's last path segment, if it exists."""
    if not is_file_feed(feed):
        return None
    feed_path = Path(unquote(urlsplit(feed.url).path)) if feed.url.startswith("file:") else Path(feed.url)
    name = unquote(urlsplit(link).path.rstrip("/").rsplit("/", 1)[-1])
    if not name or name in (".", ".."):
        return None
    candidate = feed_path.parent / name
    return candidate if candidate.is_file() else None
