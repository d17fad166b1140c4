"""statutory: rest days of years without official data (全国年节及纪念日放假办法 art. 2)."""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from hotline.calendar import statutory
from hotline.calendar.counting import WorkCalendar, deadline
from tests.calendar.cc import PERIODS, TZ, is_workday, local


@pytest.mark.parametrize("year", range(2008, 2027))
def test_every_statutory_holiday_was_a_rest_day_in_the_official_schedule(year: int) -> None:
    # given the holidays the law fixes for the year (rules of the revision then in force)
    holidays = statutory.statutory_holidays(year)
    # then the official schedule made each of them a rest day
    assert [d for d in holidays if is_workday(d)] == []


@pytest.mark.parametrize("year", range(1901, 2100))
def test_qingming_formula_matches_the_solar_term(year: int) -> None:
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
    assert [d for d, name in terms if name == "清明"] == [statutory.qingming(year)]


def test_2027_under_the_2024_revision() -> None:
    holidays = statutory.statutory_holidays(2027)
    assert holidays == {
        date(2027, 1, 1): "元旦",
        date(2027, 2, 5): "春节",  # 除夕
        date(2027, 2, 6): "春节",  # 正月初一 (lunar new year)
        date(2027, 2, 7): "春节",
        date(2027, 2, 8): "春节",
        date(2027, 4, 5): "清明节",
        date(2027, 5, 1): "劳动节",
        date(2027, 5, 2): "劳动节",
        date(2027, 6, 9): "端午节",
        date(2027, 9, 15): "中秋节",
        date(2027, 10, 1): "国庆节",
        date(2027, 10, 2): "国庆节",
        date(2027, 10, 3): "国庆节",
    }


def test_two_festivals_on_one_day_share_it() -> None:
    assert statutory.statutory_holidays(2028)[date(2028, 10, 3)] == "国庆节、中秋节"


def test_weekends_rest_and_no_makeup_days() -> None:
    assert statutory.is_working_day(date(2027, 2, 4)) is True  # Thursday before 除夕
    assert statutory.is_working_day(date(2027, 2, 5)) is False  # 除夕
    assert statutory.is_working_day(date(2027, 2, 13)) is False  # a Saturday: no 调休 known
    assert statutory.note(date(2027, 2, 6)) == "春节"
    assert statutory.note(date(2027, 2, 4)) == ""


def test_a_deadline_in_2027_is_provisional_and_treats_spring_festival_as_rest() -> None:
    # given a calendar with official data up to 2026 only
    cal = WorkCalendar(days={}, official_years=frozenset(range(2004, 2027)), periods=PERIODS, tz=TZ)
    # when one working day is counted from Thursday 2027-02-04
    result = deadline(cal, local(2027, 2, 4, 10), 1, "working_days")
    # then 除夕 (Fri), the weekend and 初三 (Mon) are skipped, and the result is provisional
    assert result.due_at == local(2027, 2, 9, 17, 30)
    assert result.provisional is True


def test_a_deadline_inside_an_official_year_is_not_provisional() -> None:
    cal = WorkCalendar(days={}, official_years=frozenset({2027}), periods=PERIODS, tz=TZ)
    assert deadline(cal, local(2027, 3, 1, 10), 3, "working_days").provisional is False


def test_years_outside_the_supported_range_are_refused() -> None:
    with pytest.raises(ValueError, match="2100"):
        statutory.statutory_holidays(2100)
