"""Opening a database: the one engine factory, and the errors a user can fix named by their setting.

Every service's database (the poller's state, the projector's tables, the
dead-letter replays, health probes, the panel) is opened with
:func:`open_engine`:

- only SQLite (``sqlite:///PATH``) and PostgreSQL (``postgresql://``, driven
  by psycopg 3) are accepted; anything else is a :class:`ConfigError` naming
  the setting;
- SQLite: the file's directory is created; WAL mode, a busy timeout, and
  write transactions that begin with ``BEGIN IMMEDIATE`` so that concurrent
  writers wait instead of failing mid-way (DESIGN.md, pitfalls);
- PostgreSQL: connections are checked before use (``pool_pre_ping``);
- ``read_only`` (the read API): the database refuses writes (SQLite
  ``query_only``, PostgreSQL read-only transactions), and each transaction
  reads one snapshot (SQLite's deferred ``BEGIN`` in WAL mode takes no write
  lock; PostgreSQL ``REPEATABLE READ``), so a version and the rows read with
  it agree.

Errors that are not bugs become one-line errors at their source (SQLAlchemy's
``handle_error`` hook), whichever command or service hit them:

=============================================  ===========================  =========
what happened                                  raised as                    exit code
=============================================  ===========================  =========
the server does not answer / the link drops    :class:`DatabaseUnavailable`  3
the SQLite file is not a database              :class:`ConfigError`          2
the SQLite file or its directory is not usable :class:`ConfigError`          2
=============================================  ===========================  =========
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from newswire.core.config import sqlalchemy_url
from newswire.core.errors import ConfigError, DatabaseUnavailable

__all__ = ["open_engine", "env_names"]

# SQLite's messages for a path that is no database, or one the process cannot write.
_SQLITE_UNUSABLE = ("file is not a database", "unable to open database file", "readonly database")


def env_names(key: str) -> str:
    """The environment variables that set ``key`` (``projector.db_url`` falls back to ``db_url``)."""
    own = "NEWSWIRE_" + key.upper().replace(".", "__")
    return own if key == "db_url" else f"{own} or NEWSWIRE_DB_URL"


def open_engine(url: str, *, key: str = "db_url", connect_timeout: float | None = None,
                read_only: bool = False) -> Engine:
    """An engine for ``url``, the value of setting ``key``; see the module docstring."""
    url = sqlalchemy_url(url)
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        parsed = None
    if parsed is None or parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"not a usable database URL: {_redacted(url)!r}", where=key,
                          hint=f"set {env_names(key)} to sqlite:///PATH or postgresql://user@host/db")
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite(parsed, key, connect_timeout, read_only)
    else:
        args: dict[str, Any] = {} if connect_timeout is None else {"connect_timeout": max(1, round(connect_timeout))}
        if read_only:
            args["options"] = "-c default_transaction_read_only=on"
        engine = sa.create_engine(parsed, pool_pre_ping=True, connect_args=args,
                                  **({"isolation_level": "REPEATABLE READ"} if read_only else {}))
    _translate_errors(engine, key)
    return engine


def _sqlite(parsed: sa.engine.URL, key: str, connect_timeout: float | None, read_only: bool) -> Engine:
    if parsed.database and parsed.database != ":memory:":
        parent = Path(parsed.database).parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:  # the parent, or a directory above it, is a file
            blocker = next(p for p in (parent, *parent.parents) if p.exists() and not p.is_dir())
            raise ConfigError(f"{str(blocker)!r} is a file, not a directory", where=f"{key} {parsed}",
                              hint=f"set {env_names(key)} to a path in a writable directory") from None
        except OSError as exc:
            raise ConfigError(f"cannot create the directory {str(parent)!r}: {exc.strerror or exc}",
                              where=f"{key} {parsed}",
                              hint=f"set {env_names(key)} to a path in a writable directory") from None
    timeout = 60 if connect_timeout is None else connect_timeout
    engine = sa.create_engine(parsed, connect_args={"timeout": timeout, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Autocommit at the driver level so that SQLAlchemy's "begin" below is the only BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process (what the crash tests do); only a
        # power loss can drop the last transactions, which a replay restores.
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        # Fewer, larger WAL checkpoints (the only fsyncs in NORMAL mode) for batch writes.
        cur.execute("PRAGMA wal_autocheckpoint=10000")
        # 64 MiB of page cache (the default is 2 MiB): the indexes of a growing database stay in memory.
        cur.execute("PRAGMA cache_size=-65536")
        if read_only:
            cur.execute("PRAGMA query_only=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Take the write lock up front: a concurrent writer waits instead of failing mid-way.
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _translate_errors(engine: Engine, key: str) -> None:
    where = f"{key} {_redacted(engine.url.render_as_string(hide_password=True))}"

    @sa.event.listens_for(engine, "handle_error")
    def _handle(context: Any) -> None:
        if context.is_pre_ping:  # the pool reconnects by itself after a failed ping
            return
        orig = context.original_exception
        first = " ".join(str(orig).split("\n")[0].split()) or type(orig).__name__
        if engine.dialect.name == "sqlite":
            if isinstance(orig, engine.dialect.loaded_dbapi.DatabaseError) and \
                    any(m in first.lower() for m in _SQLITE_UNUSABLE):
                raise ConfigError(f"cannot use the SQLite file: {first}", where=where,
                                  hint=f"set {env_names(key)} to a SQLite database in a writable directory, "
                                       "or to a new path") from None
            return
        if context.connection is None or context.is_disconnect:
            raise DatabaseUnavailable(f"cannot reach the database: {first}", where=where,
                                      hint=f"check {env_names(key)} and that the server is up") from None


def _redacted(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url
