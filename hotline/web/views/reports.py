"""The report centre (报表中心): a period's figures, charts, any measure by one or two
dimensions with the previous period and the same period last year, hot topics, and the
tickets behind any count (drill-down).

Thin: the request's parameters are the API's (``/api/v1/stats/``) and are checked by the
same parser, ``hotline.reports.query.parse_query``; the numbers come from
``hotline.reports.selectors.stats`` / ``drill`` (scoped to what the user sees) and
``hotline.reports.hot``. The first screen's five reads (the summary's three ranges, the
trend, the table) are one ``reports.batch.stats_batch``; hot topics load after it (htmx, or
a link without JavaScript). A bad parameter is a readable Chinese message on the page (400),
never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final
from urllib.parse import urlencode

from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from hotline.core.errors import HotlineError
from hotline.core.types import AnyUser
from hotline.org.models import Unit
from hotline.org.selectors import memberships_of
from hotline.reports.batch import stats_batch
from hotline.reports.measures import (
    DIMENSION_LABELS,
    MEASURES,
    Dimension,
    Measure,
    PeriodKind,
)
from hotline.reports.periods import day_label, period_end, period_key, period_label, period_start, shift
from hotline.reports.query import STATS_ROLES, StatsQuery, may_view_stats, parse_query
from hotline.reports.selectors import Range, StatsResult, comparison_ranges
from hotline.tickets.models import Category, Channel, CustomerClass, Severity, TicketType
from hotline.web.views.ticket_common import staff_page
from hotline.workflow.roles import CENTRE_ROLES

DEFAULT_MEASURES: Final = ("received", "closed", "overdue", "satisfaction_rate")
DEFAULT_BY: Final = "unit"
# The first screen's figures: the headline of a monthly report. Ten fact kinds over three
# ranges; every other measure is a checkbox away in the table (the first screen's budget).
SUMMARY: Final = (
    "received",
    "closed",
    "overdue",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "handling_hours_avg",
)
SATISFACTION: Final = ("very_satisfied", "satisfied", "neutral", "dissatisfied")
TREND: Final = ("received", "closed", "overdue")
FILTERS: Final = ("unit", "category", "type", "channel", "severity", "customer_class", "policy", "region")
DRILL_PAGE: Final = 50
HOT_CACHE_SECONDS: Final = 600
# the choices of the 统计维度 selects: trees also rolled up to a level
LEVELS: Final = {"unit": (2, 3), "category": (1,)}

reports_staff = staff_page(
    may_view_stats, gettext_lazy("报表中心仅对监控中心、领导、班长、管理员和部门负责人开放")
)


# --- parameters ----------------------------------------------------------------------------


def last_month(today: date) -> tuple[date, date]:
    start = shift(period_start(today, "month"), "month", -1)
    return start, period_end(start, "month")


def single(request: HttpRequest) -> dict[str, str]:
    """Each parameter's last value (as ``QueryDict.items``), typed."""
    return {name: str(values[-1]) for name, values in request.GET.lists() if values}


def request_params(request: HttpRequest) -> dict[str, str]:
    """The request's parameters as ``parse_query`` reads them: ``measure`` and ``by`` may come
    as several values (checkboxes, two selects) or one comma list; the first screen gets
    last month, the default measures and 责任单位."""
    params = {name: value for name, value in single(request).items() if name not in ("measure", "by")}
    for name, default in (("measure", ",".join(DEFAULT_MEASURES)), ("by", DEFAULT_BY)):
        if name in request.GET:
            params[name] = ",".join(v.strip() for v in request.GET.getlist(name) if v.strip())
        else:
            params[name] = default
    if not params.get("from") and not params.get("to"):
        start, end = last_month(timezone.localdate())
        params["from"], params["to"] = start.isoformat(), end.isoformat()
    return params


def whole_period(start: date, end: date) -> PeriodKind | None:
    """The calendar period the range is exactly (a month, a quarter, …), if it is one: its
    previous period is then the calendar one before (February for March, not 31 days)."""
    for kind in ("month", "quarter", "year", "week", "day"):
        if period_start(start, kind) == start and period_end(start, kind) == end:
            return kind
    return None


def period_dimension(kind: PeriodKind | None) -> tuple[Dimension, ...]:
    return (Dimension(kind, kind),) if kind is not None else ()


def trend_grain(start: date, end: date) -> PeriodKind:
    days = (end - start).days + 1
    if days <= 92:
        return "day"
    if days <= 3 * 366:
        return "month"
    return "quarter"


