"""counting.deadline with units working_hours / working_minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hotline.calendar.counting import deadline
from tests.calendar.cc import (
    PERIODS,
    PROPERTY,
    TZ,
    cc_calendar,
    is_workday,
    local,
    starts,
    worked_independently,
)


def _inside_or_at_end_of_a_period(due: datetime, *, allow_period_start: bool) -> bool:
    t = due.time()
    return any((start <= t <= end) if allow_period_start else (start < t <= end) for start, end in PERIODS)


@PROPERTY
@given(start=starts(), n=st.integers(min_value=1, max_value=240))
def test_working_hours_count_exactly_n_hours_of_working_time(start: datetime, n: int) -> None:
    # when
    result = deadline(cc_calendar(), start, n, "working_hours")
    # then: N hours of working time between start and due, summed independently per day
    due = result.due_at
    assert due.tzinfo == TZ
    assert worked_independently(start, due) == timedelta(hours=n)
    # and due is inside a working period of a working day, or at its end (never a period start)
    assert is_workday(due.date())
    assert _inside_or_at_end_of_a_period(due, allow_period_start=False)


@PROPERTY
@given(start=starts(), n=st.integers(min_value=1, max_value=3000))
def test_working_minutes_count_exactly_n_minutes(start: datetime, n: int) -> None:
    due = deadline(cc_calendar(), start, n, "working_minutes").due_at
    assert worked_independently(start, due) == timedelta(minutes=n)
    assert _inside_or_at_end_of_a_period(due, allow_period_start=False)


@PROPERTY
@given(start=starts())
def test_zero_working_hours_is_the_start_or_the_next_period_start(start: datetime) -> None:
    due = deadline(cc_calendar(), start, 0, "working_hours").due_at
    assert due >= start
    assert worked_independently(start, due) == timedelta()
    assert is_workday(due.date())
    assert _inside_or_at_end_of_a_period(due, allow_period_start=True)


def test_counting_across_national_day_2025() -> None:
    cal = cc_calendar()
    # 16:00–17:30 on 09-30 is 1.5 h; the other 0.5 h on 10-09
    assert deadline(cal, local(2025, 9, 30, 16), 2, "working_hours").due_at == local(2025, 10, 9, 9, 0)


def test_the_end_of_a_period_is_a_valid_deadline() -> None:
    # given 10:00, two hours to the end of the morning period
    due = deadline(cc_calendar(), local(2025, 9, 30, 10), 2, "working_hours").due_at
    # then 12:00, not 13:30
    assert due == local(2025, 9, 30, 12, 0)


def test_a_start_in_the_lunch_break_begins_at_the_afternoon_period() -> None:
    cal = cc_calendar()
    assert deadline(cal, local(2025, 9, 30, 12, 30), 1, "working_hours").due_at == local(2025, 9, 30, 14, 30)
    assert deadline(cal, local(2025, 9, 30, 12, 30), 0, "working_hours").due_at == local(2025, 9, 30, 13, 30)


def test_a_start_on_a_holiday_begins_on_the_next_working_morning() -> None:
    due = deadline(cc_calendar(), local(2025, 10, 3, 10), 1, "working_hours").due_at
    assert due == local(2025, 10, 9, 9, 30)


def test_working_hours_walk_whole_days() -> None:
    import time

    began = time.perf_counter()
    for _ in range(200):
        deadline(cc_calendar(), local(2025, 1, 2, 10), 480, "working_hours")  # 60 working days
    assert time.perf_counter() - began < 1.0
