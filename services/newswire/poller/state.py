"""The poller's state in the service database (SQLAlchemy; SQLite by default, PostgreSQL in production).

Tables (prefixed ``poller_``, created on open):

- ``poller_feeds``: one row per feed URL: ETag, Last-Modified, last success,
  last error, consecutive failures, next poll, articles published.
- ``poller_articles``: one row per published article id: content hash
  (indexed, for exact duplicates under another URL), story id and MinHash
  signature (for near-duplicates, reloaded on start), first seen. Rows older
  than ``poller.seen_horizon_days`` are pruned (:meth:`PollerState.prune`):
  feeds list an item for days, so a forgotten id is not seen again; if a feed
  does re-list one, it is republished under the same id, and downstream folds
  it away (deterministic event ids, the projector's ``applied_events``).

Order of effects, per article: publish to the log and flush, *then* insert
here. A crash in between republishes at most that one record, with the same
id, which downstream folds away. SQLite: WAL mode and ``BEGIN IMMEDIATE`` for
every transaction, so concurrent writers wait instead of failing (DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from newswire.core import db as core_db
from newswire.core.config import missing_sqlite_file
from newswire.core.errors import DataMissing

__all__ = ["FeedHealth", "PollerState", "SeenArticle", "metadata", "open_engine", "read_feeds"]

metadata = MetaData()

feeds_table = Table(
    "poller_feeds", metadata,
    Column("url", String(2048), primary_key=True),
    Column("outlet", String(200), nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_success", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("last_error_at", DateTime(timezone=True)),
    Column("failures", Integer, nullable=False, default=0),
    Column("next_poll", Float),  # seconds since the epoch
    Column("published", Integer, nullable=False, default=0),
)

articles_table = Table(
    "poller_articles", metadata,
    Column("article_id", String(64), primary_key=True),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("story_id", String(64), nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("url", Text, nullable=False),
    Column("feed_url", Text),
    Column("first_seen", DateTime(timezone=True), nullable=False),
)
# Pruning and the story index read by age; created on open for databases made before it existed.
first_seen_index = Index("ix_poller_articles_first_seen", articles_table.c.first_seen)


def open_engine(db_url: str) -> Engine:
    """An engine for the service database (:func:`newswire.core.db.open_engine`, setting ``db_url``)."""
    return core_db.open_engine(db_url, key="db_url")


@dataclass(frozen=True, slots=True)
class FeedHealth:
    url: str
    outlet: str
    etag: str | None = None
    last_modified: str | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0
    next_poll: float | None = None
    published: int = 0


@dataclass(frozen=True, slots=True)
class SeenArticle:
    article_id: str
    story_id: str


class PollerState:
    """Feed health and seen articles. Every method is one short transaction."""

    def __init__(self, engine: Engine, *, create: bool = True) -> None:
        self.engine = engine
        # An unreachable or unusable database raises its one-line error here (newswire.core.db).
        if create:
            metadata.create_all(engine)
            first_seen_index.create(engine, checkfirst=True)
        elif not inspect(engine).has_table(feeds_table.name):
            engine.dispose()
            raise DataMissing("no poller state in this database",
                              where=engine.url.render_as_string(hide_password=True),
                              hint="`newswire poll` or `newswire run` creates it; or set --db-url")

    @classmethod
    def open(cls, db_url: str, *, create: bool = True) -> PollerState:
        """The state in ``db_url``; without ``create`` (``newswire status``) nothing is created and a
        database without poller state raises :class:`DataMissing`."""
        if not create and (path := missing_sqlite_file(db_url)) is not None:
            raise DataMissing("no such file", where=f"database {path}",
                              hint="nothing has run with this data home yet: `newswire run` or `newswire poll` "
                                   "creates it; or set NEWSWIRE_HOME, --db-url or NEWSWIRE_DB_URL")
        return cls(open_engine(db_url), create=create)

    def close(self) -> None:
        self.engine.dispose()

    # -- feeds -----------------------------------------------------------------

    def feed(self, url: str) -> FeedHealth | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(feeds_table).where(feeds_table.c.url == url)).mappings().first()
        return _health(row) if row else None

    def feeds(self) -> list[FeedHealth]:
        return read_feeds(self.engine) or []

    def record_success(self, url: str, outlet: str, *, etag: str | None, last_modified: str | None,
                       at: datetime, next_poll: float, published: int) -> None:
        with self.engine.begin() as conn:
            self._ensure_feed(conn, url, outlet)
            conn.execute(update(feeds_table).where(feeds_table.c.url == url).values(
                outlet=outlet, etag=etag, last_modified=last_modified, last_success=at, failures=0,
                next_poll=next_poll, published=feeds_table.c.published + published))

    def record_not_modified(self, url: str, outlet: str, *, at: datetime, next_poll: float) -> None:
        with self.engine.begin() as conn:
            self._ensure_feed(conn, url, outlet)
            conn.execute(update(feeds_table).where(feeds_table.c.url == url).values(
                outlet=outlet, last_success=at, failures=0, next_poll=next_poll))

    def record_failure(self, url: str, outlet: str, *, error: str, at: datetime, next_poll: float) -> None:
        """Record a failed poll: one more consecutive failure, the error, and when to retry."""
        with self.engine.begin() as conn:
            self._ensure_feed(conn, url, outlet)
            conn.execute(update(feeds_table).where(feeds_table.c.url == url).values(
                outlet=outlet, last_error=error, last_error_at=at, failures=feeds_table.c.failures + 1,
                next_poll=next_poll))

    def _ensure_feed(self, conn: Any, url: str, outlet: str) -> None:
        exists = conn.execute(select(feeds_table.c.url).where(feeds_table.c.url == url)).first()
        if exists is None:
            conn.execute(insert(feeds_table).values(url=url, outlet=outlet, failures=0, published=0))

    # -- articles --------------------------------------------------------------

    def seen_ids(self, article_ids: list[str]) -> set[str]:
        if not article_ids:
            return set()
        with self.engine.connect() as conn:
            rows = conn.execute(select(articles_table.c.article_id)
                                .where(articles_table.c.article_id.in_(article_ids))).scalars().all()
        return set(rows)

    def seen(self, article_id: str, content_hash: str) -> SeenArticle | None:
        """The article already recorded under this id or with this exact text, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(articles_table.c.article_id, articles_table.c.story_id)
                .where((articles_table.c.article_id == article_id) | (articles_table.c.content_hash == content_hash))
                .limit(1)).first()
        return SeenArticle(row[0], row[1]) if row else None

    def record_article(self, *, article_id: str, content_hash: str, story_id: str, signature: bytes, url: str,
                       feed_url: str | None, at: datetime) -> None:
        """Remember a published article; a second insert of one id is a no-op (a republish after a crash)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(articles_table).values(
                    article_id=article_id, content_hash=content_hash, story_id=story_id, signature=signature,
                    url=url, feed_url=feed_url, first_seen=at))
        except IntegrityError:
            pass

    def signatures(self, limit: int = 100_000) -> Iterator[tuple[str, str, bytes]]:
        """The most recent ``limit`` articles' ``(article_id, story_id, signature)``, to rebuild the story index."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(articles_table.c.article_id, articles_table.c.story_id, articles_table.c.signature)
                .order_by(articles_table.c.first_seen.desc()).limit(limit)).all()
        for row in reversed(rows):
            yield row[0], row[1], bytes(row[2])

    def prune(self, before: datetime) -> int:
        """Forget the articles first seen before ``before`` (see the module docstring); returns how many."""
        with self.engine.begin() as conn:
            return int(conn.execute(delete(articles_table).where(articles_table.c.first_seen < before)).rowcount)

    def count_articles(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(articles_table)).scalar_one())


def read_feeds(engine: Engine) -> list[FeedHealth] | None:
    """Every feed's health, by URL; ``None`` where the poller has not made its table yet.

    Reads only, and creates nothing: the supervisor's panel reads feed health this way, so the
    table is defined here alone.
    """
    if not inspect(engine).has_table(feeds_table.name):
        return None
    with engine.connect() as conn:
        rows = conn.execute(select(feeds_table).order_by(feeds_table.c.url)).mappings().all()
    return [_health(r) for r in rows]


def _health(row: Any) -> FeedHealth:
    def utc(value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    return FeedHealth(url=row["url"], outlet=row["outlet"], etag=row["etag"], last_modified=row["last_modified"],
                      last_success=utc(row["last_success"]), last_error=row["last_error"],
                      last_error_at=utc(row["last_error_at"]), failures=row["failures"] or 0,
                      next_poll=row["next_poll"], published=row["published"] or 0)