def query_string(params: Mapping[str, str], **changes: str) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v != ""})


def filter_params(params: Mapping[str, str]) -> dict[str, str]:
    return {name: params[name] for name in FILTERS if params.get(name)}


# --- numbers as shown ----------------------------------------------------------------------


def number_text(m: Measure, value: float | None) -> str:
    if value is None:
        return "—"
    if m.shape == "count":
        return f"{int(value)}"
    if m.shape == "rate":
        return f"{value:.1f}%"
    return f"{value:.1f}"


def change_text(m: Measure, value: float | None, before: float | None) -> str:
    """Against a comparison value: percent for counts and durations, points for a rate."""
    if value is None or before is None:
        return ""
    if m.shape == "rate":
        return _("%(sign)s%(n).1f个百分点") % {"sign": "+" if value >= before else "", "n": value - before}
    if not before:
        return ""
    pct = 100 * (value - before) / before
    return f"{'+' if pct >= 0 else ''}{pct:.1f}%"


@dataclass
class ShownValue:
    measure: Measure
    value: float | None
    previous: float | None
    last_year: float | None
    drill_url: str = ""

    @property
    def text(self) -> str:
        return number_text(self.measure, self.value)

    @property
    def previous_text(self) -> str:
        return number_text(self.measure, self.previous)

    @property
    def last_year_text(self) -> str:
        return number_text(self.measure, self.last_year)

    @property
    def previous_change(self) -> str:
        return change_text(self.measure, self.value, self.previous)

    @property
    def last_year_change(self) -> str:
        return change_text(self.measure, self.value, self.last_year)


@dataclass
class ShownRow:
    labels: list[str]
    keys: list[str]
    values: list[ShownValue] = field(default_factory=list)


def drill_url(
    query: StatsQuery, measure: Measure, keys: Sequence[str], params: Mapping[str, str], *, dims: str = ""
) -> str:
    """The drill-down page of one cell: the query's range and filters, ``by`` and the cell."""
    wanted = {
        "measure": measure.code,
        "by": dims or ",".join(d.code for d in query.by),
        "cell": ",".join(keys),
        "from": query.date_from.isoformat(),
        "to": query.date_to.isoformat(),
        **filter_params(params),
    }
    if not wanted["by"]:
        wanted.pop("cell")
    return reverse("web:reports-drill") + "?" + urlencode({k: v for k, v in wanted.items() if v != ""})


def shown_rows(result: StatsResult, params: Mapping[str, str]) -> list[ShownRow]:
    query = result.query
    rows = []
    for row in result.rows:
        keys = [d["key"] for d in row["dimensions"]]
        shown = ShownRow([d["label"] for d in row["dimensions"]], keys)
        for m, v in zip(query.measures, row["values"], strict=True):
            url = drill_url(query, m, keys, params) if m.shape == "count" and v["value"] else ""
            shown.values.append(ShownValue(m, v["value"], v["previous"], v["last_year"], url))
        rows.append(shown)
    return rows


# --- the page ------------------------------------------------------------------------------


def unit_choices(user: AnyUser) -> list[tuple[str, str]]:
    """The units the filter offers: every unit to the centre, its subtree to a unit head."""
    units = Unit.objects.order_by("path")
    if not getattr(user, "is_superuser", False):
        memberships = [m for m in memberships_of(user) if m.role in STATS_ROLES]
        if not any(m.role in CENTRE_ROLES for m in memberships):
            match = [m.unit.path for m in memberships]
            units = units.filter(pk__in=[u.pk for u in Unit.objects.all() if u.path.startswith(tuple(match))])
    return [(u.code, "\u3000" * (u.path.strip("/").count("/")) + u.name) for u in units]


def category_choices() -> list[tuple[str, str]]:
    parents = dict(Category.objects.values_list("pk", "parent_id"))

    def depth(pk: int) -> int:
        n, seen = 0, {pk}
        while (pk := parents.get(pk)) is not None and pk not in seen:  # type: ignore[assignment]
            seen.add(pk)
            n += 1
        return n

    return [
        (c.code, "\u3000" * depth(c.pk) + c.name)
        for c in Category.objects.order_by("code").only("pk", "code", "name")
    ]


def dimension_choices() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for code, label in DIMENSION_LABELS.items():
        out.append((code, str(label)))
        for level in LEVELS.get(code, ()):
            out.append((f"{code}:{level}", _("%(label)s(第%(level)s级)") % {"label": label, "level": level}))
    return out


