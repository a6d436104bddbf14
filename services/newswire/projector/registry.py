"""Event types the projector folds into a table of their own: one registration each.

An event type is defined in one module, by two registrations side by side:

- :func:`newswire.core.models.register_event` on its model: the ``type``,
  its topic (``TOPIC``), its key (``KEY_FIELD``, the payload field whose id
  keys the log), its payload model and so its JSON Schema, and the
  extractor's data for it (``FRAMES``, a frames file:
  :mod:`newswire.extractor.frames`);
- :func:`register_projection` here: the table it is folded into (the
  ``view`` users read with ``newswire state VIEW``), the table's columns, and
  the fold, a pure function from the set of a subject's reports to its row.

Nothing else is edited: the extractor reads the frames of every registered
model, the projector consumes the topics of every registered model
(:func:`newswire.core.topics.event_topics`), creates every registered table
(:func:`newswire.projector.tables.make_tables`), reduces each event to a
:class:`~newswire.projector.fold.Report` (:func:`report_of`) and refolds the
subjects a batch touches (:mod:`newswire.projector.store`); ``state`` reads
the table (:func:`newswire.projector.query.state_rows`). The shipped types
(control, crossings, meetings) keep their own folds in :mod:`.fold`, whose
rules (holds, contested claims, meeting matching) need more than one row per
subject.

Example (a test-only type, ``tests/test_registry.py``)::

    register_event(CeasefireDeclared)      # TOPIC, KEY_FIELD, data model, FRAMES
    register_projection(Projection(
        type="ceasefire.declared", view="ceasefires", key="place_id",
        columns=lambda: [sa.Column("place_id", sa.String(200), primary_key=True), ...],
        fold=fold_ceasefire))             # Sequence[Report] -> row
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from newswire.core.models import EVENT_TYPES, Actor, Event, Place

__all__ = ["Projection", "PROJECTIONS", "register_projection", "projection_of", "report_fields"]


@dataclass(frozen=True)
class Projection:
    """How one registered event type becomes rows: one row per subject (the event's key) in table ``view``."""

    type: str  # the event type, as its model's ``type``
    view: str  # the table's name (and ``newswire state VIEW``)
    key: str  # the table's primary-key column: the subject's id
    columns: Callable[[], list[sa.Column[Any]]]  # fresh columns for each table set (live, rebuild)
    fold: Callable[[Sequence[Any]], dict[str, Any]]  # pure: the subject's reports (fold.Report) -> its row
    actor_field: str | None = None  # the payload field naming the actor, when there is one


PROJECTIONS: dict[str, Projection] = {}


def register_projection(projection: Projection) -> Projection:
    """Register ``projection``; its event type must be registered first (``register_event``)."""
    if projection.type not in EVENT_TYPES:
        raise ValueError(f"event type {projection.type!r} is not registered: call register_event on its model first")
    taken = {p.view for p in PROJECTIONS.values() if p.type != projection.type}
    if projection.view in taken or projection.view in _BUILT_IN_VIEWS:
        raise ValueError(f"view {projection.view!r} is taken")
    PROJECTIONS[projection.type] = projection
    return projection


def projection_of(event_type: str) -> Projection | None:
    return PROJECTIONS.get(event_type)


# The tables of the shipped types (newswire.projector.tables): a registered view may not take their names.
_BUILT_IN_VIEWS = frozenset({"control", "control_history", "crossings", "meetings", "evidence", "applied_events",
                             "projector_offsets", "projector_meta"})


def report_fields(event: Event) -> dict[str, Any]:
    """The subject and actor fields of a registered type's report: the key entity and the actor, if any."""
    projection = PROJECTIONS[event.type]
    subject = getattr(event.data, event.KEY_FIELD)
    actor = getattr(event.data, projection.actor_field) if projection.actor_field else None
    place = subject if isinstance(subject, Place) else None
    return dict(
        subject=event.key(), subject_name=getattr(subject, "name", None), subject_kind=getattr(place, "kind", None),
        actor_id=actor.id if isinstance(actor, Actor) else None,
        actor_name=actor.name if isinstance(actor, Actor) else None,
        side=(actor.side or actor.id) if isinstance(actor, Actor) else None,
        status=getattr(event.data, "status", None), side_code=None,
        country=getattr(place, "country", None), lat=getattr(place, "lat", None), lon=getattr(place, "lon", None))
