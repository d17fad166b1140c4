"""话务报表 in the report centre: the call measures over a period by one dimension (hour, day,
month, area, agent, queue, number dialled, keypad satisfaction, flow), with the total.

Thin: the parameters are the API's (``/api/v1/stats/calls/``), checked by
``reports.calls.parse_call_query`` with the report centre's period (last month when none is
given, the same quick ranges); the numbers are ``reports.calls.call_report``. Who may not
see it gets the Chinese 404 page; a bad parameter is a readable message on the page (400).
The export buttons post the same query string to the ``call_stats`` export source
(``web.exports_call_stats``), which writes exactly this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hotline.core.errors import HotlineError, NotFound
from hotline.reports.calls import (
    ANSWER_RATE_TARGET,
    CALL_DIMENSIONS,
    SERVICE_LEVEL_SECONDS,
    CallReport,
    Column,
    access_call_stats,
    as_minutes,
    as_percent,
    call_report,
    columns,
    in_target,
    parse_call_query,
)
from hotline.reports.periods import period_label
from hotline.telephony.stats import Figures
from hotline.web.views.reports import last_month, presets, single, whole_period
from hotline.web.views.ticket_common import error_page

DEFAULT_BY: Final = "day"
PARAMS: Final = ("by", "from", "to")
# the headline figures above the table
SUMMARY: Final = (
    "offered",
    "answered",
    "lost",
    "answer_rate",
    "service_level",
    "wait_avg",
    "talk_avg",
    "handle_avg",
    "satisfied_rate",
)


def call_params(params: Mapping[str, str], *, today: Any = None) -> dict[str, str]:
    """The page's parameters as ``parse_call_query`` reads them: the first screen gets last
    month by day (as the report centre, last month)."""
    out = {name: value for name, value in params.items() if name in PARAMS}
    out.setdefault("by", DEFAULT_BY)
    if not out.get("from") and not out.get("to"):
        start, end = last_month(today or timezone.localdate())
        out["from"], out["to"] = start.isoformat(), end.isoformat()
    return out


@dataclass(frozen=True)
class Cell:
    column: Column
    value: float | int | None

    @property
    def text(self) -> str:
        if self.column.kind == "rate":
            return as_percent(self.value)
        if self.column.kind == "seconds":
            return as_minutes(self.value)
        return "—" if self.value is None else str(self.value)

    @property
    def missed_target(self) -> bool:
        """An answer rate below 95 % (004 L446), marked on the page."""
        return self.column.code == "answer_rate" and in_target(self.value) is False


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    cells: list[Cell]


def line(key: str, label: str, figures: Figures, cols: list[Column]) -> Line:
    return Line(key, label, [Cell(c, c.value(figures)) for c in cols])


def table(report: CallReport) -> tuple[list[Column], list[Line], Line]:
    cols = columns(report.query.by)
    rows = [line(r.key, r.label, r.figures, cols) for r in report.rows]
    return cols, rows, line("", _("合计"), report.total, cols)


def summary(total: Figures) -> list[Cell]:
    by_code = {c.code: c for c in columns("")}
    return [Cell(by_code[code], by_code[code].value(total)) for code in SUMMARY]


@login_required
@require_GET
def calls(request: HttpRequest) -> HttpResponse:
    try:
        access_call_stats(request.user)
    except NotFound as err:
        return error_page(request, err)
    params = call_params(single(request))
    context: dict[str, Any] = {
        "params": params,
        "dimension_choices": [(code, str(label)) for code, label in CALL_DIMENSIONS.items()],
        "presets": presets(timezone.localdate(), params),
        "target": f"{ANSWER_RATE_TARGET * 100:.0f}%",
        "service_seconds": SERVICE_LEVEL_SECONDS,
    }
    try:
        query = parse_call_query(params)
    except HotlineError as error:
        context["error"] = error
        return render(request, "web/reports/calls.html", context, status=error.status)
    report = call_report(query)
    cols, rows, total = table(report)
    kind = whole_period(query.date_from, query.date_to)
    context.update(
        query=query,
        range_label=(
            period_label(query.date_from, kind)
            if kind
            else f"{query.date_from.isoformat()} — {query.date_to.isoformat()}"
        ),
        dimension=query.dimension_label,
        columns=cols,
        rows=rows,
        total=total,
        summary=summary(report.total),
    )
    return render(request, "web/reports/calls.html", context)
