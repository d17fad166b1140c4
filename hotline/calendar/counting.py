"""Time-limit arithmetic over a working-day calendar: pure functions, no Django, no DB.

The counting rule (计时规则, also in ``docs/guide/calendar.md``). Every date and time is
the local time of ``WorkCalendar.tz`` (Asia/Shanghai); inputs are aware datetimes in any
zone, results are aware datetimes in ``cal.tz``. "Close of working hours" (下班时间) is the
end of the last working period of the day (17:30 by default).

* ``working_days`` (N 个工作日): the day of the start is not counted, whatever the hour;
  counting starts on the first working day after it. The deadline is the close of working
  hours of the N-th working day. N = 0 means "the same day": the close of the start day
  if it is a working day and the start is before its close, else the close of the next
  working day.
* ``working_hours`` / ``working_minutes`` (N 个工作小时/分钟): only time inside the working
  periods of working days counts. A start in non-working time begins counting at the
  next period start. The deadline may be the exact end of a period (it is not moved to
  the next period's start).
* ``natural_days`` (N 个自然日, 民法典 arts. 201–203): the period ends at 24:00 of day
  ``start date + N`` (00:00 of the day after). If that last day is a rest day the end rolls
  over (遇节假日顺延) to the close of working hours of the next working day.
* ``hours`` / ``minutes``: clock time, ``start + N``.

``Deadline.provisional`` is True when the rule had to look at the working/rest status of a
day in a year without official data (its status was computed by :mod:`statutory`, which
knows no makeup working days). Clock units never look at the calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Literal, get_args
from zoneinfo import ZoneInfo

from hotline.calendar import statutory

Unit = Literal["working_days", "working_hours", "working_minutes", "natural_days", "hours", "minutes"]
# The functions take ``unit: str``: units come from policy packs (YAML) and stored clocks,
# and are checked at run time against UNITS (ValueError for anything else).
UNITS: Final[tuple[Unit, ...]] = get_args(Unit)

_ONE_DAY = timedelta(days=1)
_ONE_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Deadline:
    due_at: datetime  # aware, in the calendar's zone
    provisional: bool  # True if counting touched any day in a year without official data


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days, and the working periods of a working day.

    ``days`` holds the official working/rest status of the days of ``official_years``
    (a row entered by an administrator for another year also wins over the computed
    value, the year staying provisional). Any other day is computed by
    :func:`statutory.is_working_day`: weekends and statutory holidays rest, no 调休.
    ``periods`` are local ``(start, end)`` times, sorted and not overlapping.
    """

    days: Mapping[date, bool]
    official_years: frozenset[int]
    periods: tuple[tuple[time, time], ...]
    tz: ZoneInfo
    working_time_per_day: timedelta = field(init=False, repr=False, compare=False)  # sum of periods

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("工作日至少需要一个工作时段")
        previous_end: time | None = None
        for start, end in self.periods:
            if not start < end:
                raise ValueError(f"工作时段 {start}–{end} 的结束时间早于开始时间")
            if previous_end is not None and start < previous_end:
                raise ValueError("工作时段须按时间排序且互不重叠")
            previous_end = end
        total = sum((_between(start, end) for start, end in self.periods), timedelta())
        object.__setattr__(self, "working_time_per_day", total)

    @property
    def close(self) -> time:
        """Close of working hours: the end of the last working period."""
        return self.periods[-1][1]

    def is_working_day(self, d: date) -> bool:
        """Official status of ``d`` when known, else the statutory computation (no 调休)."""
        official = self.days.get(d)
        if official is not None:
            return official
        return statutory.is_working_day(d)

    def is_official(self, d: date) -> bool:
        """True when ``d``'s year has official data (otherwise results are provisional)."""
        return d.year in self.official_years


def deadline(cal: WorkCalendar, start: datetime, amount: int, unit: str) -> Deadline:
    """The deadline of a time limit of ``amount`` ``unit`` starting at ``start``.

    See the module docstring for the rule of each unit. Raises ``ValueError`` for a
    negative amount, an unknown unit, a naive ``start`` or a result out of range.
    """
    _check(amount=amount, unit=unit)
    _check_aware(start)
    local = start.astimezone(cal.tz)
    probe = _Probe(cal)
    try:
        if unit == "working_days":
            due = _working_days(probe, local, amount)
        elif unit in ("working_hours", "working_minutes"):
            minutes = amount * 60 if unit == "working_hours" else amount
            due = _working_time(probe, local, timedelta(minutes=minutes))
        elif unit == "natural_days":
            due = _natural_days(probe, local, amount)
        else:
            minutes = amount * 60 if unit == "hours" else amount
            due = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(cal.tz)
    except OverflowError as exc:
        raise ValueError(f"自 {start.isoformat()} 起 {amount} {unit} 超出可计算的日期范围") from exc
    return Deadline(due_at=due, provisional=probe.provisional)


