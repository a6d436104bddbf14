"""Identity, parsing and cleaning helpers of the poller."""

from __future__ import annotations

from pathlib import Path

import pytest

import newswire.poller as poller_pkg
from newswire.core.config import PollerSettings
from newswire.core.errors import FeedParseError
from newswire.core.models import stable_id
from newswire.poller.clean import clean_html, decode_html
from newswire.poller.feeds import SAMPLE_FEED, default_feeds, feeds_for, local_page, sample_feed
from newswire.poller.identity import article_id_for, canonical_url, content_hash
from newswire.poller.parse import parse_feed

FEEDS = Path(__file__).parent / "data" / "feeds"


@pytest.mark.parametrize(("url", "canonical"), [
    ("https://www.Example.com/a/b?utm_source=rss&id=3&fbclid=zz#top", "https://www.example.com/a/b?id=3"),
    ("http://example.com:80/x?gclid=1&utm_medium=feed", "http://example.com/x"),
    ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
    ("https://example.com", "https://example.com/"),
])
def test_canonical_urls_drop_tracking_parameters_and_fragments(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_article_ids_hash_the_canonical_url_or_the_doc_id() -> None:
    assert article_id_for("https://example.com/a?utm_source=x") == stable_id("https://example.com/a")
    assert article_id_for("", "seed:aljazeera-daraa") == stable_id("doc", "seed:aljazeera-daraa")


def test_content_hash_ignores_whitespace_and_case() -> None:
    assert content_hash("Forces  withdrew\nfrom the town.") == content_hash("forces withdrew from the TOWN.")
    assert content_hash("Forces withdrew.") != content_hash("Forces advanced.")


def test_a_page_is_not_a_feed() -> None:
    with pytest.raises(FeedParseError, match=r"^http://x/f: not an RSS/Atom feed"):
        parse_feed(b"this is <<< not a feed {{", "http://x/f")


def test_an_empty_well_formed_feed_is_not_an_error() -> None:
    parsed = parse_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>',
                        "http://x/f")
    assert parsed.version == "rss20" and parsed.entries == ()


def test_atom_entries_carry_authors_dates_and_content() -> None:
    parsed = parse_feed((FEEDS / "region.atom").read_bytes().replace(b"{{BASE}}", b"http://h"), "http://h/r.atom")
    first = parsed.entries[0]
    assert (parsed.version, parsed.language) == ("atom10", "en")
    assert first.link == "http://h/pages/a4.html" and first.authors == ("Oksana Melnyk",)
    assert first.published is not None and first.published.isoformat() == "2026-11-20T14:00:00+00:00"
    assert "recaptured the town of Sinja" in parsed.entries[1].summary


def test_decode_html_prefers_utf8_then_the_declared_charset() -> None:
    assert decode_html("caf\u00e9".encode(), "iso-8859-1") == "caf\u00e9"
    assert decode_html("caf\u00e9".encode("cp1252"), "windows-1252") == "caf\u00e9"
    assert decode_html('<meta charset="iso-8859-1">caf\u00e9'.encode("latin-1")).endswith("caf\u00e9")


def test_clean_html_of_an_empty_page_has_no_text() -> None:
    assert clean_html(b"").text == ""
    assert clean_html("<html><head><title>t</title></head><body></body></html>").text == ""


def test_the_default_feed_list_is_real_outlets_over_https() -> None:
    feeds = default_feeds()
    outlets = {f.outlet for f in feeds}
    assert {"aljazeera", "france24", "un-news", "enab-baladi", "kyiv-independent", "sudan-tribune"} <= outlets
    assert all(f.url.startswith("https://") and not f.local for f in feeds)


def test_configured_feeds_replace_the_defaults_and_the_sample_is_added() -> None:
    custom = PollerSettings(feeds=[{"url": "https://x.example/rss", "outlet": "x"}])  # type: ignore[list-item]
    assert [f.outlet for f in feeds_for(custom)] == ["x", "newswire-sample"]
    assert [f.outlet for f in feeds_for(PollerSettings(include_sample_feed=False))] == [
        f.outlet for f in default_feeds()]


def test_the_sample_feed_is_bundled_with_its_pages() -> None:
    parsed = parse_feed(SAMPLE_FEED.read_bytes(), str(SAMPLE_FEED))
    assert 4 <= len(parsed.entries) <= 6
    for entry in parsed.entries:
        assert entry.link is not None and ".invalid/" in entry.link
        page = local_page(sample_feed(), entry.link)
        assert page is not None and page.is_file()
        assert len(clean_html(page.read_bytes()).text) > 400


def test_public_names_are_exported() -> None:
    for name in poller_pkg.__all__:
        assert hasattr(poller_pkg, name), name
