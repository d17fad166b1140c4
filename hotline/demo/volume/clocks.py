"""Deadlines and clocks: cached ``deadline()`` for day units, typical step lengths, and the
clock format of :mod:`hotline.workflow.clocks`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hotline.calendar.counting import WorkCalendar, deadline
from hotline.policies.schema import Limit


class _Dues:
    """``deadline()`` with a cache for the day units, whose result depends only on the start
    date (and, for "the same working day", on whether the start is before the close)."""

    def __init__(self, cal: WorkCalendar) -> None:
        self.cal = cal
        self.cache: dict[tuple[date, bool, int, str], tuple[datetime, bool]] = {}

    def due(self, start: datetime, amount: int, unit: str) -> tuple[datetime, bool]:
        if unit not in ("working_days", "natural_days"):
            result = deadline(self.cal, start, amount, unit)
            return result.due_at, result.provisional
        local = start.astimezone(self.cal.tz)
        same_day_open = unit == "working_days" and amount == 0 and local.time() < self.cal.close
        key = (local.date(), same_day_open, amount, unit)
        hit = self.cache.get(key)
        if hit is None:
            result = deadline(self.cal, start, amount, unit)
            hit = self.cache[key] = (result.due_at, result.provisional)
        return hit


def _nominal_seconds(limit: Limit | None) -> float:
    """Roughly how long a limit lasts in clock time (for drawing realistic step delays)."""
    if limit is None:
        return 1.5 * 86400
    amount = limit.amount
    return {
        "working_days": max(amount, 0.3) * 1.4 * 86400,
        "natural_days": max(amount, 0.3) * 86400,
        "working_hours": amount * 2.2 * 3600,
        "working_minutes": amount * 2.2 * 60,
        "hours": amount * 3600,
        "minutes": amount * 60,
    }.get(limit.unit, 86400)


@dataclass
class _Clock:
    start: datetime
    amount: int
    unit: str

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "amount": self.amount, "unit": self.unit, "extensions": []}
