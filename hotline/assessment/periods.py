"""Assessment periods: a month, a quarter, a year or any range, read from a request's parameters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final, Literal

from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.errors import InvalidInput
from hotline.reports.facts import TZ
from hotline.reports.periods import (
    parse_period_key,
    period_end,
    period_key,
    period_label,
    period_start,
    shift,
)
from hotline.reports.query import parse_range

MONTH_RE: Final = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
QUARTER_RE: Final = re.compile(r"^\d{4}-Q[1-4]$")
YEAR_RE: Final = re.compile(r"^\d{4}$")

# --- periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    key: str  # 2026-10, 2026-Q4, 2026, or 2026-10-01~2026-12-31
    label: str

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """``[start 00:00, the day after end 00:00)`` in local time."""
        lo = datetime.combine(self.start, time.min, tzinfo=TZ)
        return lo, datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=TZ)


def default_period(today: date | None = None) -> Period:
    """Last month: the assessment is of a closed period."""
    today = today or timezone.localdate()
    start = shift(period_start(today, "month"), "month", -1)
    return _named(start, "month")


def _named(start: date, kind: Literal["month", "quarter", "year"]) -> Period:
    return Period(start, period_end(start, kind), period_key(start, kind), period_label(start, kind))


def parse_period(params: Mapping[str, str], *, today: date | None = None) -> Period:
    """``period=2026-10`` (month), ``2026-Q4`` (quarter), ``2026`` (year), or ``from``/``to``
    (any range, dates inclusive); nothing: last month."""
    if params.get("from") or params.get("to"):
        start, end = parse_range(params)
        label = _("%(start)s 至 %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}
        return Period(start, end, f"{start.isoformat()}~{end.isoformat()}", label)
    key = (params.get("period") or "").strip()
    if not key:
        return default_period(today)
    kind: Literal["month", "quarter", "year"] | None = (
        "month"
        if MONTH_RE.match(key)
        else "quarter"
        if QUARTER_RE.match(key)
        else "year"
        if YEAR_RE.match(key)
        else None
    )
    if kind is None or not 2000 <= int(key[:4]) <= 2099:
        raise InvalidInput(
            _(
                "考核期间“%(key)s”无效:月如 2026-10,季度如 2026-Q4,年如 2026(2000–2099 年),"
                "或用 from/to 指定日期区间"
            )
            % {"key": key[:20]},
            code="assessment_invalid_period",
            field="period",
        )
    return _named(parse_period_key(key, kind), kind)


def recent_periods(today: date | None = None) -> list[Period]:
    """The choices of the period picker: the last 12 months, 4 quarters and 2 years."""
    today = today or timezone.localdate()
    month = period_start(today, "month")
    quarter = period_start(today, "quarter")
    year = period_start(today, "year")
    out = [_named(shift(month, "month", -i), "month") for i in range(0, 13)]
    out += [_named(shift(quarter, "quarter", -i), "quarter") for i in range(0, 5)]
    out += [_named(shift(year, "year", -i), "year") for i in range(0, 3)]
    return out
