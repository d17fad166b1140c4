"""Calendar periods of statistics: keys (``2026-03``, ``2026-W10``, ``2026-Q1``), their
bounds, and the shifts to the previous period and to the same period a year earlier."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING, Final

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from hotline.core.errors import InvalidInput
from hotline.reports.measures import PeriodKind

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# A month as a date names it: the number in Chinese (10 → 2026年10月), a name in English (Oct 2026).
MONTHS: Final[dict[int, StrPromise]] = {
    1: pgettext_lazy("month in a date", "1"),
    2: pgettext_lazy("month in a date", "2"),
    3: pgettext_lazy("month in a date", "3"),
    4: pgettext_lazy("month in a date", "4"),
    5: pgettext_lazy("month in a date", "5"),
    6: pgettext_lazy("month in a date", "6"),
    7: pgettext_lazy("month in a date", "7"),
    8: pgettext_lazy("month in a date", "8"),
    9: pgettext_lazy("month in a date", "9"),
    10: pgettext_lazy("month in a date", "10"),
    11: pgettext_lazy("month in a date", "11"),
    12: pgettext_lazy("month in a date", "12"),
}


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
        year, week, _weekday = start.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        return f"{start:%Y-%m}"
    if kind == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def period_label(start: date, kind: PeriodKind) -> str:
    """The period as people name it, in the active language (2026年10月 / Oct 2026)."""
    month = str(MONTHS[start.month])
    if kind == "day":
        return _("%(year)s年%(month)s月%(day)s日") % {"year": start.year, "month": month, "day": start.day}
    if kind == "week":
        year, week, _weekday = start.isocalendar()
        return _("%(year)s年第%(week)s周") % {"year": year, "week": week}
    if kind == "month":
        return _("%(year)s年%(month)s月") % {"year": start.year, "month": month}
    if kind == "quarter":
        return _("%(year)s年第%(quarter)s季度") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1}
    return _("%(year)s年") % {"year": start.year}


def day_label(day: date) -> str:
    """A day within a known year (a chart's axis): 10月5日 / Oct 5."""
    return _("%(month)s月%(day)s日") % {"month": str(MONTHS[day.month]), "day": day.day}


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
        raise InvalidInput(
            _("“%(key)s”不是有效的%(kind)s期间") % {"key": key, "kind": kind},
            code="stats_invalid_cell",
            field="cell",
        ) from None