def presets(today: date, params: Mapping[str, str]) -> list[dict[str, Any]]:
    """Quick ranges: this and last month, quarter and year."""
    out = []
    spans: list[tuple[str, str, PeriodKind, int]] = [
        ("last-month", _("上月"), "month", -1),
        ("this-month", _("本月"), "month", 0),
        ("last-quarter", _("上季度"), "quarter", -1),
        ("this-quarter", _("本季度"), "quarter", 0),
        ("last-year", _("去年"), "year", -1),
        ("this-year", _("今年"), "year", 0),
    ]
    for code, label, kind, n in spans:
        start = shift(period_start(today, kind), kind, n)
        end = period_end(start, kind)
        active = params.get("from") == start.isoformat() and params.get("to") == end.isoformat()
        query = query_string(params, **{"from": start.isoformat(), "to": end.isoformat()})
        out.append({"code": code, "label": label, "url": "?" + query, "active": active})
    return out


def _values(result: StatsResult) -> dict[str, dict[str, float | None]]:
    """The one row of a summary (by nothing, or by the range's one period); empty: no facts."""
    if not result.rows:
        return {}
    return {v["measure"]: v for v in result.rows[0]["values"]}


@dataclass(frozen=True)
class Summary:
    """The range's headline figures beside the same figures of the comparison ranges."""

    current: StatsResult
    previous: StatsResult
    last_year: StatsResult

    def rows(self, params: Mapping[str, str]) -> list[ShownValue]:
        now, before, year_ago = (_values(r) for r in (self.current, self.previous, self.last_year))
        rows = []
        for code in SUMMARY:
            m = MEASURES[code]
            zero = 0.0 if m.shape == "count" else None
            value, previous, last_year = (
                (v.get(code) or {}).get("value", zero) for v in (now, before, year_ago)
            )
            url = drill_url(self.current.query, m, [], params) if m.shape == "count" and value else ""
            rows.append(ShownValue(m, value, previous, last_year, url))
        return rows


def summary_queries(query: StatsQuery, kind: PeriodKind | None) -> list[StatsQuery]:
    """The headline figures as three plain queries (no dimension) over the range, the calendar
    period before it and the same period a year earlier (``kind``: the range is that one
    whole period; else the same number of days right before)."""
    measures = tuple(MEASURES[c] for c in (*SUMMARY, *SATISFACTION))
    previous, last_year = comparison_ranges(
        StatsQuery(measures, period_dimension(kind), query.date_from, query.date_to)
    )
    return [
        StatsQuery(measures, (), span.start, span.end, query.filters, compare=False)
        for span in (Range(query.date_from, query.date_to), previous, last_year)
    ]


def trend_data(result: StatsResult, grain: PeriodKind) -> dict[str, Any]:
    """Every period of the range (empty ones as 0) and one series per measure."""
    query = result.query
    by_key = {row["dimensions"][0]["key"]: row["values"] for row in result.rows}
    keys, labels = [], []
    at = period_start(query.date_from, grain)
    while at <= query.date_to:
        keys.append(period_key(at, grain))
        labels.append(day_label(at) if grain == "day" else period_label(at, grain))
        at = shift(at, grain, 1)
    series = []
    for i, m in enumerate(query.measures):
        data = [(by_key[k][i]["value"] or 0) if k in by_key else 0 for k in keys]
        series.append({"code": m.code, "name": str(m.label), "data": data})
    return {"grain": grain, "grainLabel": str(DIMENSION_LABELS[grain]), "labels": labels, "series": series}


def breakdown_data(result: StatsResult) -> dict[str, Any] | None:
    """The table's first measure by its first dimension: this period, the previous and last
    year's as series; with a second dimension, one series per value of it (stacked)."""
    query = result.query
    if not query.by or not result.rows:
        return None
    m = query.measures[0]
    x_labels: list[str] = []
    for row in result.rows:
        label = row["dimensions"][0]["label"]
        if label not in x_labels:
            x_labels.append(label)
    if len(query.by) == 1:
        series = [
            {"name": name, "data": [row["values"][0][part] for row in result.rows]}
            for part, name in (("value", _("本期")), ("previous", _("上期")), ("last_year", _("去年同期")))
            if query.compare or part == "value"
        ]
        stacked = False
    else:
        cells: dict[str, dict[str, float | None]] = {}
        for row in result.rows:
            first, second = row["dimensions"][0]["label"], row["dimensions"][1]["label"]
            cells.setdefault(second, {})[first] = row["values"][0]["value"]
        series = [{"name": name, "data": [cells[name].get(x) for x in x_labels]} for name in cells]
        stacked = m.shape == "count"
    return {
        "measure": str(m.label),
        "unit": m.unit,
        "period": query.by[0].is_period,
        "labels": x_labels,
        "series": series,
        "stacked": stacked,
    }


