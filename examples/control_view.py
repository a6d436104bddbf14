"""A downstream consumer: who controls which place, kept in its own database from ``conflict.control.v1``.

It is what any system subscribing to newswire does: join a consumer group,
validate each record against the published JSON Schema (``schemas/``), fold
it into its own view, and commit the offsets only after the view is saved
(at least once; replays are harmless because each event id is applied once).

    # against Kafka (the Compose stack publishes the broker on localhost:29092)
    python examples/control_view.py --kafka localhost:29092 --view control_view.db
    # against the embedded log of `newswire run` (log.db in the data home: NEWSWIRE_HOME, else on Linux:)
    python examples/control_view.py --log ~/.local/share/newswire/log.db --view control_view.db --idle-exit 5

Needs kafka-python (Kafka) or newswire itself (the embedded log), and jsonschema.
It uses no other part of newswire: the contract is the topic and its schemas.
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

TOPIC = "conflict.control.v1"
GROUP = "example-control-view"
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"

VIEW_SCHEMA = """
CREATE TABLE IF NOT EXISTS control_view (
    place_id TEXT PRIMARY KEY,
    place_name TEXT NOT NULL,
    controller_id TEXT,          -- NULL after the controller withdrew
    controller_name TEXT,
    since TEXT,                  -- occurred_on.date of the event that set it
    event_id TEXT NOT NULL,
    outlet TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS applied_events (event_id TEXT PRIMARY KEY);
"""


@dataclass(frozen=True)
class Message:
    """One record, whatever the log: where it came from and its JSON value."""

    partition: int
    offset: int
    value: bytes


def load_validators(directory: Path = SCHEMAS) -> dict[str, Draft202012Validator]:
    """One validator per event type of the topic, from the schemas of its record types (``schemas/asyncapi.yaml`` lists them)."""
    validators = {}
    for name in ("control.changed", "forces.withdrew"):
        schema = json.loads((directory / f"{name}.schema.json").read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        validators[name] = Draft202012Validator(schema)
    return validators


class ControlView:
    """The consumer's own state: one row per place, in a SQLite file."""

    def __init__(self, path: Path, validators: dict[str, Draft202012Validator]) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.executescript(VIEW_SCHEMA)
        self.validators = validators
        self.rejected = 0

    def validate(self, msg: Message) -> dict[str, Any] | None:
        """The event, or None (reported on stderr) when it is not JSON or breaks its schema."""
        try:
            event = json.loads(msg.value)
        except ValueError:
            return self._reject(msg, "not JSON")
        validator = self.validators.get(event.get("type")) if isinstance(event, dict) else None
        if validator is None:
            return self._reject(msg, f"unknown event type {event.get('type') if isinstance(event, dict) else None!r}")
        error = next(iter(sorted(validator.iter_errors(event), key=lambda e: list(e.absolute_path))), None)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            return self._reject(msg, f"schema: {where}: {error.message}")
        return event

    def _reject(self, msg: Message, why: str) -> None:
        self.rejected += 1
        print(f"{TOPIC}[{msg.partition}]@{msg.offset}: skipped: {why}", file=sys.stderr)
        return None

    def apply_batch(self, messages: list[Message]) -> int:
        """Fold a batch in one transaction; returns how many events changed the view."""
        applied = 0
        self.conn.execute("BEGIN")
        try:
            for msg in messages:
                event = self.validate(msg)
                if event is not None and self._apply(event):
                    applied += 1
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return applied

    def _apply(self, event: dict[str, Any]) -> bool:
        if self.conn.execute("INSERT OR IGNORE INTO applied_events VALUES (?)",
                             (event["event_id"],)).rowcount == 0:
            return False  # a redelivery: already folded in
        if event.get("modality") == "historical":
            return False  # background ("it was captured in 2016"), not a change of control now
        data, place = event["data"], event["data"]["place"]
        since = (event.get("occurred_on") or {}).get("date") or (event.get("reported_at") or "")[:10] or None
        row = self.conn.execute("SELECT controller_id, since FROM control_view WHERE place_id = ?",
                                (place["id"],)).fetchone()
        if row is not None and row[1] and since and since < row[1]:
            return False  # older than what the view holds: events of many outlets arrive out of order
        if event["type"] == "control.changed":
            controller = data["controller"]
            values = (controller["id"], controller["name"])
        elif row is not None and row[0] == data["actor"]["id"]:  # forces.withdrew by the current controller
            values = (None, None)
        else:
            return False
        self.conn.execute(
            "INSERT INTO control_view (place_id, place_name, controller_id, controller_name, since, event_id, outlet)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (place_id) DO UPDATE SET place_name = excluded.place_name,"
            " controller_id = excluded.controller_id, controller_name = excluded.controller_name,"
            " since = excluded.since, event_id = excluded.event_id, outlet = excluded.outlet",
            (place["id"], place["name"], *values, since, event["event_id"], event["source"]["outlet"]))
        return True

    def rows(self) -> list[tuple[Any, ...]]:
        return self.conn.execute("SELECT place_id, place_name, controller_name, since FROM control_view"
                                 " ORDER BY place_name").fetchall()


# -- the two ways in: Kafka (kafka-python) and newswire's embedded log --------------


class KafkaSource:
    """The topic on a Kafka cluster, through kafka-python."""

    def __init__(self, bootstrap: str, group: str) -> None:
        from kafka import KafkaConsumer

        # Explicit commits and the earliest offset: the defaults (auto-commit, 'latest') lose records (DESIGN.md).
        self.consumer = KafkaConsumer(TOPIC, bootstrap_servers=bootstrap.split(","), group_id=group,
                                      enable_auto_commit=False, auto_offset_reset="earliest",
                                      session_timeout_ms=6000, heartbeat_interval_ms=1000)

    def poll(self) -> list[Message]:
        polled = self.consumer.poll(timeout_ms=500, max_records=500)
        return [Message(r.partition, r.offset, r.value) for records in polled.values() for r in records]

    def ready(self) -> bool:
        """Joined the group and got partitions (a join takes seconds; idle time counts only after it)."""
        return bool(self.consumer.assignment())

    def commit(self) -> None:
        self.consumer.commit()

    def close(self) -> None:
        self.consumer.close()


class EmbeddedSource:
    """The topic on newswire's embedded log (a SQLite file shared with `newswire run`)."""

    def __init__(self, path: str, group: str) -> None:
        from newswire.core.log import SqliteLog

        self.log = SqliteLog(path)
        self.consumer = self.log.consumer(group, [TOPIC])

    def poll(self) -> list[Message]:
        return [Message(r.partition, r.offset, r.value) for r in self.consumer.poll(max_records=500, timeout=0.5)]

    def ready(self) -> bool:
        return bool(self.consumer.assignment())

    def commit(self) -> None:
        self.consumer.commit()

    def close(self) -> None:
        self.consumer.close()
        self.log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--kafka", metavar="HOST:PORT", help="bootstrap servers of the Kafka cluster")
    where.add_argument("--log", metavar="PATH", help="newswire's embedded log file (log.db in its data home)")
    parser.add_argument("--view", type=Path, default=Path("control_view.db"), help="the view's SQLite file")
    parser.add_argument("--group", default=GROUP, help="consumer group (its committed offsets are the resume point)")
    parser.add_argument("--idle-exit", type=float, default=None, metavar="SECONDS",
                        help="exit after this long without a record (default: run until Ctrl-C / SIGTERM)")
    args = parser.parse_args(argv)

    view = ControlView(args.view, load_validators())
    source = KafkaSource(args.kafka, args.group) if args.kafka else EmbeddedSource(args.log, args.group)
    stopping = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stopping.update(now=True))
    seen, last = 0, time.monotonic()
    try:
        while not stopping["now"]:
            batch = source.poll()
            if batch:
                view.apply_batch(batch)
                source.commit()  # after the view is saved: a crash in between redelivers, never loses
                seen += len(batch)
                last = time.monotonic()
            elif not source.ready():
                last = time.monotonic()
            elif args.idle_exit is not None and time.monotonic() - last >= args.idle_exit:
                break
    except KeyboardInterrupt:
        pass
    finally:
        source.close()
    print(f"{seen} record(s) read, {view.rejected} skipped; the view:")
    for place_id, name, controller, since in view.rows():
        print(f"  {name} ({place_id}): {controller or 'withdrawn'} since {since or '?'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
