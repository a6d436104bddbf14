"""Hand-built events for tests, benchmarks and demos (no extractor needed).

Ids are deterministic the way the extractor's are: a hash of the article and
the event's key fields, so building the same event twice gives the same id.
"""

from __future__ import annotations

import bisect
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from newswire.core.models import (
    Actor,
    ControlChanged,
    ControlChangedData,
    CrossingStatusChanged,
    CrossingStatusChangedData,
    DiplomacyMeeting,
    DiplomacyMeetingData,
    Event,
    Evidence,
    Extent,
    ForcesWithdrew,
    ForcesWithdrewData,
    Modality,
    OccurredOn,
    Place,
    Source,
    stable_id,
)

__all__ = ["ACTORS", "Art", "actor", "article", "control", "crossing", "meeting", "place", "stream", "withdrew"]

ACTORS: dict[str, Actor] = {
    "opposition": Actor(id="newswire:opposition", name="opposition forces", side="opposition"),
    "factions": Actor(id="newswire:local-factions", name="local factions", side="opposition"),
    "hts": Actor(id="newswire:hts", name="Hayat Tahrir al-Sham", side="opposition"),
    "government": Actor(id="newswire:syrian-government", name="government forces", side="government"),
    "sdf": Actor(id="newswire:sdf", name="Kurdish-led forces", side="kurdish-led"),
    "jordan": Actor(id="iso:JO", name="Jordan", side="Jordan", country="JO"),
    "turkey": Actor(id="iso:TR", name="Turkey", country="TR"),
    "russia": Actor(id="iso:RU", name="Russia", country="RU"),
    "iran": Actor(id="iso:IR", name="Iran", country="IR"),
    "syria": Actor(id="iso:SY", name="Syria", country="SY"),
    "iraq": Actor(id="iso:IQ", name="Iraq", country="IQ"),
}


def actor(name: str) -> Actor:
    return ACTORS[name]


def place(name: str, kind: str = "city", country: str | None = "SY", *, lat: float | None = None,
          lon: float | None = None) -> Place:
    return Place(id=f"test:{name.lower().replace(' ', '-')}", name=name, kind=kind, country=country,  # type: ignore[arg-type]
                 lat=lat, lon=lon)


@dataclass(frozen=True)
class Art:
    """A made-up article: its :class:`Source` and publication time."""

    source: Source
    published: datetime


def article(outlet: str, published: str, *, n: int = 0, story_id: str | None = None) -> Art:
    """A made-up article of ``outlet`` published at noon UTC on ``published`` (YYYY-MM-DD)."""
    aid = stable_id("article", outlet, published, n)
    source = Source(article_id=aid, url=f"https://{outlet}.example/{aid}", outlet=outlet, title=f"{outlet} {n}",
                    story_id=story_id)
    return Art(source, datetime.combine(date.fromisoformat(published), time(12), UTC))


def _envelope(art: Art, on: str | None, sentence: str, modality: Modality, confidence: float,
              attribution: str | None, words: str | None = None, inferred: bool = False) -> dict[str, object]:
    """``words``: the text the date came from ("on Friday"); the date itself when not given.

    ``inferred``: ``on`` was inferred from the publication date, as the extractor marks it (no words).
    """
    precision = {10: "day", 7: "month", 4: "year"}[len(on)] if on else "day"
    text = None if inferred else words or on
    return dict(
        occurred_on=OccurredOn(date=on, precision=precision, text=text) if on else None,  # type: ignore[arg-type]
        reported_at=art.published, source=art.source,
        evidence=Evidence(sentence=sentence, start=0, end=len(sentence)),
        attribution=attribution, modality=modality, confidence=confidence, rule="synthetic")


def _art(src: Art | tuple[str, str], story_id: str | None = None) -> Art:
    if isinstance(src, Art):
        return src
    return article(src[0], src[1], story_id=story_id)


def control(src: Art | tuple[str, str], where: Place, who: Actor, on: str | None, *,
            modality: Modality = Modality.ASSERTED, confidence: float = 0.8, extent: str | None = None,
            attribution: str | None = None, story_id: str | None = None, words: str | None = None,
            inferred: bool = False) -> ControlChanged:
    art = _art(src, story_id)
    return ControlChanged(
        event_id=ControlChanged.make_id(art.source.article_id, where.id, who.id, on),
        data=ControlChangedData(place=where, controller=who, extent=Extent(text=extent) if extent else None),
        **_envelope(art, on, f"{who.name} took control of {where.name}.", modality, confidence, attribution,
                    words, inferred))


def withdrew(src: Art | tuple[str, str], where: Place, who: Actor, on: str | None) -> ForcesWithdrew:
    art = _art(src)
    return ForcesWithdrew(
        event_id=ForcesWithdrew.make_id(art.source.article_id, where.id, who.id, on),
        data=ForcesWithdrewData(place=where, actor=who),
        **_envelope(art, on, f"{who.name} pulled out of {where.name}.", Modality.ASSERTED, 0.7, None))


