"""Deadline clocks on a ticket.

A clock is plain data stored on the ticket: ``{"start": iso, "amount": n, "unit": u,
"extensions": [[n, u], ...]}``. Its due time is a pure function of the clock and the
working-day calendar, so when the calendar changes (next year's schedule is imported) the
due time is simply recomputed. Suspension turns a running clock into "what was left",
and resuming starts a fresh clock with that remainder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

from hotline.calendar.counting import WorkCalendar, deadline, remaining
from hotline.calendar.services import get_calendar


class Clock(TypedDict):
    start: str
    amount: int
    unit: str
    extensions: list[list[Any]]


@dataclass(frozen=True)
class Due:
    at: datetime
    provisional: bool


def new_clock(*, start: datetime, amount: int, unit: str) -> Clock:
    return {"start": start.isoformat(), "amount": amount, "unit": unit, "extensions": []}


def clock_due(clock: Clock, *, calendar: WorkCalendar | None = None) -> Due:
    cal = calendar or get_calendar()
    result = deadline(cal, datetime.fromisoformat(clock["start"]), int(clock["amount"]), clock["unit"])
    due, provisional = result.due_at, result.provisional
    for amount, unit in clock.get("extensions", []):
        extended = deadline(cal, _end_of_day_before_midnight(due, cal), int(amount), str(unit))
        due, provisional = extended.due_at, provisional or extended.provisional
    return Due(at=due, provisional=provisional)


def _end_of_day_before_midnight(due: datetime, cal: WorkCalendar) -> datetime:
    """A due time of 24:00 (stored as the next day's 00:00) belongs to the day it ends: an
    extension counts from that day, so 12-07 24:00 + 3 日 is 12-10 24:00, not 12-11."""
    local = due.astimezone(cal.tz)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return due - timedelta(microseconds=1)
    return due


def extend_clock(clock: Clock, *, amount: int, unit: str) -> Clock:
    return {**clock, "extensions": [*clock.get("extensions", []), [amount, unit]]}


def clock_remaining(clock: Clock, *, at: datetime, calendar: WorkCalendar | None = None) -> tuple[int, str]:
    cal = calendar or get_calendar()
    due = clock_due(clock, calendar=cal)
    return remaining(cal, at, due.at, clock["unit"])
