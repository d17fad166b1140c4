"""Where a deadline's reminder and escalation points fall: pure functions over the calendar.

A ticket's *clock* runs from its start to its due time. Reminders (催办) fall before the
due time: ``used`` — that fraction of the working time between start and due has elapsed
(clock time for ``hours`` / ``natural_days`` limits); ``left`` — only that much remains
(working time for working units, clock time otherwise). Escalation steps (升级) fall
``after`` the due time, counted on the calendar like any limit; ``repeat_every`` repeats
the last step. :func:`send_time` moves a moment out of quiet hours and rest days.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from hotline.calendar.counting import WorkCalendar, deadline, working_time_between
from hotline.policies.schema import Limit, Reminders

WORKING_UNITS = ("working_days", "working_hours", "working_minutes")
_MINUTE = timedelta(minutes=1)
MAX_REPEATS = 500  # a ticket forgotten for years still has a bounded list of points


@dataclass(frozen=True)
class Point:
    key: str  # stable within one clock: "used=0.5", "left=2working_hours", "after=0hours", "repeat=3"
    kind: Literal["reminder", "escalation"]
    at: datetime
    roles: frozenset[str]
    step: int = 0  # escalation: 1 for the first step (overdue), 2… for the next (escalated)


def _working_point(cal: WorkCalendar, start: datetime, worked: timedelta) -> datetime:
    """The moment ``worked`` working time after ``start``."""
    minutes = max(0, int(worked // _MINUTE))
    return deadline(cal, start, minutes, "working_minutes").due_at


def _as_working_time(cal: WorkCalendar, limit: Limit) -> timedelta:
    if limit.unit == "working_days":
        return cal.working_time_per_day * limit.amount
    if limit.unit == "working_hours":
        return timedelta(hours=limit.amount)
    return timedelta(minutes=limit.amount)


def _as_clock_time(limit: Limit) -> timedelta:
    if limit.unit == "natural_days":
        return timedelta(days=limit.amount)
    if limit.unit == "hours":
        return timedelta(hours=limit.amount)
    return timedelta(minutes=limit.amount)


def reminder_points(
    cal: WorkCalendar, *, start: datetime, due: datetime, unit: str, reminders: Reminders
) -> list[Point]:
    """The before-due points of a clock from ``start`` to ``due`` (limit counted in ``unit``)."""
    points: list[Point] = []
    working = unit in WORKING_UNITS
    total_work = working_time_between(cal, start, due) if working else timedelta()
    for p in reminders.before_due:
        if p.used is not None:
            key = f"used={p.used:g}"
            if working:
                at = _working_point(cal, start, total_work * p.used)
            else:
                at = start + (due - start) * p.used
        else:
            assert p.left is not None
            key = f"left={p.left.amount}{p.left.unit}"
            if p.left.unit in WORKING_UNITS:
                left = _as_working_time(cal, p.left)
                work = total_work if working else working_time_between(cal, start, due)
                if left >= work:
                    continue  # the whole limit is shorter than the warning
                at = _working_point(cal, start, work - left)
            else:
                at = due - _as_clock_time(p.left)
        if start < at < due:
            points.append(Point(key=key, kind="reminder", at=at, roles=p.notify))
    return sorted(points, key=lambda p: p.at)


def escalation_points(
    cal: WorkCalendar, *, due: datetime, reminders: Reminders, until: datetime
) -> Iterator[Point]:
    """The after-due points, in order; repeats stop at the first one after ``until``."""
    last: Point | None = None
    for i, step in enumerate(reminders.escalation, start=1):
        at = deadline(cal, due, step.after.amount, step.after.unit).due_at
        last = Point(
            key=f"after={step.after.amount}{step.after.unit}",
            kind="escalation",
            at=at,
            roles=step.notify,
            step=i,
        )
        yield last
    repeat = reminders.repeat_every
    if last is None or repeat is None:
        return
    at = last.at
    for k in range(1, MAX_REPEATS + 1):
        at = deadline(cal, at, repeat.amount, repeat.unit).due_at
        yield Point(key=f"repeat={k}", kind="escalation", at=at, roles=last.roles, step=last.step + k)
        if at > until:
            return


def send_time(cal: WorkCalendar, moment: datetime, *, reminders: Reminders, anytime: bool) -> datetime:
    """The first moment from ``moment`` on when a reminder may go out.

    Not on a rest day (unless the pack's ``on_rest_days``): then the start of the next
    working day's first working period; not in ``quiet_hours``: then their end.
    """
    if anytime:
        return moment
    local = moment.astimezone(cal.tz)
    quiet = reminders.quiet_hours
    for _ in range(400):  # a year of rest days is the worst case
        day = local.date()
        if not reminders.on_rest_days and not cal.is_working_day(day):
            nxt = day + timedelta(days=1)
            while not cal.is_working_day(nxt):
                nxt += timedelta(days=1)
            local = datetime.combine(nxt, cal.periods[0][0], tzinfo=cal.tz)
            continue
        if quiet is not None and quiet.covers(local.time()):
            end_day = day if local.time() < quiet.end else day + timedelta(days=1)
            local = datetime.combine(end_day, quiet.end, tzinfo=cal.tz)
            continue
        return local
    return local


# How late, in the words of the clock's unit (已超期2个工作日 / 已超期3小时).
LATE_UNIT_LABELS = {
    "working_days": "个工作日",
    "working_hours": "个工作小时",
    "working_minutes": "分钟",
    "natural_days": "日",
    "hours": "小时",
    "minutes": "分钟",
}
_HOUR = timedelta(hours=1)


def _whole_working_days(cal: WorkCalendar, due: datetime, now: datetime) -> int:
    """Working days wholly past since ``due``: N when ``now`` is at or after the close of
    the N-th working day after ``due``'s day (where an escalation ``after: N working_days``
    falls)."""
    first, last = due.astimezone(cal.tz).date(), now.astimezone(cal.tz)
    count, day = 0, first + timedelta(days=1)
    while day <= last.date():
        if cal.is_working_day(day) and (day < last.date() or last.time() >= cal.close):
            count += 1
        day += timedelta(days=1)
    return count


def lateness(cal: WorkCalendar, *, due: datetime, now: datetime, unit: str) -> str:
    """How late a clock of ``unit`` due at ``due`` is at ``now``, e.g. "已超期2个工作日".

    Counted in the clock's unit (working time for working units, clock time otherwise);
    under one whole day the hours, under one hour the minutes; "已超过时限" when no time
    of that kind has passed yet (at the due time, or a working-day clock over a weekend);
    "" before the due time."""
    if now < due:
        return ""
    working = unit in WORKING_UNITS
    if unit == "working_days":
        days = _whole_working_days(cal, due, now)
    elif unit == "natural_days":
        days = (now - due) // timedelta(days=1)
    else:
        days = 0
    if days >= 1:
        return f"已超期{days}{LATE_UNIT_LABELS[unit]}"
    late = working_time_between(cal, due, now) if working else now - due
    if late >= _HOUR and unit not in ("minutes", "working_minutes"):
        return f"已超期{late // _HOUR}{LATE_UNIT_LABELS['working_hours' if working else 'hours']}"
    if late >= _MINUTE:
        return f"已超期{late // _MINUTE}{LATE_UNIT_LABELS['working_minutes' if working else 'minutes']}"
    return "已超过时限"
