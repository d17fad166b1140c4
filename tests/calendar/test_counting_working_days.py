"""counting.deadline with unit working_days, against chinesecalendar."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hotline.calendar.counting import deadline
from tests.calendar.cc import CLOSE, PROPERTY, TZ, cc_calendar, is_workday, local, starts


@PROPERTY
@given(start=starts(), n=st.integers(min_value=1, max_value=60))
def test_n_working_days_end_at_close_of_the_nth_working_day_after_the_start_day(
    start: datetime, n: int
) -> None:
    # given a start and N >= 1
    # when
    result = deadline(cc_calendar(), start, n, "working_days")
    # then
    due = result.due_at
    assert due.tzinfo == TZ
    assert due.time() == CLOSE
    assert is_workday(due.date())
    start_day = start.astimezone(TZ).date()
    counted = sum(
        is_workday(start_day + timedelta(days=i)) for i in range(1, (due.date() - start_day).days + 1)
    )
    assert counted == n
    assert result.provisional is False


@PROPERTY
@given(start=starts())
def test_zero_working_days_is_the_close_of_the_same_or_next_working_day(start: datetime) -> None:
    result = deadline(cc_calendar(), start, 0, "working_days")

    start_local = start.astimezone(TZ)
    same_day_close = datetime.combine(start_local.date(), CLOSE, tzinfo=TZ)
    if is_workday(start_local.date()) and start_local < same_day_close:
        assert result.due_at == same_day_close
    else:
        nxt = start_local.date() + timedelta(days=1)
        while not is_workday(nxt):
            nxt += timedelta(days=1)
        assert result.due_at == datetime.combine(nxt, CLOSE, tzinfo=TZ)


def test_national_day_2025_one_working_day_from_the_eve_is_october_9() -> None:
    # given 2025-09-30 (Tuesday) 10:00, the holiday 10-01..10-08 ahead
    # when / then
    assert deadline(cc_calendar(), local(2025, 9, 30, 10), 1, "working_days").due_at == local(
        2025, 10, 9, 17, 30
    )


def test_makeup_sunday_counts_as_a_working_day() -> None:
    # given Saturday 2025-09-27; Sunday 2025-09-28 was 国庆节调休上班
    assert deadline(cc_calendar(), local(2025, 9, 27, 10), 1, "working_days").due_at == local(
        2025, 9, 28, 17, 30
    )
    # and Friday 2025-09-26 + 3 working days: 09-28, 09-29, 09-30
    assert deadline(cc_calendar(), local(2025, 9, 26, 16), 3, "working_days").due_at == local(
        2025, 9, 30, 17, 30
    )


def test_makeup_saturday_after_national_day_2025() -> None:
    # given 2025-10-09 (Thursday); 10-11 (Saturday) was a makeup working day
    assert deadline(cc_calendar(), local(2025, 10, 9, 9), 2, "working_days").due_at == local(
        2025, 10, 11, 17, 30
    )


def test_spring_festival_2025() -> None:
    # given the holiday 01-28..02-04 with makeup days 01-26 (Sunday) and 02-08 (Saturday)
    cal = cc_calendar()
    assert deadline(cal, local(2025, 1, 24, 9), 1, "working_days").due_at == local(2025, 1, 26, 17, 30)
    assert deadline(cal, local(2025, 1, 27, 9), 1, "working_days").due_at == local(2025, 2, 5, 17, 30)
    assert deadline(cal, local(2025, 2, 7, 9), 1, "working_days").due_at == local(2025, 2, 8, 17, 30)


def test_start_day_is_not_counted_whatever_the_hour() -> None:
    cal = cc_calendar()
    early = deadline(cal, local(2025, 9, 30, 0, 1), 1, "working_days").due_at
    late = deadline(cal, local(2025, 9, 30, 23, 59), 1, "working_days").due_at
    assert early == late == local(2025, 10, 9, 17, 30)


def test_zero_working_days_before_and_at_the_close() -> None:
    cal = cc_calendar()
    assert deadline(cal, local(2025, 9, 30, 17, 29), 0, "working_days").due_at == local(2025, 9, 30, 17, 30)
    assert deadline(cal, local(2025, 9, 30, 17, 30), 0, "working_days").due_at == local(2025, 10, 9, 17, 30)
    assert deadline(cal, local(2025, 10, 3, 10), 0, "working_days").due_at == local(2025, 10, 9, 17, 30)


def test_sixty_working_days_walks_days_not_minutes() -> None:
    import time

    began = time.perf_counter()
    for _ in range(200):
        deadline(cc_calendar(), local(2025, 1, 2, 10), 60, "working_days")
    assert time.perf_counter() - began < 1.0
