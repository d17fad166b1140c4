"""话务报表 as an export source (``call_stats``): the table of ``/reports/calls/`` for the same
query string — one row per group, then the total — in Excel or CSV.

Registered from the web layer (``WebConfig.ready``), beside the page whose defaults it
shares (last month by day); the same check as the page: who may not see the report gets
``NotFound``. Counts are numbers, rates are percentages (``接通率(%)``, two decimals),
durations are seconds (``平均通话(秒)``) so that a spreadsheet can add them up. A row is a
group of calls, never a call: no caller's number is in the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from hotline.core.types import AnyUser
from hotline.exports.sources import Listing, Params, register_source
from hotline.exports.writers import Cell
from hotline.reports.calls import Column, access_call_stats, call_report, columns, parse_call_query
from hotline.telephony.stats import Figures
from hotline.web.views.call_reports import PARAMS, call_params


def header(column: Column) -> str:
    unit = {"rate": "(%)", "seconds": gettext("(秒)")}.get(column.kind, "")
    return f"{column.label}{unit}"


def cell(column: Column, figures: Figures) -> Cell:
    value = column.value(figures)
    if value is not None and column.kind == "rate":
        return round(value * 100, 2)
    return value


def _call_stats(user: AnyUser, params: Params, now: datetime) -> Listing:
    access_call_stats(user)
    query = parse_call_query(call_params(params, today=timezone.localdate(now)))
    cols = columns(query.by)
    headers = [query.dimension_label or gettext("期间"), *(header(c) for c in cols)]
    table: list[list[Cell]] = []

    def rows() -> Iterator[list[Cell]]:
        if not table:
            report = call_report(query)
            for row in report.rows:
                table.append([row.label, *(cell(c, row.figures) for c in cols)])
            table.append([gettext("合计"), *(cell(c, report.total) for c in cols)])
        yield from table  # an aggregate: small by nature

    def count(limit: int | None) -> int:
        n = sum(1 for _row in rows())
        return min(n, limit) if limit is not None else n

    return Listing(title=gettext("话务报表"), headers=headers, count=count, rows=rows)


register_source("call_stats", label=gettext_lazy("话务报表"), params=frozenset(PARAMS), build=_call_stats)
