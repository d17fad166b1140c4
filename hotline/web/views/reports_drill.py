"""The report centre's drill-down (a cell's tickets) and hot topics: the pages the centre links to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hotline.core.errors import HotlineError, InvalidInput
from hotline.core.parsing import small_int
from hotline.reports.hot import Hot, hot_categories, hot_words
from hotline.reports.measures import (
    MEASURES,
    Dimension,
    Measure,
)
from hotline.reports.query import StatsQuery, parse_query
from hotline.reports.selectors import (
    DRILL_LIMIT,
    Range,
    drill,
)
from hotline.reports.selectors import (
    labels as dimension_labels,
)
from hotline.web.rows import Row, stage_label
from hotline.web.views.reports import (
    DRILL_PAGE,
    HOT_CACHE_SECONDS,
    drill_url,
    filter_params,
    period_dimension,
    query_string,
    reports_staff,
    request_params,
    single,
    whole_period,
)
from hotline.workflow.access import tickets_visible_to
from hotline.workflow.selectors import due_mark

# --- drill-down ----------------------------------------------------------------------------


def _one_measure(query: StatsQuery) -> Measure:
    if len(query.measures) != 1:
        raise InvalidInput(_("下钻一次只能指定一个指标"), code="stats_one_measure", field="measure")
    return query.measures[0]


@reports_staff
@require_GET
def drill_list(request: HttpRequest) -> HttpResponse:
    """The tickets behind one cell (``measure``, ``by``, ``cell``, range and filters, as the
    API's ``/api/v1/stats/drill/``), 50 a page; only tickets the user may see."""
    params = single(request)
    try:
        query = parse_query(params)
        measure = _one_measure(query)
        cell = params.get("cell", "").split(",") if query.by else []
        numbers = drill(request.user, query, measure, cell)
    except HotlineError as error:
        return render(
            request, "web/reports/drill.html", {"error": error, "params": params}, status=error.status
        )
    page = max(1, small_int(params.get("page", "")) or 1)
    chunk = numbers[(page - 1) * DRILL_PAGE : page * DRILL_PAGE]
    found = {
        t.number: t
        for t in tickets_visible_to(request.user).filter(number__in=chunk).select_related("unit", "handler")
    }
    now = timezone.now()
    rows = [Row(t, due_mark(t, now), stage_label(t)) for n in chunk if (t := found.get(n))]
    cell_labels = [
        {"dimension": dim.label, "label": dimension_labels(dim, [key])[key]}
        for dim, key in zip(query.by, cell, strict=True)
    ]
    back = {
        "measure": measure.code,
        "by": ",".join(d.code for d in query.by) or "",
        "from": query.date_from.isoformat(),
        "to": query.date_to.isoformat(),
        **filter_params(params),
    }
    pages = (len(numbers) + DRILL_PAGE - 1) // DRILL_PAGE
    context = {
        "params": params,
        "measure": measure,
        "query": query,
        "cell_labels": cell_labels,
        "count": len(numbers),
        "truncated": len(numbers) >= DRILL_LIMIT,
        "rows": rows,
        "page": page,
        "pages": pages,
        "prev_url": "?" + query_string(params, page=str(page - 1)) if page > 1 else "",
        "next_url": "?" + query_string(params, page=str(page + 1)) if page < pages else "",
        "back_url": reverse("web:reports") + "?" + urlencode({k: v for k, v in back.items() if v}),
    }
    return render(request, "web/reports/drill.html", context)


# --- hot topics ----------------------------------------------------------------------------


@dataclass
class ShownHot:
    hot: Hot
    drill_url: str = ""

    @property
    def growth_text(self) -> str:
        growth = self.hot.growth
        return _("新出现") if growth is None else f"+{growth:.1f}%"


@reports_staff
@require_GET
def hot(request: HttpRequest) -> HttpResponse:
    """Hot topics of the range (after the first screen: htmx loads it into the page)."""
    params = request_params(request)
    context: dict[str, Any] = {"params": params, "hot_query": request.GET.urlencode()}
    try:
        query = parse_query({**params, "measure": "received", "by": ""})
        start, end = query.date_from, query.date_to
        kind = whole_period(start, end)
        categories, previous = hot_categories(
            request.user, start, end, query.filters, period=period_dimension(kind)[0] if kind else None
        )
        key = "reports:hot:" + urlencode(
            {"user": request.user.pk, "from": start, "to": end, **filter_params(params)}
        )
        words = cache.get(key)
        if words is None:
            words = hot_words(request.user, Range(start, end), previous, query.filters)
            cache.set(key, words, HOT_CACHE_SECONDS)
    except HotlineError as error:
        context["error"] = error
        status = 200 if getattr(request, "htmx", False) else error.status
        template = "web/reports/_hot.html" if getattr(request, "htmx", False) else "web/reports/hot.html"
        return render(request, template, context, status=status)
    received = MEASURES["received"]
    by_category = StatsQuery((received,), (Dimension("category", "category"),), start, end, query.filters)
    context.update(
        {
            "categories": [
                ShownHot(h, drill_url(by_category, received, [h.key], params)) for h in categories
            ],
            "words": words,
            "previous": previous,
            "range": Range(start, end),
        }
    )
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, "web/reports/_hot.html", context)
    return render(request, "web/reports/hot.html", context)
