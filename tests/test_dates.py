"""Time expressions resolved against the publication date, at the precision the text gives."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newswire.core.models import OccurredOn, Precision
from newswire.extractor import dates
from newswire.extractor.dates import find_dates, find_offsets, is_historical, period_end, shift

FRIDAY = date(2024, 12, 6)  # a Friday


def one(text: str, published: date = FRIDAY, future: bool = False) -> tuple[str, str, str]:
    [d] = find_dates(text, published, future=future)
    return d.occurred.date, d.occurred.precision.value, d.text


@pytest.mark.parametrize("text, expected", [
    ("on Friday", ("2024-12-06", "day", "on Friday")),  # the publication day itself
    ("early on Sunday", ("2024-12-01", "day", "early on Sunday")),
    ("Thursday", ("2024-12-05", "day", "Thursday")),
    ("On Friday evening", ("2024-12-06", "day", "On Friday evening")),
    ("yesterday", ("2024-12-05", "day", "yesterday")),
    ("December 6", ("2024-12-06", "day", "December 6")),
    ("6 December 2024", ("2024-12-06", "day", "6 December 2024")),
    ("on 22 May 2015", ("2015-05-22", "day", "22 May 2015")),
    ("on January 26", ("2024-01-26", "day", "January 26")),
    ("in April", ("2024-04", "month", "in April")),
    ("in August of 2013", ("2013-08", "month", "August of 2013")),
    ("last week", ("2024-11", "month", "last week")),
    ("this weekend", ("2024-12", "month", "this weekend")),
    ("in 2018", ("2018", "year", "in 2018")),
    ("since 2012", ("2012", "year", "since 2012")),
    ("in the summer of 2012", ("2012", "year", "in the summer of 2012")),
    ("two years ago", ("2022", "year", "two years ago")),
    ("two year ago", ("2022", "year", "two year ago")),  # FA-KES lost the plural
    ("earlier year", ("2024", "year", "earlier year")),  # FA-KES lost "this"
    ("last year", ("2023", "year", "last year")),
    ("since mid-2012", ("2012", "year", "since mid-2012")),
    ("last Friday", ("2024-11-29", "day", "last Friday")),  # in a Friday article: a week ago
    ("last Tuesday", ("2024-12-03", "day", "last Tuesday")),
    ("earlier this week", ("2024-12", "month", "earlier this week")),
])
def test_expressions_resolve_at_their_precision(text: str, expected: tuple[str, str, str]) -> None:
    assert one(text) == expected


def test_past_dates_never_land_after_publication() -> None:
    assert one("on December 20") == ("2023-12-20", "day", "December 20")
    assert one("in December") == ("2024-12", "month", "in December")


def test_scheduled_events_resolve_forwards() -> None:
    assert one("on Saturday", future=True)[0] == "2024-12-07"
    assert one("on Friday", future=True)[0] == "2024-12-06"
    assert one("on Thursday", future=True)[0] == "2024-12-12"


def test_numbers_and_distances_are_not_dates() -> None:
    assert find_dates("about 100km (60 miles) north of Damascus", FRIDAY) == []
    assert find_dates("the army may retake it", FRIDAY) == []


def test_several_expressions_come_in_text_order() -> None:
    found = find_dates("On Sunday they recaptured the town which the army took in April 2016.", date(2017, 10, 2))
    assert [d.occurred.date for d in found] == ["2017-10-01", "2016-04"]


def test_offsets_relative_to_another_event() -> None:
    [after] = find_offsets("Hama fell on Thursday, five days after they took Aleppo.")
    anchor = OccurredOn(date="2024-12-05", precision=Precision.DAY, text="on Thursday")
    assert after.days == -5 and shift(anchor, after.days, after.text).date == "2024-11-30"
    [later] = find_offsets("the army returned three weeks later, recapturing the city")
    assert later.days == 21


def test_shift_keeps_a_coarse_precision() -> None:
    month = OccurredOn(date="2014-12", precision=Precision.MONTH, text="in December")
    assert shift(month, -2, "two days after") == month.model_copy(update={"text": "two days after"})


def test_historical_means_well_before_publication() -> None:
    year = OccurredOn(date="2018", precision=Precision.YEAR, text="in 2018")
    assert period_end(year) == date(2018, 12, 31)
    assert is_historical(year, FRIDAY)
    same_year = OccurredOn(date="2014", precision=Precision.YEAR, text="earlier this year")
    assert not is_historical(same_year, date(2014, 10, 4))
    recent = OccurredOn(date="2024-11-30", precision=Precision.DAY, text=None)
    assert not is_historical(recent, FRIDAY) and not is_historical(None, FRIDAY)
    assert dates.HISTORICAL_AFTER_DAYS == 180


@given(st.text(max_size=300), st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)), st.booleans())
def test_find_dates_never_raises_and_always_gives_valid_dates(text: str, published: date, future: bool) -> None:
    for d in find_dates(text, published, future=future):
        assert text[d.start:d.end] == d.text
        OccurredOn.model_validate(d.occurred.model_dump())
