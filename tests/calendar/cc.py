"""A WorkCalendar built straight from the chinesecalendar package (2004–2026), for tests.

Tests compare the application's counting with this independent source. Only tests and
``scripts/gen_calendar_seed.py`` may import ``chinese_calendar``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar
from hypothesis import settings
from hypothesis import strategies as st

from hotline.calendar.counting import WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")
PERIODS = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
CLOSE = time(17, 30)
FIRST = date(2004, 1, 1)
LAST = date(2026, 12, 31)

PROPERTY = settings(max_examples=200, deadline=None)  # the heavier properties
ZONES = st.sampled_from([TZ, ZoneInfo("UTC"), ZoneInfo("America/New_York")])


def starts(last: datetime = datetime(2026, 6, 30, 23, 59)) -> st.SearchStrategy[datetime]:
    """Aware start times 2004–mid 2026 in any of a few zones (results must come back in TZ)."""
    return st.datetimes(min_value=datetime(2004, 1, 2), max_value=last, timezones=ZONES)


def is_workday(d: date) -> bool:
    return bool(chinese_calendar.is_workday(d))


@cache
def cc_calendar() -> WorkCalendar:
    days = {}
    d = FIRST
    while d <= LAST:
        days[d] = is_workday(d)
        d += timedelta(days=1)
    return WorkCalendar(days=days, official_years=frozenset(range(2004, 2027)), periods=PERIODS, tz=TZ)


def local(*args: int) -> datetime:
    """An aware Asia/Shanghai datetime: ``local(2025, 9, 30, 10)``."""
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


def worked_independently(start: datetime, end: datetime) -> timedelta:
    """Working time between two instants, summed day by day from chinesecalendar."""
    start, end = start.astimezone(TZ), end.astimezone(TZ)
    total = timedelta()
    d = start.date()
    while d <= end.date():
        if is_workday(d):
            for period_start, period_end in PERIODS:
                a = max(datetime.combine(d, period_start, tzinfo=TZ), start)
                b = min(datetime.combine(d, period_end, tzinfo=TZ), end)
                if b > a:
                    total += b - a
        d += timedelta(days=1)
    return total
