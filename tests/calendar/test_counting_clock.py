"""counting.deadline with clock units (hours, minutes) and its argument checks."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.calendar.counting import UNITS, deadline
from tests.calendar.cc import TZ, cc_calendar, local, starts


@given(start=starts(), n=st.integers(min_value=0, max_value=10_000))
def test_hours_are_clock_hours(start: datetime, n: int) -> None:
    result = deadline(cc_calendar(), start, n, "hours")
    assert result.due_at - start == timedelta(hours=n)
    assert result.due_at.tzinfo == TZ
    assert result.provisional is False


@given(start=starts(), n=st.integers(min_value=0, max_value=100_000))
def test_minutes_are_clock_minutes(start: datetime, n: int) -> None:
    assert deadline(cc_calendar(), start, n, "minutes").due_at - start == timedelta(minutes=n)


def test_hours_ignore_holidays() -> None:
    assert deadline(cc_calendar(), local(2025, 9, 30, 23), 2, "hours").due_at == local(2025, 10, 1, 1)


@pytest.mark.parametrize("unit", UNITS)
def test_negative_amount_is_refused(unit: str) -> None:
    with pytest.raises(ValueError, match="负数"):
        deadline(cc_calendar(), local(2025, 9, 30, 10), -1, unit)


def test_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="未知的时限单位"):
        deadline(cc_calendar(), local(2025, 9, 30, 10), 1, "fortnights")


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="时区"):
        deadline(cc_calendar(), datetime(2025, 9, 30, 10), 1, "working_days")
