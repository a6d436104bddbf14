"""The read API and the map page (FastAPI on uvicorn), read-only over the projector's tables.

Every list answers with an ``ETag`` made from the tables' version (the
projector's stored offsets, which change with every committed batch) and the
request, so a client's ``If-None-Match`` gets a 304 without a query, and an
encoded body is reused until the tables change (:class:`ResponseCache`). The
version and the rows are read in one transaction, so they agree.

Errors are one JSON shape, ``{"error": {"status", "message", "parameter"}}``;
a bad or unknown parameter is a 422 that names it.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import typing
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources import files
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Connection, Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from newswire.api.changes import ChangeFeed
from newswire.api.formats import MEDIA_TYPES, encode
from newswire.api.live import LiveView, parse_offsets
from newswire.api.params import (
    ControlParams,
    CrossingParams,
    EventParams,
    HistoryParams,
    MeetingParams,
    ViewParams,
    first_error,
)
from newswire.core.logging import get_logger
from newswire.core.topics import CONTROL, CROSSINGS, DIPLOMACY
from newswire.projector import query
from newswire.projector.query import View
from newswire.projector.tables import PROJECTION_SCHEMA_VERSION, Tables, make_tables

__all__ = ["ApiConfig", "ApiError", "ResponseCache", "make_app"]

_log = get_logger("newswire.api")
STATIC = files("newswire.api") / "static"


@dataclass(frozen=True)
class ApiConfig:
    """What the app needs beyond its engine (from ``Settings.api``)."""

    tile_url: str | None = None
    tile_attribution: str = ""
    cache_mb: int = 256
    changes_interval: float = 0.5


class ApiError(Exception):
    """An answer other than 200, in the one error shape."""

    def __init__(self, status: int, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.parameter = status, message, parameter

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {"status": self.status, "message": self.message}
        if self.parameter is not None:
            body["parameter"] = self.parameter
        return JSONResponse({"error": body}, status_code=self.status, headers={"Cache-Control": "no-store"})


class ResponseCache:
    """Encoded bodies by ETag, least recently used first out, within ``limit_bytes``."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit = limit_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, etag: str) -> bytes | None:
        with self._lock:
            body = self._items.get(etag)
            if body is not None:
                self._items.move_to_end(etag)
            return body

    def put(self, etag: str, body: bytes) -> None:
        if len(body) > self.limit:
            return
        with self._lock:
            if etag in self._items:
                return
            self._items[etag] = body
            self._size += len(body)
            while self._size > self.limit:
                _, old = self._items.popitem(last=False)
                self._size -= len(old)


def _etag(version: str, request: Request) -> str:
    canonical = "&".join(f"{k}={v}" for k, v in sorted(request.query_params.multi_items()))
    digest = hashlib.sha256(f"{version}\n{request.url.path}\n{canonical}".encode()).hexdigest()[:32]
    return f'"{digest}"'


_GZIP_TAG = "-gzip"
# The lists made of one topic's events change only when that topic's offsets move.
_TOPICS: dict[str, tuple[str, ...]] = {"control": (CONTROL.name,), "history": (CONTROL.name,),
                                       "crossings": (CROSSINGS.name,), "meetings": (DIPLOMACY.name,)}


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/").replace(_GZIP_TAG + '"', '"') for t in header.split(",")]
    return "*" in tags or etag in tags


_VIEW_PARAMS: dict[View, type[ViewParams]] = {
    "control": ControlParams, "crossings": CrossingParams, "meetings": MeetingParams}


