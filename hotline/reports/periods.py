"""Calendar periods of statistics: keys (``2026-03``, ``2026-W10``, ``2026-Q1``), their
bounds, and the shifts to the previous period and to the same period a year earlier."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from hotline.core.errors import InvalidInput
from hotline.reports.measures import PeriodKind


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, months: int) -> date:
    """``d`` moved by ``months``; the last day of a month stays the last day (01-31 → 02-28,
    02-28 → 03-31), another day is clamped to the target month's length."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    day = last if d == month_end(d) else min(d.day, last)
    return date(year, month + 1, day)


def period_start(d: date, kind: PeriodKind) -> date:
    if kind == "day":
        return d
    if kind == "week":
        return d - timedelta(days=d.weekday())
    if kind == "month":
        return d.replace(day=1)
    if kind == "quarter":
        return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
    return date(d.year, 1, 1)


def period_end(start: date, kind: PeriodKind) -> date:
    return shift(start, kind, 1) - timedelta(days=1)


def shift(d: date, kind: PeriodKind, n: int) -> date:
    """``d`` moved by ``n`` periods of ``kind``."""
    if kind == "day":
        return d + timedelta(days=n)
    if kind == "week":
        return d + timedelta(days=7 * n)
    return add_months(d, n * {"month": 1, "quarter": 3, "year": 12}[kind])


def year_earlier(d: date, kind: PeriodKind | None) -> date:
    """The same period a year earlier: 52 weeks for a week (the same ISO week day), else 12 months."""
    return d - timedelta(days=364) if kind == "week" else add_months(d, -12)


def period_key(start: date, kind: PeriodKind) -> str:
    if kind == "day":
        return start.isoformat()
    if kind == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        return f"{start:%Y-%m}"
    if kind == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def period_label(start: date, kind: PeriodKind) -> str:
    if kind == "day":
        return f"{start.year}年{start.month}月{start.day}日"
    if kind == "week":
        year, week, _ = start.isocalendar()
        return f"{year}年第{week}周"
    if kind == "month":
        return f"{start.year}年{start.month}月"
    if kind == "quarter":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年"


def parse_period_key(key: str, kind: PeriodKind) -> date:
    """The first day of the period named by ``key`` (``stats_invalid_cell`` if malformed)."""
    try:
        if kind == "day":
            return date.fromisoformat(key)
        if kind == "week":
            year, week = key.split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        if kind == "month":
            year, month = key.split("-")
            return date(int(year), int(month), 1)
        if kind == "quarter":
            year, quarter = key.split("-Q")
            if not 1 <= int(quarter) <= 4:
                raise ValueError(key)
            return date(int(year), (int(quarter) - 1) * 3 + 1, 1)
        return date(int(key), 1, 1)
    except ValueError:
        raise InvalidInput(f"“{key}”不是有效的{kind}期间", code="stats_invalid_cell", field="cell") from None
