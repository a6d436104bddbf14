"""How many events' places have no coordinates, and why (the reasons the API gives).

    .venv/bin/newswire extract --input ../shared/corpus/fakes.jsonl --output /tmp/fakes-events.jsonl
    .venv/bin/python tools/coordinates.py /tmp/fakes-events.jsonl

Per event type: the places (a control event's place, a crossing, a meeting's
location) without coordinates, out of all, then the misses grouped by
``newswire.api.formats.locate``'s reason and the place's kind.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from newswire.api.formats import locate

_PLACE = {"control.changed": "place", "forces.withdrew": "place", "crossing.status_changed": "crossing",
          "diplomacy.meeting": "location"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("events", type=Path, nargs="+", help="JSON Lines of events (newswire extract --output)")
    args = ap.parse_args()
    for path in args.events:
        total: Counter[str] = Counter()
        missing: Counter[str] = Counter()
        why: Counter[tuple[str, str, str]] = Counter()
        for line in path.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            place = event["data"].get(_PLACE[event["type"]])
            if place is None:
                continue
            total[event["type"]] += 1
            row = {"place_id": place["id"], "lat": place.get("lat"), "lon": place.get("lon")}
            geometry, reason = locate("control", row)
            if geometry is None:
                missing[event["type"]] += 1
                why[(event["type"], str(reason), place["kind"])] += 1
        print(path)
        for kind, n in total.most_common():
            print(f"  {kind}: {missing[kind]} of {n} without coordinates")
        for (kind, reason, place_kind), n in why.most_common():
            print(f"    {n:4d}  {kind}  {place_kind:<9} {reason}")


if __name__ == "__main__":
    main()