def make_app(engine: Engine, config: ApiConfig | None = None, *, tables: Tables | None = None) -> FastAPI:
    """The application over ``engine`` (a read-only engine: ``store.create_engine(url, read_only=True)``)."""
    config = config or ApiConfig()
    tables = tables or make_tables()
    cache = ResponseCache(config.cache_mb << 20)
    live = {view: LiveView(tables, view) for view in query.VIEWS}
    feed = ChangeFeed(engine, tables, interval=config.changes_interval)

    def warm() -> None:
        for view, live_view in live.items():
            try:
                live_view.warm(engine, _TOPICS[view])
            except Exception as exc:  # no tables yet, say: the first request will say so and read them
                _log.info("api.warm_skipped", view=view, error=str(exc).splitlines()[0] if str(exc) else repr(exc))
                return

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        threading.Thread(target=warm, name="api-warm", daemon=True).start()
        feed.start()
        try:
            yield
        finally:
            await feed.stop()

    app = FastAPI(
        title="newswire read API",
        version="1",
        summary="Who controls which place, crossings and meetings, now, as of a date, or as known at a time.",
        description="Read-only over the projector's tables. Every list takes format=json|geojson|csv, answers "
                    "with an ETag and honours If-None-Match. Errors: {\"error\": {\"status\", \"message\", "
                    "\"parameter\"}}.",
        lifespan=lifespan,
        docs_url=None, redoc_url=None,  # their pages load scripts from a CDN; the page must work air-gapped
    )
    app.state.feed = feed
    app.state.engine = engine

    # -- errors: one shape ------------------------------------------------------------

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        allowed = _allowed_params(app, request)
        name, message = first_error(list(exc.errors()), allowed)
        return ApiError(422, message, name).response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = "no such path" if exc.status_code == 404 else str(exc.detail)
        return ApiError(exc.status_code, f"{message}: {request.url.path}").response()

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        _log.error("api.error", path=request.url.path, error=repr(exc), exc_info=exc)
        return ApiError(500, f"internal error: {type(exc).__name__}").response()

    # -- reading ------------------------------------------------------------------------

    def answer(request: Request, kind: str, fmt: str, produce: Callable[[Connection], tuple[list[Any], dict[str, Any]]],
               headers: Callable[[dict[str, Any]], dict[str, str]] | None = None,
               encoded: Callable[[Connection, str], bytes] | None = None) -> Response:
        """Version, ETag, 304 or cached body, else read and encode; all in one read transaction.

        The version is that of the topics the list is made of, so a batch of
        meetings leaves the control list's ETag (and cached body) alone. A
        client that accepts gzip gets the body compressed (once per version).
        """
        gzipped = "gzip" in request.headers.get("accept-encoding", "")
        with _reading(engine) as conn:
            version = _version(conn, tables, _TOPICS.get(kind))
            etag = _etag(version, request)
            # A compressed body is another representation of the same content: its own strong ETag,
            # matched as the same version.
            shown = etag[:-1] + _GZIP_TAG + '"' if gzipped else etag
            base = {"ETag": shown, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
            if _matches(request.headers.get("if-none-match"), etag):
                return Response(status_code=304, headers=base)
            key = etag + ("gzip" if gzipped else "")
            body = cache.get(key)
            extra: dict[str, str] = {}
            if body is None and encoded is not None:
                body = encoded(conn, version)
                if gzipped:
                    body = gzip.compress(body, compresslevel=1, mtime=0)
                cache.put(key, body)
            elif body is None or headers is not None:
                rows, meta = produce(conn)
                body = encode(kind, rows, fmt, meta)  # type: ignore[arg-type]
                if gzipped:
                    body = gzip.compress(body, compresslevel=1, mtime=0)
                if headers is not None:
                    extra = headers(meta)
                else:
                    cache.put(key, body)
        if gzipped:
            base["Content-Encoding"] = "gzip"
        return Response(body, media_type=MEDIA_TYPES[fmt], headers={**base, **extra})

    def view_endpoint(view: View) -> Callable[..., Response]:
        params_model = _VIEW_PARAMS[view]

        def endpoint(request: Request, params: Annotated[params_model, Query()]) -> Response:  # type: ignore[valid-type]
            p: ViewParams = params

            def produce(conn: Connection) -> tuple[list[Any], dict[str, Any]]:
                rows = query.read_view(conn, tables, view, filters=p.filters(), as_of=p.as_of, known_at=p.known_at)
                return rows, {"as_of": p.as_of, "known_at": p.known_at}

            def current(conn: Connection, version: str) -> bytes:
                live[view].refresh(conn, parse_offsets(version.split("|", 1)[1]) or {})
                return live[view].encode(p.format, p.filters(), {"as_of": None, "known_at": None})

            now = p.as_of is None and p.known_at is None
            return answer(request, view, p.format, produce, encoded=current if now else None)

        # Real objects, not strings: FastAPI resolves string annotations in module globals, not this closure.
        endpoint.__annotations__ = {"request": Request, "params": Annotated[params_model, Query()],
                                    "return": Response}
        endpoint.__name__ = f"list_{view}"
        endpoint.__doc__ = {
            "control": "Who controls each place: controller, side, since, status, sources, evidence.",
            "crossings": "Each border crossing: holder, overall status and the status of each side.",
            "meetings": "Diplomatic meetings: date, place, participants, held or scheduled.",
        }[view]
        return endpoint

    for view in query.VIEWS:
        app.get(f"/api/v1/{view}", tags=["state"], response_class=Response,
                responses={200: {"content": {t: {} for t in ("application/json", "application/geo+json",
                                                             "text/csv")}}})(view_endpoint(view))

    @app.get("/api/v1/control/{place_id}/history", tags=["state"], response_class=Response)
    def control_history(request: Request, params: Annotated[HistoryParams, Query()],
                        place_id: Annotated[str, Path(description="The place's id, e.g. geonames:170592.")]
                        ) -> Response:
        """Every transition of one place, oldest first: controller, side, validity interval, sources."""

        def produce(conn: Connection) -> tuple[list[Any], dict[str, Any]]:
            if not query.place_exists(conn, tables, place_id):
                raise ApiError(404, f"no control reports about place {place_id!r}", "place_id")
            rows = query.history(conn, tables, place_id, known_at=params.known_at)
            return rows, {"place_id": place_id, "known_at": params.known_at}

        return answer(request, "history", params.format, produce)

    @app.get("/api/v1/events", tags=["events"], response_class=Response)
    def list_events(request: Request, params: Annotated[EventParams, Query()]) -> Response:
        """The events behind the tables, by date then id, a page at a time (``next_cursor``)."""

        def produce(conn: Connection) -> tuple[list[Any], dict[str, Any]]:
            page = query.events(conn, tables, type=params.type, place=params.place, actor=params.actor,
                                date_from=params.date_from, date_to=params.date_to, known_at=params.known_at,
                                cursor=params.cursor, limit=params.limit)
            return page.rows, {"next_cursor": page.next_cursor}

        def link(meta: dict[str, Any]) -> dict[str, str]:
            nxt = meta.get("next_cursor")
            if nxt is None:
                return {}
            url = request.url.include_query_params(cursor=nxt)
            return {"Link": f'<{url}>; rel="next"'}

        return answer(request, "events", params.format, produce, headers=link)

    @app.get("/api/v1/changes", tags=["events"], response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}}}})
    async def changes(request: Request) -> StreamingResponse:
        """Server-sent events: one ``change`` message per projector batch, with the rows it changed.

        Resumes after ``Last-Event-ID`` (the ``id`` of the last message seen); a
        ``reset`` message means "read the lists again".
        """
        return StreamingResponse(feed.stream(request.headers.get("last-event-id")), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @app.get("/api/v1/meta", tags=["page"])
    def meta() -> dict[str, Any]:
        """What the page needs: the tile layer (if any) and the dates and times there is data for."""
        with _reading(engine) as conn:
            version = _version(conn, tables)
            known = query.known_range(conn, tables)
        return {"version": version, "tile_url": config.tile_url, "tile_attribution": config.tile_attribution,
                **{k: v.isoformat() if isinstance(v, (date, datetime)) else v for k, v in known.items()}}

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> dict[str, str]:
        with _reading(engine) as conn:
            _version(conn, tables)
        return {"status": "ready"}

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(str(STATIC / "index.html"), headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    return app


def _allowed_params(app: FastAPI, request: Request) -> list[str] | None:
    """The query parameters of the route a request matched, as a user writes them."""
    for route in app.routes:
        match, _ = route.matches(request.scope)  # type: ignore[attr-defined]
        if match.name != "FULL" or not hasattr(route, "endpoint"):
            continue
        hint = typing.get_type_hints(route.endpoint, include_extras=True).get("params")
        if hint is not None:
            model = typing.get_args(hint)[0]
            return [f.alias or name for name, f in model.model_fields.items()]
    return None


class _reading:  # noqa: N801 - used like a function in `with`
    """A read transaction; a missing or out-of-date table set is a 503 that says what to do."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Connection:
        self.conn = self.engine.connect()
        return self.conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.conn.close()
        if isinstance(exc, sa.exc.DBAPIError) and not isinstance(exc, sa.exc.IntegrityError):
            first = str(exc.orig or exc).strip().splitlines()[0]
            raise ApiError(503, f"the database cannot be read: {first}") from None


def _version(conn: Connection, tables: Tables, topics: Sequence[str] | None = None) -> str:
    m = tables.meta.c
    try:
        stored = conn.execute(sa.select(m.value).where(m.key == "schema_version")).scalar()
    except sa.exc.DBAPIError:
        conn.rollback()
        raise ApiError(503, "the projector has not created its tables yet: start it (newswire project, or "
                            "newswire run)") from None
    if stored is not None and int(stored) != PROJECTION_SCHEMA_VERSION:
        raise ApiError(503, f"the tables are at schema version {stored} and this newswire reads version "
                            f"{PROJECTION_SCHEMA_VERSION}: the projector rebuilds them when it starts "
                            "(newswire project), or run newswire replay")
    return f"v{stored}|" + query.data_version(conn, tables, topics)
