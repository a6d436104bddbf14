"""The uvicorn server of ``newswire serve``: the app on a read-only engine, stopped cleanly by SIGTERM."""

from __future__ import annotations

import socket
from typing import Any

import uvicorn

from newswire.api.app import ApiConfig, make_app
from newswire.core.config import Settings
from newswire.core.logging import get_logger
from newswire.projector.store import create_engine

__all__ = ["ApiServer", "make_server"]

_log = get_logger("newswire.api")


class ApiServer(uvicorn.Server):
    """A uvicorn server that ends the open change streams when asked to stop.

    uvicorn waits for open connections before it shuts down, and a change
    stream never ends by itself: closing them first makes SIGTERM prompt.
    """

    def handle_exit(self, sig: int, frame: Any) -> None:
        self.config.app.state.feed.close_streams()
        super().handle_exit(sig, frame)
        # uvicorn re-raises the signal once it has stopped; a drained SIGTERM is a clean stop (exit 0).
        self._captured_signals.clear()

    def stop(self) -> None:
        """Ask :meth:`run` to return (from another thread)."""
        self.config.app.state.feed.close_streams()
        self.should_exit = True

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        for server in self.servers:
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                _log.info("api.listening", url=f"http://{host}:{port}/")


def make_server(settings: Settings, *, host: str | None = None, port: int | None = None) -> ApiServer:
    """The server of the configured database, on ``host``:``port`` (default: ``settings.api``)."""
    cfg = settings.api
    engine = create_engine(settings.projector_db_url(), read_only=True)
    app = make_app(engine, ApiConfig(tile_url=cfg.tile_url, tile_attribution=cfg.tile_attribution,
                                     cache_mb=cfg.cache_mb, changes_interval=cfg.changes_interval))
    config = uvicorn.Config(app, host=host or cfg.host, port=cfg.port if port is None else port,
                            log_config=None, access_log=False, timeout_graceful_shutdown=5, lifespan="on")
    return ApiServer(config)
