"""The projector's tables (SQLAlchemy Core), built under a name prefix so a replay can build a fresh set.

::

    applied_events     one row per event ever applied (event_id unique): the folding inputs
    evidence           one row per applied event: which row it backs, the article and sentence
    control            one row per place: the current controller
    control_history    one row per corroborated fact about a place, with its validity interval
    crossings          one row per crossing: holder, overall status, status of each side
    meetings           one row per meeting (reports matched by participants, place and date)
    projector_offsets  the next offset of every topic partition, written with the rows
    projector_meta     schema_version; a different version in code triggers a rebuild by replay

No table has an autoincrement column or a wall-clock timestamp: a replay from
offset zero reproduces every table byte for byte, which the crash test checks.
The one time of arrival kept, ``applied_events.received_at``, is the log
record's own timestamp (when the event entered the log), so a replay keeps it too.

Transaction time ("what did newswire know at T?", the API's ``known_at``):
the folds are pure functions of a subject's set of reports, so the state
known at T is the fold of the reports with ``received_at <= T``
(:mod:`newswire.projector.query`). Valid time ("who held it on D?", ``as_of``)
is ``control_history``'s ``valid_from``/``valid_to``.

Coordinates: every row about a place carries the ``lat``/``lon`` (and
``country``) the events gave it, NULL where the extractor could not locate it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

__all__ = ["PROJECTION_SCHEMA_VERSION", "REBUILD_PREFIX", "Tables", "make_tables"]

# Bump when a table or a folding rule changes: the projector then rebuilds by replay.
# 2: a meeting's id comes from its first report, not the extractor's meeting_id
# 3: received_at (the log record's timestamp) and coordinates (lat, lon, country) carried into the rows
# 4: since_text holds the words the date came from ("on Thursday"), not the date again
# 5: a date without its words is inferred; a side's consecutive facts are one hold (since: its best read date)
PROJECTION_SCHEMA_VERSION = 5
REBUILD_PREFIX = "rebuild_"


@dataclass(frozen=True)
class Tables:
    prefix: str
    metadata: sa.MetaData
    applied_events: sa.Table
    evidence: sa.Table
    control: sa.Table
    control_history: sa.Table
    crossings: sa.Table
    meetings: sa.Table
    offsets: sa.Table
    meta: sa.Table
    views: dict[str, sa.Table]  # the tables of registered event types (newswire.projector.registry), by view

    def all(self) -> list[sa.Table]:
        return list(self.metadata.sorted_tables)

    def derived(self) -> list[sa.Table]:
        """The tables a user reads, in a stable order (dumps, comparisons)."""
        return [self.control, self.control_history, self.crossings, self.meetings, self.evidence,
                self.applied_events, self.offsets, self.meta, *(self.views[v] for v in sorted(self.views))]


def make_tables(prefix: str = "") -> Tables:
    """The projector's tables named ``<prefix><name>``; index names carry the prefix too."""
    md = sa.MetaData()
    p = prefix

    def t(name: str, *cols: sa.Column[object] | sa.Index) -> sa.Table:
        return sa.Table(p + name, md, *cols)

    applied = t(
        "applied_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("subject_name", sa.String(300)),
        sa.Column("subject_kind", sa.String(20)),
        sa.Column("actor_id", sa.String(200)),
        sa.Column("actor_name", sa.String(300)),
        sa.Column("side", sa.String(200)),
        sa.Column("status", sa.String(20)),
        sa.Column("side_code", sa.String(20)),
        sa.Column("day_start", sa.Date, nullable=False),
        sa.Column("day_end", sa.Date, nullable=False),
        sa.Column("date_text", sa.String(10), nullable=False),
        sa.Column("date_words", sa.String(200)),  # occurred_on.text: "on Thursday"
        sa.Column("precision", sa.String(5), nullable=False),
        sa.Column("inferred", sa.Boolean, nullable=False),
        sa.Column("historical", sa.Boolean, nullable=False),
        sa.Column("reported_at", sa.String(40)),
        sa.Column("article_id", sa.String(200), nullable=False),
        sa.Column("outlet", sa.String(200), nullable=False),
        sa.Column("story_id", sa.String(200)),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("extent", sa.Text),
        sa.Column("participants", sa.JSON),
        sa.Column("location", sa.JSON),
        sa.Column("framework", sa.String(200)),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("country", sa.String(10)),  # the subject's (a meeting's: in location)
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        # Seconds since the epoch at which the event entered the log (the record's timestamp): transaction time.
        sa.Column("received_at", sa.Float),
        sa.Index(f"ix_{p}applied_subject", "type", "subject"),
        sa.Index(f"ix_{p}applied_day", "type", "day_start"),
        # The change stream reads what a batch applied by the offsets it moved.
        sa.Index(f"ix_{p}applied_position", "topic", "partition", "offset"),
    )
    evidence = t(
        "evidence",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("row_table", sa.String(20), nullable=False),
        sa.Column("row_key", sa.String(200), nullable=False),
        sa.Column("fact_id", sa.String(64)),
        sa.Column("article_id", sa.String(200), nullable=False),
        sa.Column("outlet", sa.String(200), nullable=False),
        sa.Column("story_id", sa.String(200)),
        sa.Column("url", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("attribution", sa.Text),
        sa.Column("modality", sa.String(20), nullable=False),
        sa.Column("reported_at", sa.String(40)),
        sa.Index(f"ix_{p}evidence_row", "row_table", "row_key"),
    )
    control = t(
        "control",
        sa.Column("place_id", sa.String(200), primary_key=True),
        sa.Column("place_name", sa.String(300), nullable=False),
        sa.Column("controller_id", sa.String(200), nullable=False),
        sa.Column("controller_name", sa.String(300), nullable=False),
        sa.Column("side", sa.String(200), nullable=False),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("since_text", sa.String(200)),  # the words "since" came from ("on Thursday"); NULL when inferred
        sa.Column("precision", sa.String(5), nullable=False),
        sa.Column("extent", sa.Text),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("n_sources", sa.Integer, nullable=False),
        sa.Column("n_reports", sa.Integer, nullable=False),
        sa.Column("fact_id", sa.String(64), nullable=False),
        sa.Column("claims", sa.JSON, nullable=False),
        sa.Column("last_reported_at", sa.String(40)),
        sa.Column("place_kind", sa.String(20)),
        sa.Column("country", sa.String(10)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
    )
    history = t(
        "control_history",
        sa.Column("place_id", sa.String(200), primary_key=True),
        sa.Column("fact_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("place_name", sa.String(300), nullable=False),
        sa.Column("controller_id", sa.String(200), nullable=False),
        sa.Column("controller_name", sa.String(300), nullable=False),
        sa.Column("side", sa.String(200), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
        sa.Column("date_text", sa.String(10), nullable=False),
        sa.Column("date_words", sa.String(200)),
        sa.Column("precision", sa.String(5), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("historical", sa.Boolean, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("n_sources", sa.Integer, nullable=False),
        sa.Column("n_reports", sa.Integer, nullable=False),
        sa.Column("place_kind", sa.String(20)),
        sa.Column("country", sa.String(10)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Index(f"ix_{p}history_from", "valid_from"),
    )
    crossings = t(
        "crossings",
        sa.Column("crossing_id", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("status", sa.String(10)),
        sa.Column("holder_id", sa.String(200)),
        sa.Column("holder_name", sa.String(300)),
        sa.Column("holder_side", sa.String(200)),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("since_text", sa.String(200)),  # the words "since" came from; NULL when inferred
        sa.Column("sides", sa.JSON, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("n_sources", sa.Integer, nullable=False),
        sa.Column("n_reports", sa.Integer, nullable=False),
        sa.Column("country", sa.String(10)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
    )
    meetings = t(
        "meetings",
        sa.Column("meeting_id", sa.String(200), primary_key=True),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("date_text", sa.String(10), nullable=False),
        sa.Column("precision", sa.String(5), nullable=False),
        sa.Column("location_id", sa.String(200)),
        sa.Column("location_name", sa.String(300)),
        sa.Column("participants", sa.JSON, nullable=False),
        sa.Column("participant_ids", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("framework", sa.String(200)),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("n_sources", sa.Integer, nullable=False),
        sa.Column("n_reports", sa.Integer, nullable=False),
        sa.Column("location_kind", sa.String(20)),
        sa.Column("location_country", sa.String(10)),
        sa.Column("location_lat", sa.Float),
        sa.Column("location_lon", sa.Float),
        sa.Index(f"ix_{p}meetings_date", "date"),
    )
    offsets = t(
        "projector_offsets",
        sa.Column("topic", sa.String(200), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("next_offset", sa.BigInteger, nullable=False),
    )
    meta = t(
        "projector_meta",
        sa.Column("key", sa.String(50), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    from newswire.projector.registry import PROJECTIONS  # registry imports nothing of the projector's tables

    views = {proj.view: t(proj.view, *proj.columns()) for proj in PROJECTIONS.values()}
    return Tables(p, md, applied, evidence, control, history, crossings, meetings, offsets, meta, views)
