"""Time expressions: find them in a sentence and resolve them against the publication date.

Fast regular expressions on the hot path (dateparser is far slower and does not
know our precision rules). The precision is what the text supports
(``../shared/eval/GOLD.md``):

- a weekday, "yesterday", "today", "December 6", "6 December 2024": a day;
  "on Friday" is the most recent Friday on or before publication for a past
  event, the next one on or after it for a scheduled one;
- "last week", "this weekend", "in April", "August 2013", "N weeks ago": a month;
- "in 2018", "since 2012", "last year", "two years ago", "earlier this year": a year;
- "five days after ..." is relative to another event's date (:class:`Offset`).

FA-KES text has commas and apostrophes stripped ("earlier year", "two year ago"):
the patterns tolerate both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from newswire.core.models import OccurredOn, Precision

__all__ = ["DateMention", "Offset", "find_dates", "find_offsets", "shift", "is_historical", "period_end",
           "number", "HISTORICAL_AFTER_DAYS"]

# An event whose period ended more than this long before publication is background
# history ("returned to regime control in 2018" in a 2024 article), not news.
HISTORICAL_AFTER_DAYS = 180

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": 0, "few": 0}

_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?P<weekday>" + "|".join(_WEEKDAYS) + r")"
_NUM = r"(?P<num>\d{1,2}|" + "|".join(k for k in _NUMBERS if _NUMBERS[k]) + r")"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"

# Ordered: the first pattern that claims a stretch of text wins.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [(name, re.compile(rx, re.IGNORECASE)) for name, rx in [
    ("dmy", rf"\b{_DAY}\s+{_MONTH}\s*,?\s+{_YEAR}\b"),
    ("mdy", rf"\b{_MONTH}\s+{_DAY}\s*,?\s+{_YEAR}\b"),
    ("my", rf"\b{_MONTH}\s+(?:of\s+)?{_YEAR}\b"),
    ("dm", rf"\b{_DAY}\s+{_MONTH}(?![a-z])"),
    ("md", rf"\b{_MONTH}\s+{_DAY}\b(?!\s*(?:km|kilomet|mile|percent|%|people|\d))"),
    ("ago", rf"\b{_NUM}\s+(?P<unit>day|week|month|year)s?\s+ago\b"),
    ("relweek", r"\b(?P<which>late\s+last|early\s+last|last|this|next|earlier\s+this|later\s+this)\s+"
                r"(?P<unit>weekend|week|month|year)\b"),
    ("earlier_year", r"\bearlier\s+(?:in\s+)?(?:the\s+)?year\b"),
    ("year", rf"\b(?P<prep>in|since|during|by|until|from|of|early|late|mid-?|around|before|after)\s+"
             rf"(?:the\s+)?(?:(?:summer|winter|spring|autumn|fall|beginning|end|start|middle|first half|"
             rf"second half)\s+of\s+)?{_YEAR}\b(?!\s*(?:km|people))"),
    ("mid_year", rf"\b(?:(?:in|since|during|by|until|from|of)\s+)?(?:early|late|mid)-{_YEAR}\b"),
    ("in_month", rf"\b(?:in|since|during|early|late|mid-?|by|until|of|last)\s+(?:early\s+|late\s+|mid-?)?{_MONTH}"
                 rf"(?![a-z])(?!\s+(?:[0-3]?\d\b|of\s+(?:19|20)\d{{2}}))"),
    ("weekday", rf"\b{_WEEKDAY}\b"),
    ("yesterday", r"\b(?P<rel>yesterday|today|tonight|this\s+morning|this\s+afternoon|this\s+evening|"
                  r"last\s+night)\b"),
]]

# Words around a weekday that belong to the expression ("early on Sunday", "Friday evening").
_WEEKDAY_LEFT = re.compile(r"(?:\b(?:early|late|earlier|later)\s+)?(?:\bon\s+)?(?:\blast\s+)?$", re.IGNORECASE)
_WEEKDAY_RIGHT = re.compile(r"^\s+(?:morning|afternoon|evening|night)\b", re.IGNORECASE)

_OFFSET = re.compile(
    rf"\b(?P<num>\d{{1,2}}|{'|'.join(k for k in _NUMBERS if _NUMBERS[k])})\s+(?P<unit>day|week)s?\s+"
    r"(?P<dir>after|before|later|earlier)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DateMention:
    """A time expression at ``start:end`` of the text it was found in, resolved."""

    start: int
    end: int
    text: str
    occurred: OccurredOn
    explicit_year: bool = True


@dataclass(frozen=True, slots=True)
class Offset:
    """'five days after': an event dated relative to another one (``days`` signed)."""

    start: int
    end: int
    text: str
    days: int


def number(word: str) -> int:
    """A count written in digits or words ("3", "three"); 0 for none."""
    return int(word) if word.isdigit() else _NUMBERS.get(word.lower(), 0)


def _on(d: date, text: str) -> OccurredOn:
    return OccurredOn(date=d.isoformat(), precision=Precision.DAY, text=text)


def _month(year: int, month: int, text: str) -> OccurredOn:
    return OccurredOn(date=f"{year:04d}-{month:02d}", precision=Precision.MONTH, text=text)


def _year(year: int, text: str) -> OccurredOn:
    return OccurredOn(date=f"{year:04d}", precision=Precision.YEAR, text=text)


def _infer_year(month: int, day: int, published: date, future: bool) -> int:
    """The year that puts month/day on the right side of publication."""
    if future:
        return published.year if (month, day) >= (published.month, published.day) else published.year + 1
    return published.year if (month, day) <= (published.month, published.day) else published.year - 1


def _months_back(d: date, n: int) -> tuple[int, int]:
    total = d.year * 12 + d.month - 1 - n
    return total // 12, total % 12 + 1


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve(kind: str, m: re.Match[str], published: date, future: bool) -> tuple[OccurredOn, bool] | None:
    text = m.group(0)
    g = m.groupdict()
    if kind in ("dmy", "mdy"):
        d = _safe_date(int(g["year"]), _MONTHS[g["month"].lower()], int(g["day"]))
        return (_on(d, text), True) if d else None
    if kind == "my":
        return _month(int(g["year"]), _MONTHS[g["month"].lower()], text), True
    if kind in ("dm", "md"):
        month, day = _MONTHS[g["month"].lower()], int(g["day"])
        if not 1 <= day <= 31:
            return None
        d = _safe_date(_infer_year(month, day, published, future), month, day)
        return (_on(d, text), False) if d else None
    if kind == "ago":
        n, unit = number(g["num"]), g["unit"].lower()
        if unit == "day":
            return _on(published - timedelta(days=n), text), False
        if unit == "week":
            d = published - timedelta(weeks=n)
            return _month(d.year, d.month, text), False
        if unit == "month":
            return _month(*_months_back(published, n), text), False
        return _year(published.year - n, text), False
    if kind == "relweek":
        which, unit = " ".join(g["which"].lower().split()), g["unit"].lower()
        step = -1 if which.endswith("last") else (1 if which == "next" else 0)
        if unit in ("week", "weekend"):
            d = published + timedelta(weeks=step)
            return _month(d.year, d.month, text), False
        if unit == "month":
            return _month(*_months_back(published, -step), text), False
        return _year(published.year + step, text), False
    if kind == "earlier_year":
        return _year(published.year, text), False
    if kind in ("year", "mid_year"):
        return _year(int(g["year"]), text), True
    if kind == "in_month":
        month = _MONTHS[g["month"].lower()]
        if g["month"].lower() == "may" and not text.lower().startswith(("in ", "since ", "during ", "early ",
                                                                          "late ", "mid", "last ")):
            return None  # "of may" / "by may" are too often the verb
        year = _infer_year(month, 1 if not future else 28, published, future)
        return _month(year, month, text), False
    if kind == "weekday":
        wd = _WEEKDAYS[g["weekday"].lower()]
        delta = (wd - published.weekday()) % 7 if future else -((published.weekday() - wd) % 7)
        return _on(published + timedelta(days=delta), text), False
    if kind == "yesterday":
        rel = " ".join(g["rel"].lower().split())
        d = published - timedelta(days=1) if rel in ("yesterday", "last night") else published
        return _on(d, text), False
    return None


def find_dates(text: str, published: date, *, future: bool = False) -> list[DateMention]:
    """Every time expression in ``text``, resolved against ``published``, in text order.

    ``future`` resolves bare weekdays and dates forwards (scheduled events).
    """
    claimed: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for kind, rx in _PATTERNS:
        for m in rx.finditer(text):
            start, end = m.span()
            if any(s < end and start < e for s, e in claimed):
                continue
            resolved = _resolve(kind, m, published, future)
            if resolved is None:
                continue
            occurred, explicit = resolved
            if kind == "weekday":
                left = _WEEKDAY_LEFT.search(text, 0, start)
                if left is not None and left.start() < start:
                    start = left.start()
                right = _WEEKDAY_RIGHT.match(text[end:])
                if right is not None:
                    end += right.end()
                if re.search(r"\blast\s+$", text[start:m.start()], re.IGNORECASE) and not future \
                        and occurred.date == published.isoformat():
                    # "last Friday" in a Friday article is a week ago, not today
                    occurred = _on(published - timedelta(days=7), text)
                occurred = occurred.model_copy(update={"text": text[start:end].strip()})
            claimed.append((start, end))
            found.append(DateMention(start, end, text[start:end], occurred, explicit))
    found.sort(key=lambda d: d.start)
    return found


def find_offsets(text: str) -> list[Offset]:
    """'five days after', 'two weeks later': offsets relative to another event's date."""
    out = []
    for m in _OFFSET.finditer(text):
        n = number(m.group("num")) * (7 if m.group("unit").lower() == "week" else 1)
        # "five days after they took X": X (the clause that follows) is five days *before* the anchor;
        # "returned three weeks later, recapturing X": X is three weeks *after* it.
        sign = {"after": -1, "before": 1, "later": 1, "earlier": -1}[m.group("dir").lower()]
        out.append(Offset(m.start(), m.end(), m.group(0), sign * n))
    return out


def shift(anchor: OccurredOn, days: int, text: str) -> OccurredOn:
    """``anchor`` moved by ``days``, keeping its precision (a month stays a month)."""
    if anchor.precision is not Precision.DAY:
        return anchor.model_copy(update={"text": text})
    d = date.fromisoformat(anchor.date) + timedelta(days=days)
    return _on(d, text)


def period_end(occurred: OccurredOn) -> date:
    """The last day of the period a date names (a year ends on 31 December)."""
    parts = [int(p) for p in occurred.date.split("-")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 2:
        y, m = parts
        return date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)
    return date(parts[0], 12, 31)


def is_historical(occurred: OccurredOn | None, published: date) -> bool:
    """Background history: the period ended well before publication."""
    return occurred is not None and (published - period_end(occurred)).days > HISTORICAL_AFTER_DAYS
