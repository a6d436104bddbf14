"""The projector service: folds ``conflict.*.v1`` events into current-state tables (see ``docs/projector.md``)."""

from newswire.projector.fold import WINDOW_DAYS, Report, fold_crossing, fold_meetings, fold_place, to_report
from newswire.projector.service import Projector, ProjectorStats, make_projector, open_tables, replay
from newswire.projector.store import apply_batch, create_engine, dump_tables
from newswire.projector.tables import PROJECTION_SCHEMA_VERSION, Tables, make_tables

__all__ = [
    "PROJECTION_SCHEMA_VERSION",
    "WINDOW_DAYS",
    "Projector",
    "ProjectorStats",
    "Report",
    "Tables",
    "apply_batch",
    "create_engine",
    "dump_tables",
    "fold_crossing",
    "fold_meetings",
    "fold_place",
    "make_projector",
    "make_tables",
    "open_tables",
    "replay",
    "to_report",
]