def remaining(cal: WorkCalendar, at: datetime, due_at: datetime, unit: str) -> tuple[int, str]:
    """How much of a time limit is left at ``at`` (the clock stops: 挂起/中止).

    Resuming at ``t`` gives the new deadline ``deadline(cal, t, *remaining(cal, at, due_at,
    unit))``; resuming at ``at`` itself gives back ``due_at`` for deadlines this module
    computed (to the minute for the minute-based units). Never negative: ``(0, ...)``
    once ``due_at`` has passed.

    * ``working_days``: the working days in ``(at.date(), due_at.date()]``.
    * ``natural_days``: ``(last_day - at.date()).days`` where ``last_day`` is the last day
      of the period: the day before ``due_at`` when it is 24:00, the rest day before it when
      ``due_at`` is a rolled-over close of working hours. When ``at`` falls on the rolled-over
      working day itself, ``(0, "working_days")`` (the close of that day).
    * ``working_hours`` / ``working_minutes``: whole working minutes between ``at`` and
      ``due_at``, unit ``working_minutes``.
    * ``hours`` / ``minutes``: whole clock minutes, unit ``minutes``.
    """
    _check(amount=0, unit=unit)
    _check_aware(at)
    _check_aware(due_at)
    local_at = at.astimezone(cal.tz)
    local_due = due_at.astimezone(cal.tz)
    if unit == "working_days":
        if local_due <= local_at:
            return 0, unit
        count = sum(1 for d in _dates(local_at.date() + _ONE_DAY, local_due.date()) if cal.is_working_day(d))
        return count, unit
    if unit == "natural_days":
        if local_due <= local_at:
            return 0, unit
        last_day = local_due.date()
        if local_due.time() == time(0):
            last_day -= _ONE_DAY  # 24:00 of the day before
        elif local_due.time() == cal.close and cal.is_working_day(last_day):
            if not cal.is_working_day(last_day - _ONE_DAY):
                last_day -= _ONE_DAY  # rolled over from the rest day(s) before
        days = (last_day - local_at.date()).days
        if days < 0:
            return 0, "working_days"  # at is on the rolled-over working day: its close
        return days, unit
    if unit in ("working_hours", "working_minutes"):
        worked = _working_time_between(cal, local_at, local_due)
        return int(worked // _ONE_MINUTE), "working_minutes"
    clock = max(due_at - at, timedelta())
    return int(clock // _ONE_MINUTE), "minutes"


def working_time_between(cal: WorkCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time (inside working periods of working days) in ``[start, end]``."""
    _check_aware(start)
    _check_aware(end)
    return _working_time_between(cal, start.astimezone(cal.tz), end.astimezone(cal.tz))


# --- internals ------------------------------------------------------------------------


class _Probe:
    """Answers "is this a working day?" and remembers whether a non-official year was asked."""

    def __init__(self, cal: WorkCalendar) -> None:
        self.cal = cal
        self.provisional = False

    def is_working_day(self, d: date) -> bool:
        if not self.provisional and d.year not in self.cal.official_years:
            self.provisional = True
        return self.cal.is_working_day(d)

    def next_working_day(self, after: date) -> date:
        d = after + _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def close_of(self, d: date) -> datetime:
        return datetime.combine(d, self.cal.close, tzinfo=self.cal.tz)


def _working_days(probe: _Probe, local: datetime, amount: int) -> datetime:
    day = local.date()
    if amount == 0:
        if probe.is_working_day(day) and local < probe.close_of(day):
            return probe.close_of(day)
        return probe.close_of(probe.next_working_day(day))
    for _ in range(amount):
        day = probe.next_working_day(day)
    return probe.close_of(day)


def _natural_days(probe: _Probe, local: datetime, amount: int) -> datetime:
    last_day = local.date() + timedelta(days=amount)
    if probe.is_working_day(last_day):
        return datetime.combine(last_day + _ONE_DAY, time(0), tzinfo=probe.cal.tz)
    return probe.close_of(probe.next_working_day(last_day))


def _working_time(probe: _Probe, local: datetime, amount: timedelta) -> datetime:
    """Walk day by day (whole days at once), then period by period on the last day."""
    cal = probe.cal
    day = local.date()
    left = amount
    first = True
    while True:
        if probe.is_working_day(day):
            if not first and left > cal.working_time_per_day:
                left -= cal.working_time_per_day
            else:
                for period_start, period_end in cal.periods:
                    seg_start = datetime.combine(day, period_start, tzinfo=cal.tz)
                    seg_end = datetime.combine(day, period_end, tzinfo=cal.tz)
                    if first and local > seg_start:
                        seg_start = local
                    if seg_start >= seg_end:
                        continue
                    available = seg_end - seg_start
                    if left <= available:
                        return seg_start + left
                    left -= available
        first = False
        day += _ONE_DAY


def _working_time_between(cal: WorkCalendar, start: datetime, end: datetime) -> timedelta:
    if end <= start:
        return timedelta()
    total = timedelta()
    for day in _dates(start.date(), end.date()):
        if not cal.is_working_day(day):
            continue
        if start.date() < day < end.date():
            total += cal.working_time_per_day
            continue
        for period_start, period_end in cal.periods:
            seg_start = max(datetime.combine(day, period_start, tzinfo=cal.tz), start)
            seg_end = min(datetime.combine(day, period_end, tzinfo=cal.tz), end)
            if seg_end > seg_start:
                total += seg_end - seg_start
    return total


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _between(start: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


def _check(*, amount: int, unit: str) -> None:
    if unit not in UNITS:
        raise ValueError(f"未知的时限单位 {unit!r}，应为 {', '.join(UNITS)} 之一")
    if amount < 0:
        raise ValueError(f"时限数量不能为负数：{amount}")


def _check_aware(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"时间 {value.isoformat()} 缺少时区")
