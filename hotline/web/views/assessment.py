"""The assessment pages (考核): the ranking with a period picker, a unit's or handler's card,
and the ranking as an Excel workbook.

Thin: ``assessment.selectors`` decides who sees which cards and counts, ``scoring`` scores,
``present`` writes the workbook. Plain GET forms, no script of our own (CSP); a refused or
missing unit is the same Chinese page as everywhere (``error_page``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from hotline.assessment.periods import Period, parse_period, recent_periods
from hotline.assessment.present import ranking_xlsx
from hotline.assessment.selectors import (
    Ranking,
    handler_card,
    handler_ranking,
    may_view,
    scope_of,
    unit_by_code,
    unit_card,
    unit_ranking,
)
from hotline.core.errors import HotlineError
from hotline.web.views.ticket_common import error_page, staff_page

assessment_staff = staff_page(may_view, _("您的角色不能查看考核成绩"))

KINDS = ("units", "handlers")


def _period(request: HttpRequest) -> Period:
    params = {k: request.GET.get(k, "") for k in ("period", "from", "to")}
    return parse_period({k: v for k, v in params.items() if v})


def _ranking(request: HttpRequest) -> tuple[str, Ranking]:
    kind = request.GET.get("kind") or ("units" if scope_of(request.user).unit_ids else "handlers")
    kind = kind if kind in KINDS else "units"
    period = _period(request)
    if kind == "handlers":
        code = request.GET.get("unit", "")
        return kind, handler_ranking(request.user, period, unit=unit_by_code(code) if code else None)
    code = request.GET.get("parent", "")
    return kind, unit_ranking(request.user, period, parent=unit_by_code(code) if code else None)


def _picker(request: HttpRequest, period: Period) -> dict[str, Any]:
    custom = bool(request.GET.get("from") or request.GET.get("to"))
    return {
        "periods": recent_periods(timezone.localdate()),
        "period": period,
        "custom": custom,
        "date_from": request.GET.get("from", ""),
        "date_to": request.GET.get("to", ""),
    }


def _period_query(period: Period) -> str:
    if "~" in period.key:
        return f"from={period.start.isoformat()}&to={period.end.isoformat()}"
    return f"period={period.key}"


@assessment_staff
@require_GET
def ranking_page(request: HttpRequest) -> HttpResponse:
    try:
        kind, ranking = _ranking(request)
    except HotlineError as err:
        return error_page(request, err)
    scope = scope_of(request.user)
    context = {
        "kind": kind,
        "ranking": ranking,
        "period_query": _period_query(ranking.period),
        "may_rank_handlers": True,
        "may_rank_units": bool(scope.unit_ids),
        "parent": ranking.parent,
        "xlsx_query": request.GET.urlencode(),
        **_picker(request, ranking.period),
    }
    return render(request, "web/assessment/ranking.html", context)


@assessment_staff
@require_GET
def ranking_download(request: HttpRequest) -> HttpResponse:
    try:
        kind, ranking = _ranking(request)
    except HotlineError as err:
        return error_page(request, err)
    response = HttpResponse(
        ranking_xlsx(ranking),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"assessment-{kind}-{ranking.period.key.replace('~', '_')}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@assessment_staff
@require_GET
def unit_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        period = _period(request)
        card = unit_card(request.user, code, period)
    except HotlineError as err:
        return error_page(request, err)
    context = {"card": card, "period_query": _period_query(period), **_picker(request, period)}
    return render(request, "web/assessment/card.html", context)


@assessment_staff
@require_GET
def handler_page(request: HttpRequest, username: str) -> HttpResponse:
    try:
        period = _period(request)
        card = handler_card(request.user, username, period)
    except HotlineError as err:
        return error_page(request, err)
    context = {"card": card, "period_query": _period_query(period), **_picker(request, period)}
    return render(request, "web/assessment/card.html", context)
