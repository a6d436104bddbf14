"""``/healthz``, ``/readyz`` and ``/metrics`` over HTTP, one small server per service.

* ``GET /healthz`` — liveness: 200 while the process serves requests and its
  run loop has not failed (a Kubernetes liveness probe restarts it otherwise).
* ``GET /readyz`` (or ``/healthz?ready=1``) — readiness: 200 only when every
  check passes (the service's log and database answer), else 503 with the
  failing check named. The body is JSON either way.
* ``GET /metrics`` — prometheus-client's own exposition (``make_wsgi_app``:
  text or OpenMetrics by the ``Accept`` header, gzip, ``name[]`` filters) of
  the service's registry (see :mod:`newswire.core.metrics`).

One WSGI app serves the three paths from prometheus-client's threading WSGI
server in a daemon thread, so it never blocks the service's run loop and dies
with the process. It binds ``metrics_host`` (all interfaces by default; set
by :func:`configure` from the settings) and logs the address it really bound.
``port`` 0 or ``None`` disables it (TOML has no null, so 0 is how a file says "off").
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from newswire.core.errors import ConfigError
from newswire.core.logging import get_logger

if TYPE_CHECKING:
    from collections.abc import Sequence

    from newswire.core.log.types import Log
    from newswire.core.metrics import LagSource, ServiceMetrics, StatsMapping

__all__ = ["Check", "HealthServer", "configure", "serve_health", "serve_service", "log_check", "db_check",
           "loop_check",
           "LOOP_STALL_SECONDS", "HEALTH_PATH", "READY_PATH",
           "METRICS_PATH", "DEFAULT_HOST"]

# One batch (500 articles through the extractor) takes seconds; ten minutes without a turn is a hang.
LOOP_STALL_SECONDS = 600.0

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
# All interfaces: probes and scrapers come from outside the container.
DEFAULT_HOST = "0.0.0.0"  # noqa: S104

Check = Callable[[], None]
"""A readiness check: returns when the dependency answers, raises otherwise."""

_log = get_logger("newswire.health")

# The address servers bind when not told one: set once per process from the settings (metrics_host),
# as logging is configured once (see newswire.commands.settings_of).
_bind = {"host": DEFAULT_HOST}


def configure(host: str) -> None:
    """Bind every health server of this process to ``host`` (``metrics_host``) unless told otherwise."""
    _bind["host"] = host


def log_check(log: Log) -> Check:
    """Ready when the event log answers (``Log.ping``)."""
    return log.ping


def db_check(db_url: str) -> Check:
    """Ready when the database at ``db_url`` answers ``SELECT 1``.

    The engine is built on the first probe, so a bad URL shows as "not ready" with its error
    instead of stopping the service; connection attempts time out after 3 s so a probe is never
    stuck behind an unreachable server.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import Engine

    from newswire.core.config import sqlalchemy_url

    url = sqlalchemy_url(db_url)
    engines: list[Engine] = []

    def check() -> None:
        if not engines:
            if url.startswith("sqlite"):
                engines.append(create_engine(url, connect_args={"timeout": 3}))
            else:
                engines.append(create_engine(url, pool_pre_ping=True, pool_size=1, max_overflow=0,
                                             connect_args={"connect_timeout": 3}))
        with engines[0].connect() as conn:
            conn.execute(text("SELECT 1"))

    return check


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        """Probes hit every few seconds: do not log each request."""


def _server_class(host: str) -> type[ThreadingWSGIServer]:
    """prometheus-client's threading WSGI server, for an IPv6 address too."""
    if ":" not in host:
        return ThreadingWSGIServer

    class Server6(ThreadingWSGIServer):
        address_family = socket.AF_INET6

    return Server6