def crossing(src: Art | tuple[str, str], where: Place, status: str, who: Actor | None, on: str | None,
             side: str | None = None) -> CrossingStatusChanged:
    art = _art(src)
    return CrossingStatusChanged(
        event_id=CrossingStatusChanged.make_id(art.source.article_id, where.id, status, who.id if who else None),
        data=CrossingStatusChangedData(crossing=where, status=status, actor=who, side=side),  # type: ignore[arg-type]
        **_envelope(art, on, f"The {where.name} crossing was {status}.", Modality.ASSERTED, 0.8, None))


def meeting(src: Art | tuple[str, str], who: list[Actor], where: Place | None, status: str, on: str | None,
            framework: str | None = None) -> DiplomacyMeeting:
    art = _art(src)
    meeting_id = stable_id(on, where.id if where else None, *sorted(a.id for a in who))
    modality = Modality.SCHEDULED if status == "scheduled" else Modality.ASSERTED
    return DiplomacyMeeting(
        event_id=DiplomacyMeeting.make_id(art.source.article_id, meeting_id),
        data=DiplomacyMeetingData(meeting_id=meeting_id, participants=who, location=where, status=status,  # type: ignore[arg-type]
                                  framework=framework),
        **_envelope(art, on, "Officials met.", modality, 0.7, None))


def stream(n: int, *, places: int = 500, outlets: int = 20, seed: int = 7,
           start: date = date(2024, 11, 1), days: int = 60) -> Iterator[Event]:
    """``n`` plausible events: control changes over ``places`` places, some crossings and meetings.

    Dates wander over ``days`` days, sides alternate, outlets repeat: a mix of
    corroborations, transitions, contested claims and re-deliveries.
    """
    rng = random.Random(seed)
    sides = [ACTORS["opposition"], ACTORS["government"], ACTORS["sdf"], ACTORS["factions"]]
    states = [ACTORS[k] for k in ("turkey", "russia", "iran", "syria", "iraq", "jordan")] + [
        Actor(id=f"iso:X{i}", name=f"State {i}", country=f"X{i}") for i in range(6)]
    towns = [place(f"Town {i}") for i in range(places)]
    crossings_ = [place(f"Crossing {i}", "crossing") for i in range(max(1, places // 50))]
    cities = [place(f"Capital {i}", "city", f"X{i % 6}") for i in range(20)]
    # Over more than 60 days, each subject is in the news for 60 of them (a window of its own), as
    # places are, and the stream runs through the days in order, as a service receives the news: the
    # history then grows in time without piling every report of a place together, and the subjects
    # in the news on any day are about as many whatever the length of the history.
    spread = max(0, days - 60)

    def shift(subject: str) -> int:
        return zlib.crc32(subject.encode()) % (spread + 1) if spread else 0

    def by_first_day(group: list[Place]) -> tuple[list[int], list[Place]]:
        ordered = sorted(group, key=lambda p: shift(p.id))
        return [shift(p.id) for p in ordered], ordered

    towns_from, crossings_from = by_first_day(towns), by_first_day(crossings_)

    def choose(group: list[Place], by_first: tuple[list[int], list[Place]], today: int) -> Place:
        """A subject of ``group`` in the news ``today``: its 60 days began at most 59 days ago."""
        if not spread:
            return rng.choice(group)
        firsts, ordered = by_first
        lo, hi = bisect.bisect_left(firsts, today - 59), bisect.bisect_right(firsts, today)
        return ordered[rng.randrange(lo, hi)] if hi > lo else ordered[min(lo, len(ordered) - 1)]

    for i in range(n):
        today = i * days // n  # the day the stream has reached (only read over more than 60 days)
        base = rng.randrange(60)
        lag = rng.randrange(3)
        outlet = f"outlet{rng.randrange(outlets)}"
        dated = rng.random() < 0.8
        kind = rng.random()

        def when() -> tuple[Art, str | None, date]:
            day = start + timedelta(days=today if spread else base)
            return article(outlet, (day + timedelta(days=lag)).isoformat(), n=i), (
                day.isoformat() if dated else None), day

        if kind < 0.85:
            town = choose(towns, towns_from, today)
            art, on, _ = when()
            yield control(art, town, rng.choice(sides), on, confidence=round(rng.uniform(0.5, 0.95), 2))
        elif kind < 0.9:
            town = choose(towns, towns_from, today)
            art, on, _ = when()
            yield withdrew(art, town, ACTORS["government"], on)
        elif kind < 0.96:
            status = rng.choice(["seized", "closed", "opened"])
            who = ACTORS["jordan"] if status != "seized" else rng.choice(sides)
            where = choose(crossings_, crossings_from, today)
            art, on, _ = when()
            yield crossing(art, where, status, who, on)
        else:
            who = rng.sample(states, 3)
            art, _, day = when()  # a meeting is always dated (the day it is in the news)
            yield meeting(art, who, rng.choice(cities), rng.choice(["held", "scheduled"]), day.isoformat())
