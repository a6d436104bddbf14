"""The poller's state tables on SQLite and PostgreSQL (``db_url`` runs each test on both)."""

from __future__ import annotations

from datetime import UTC, datetime

from newswire.poller.identity import StoryIndex, signature, signature_bytes
from newswire.poller.state import PollerState

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_feed_health_is_kept_across_reopen(db_url: str) -> None:
    state = PollerState.open(db_url)
    state.record_failure("http://a/rss", "a", error="http://a/rss: HTTP 500", at=AT, next_poll=100.0)
    state.record_failure("http://a/rss", "a", error="http://a/rss: HTTP 502", at=AT, next_poll=200.0)
    state.record_success("http://b/rss", "b", etag='"e1"', last_modified=None, at=AT, next_poll=300.0, published=4)
    state.close()

    reopened = PollerState.open(db_url)
    a, b = reopened.feeds()
    reopened.close()
    assert (a.failures, a.last_error, a.next_poll, a.last_success) == (2, "http://a/rss: HTTP 502", 200.0, None)
    assert (b.failures, b.etag, b.published, b.last_success) == (0, '"e1"', 4, AT)


def test_a_success_resets_the_failure_count(db_url: str) -> None:
    state = PollerState.open(db_url)
    state.record_failure("http://a/rss", "a", error="boom", at=AT, next_poll=1.0)
    state.record_not_modified("http://a/rss", "a", at=AT, next_poll=2.0)
    health = state.feed("http://a/rss")
    state.close()
    assert health is not None and health.failures == 0 and health.last_error == "boom" and health.next_poll == 2.0


def test_seen_by_id_or_by_content_hash_and_a_second_insert_is_a_no_op(db_url: str) -> None:
    state = PollerState.open(db_url)
    sig = signature_bytes(signature("some text of an article"))
    for _ in range(2):  # the second is a republish after a crash: same id, no error
        state.record_article(article_id="id1", content_hash="h1", story_id="id1", signature=sig,
                             url="http://a/1", feed_url="http://a/rss", at=AT)
    assert state.seen("id1", "other") is not None
    assert state.seen("other", "h1") is not None
    assert state.seen("other", "h2") is None
    assert state.seen_ids(["id1", "id2"]) == {"id1"}
    assert state.count_articles() == 1
    state.close()


def test_story_signatures_survive_a_restart(db_url: str) -> None:
    text = ("The army said on Tuesday it had retaken the village after two days of fighting with opposition "
            "factions, and that residents could return once the roads were cleared of mines.")
    state = PollerState.open(db_url)
    state.record_article(article_id="first", content_hash="h1", story_id="first",
                         signature=signature_bytes(signature(text)), url="http://a/1", feed_url=None, at=AT)
    state.close()

    index = StoryIndex()
    reopened = PollerState.open(db_url)
    index.load(reopened.signatures())
    reopened.close()
    copy = text.replace("Tuesday", "Tuesday morning")
    assert index.story_for("copy", signature(copy)) == "first"
    assert index.story_for("other", signature("An unrelated report about a meeting in Doha.")) == "other"


def test_prune_forgets_articles_first_seen_before_the_horizon(db_url: str) -> None:
    from datetime import timedelta

    state = PollerState.open(db_url)
    sig = signature_bytes(signature("text"))
    for days, article_id in ((100, "old"), (89, "recent"), (0, "new")):
        state.record_article(article_id=article_id, content_hash=f"h-{article_id}", story_id=article_id,
                             signature=sig, url=f"https://x/{article_id}", feed_url=None,
                             at=AT - timedelta(days=days))
    assert state.prune(AT - timedelta(days=90)) == 1
    assert state.seen_ids(["old", "recent", "new"]) == {"recent", "new"}
    assert state.seen("old", "h-old") is None  # neither by id nor by text: published again if listed again
    state.close()