class HealthServer:
    """The health and metrics endpoint of one service. Start with :func:`serve_health`."""

    def __init__(self, service: str, port: int, *, metrics: ServiceMetrics | None = None,
                 checks: Mapping[str, Check] | None = None, host: str | None = None,
                 where: str | None = None, live_checks: Mapping[str, Check] | None = None) -> None:
        self.service = service
        self.metrics = metrics
        self.checks = dict(checks or {})
        self.live_checks = dict(live_checks or {})
        self.failed: str | None = None
        host = _bind["host"] if host is None else host
        self._metrics_app = make_wsgi_app(metrics.registry if metrics is not None else CollectorRegistry())
        try:
            self._server = make_server(host, port, self._app, server_class=_server_class(host),
                                       handler_class=_QuietHandler)
        except OSError as exc:
            key = where or f"{service}.metrics_port"
            env = "NEWSWIRE_" + key.upper().replace(".", "__")
            raise ConfigError(f"cannot serve health and metrics on {host}:{port}: {exc.strerror}", where=key,
                              hint=f"set {env} to a free port, or 0 to disable") from None
        self.host = str(self._server.server_address[0])
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"{service}-health",
                                        daemon=True)

    @property
    def address(self) -> str:
        """The address and port really bound, e.g. ``0.0.0.0:9101``, ``[::1]:9102``."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """A URL this process can reach the server at (loopback when it listens on every interface)."""
        loopback = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}  # noqa: S104
        host = loopback.get(self.host, f"[{self.host}]" if ":" in self.host else self.host)
        return f"http://{host}:{self.port}"

    def start(self) -> HealthServer:
        self._thread.start()
        _log.info("health server listening", service=self.service, address=self.address,
                  paths=[HEALTH_PATH, READY_PATH, METRICS_PATH])
        return self

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path == METRICS_PATH:
            return self._metrics_app(environ, start_response)  # type: ignore[no-any-return]
        if path == READY_PATH or (path == HEALTH_PATH and query.get("ready", ["0"])[0] not in ("0", "", "false")):
            status, report = self.readiness()
        elif path == HEALTH_PATH:
            status, report = self.liveness()
        else:
            status, report = 404, {"error": f"no such path {path}", "paths": [HEALTH_PATH, READY_PATH, METRICS_PATH]}
        body = (json.dumps(report) + "\n").encode()
        reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
        start_response(f"{status} {reason}", [("Content-Type", "application/json"),
                                              ("Content-Length", str(len(body)))])
        return [body]

    def mark_failed(self, reason: str) -> None:
        """Make liveness fail (the run loop died and cannot recover in this process)."""
        self.failed = reason

    def liveness(self) -> tuple[int, dict[str, Any]]:
        """200 unless marked failed or a liveness check fails (e.g. the run loop stalled)."""
        reason = self.failed
        for name, check in self.live_checks.items():
            if reason is not None:
                break
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - any failure means not live; report it
                reason = f"{name}: {' '.join(str(exc).split())}"[:300]
        if reason is not None:
            return 503, {"service": self.service, "status": "failed", "reason": reason}
        return 200, {"service": self.service, "status": "live"}

    def readiness(self) -> tuple[int, dict[str, Any]]:
        """Run every check; 200 only when all pass. Errors are reported as one line each."""
        results: dict[str, str] = {}
        for name, check in self.checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - any failure means not ready; report it
                results[name] = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
        ready = self.failed is None and all(v == "ok" for v in results.values())
        return (200 if ready else 503), {"service": self.service, "status": "ready" if ready else "not ready",
                                         "checks": results}

    def close(self) -> None:
        self._server.shutdown() if self._thread.is_alive() else None
        self._server.server_close()

    def __enter__(self) -> HealthServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def serve_health(service: str, port: int | None, *, metrics: ServiceMetrics | None = None,
                 checks: Mapping[str, Check] | None = None, host: str | None = None,
                 live_checks: Mapping[str, Check] | None = None) -> HealthServer | None:
    """Start the endpoint on ``port``; ``None`` or 0 disables it and returns ``None``."""
    if not port:
        return None
    return HealthServer(service, port, metrics=metrics, checks=checks, host=host, live_checks=live_checks).start()


def loop_check(runner: Any, stall_after: float) -> Check:
    """Live unless the run loop has not come round for ``stall_after`` seconds (a hung batch).

    A loop that is not running (starting up, a replay before it) counts as live.
    """

    def check() -> None:
        last = getattr(runner, "last_turn", None)
        if last is not None and (idle := time.monotonic() - last) > stall_after:
            raise TimeoutError(f"run loop stalled for {idle:.0f}s (limit {stall_after:.0f}s)")

    return check


def serve_service(name: str, port: int | None, service: object, *, log: Log, db_url: str | None = None,
                  group_id: str | None = None, topics: Sequence[str] = (), lag: LagSource | None = None,
                  mapping: StatsMapping | None = None) -> HealthServer | None:
    """Health and metrics for a service object of the standard shape, in one call from its CLI command.

    Metrics read ``service.stats`` at scrape time; consumer lag is ``lag`` or the
    group's lag on the log; if the service has a ``runner`` (a
    :class:`~newswire.core.runner.ConsumerRunner`), its batches feed the latency
    histograms. Ready when the log answers and, with ``db_url``, the database.
    ``port`` None or 0: nothing is served and None is returned.
    """
    if not port:
        return None
    from newswire.core.metrics import MAPPINGS, ServiceMetrics

    if lag is None and group_id is not None:
        group, subscribed = group_id, list(topics)

        def lag() -> Mapping[Any, int]:
            return log.group_lag(group, subscribed)

    metrics = ServiceMetrics(name, stats=lambda: getattr(service, "stats", None), lag=lag,
                             mapping=mapping or MAPPINGS.get(name))
    runner = getattr(service, "runner", None)
    live: dict[str, Check] = {}
    if runner is not None and hasattr(runner, "on_batch"):
        runner.on_batch = metrics.observe_batch
        live["loop"] = loop_check(runner, LOOP_STALL_SECONDS)
    checks: dict[str, Check] = {"log": log_check(log)}
    if db_url is not None:
        checks["db"] = db_check(db_url)
    return serve_health(name, port, metrics=metrics, checks=checks, live_checks=live)