def satisfaction_data(result: StatsResult) -> list[dict[str, Any]]:
    values = _values(result)
    return [
        {"code": code, "name": str(MEASURES[code].label), "value": (values.get(code) or {}).get("value") or 0}
        for code in SATISFACTION
    ]


@dataclass(frozen=True)
class DocumentLink:
    title: str
    unit: str
    pdf: str
    xlsx: str


def monthly_documents(user: AnyUser, start: date, kind: PeriodKind | None) -> list[DocumentLink]:
    """The month's generated 《客户投诉处理统计分析报告》 (``hotline.reports.documents``: PDF and
    Excel) the user may see, when the range is one month. Guarded: the documents feature is
    built beside this page; without it (or its table) the page shows no download links."""
    if kind != "month":
        return []
    try:
        from hotline.reports.documents.selectors import documents_for, file_url
    except ImportError:
        return []
    try:
        with transaction.atomic():  # a savepoint: a missing table must not break the request
            found = list(
                documents_for(user, kind="monthly", period=period_key(start, "month"), latest=True)[:10]
            )
    except DatabaseError:
        return []
    return [DocumentLink(d.title, d.unit.name, file_url(d, "pdf"), file_url(d, "xlsx")) for d in found]


def _form_context(request: HttpRequest, params: Mapping[str, str]) -> dict[str, Any]:
    by = [part for part in params.get("by", "").split(",") if part] + ["", ""]
    return {
        "params": params,
        "chosen_measures": set(params.get("measure", "").split(",")),
        "by1": by[0],
        "by2": by[1],
        "compare": params.get("compare", "true").lower() not in ("0", "false", "no"),
        "measures": list(MEASURES.values()),
        "dimension_choices": dimension_choices(),
        "unit_choices": unit_choices(request.user),
        "category_choices": category_choices(),
        "type_choices": TicketType.choices,
        "channel_choices": Channel.choices,
        "severity_choices": Severity.choices,
        "customer_class_choices": [c for c in CustomerClass.choices if c[0]],
        "presets": presets(timezone.localdate(), params),
        "hot_query": urlencode({k: params[k] for k in ("from", "to", *FILTERS) if params.get(k)}),
    }


@reports_staff
@require_GET
def centre(request: HttpRequest) -> HttpResponse:
    params = request_params(request)
    context = _form_context(request, params)
    try:
        query = parse_query(params)
        context.update(_report(request.user, query, params))
    except HotlineError as error:
        context["error"] = error
        return render(request, "web/reports/centre.html", context, status=error.status)
    return render(request, "web/reports/centre.html", context)


def _report(user: AnyUser, query: StatsQuery, params: Mapping[str, str]) -> dict[str, Any]:
    now = timezone.now()
    start, end = query.date_from, query.date_to
    kind = whole_period(start, end)
    grain = trend_grain(start, end)
    trend_query = StatsQuery(
        tuple(MEASURES[c] for c in TREND), period_dimension(grain), start, end, query.filters, compare=False
    )
    # the summary's three ranges, the trend and the table read together (one pass over the
    # facts where the table allows it: ``reports.batch``) — the same numbers as five ``stats``
    *ranges, trend, table = stats_batch(user, [*summary_queries(query, kind), trend_query, query], now=now)
    figures = Summary(*ranges)
    charts = {
        "trend": trend_data(trend, grain),
        "breakdown": breakdown_data(table),
        "satisfaction": satisfaction_data(figures.current),
    }
    return {
        "query": query,
        "documents": monthly_documents(user, start, kind),
        "range_label": period_label(start, kind) if kind else f"{start.isoformat()} — {end.isoformat()}",
        "summary": figures.rows(params),
        "previous": Range(figures.previous.query.date_from, figures.previous.query.date_to),
        "last_year": Range(figures.last_year.query.date_from, figures.last_year.query.date_to),
        "table": table,
        "table_rows": shown_rows(table, params),
        "dimensions": [d.label for d in query.by],
        "charts": charts,
    }
