"""The projector service: folds ``conflict.*.v1`` events into current-state tables (see ``docs/projector.md``)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newswire.projector.fold import WINDOW_DAYS, Report, fold_crossing, fold_meetings, fold_place, to_report
    from newswire.projector.registry import Projection, register_projection
    from newswire.projector.service import Projector, ProjectorStats, make_projector, open_tables, replay
    from newswire.projector.store import apply_batch, create_engine, dump_tables
    from newswire.projector.tables import PROJECTION_SCHEMA_VERSION, Tables, make_tables

_HOME = {
    "fold": ("WINDOW_DAYS", "Report", "fold_crossing", "fold_meetings", "fold_place", "to_report"),
    "registry": ("Projection", "register_projection"),
    "service": ("Projector", "ProjectorStats", "make_projector", "open_tables", "replay"),
    "store": ("apply_batch", "create_engine", "dump_tables"),
    "tables": ("PROJECTION_SCHEMA_VERSION", "Tables", "make_tables"),
}

# The lazy exports' one list is _HOME (the TYPE_CHECKING imports above repeat them for type checkers only).
__all__ = sorted(name for names in _HOME.values() for name in names)


def __getattr__(name: str) -> Any:
    # Imported on first use, as newswire.poller does: `newswire --help` need not load SQLAlchemy.
    for module, names in _HOME.items():
        if name in names:
            return getattr(importlib.import_module(f"newswire.projector.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
