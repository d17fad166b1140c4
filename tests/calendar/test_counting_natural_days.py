"""counting.deadline with unit natural_days (民法典 arts. 201–203, 遇节假日顺延)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hotline.calendar.counting import deadline
from tests.calendar.cc import CLOSE, PROPERTY, TZ, cc_calendar, is_workday, local, starts


@PROPERTY
@given(start=starts(), n=st.integers(min_value=0, max_value=150))
def test_natural_days_end_at_24_00_or_roll_over_to_the_next_working_days_close(
    start: datetime, n: int
) -> None:
    # when
    due = deadline(cc_calendar(), start, n, "natural_days").due_at
    # then
    assert due.tzinfo == TZ
    last_day = start.astimezone(TZ).date() + timedelta(days=n)
    if is_workday(last_day):
        assert due == datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=TZ)
    else:
        assert due.time() == CLOSE
        assert is_workday(due.date())
        assert due.date() > last_day
        assert not any(is_workday(last_day + timedelta(days=i)) for i in range((due.date() - last_day).days))


def test_last_day_on_a_working_day_ends_at_midnight() -> None:
    # 09-23 + 5 = 09-28, a makeup Sunday (working): ends 24:00 that day
    assert deadline(cc_calendar(), local(2025, 9, 23, 15), 5, "natural_days").due_at == local(2025, 9, 29)


def test_last_day_in_national_day_rolls_over_to_october_9() -> None:
    # 09-26 + 5 = 10-01, a holiday: the period ends at the close of 10-09
    assert deadline(cc_calendar(), local(2025, 9, 26, 15), 5, "natural_days").due_at == local(
        2025, 10, 9, 17, 30
    )


def test_last_day_in_spring_festival_rolls_over() -> None:
    # 01-20 + 8 = 01-28 (除夕), holiday to 02-04
    assert deadline(cc_calendar(), local(2025, 1, 20, 9), 8, "natural_days").due_at == local(
        2025, 2, 5, 17, 30
    )


def test_zero_natural_days_ends_at_midnight_of_the_start_day() -> None:
    assert deadline(cc_calendar(), local(2025, 9, 30, 9), 0, "natural_days").due_at == local(2025, 10, 1)
