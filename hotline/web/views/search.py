"""The workbench's search page (检索): one box over tickets and knowledge articles.

Thin: ``hotline.search.services.search`` scopes, matches, masks and cuts the snippets; this
view reads the box and the filters and shows a refusal (empty box, a number too short, a bad
date) as a Chinese message, never a 500. Works without JavaScript; htmx swaps the results.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hotline.core.errors import InvalidInput
from hotline.core.parsing import small_int
from hotline.knowledge.services import is_staff_member
from hotline.org.models import Unit
from hotline.org.selectors import memberships_of
from hotline.search.services import Page, read_filters, search
from hotline.tickets.models import Status, TicketType
from hotline.workflow.access import units_under


def article_url(pk: int) -> str:
    """The article's page in the knowledge base (``web:kb-article``), or "" while that page
    is not installed."""
    try:
        return reverse("web:kb-article", args=[pk])
    except NoReverseMatch:
        return ""


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    if not is_staff_member(request.user):
        return render(request, "403.html", {"exception": _("您的角色不能使用此页面")}, status=403)
    params = request.GET
    kind = "article" if params.get("kind") == "article" else "ticket"
    q = params.get("q", "")
    page: Page | None = None
    error = ""
    if q.strip():
        try:
            filters = read_filters(
                type=params.get("type", ""),
                unit=params.get("unit", ""),
                status=params.get("status", ""),
                received_from=params.get("from", ""),
                received_to=params.get("to", ""),
            )
            page = search(
                request.user, q, kind=kind, filters=filters, page=small_int(params.get("page", "")) or 1
            )
        except InvalidInput as exc:
            error = exc.detail
    query = params.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "q": q,
        "kind": kind,
        "page": page,
        "error": error,
        "rows": _rows(page),
        "query": query.urlencode(),
        "kind_query": _without(params, "kind", "page"),
        "params": params,
        "types": TicketType.choices,
        "statuses": Status.choices,
        "units": _units(request),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request and htmx.target == "search-results":
        return render(request, "web/search_results.html", context)
    return render(request, "web/search.html", context)


def _rows(page: Page | None) -> list[dict[str, Any]]:
    if page is None:
        return []
    if page.kind == "ticket":
        return [
            {"hit": hit, "url": reverse("web:ticket", args=[hit.ticket.number])}  # type: ignore[union-attr]
            for hit in page.hits
        ]
    return [{"hit": hit, "url": article_url(hit.article.pk)} for hit in page.hits]  # type: ignore[union-attr]


def _units(request: HttpRequest) -> list[Unit]:
    """The units offered as a filter: the user's own and those below (all for a superuser)."""
    units = Unit.objects.filter(is_active=True).order_by("path")
    if getattr(request.user, "is_superuser", False):
        return list(units)
    return list(units.filter(pk__in=units_under(m.unit for m in memberships_of(request.user))))


def _without(params: Any, *names: str) -> str:
    query = params.copy()
    for name in names:
        query.pop(name, None)
    encoded: str = query.urlencode()
    return encoded
