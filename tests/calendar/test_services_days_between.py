"""services.days_between: the days behind GET /api/v1/calendar/days/."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hotline.calendar import services
from hotline.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def test_days_across_the_last_official_year_end() -> None:
    days = services.days_between(start=date(2026, 12, 30), end=date(2027, 1, 4))

    assert [d.date for d in days] == [date(2026, 12, 30) + timedelta(days=i) for i in range(6)]
    official, computed = days[0], days[2]
    assert (official.provisional, official.source) == (False, "chinesecalendar")
    assert computed == services.DayInfo(date(2027, 1, 1), False, "元旦", True, "statutory")
    assert [d.is_working for d in days[3:]] == [False, False, True]  # Sat, Sun, Mon


def test_official_notes_are_returned() -> None:
    (day,) = services.days_between(start=date(2025, 9, 28), end=date(2025, 9, 28))
    assert (day.is_working, day.note, day.provisional) == (True, "国庆节调休上班", False)


def test_a_whole_leap_year_is_allowed() -> None:
    assert len(services.days_between(start=date(2024, 1, 1), end=date(2024, 12, 31))) == 366


def test_more_than_366_days_is_refused() -> None:
    with pytest.raises(InvalidInput, match="不能超过 366 天"):
        services.days_between(start=date(2024, 1, 1), end=date(2025, 1, 1))


def test_an_inverted_range_is_refused() -> None:
    with pytest.raises(InvalidInput, match="不能早于"):
        services.days_between(start=date(2025, 1, 2), end=date(2025, 1, 1))


def test_years_outside_the_supported_range_are_refused() -> None:
    with pytest.raises(InvalidInput, match="只支持"):
        services.days_between(start=date(2100, 1, 1), end=date(2100, 1, 2))
