"""counting.remaining: what is left when the clock stops, and resuming with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hotline.calendar.counting import deadline, remaining, working_time_between
from tests.calendar.cc import PROPERTY, cc_calendar, local, starts

CALENDAR_UNITS = ["working_days", "natural_days", "working_hours", "working_minutes", "hours", "minutes"]
AMOUNTS = {
    "working_days": 30,
    "natural_days": 60,
    "working_hours": 200,
    "working_minutes": 6000,
    "hours": 2000,
    "minutes": 60_000,
}


@st.composite
def suspensions(draw: st.DrawFn) -> tuple[datetime, int, str, datetime]:
    """A limit (start, amount, unit) and a minute-aligned suspension time before it is due."""
    unit = draw(st.sampled_from(CALENDAR_UNITS))
    start = draw(starts()).replace(second=0, microsecond=0)
    amount = draw(st.integers(min_value=0, max_value=AMOUNTS[unit]))
    due = deadline(cc_calendar(), start, amount, unit).due_at
    span_minutes = int((due - start).total_seconds() // 60)
    # elapsed time is added in UTC: wall-clock arithmetic across a DST gap (2004-04-04 02:00
    # America/New_York does not exist) can step backwards in real time
    elapsed = draw(st.integers(min_value=0, max_value=max(span_minutes, 0)))
    at = start.astimezone(UTC) + timedelta(minutes=elapsed)
    return start, amount, unit, at


@PROPERTY
@given(case=suspensions())
def test_resuming_at_once_gives_back_the_same_deadline(case: tuple[datetime, int, str, datetime]) -> None:
    # given a running limit suspended at `at` before it is due
    start, amount, unit, at = case
    cal = cc_calendar()
    due = deadline(cal, start, amount, unit).due_at
    assume(at < due)
    # when it is resumed at the same instant
    left = remaining(cal, at, due, unit)
    # then the deadline does not move
    assert left[0] >= 0
    assert deadline(cal, at, *left).due_at == due


@PROPERTY
@given(case=suspensions(), pause=st.integers(min_value=0, max_value=60 * 24 * 40))
def test_a_suspension_never_shortens_the_limit(case: tuple[datetime, int, str, datetime], pause: int) -> None:
    start, amount, unit, at = case
    cal = cc_calendar()
    due = deadline(cal, start, amount, unit).due_at
    assume(at < due)
    resumed = at.astimezone(UTC) + timedelta(minutes=pause)  # real elapsed time, not wall-clock
    new_due = deadline(cal, resumed, *remaining(cal, at, due, unit)).due_at
    assert new_due >= due
    if unit in ("working_hours", "working_minutes"):
        # and no working time is lost or gained
        assert working_time_between(cal, resumed, new_due) == working_time_between(cal, at, due)


@given(
    start=starts(),
    amount=st.integers(min_value=0, max_value=30),
    after=st.integers(min_value=0, max_value=10**6),
)
def test_nothing_is_left_once_the_deadline_has_passed(start: datetime, amount: int, after: int) -> None:
    cal = cc_calendar()
    for unit in CALENDAR_UNITS:
        due = deadline(cal, start, amount, unit).due_at
        assert remaining(cal, due + timedelta(minutes=after), due, unit)[0] == 0


@PROPERTY
@given(start=starts(), seconds=st.integers(min_value=1, max_value=59), amount=st.integers(1, 100))
def test_working_time_with_seconds_loses_less_than_a_minute(
    start: datetime, seconds: int, amount: int
) -> None:
    cal = cc_calendar()
    at = start.replace(second=seconds)
    due = deadline(cal, start.replace(second=0), amount, "working_hours").due_at
    assume(at < due)
    new_due = deadline(cal, at, *remaining(cal, at, due, "working_hours")).due_at
    assert new_due <= due
    assert working_time_between(cal, new_due, due) < timedelta(minutes=1)


def test_working_days_left_are_counted_after_the_suspension_day() -> None:
    # given due 2025-10-10 17:30, suspended 2025-09-30 10:00: 10-09 and 10-10 are left
    cal = cc_calendar()
    left = remaining(cal, local(2025, 9, 30, 10), local(2025, 10, 10, 17, 30), "working_days")
    assert left == (2, "working_days")
    # when resumed 10-09 09:00 then 10-10 and 10-11 (makeup Saturday) are counted
    assert deadline(cal, local(2025, 10, 9, 9), *left).due_at == local(2025, 10, 11, 17, 30)


def test_working_hours_are_returned_in_working_minutes() -> None:
    cal = cc_calendar()
    assert remaining(cal, local(2025, 9, 30, 16), local(2025, 10, 9, 9), "working_hours") == (
        120,
        "working_minutes",
    )


def test_clock_units_are_returned_in_minutes() -> None:
    cal = cc_calendar()
    assert remaining(cal, local(2025, 9, 30, 16), local(2025, 9, 30, 18), "hours") == (120, "minutes")


def test_natural_days_left_before_a_midnight_deadline() -> None:
    # due 24:00 of 10-10 (00:00 of 10-11): at 10-05 five days are left
    cal = cc_calendar()
    assert remaining(cal, local(2025, 10, 5, 9), local(2025, 10, 11), "natural_days") == (5, "natural_days")


def test_suspended_on_the_rolled_over_working_day_keeps_its_close() -> None:
    # given a period whose last day 10-01 rolled over to the close of 10-09
    cal = cc_calendar()
    due = local(2025, 10, 9, 17, 30)
    # when suspended on 10-09 itself
    left = remaining(cal, local(2025, 10, 9, 10), due, "natural_days")
    # then resuming at once keeps 10-09 17:30
    assert left == (0, "working_days")
    assert deadline(cal, local(2025, 10, 9, 10), *left).due_at == due


@pytest.mark.parametrize("unit", ["weeks", "days"])
def test_unknown_unit_is_refused(unit: str) -> None:
    with pytest.raises(ValueError):
        remaining(cc_calendar(), local(2025, 9, 30, 10), local(2025, 10, 9, 10), unit)
