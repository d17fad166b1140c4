"""The worklist as an export source (``worklist``): registered from the web layer, where the
worklist's query and filters live; ``WebConfig.ready`` imports this module so the web
process and the worker both know it.

The rows are exactly the worklist's tickets for the same query string (tab and filters,
every page): ``tests/exports/test_worklist_source.py`` holds them equal to the page's.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_lazy

from hotline.core.errors import Forbidden
from hotline.core.types import AnyUser
from hotline.exports.sources import Listing, Params, register_source, ticket_listing
from hotline.org.models import Role
from hotline.tickets.models import Ticket
from hotline.web import selectors
from hotline.web.forms_work import WorklistFilterForm
from hotline.workflow.selectors import open_tickets, overdue_q, search_q

WORKLIST_PARAMS = frozenset({"tab", "stage", "type", "severity", "category", "overdue", "q"})


def worklist_queryset(user: AnyUser, params: Params, now: datetime) -> tuple[str, QuerySet[Ticket]]:
    """The tab and every ticket of the worklist for this query string, in the page's order
    (the filters of ``selectors.worklist``, without the page cut; an invalid filter is
    dropped as the page drops it)."""
    form = WorklistFilterForm(dict(params), stages=selectors.stage_choices(selectors.packs_in_use(user)))
    filters = form.filters()
    only_own = selectors.roles_of(user) <= {Role.HANDLER, Role.AGENT}
    tab = form.cleaned_data.get("tab") or ("mine" if only_own else "unit")
    qs = open_tickets(user)
    if tab == "mine":
        qs = qs.filter(selectors.my_tickets_q(user))
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.category:
        qs = qs.filter(Q(category_id=filters.category) | Q(category__parent_id=filters.category))
    if filters.overdue:
        qs = qs.filter(overdue_q(now))
    if filters.q:
        qs = qs.filter(search_q(filters.q))
    return tab, qs


def _worklist(user: AnyUser, params: Params, now: datetime) -> Listing:
    if "worklist" not in selectors.allowed_pages(user):
        raise Forbidden(gettext("您的角色不能使用工单列表"), code="export_forbidden")
    tab, qs = worklist_queryset(user, params, now)
    title = gettext("我的工单") if tab == "mine" else gettext("本单位工单")
    return ticket_listing(user, qs, title=title, now=now)


register_source("worklist", label=gettext_lazy("工单列表(工作台)"), params=WORKLIST_PARAMS, build=_worklist)
