"""Repeats and batches on the workbench (ADR 0024): the intake's repeat panel, the ticket
page's confirm/dismiss of a suggested link, and the batches (批量投诉) of the board.

Views only check the page, shape input and show the outcome; ``hotline.similar.services``
decides and writes, ``hotline.similar.selectors`` scopes. A missing batch or ticket and one
the user may not see are the same Chinese 404 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import Forbidden, HotlineError, NotFound
from hotline.core.parsing import small_int
from hotline.org.selectors import memberships_of
from hotline.similar.models import BatchStatus
from hotline.similar.selectors import (
    access_batch,
    batch_tickets,
    batches_visible_to,
    complainants,
    intake_suggestions,
)
from hotline.similar.services import BATCH_ROLES, batch_confirm, batch_dismiss, link_confirm, link_dismiss
from hotline.tickets.models import Ticket
from hotline.web.forms_ticket import PHONE_MAX_LENGTH
from hotline.web.views.ticket_common import error_page, visible_ticket
from hotline.workflow.roles import CENTRE_ROLES, INTAKE_ROLES

TEXT_LIMIT = 2000  # of the description: what detection reads of it too
LIST_SIZE = 50


def _roles(request: HttpRequest) -> set[str]:
    roles = {m.role for m in memberships_of(request.user)}
    if getattr(request.user, "is_superuser", False):
        roles.add("admin")
    return roles


def _field(request: HttpRequest, name: str, limit: int) -> str:
    return str(request.POST.get(name) or "")[:limit]


@login_required
@require_POST
def intake_panel(request: HttpRequest) -> HttpResponse:
    """重复投诉提示: the intake form posts its draft here while the agent types (htmx); the
    answer lists the caller's earlier tickets alike it, each with 关联 (the first: Alt+L).
    ``choose`` (a suggested number) or ``repeat_of`` (kept from before) is the link chosen:
    a hidden field of the intake form, so registration links it (confirmed)."""
    if not _roles(request) & INTAKE_ROLES:
        return error_page(request, Forbidden(_("您没有受理登记的角色"), code="no_intake_role"))
    suggestions = intake_suggestions(
        request.user,
        phone=_field(request, "complainant.phone", PHONE_MAX_LENGTH),
        email=_field(request, "complainant.email", 254),
        subject=_field(request, "subject", 200),
        description=_field(request, "description", TEXT_LIMIT),
        respondent=_field(request, "respondent.name", 128),
        unit=_field(request, "unit", 32),
    )
    numbers = {s.ticket.number for s in suggestions}
    chosen = _field(request, "choose", 20) or _field(request, "repeat_of", 20)
    if "unlink" in request.POST or (chosen and chosen not in numbers and "choose" in request.POST):
        chosen = ""
    context = {"suggestions": suggestions, "chosen": chosen, "live": True}
    return render(request, "web/similar/_intake.html", context)


@login_required
@require_POST
@visible_ticket
def link_decide(request: HttpRequest, ticket: Ticket, pk: str, decision: str) -> HttpResponse:
    """确认 / 排除 a suggested link on the ticket page; back to the page with the outcome."""
    link_id = small_int(pk)
    if decision not in ("confirm", "dismiss") or link_id is None:
        return error_page(request, NotFound(_("关联不存在"), code="link_not_found"))
    try:
        if decision == "confirm":
            link_confirm(ticket=ticket, link_id=link_id, actor=request.user)
            messages.success(request, _("已确认为重复投诉"))
        else:
            link_dismiss(ticket=ticket, link_id=link_id, actor=request.user)
            messages.success(request, _("已排除,不再视为重复投诉"))
    except (NotFound, Forbidden) as err:
        return error_page(request, err)
    except HotlineError as err:
        messages.error(request, err.detail)
    return redirect("web:ticket", number=ticket.number)


def _board_roles(request: HttpRequest) -> bool:
    return bool(_roles(request) & CENTRE_ROLES)


@login_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    """批量投诉: suggested and confirmed batches (``?status=`` any one status)."""
    if not _board_roles(request):
        return render(request, "403.html", {"exception": _("您的角色不能使用此页面")}, status=403)
    status = str(request.GET.get("status") or "")
    if status not in BatchStatus.values:
        status = ""
    qs = batches_visible_to(request.user, status=status)
    if not status:
        qs = qs.filter(status__in=[BatchStatus.SUGGESTED, BatchStatus.CONFIRMED])
    rows = list(qs[: LIST_SIZE + 1])
    context = {
        "batches": rows[:LIST_SIZE],
        "more": len(rows) > LIST_SIZE,
        "status": status,
        "statuses": BatchStatus.choices,
    }
    return render(request, "web/similar/batches.html", context)


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: str) -> HttpResponse:
    try:
        batch = access_batch(request.user, small_int(pk) or 0)
    except NotFound as err:
        return error_page(request, err)
    context = {
        "batch": batch,
        "rows": batch_tickets(request.user, batch),
        "complainants": complainants(batch),
        "may_decide": bool(_roles(request) & BATCH_ROLES),
    }
    return render(request, "web/similar/batch.html", context)


@login_required
@require_POST
def batch_decide(request: HttpRequest, pk: str, decision: str) -> HttpResponse:
    """确认 (one parent handled, the others with it) or 排除 a batch."""
    try:
        batch = access_batch(request.user, small_int(pk) or 0)
        if decision not in ("confirm", "dismiss"):
            raise NotFound(_("批量投诉不存在或您无权查看"), code="batch_not_found")
    except NotFound as err:
        return error_page(request, err)
    version = small_int(str(request.POST.get("version") or ""))
    try:
        if decision == "confirm":
            batch = batch_confirm(
                batch=batch,
                actor=request.user,
                parent=_field(request, "parent", 20),
                expected_version=version,
            )
            parent = batch.parent.number if batch.parent else ""
            messages.success(request, _("已确认为批量投诉,主工单 %(number)s") % {"number": parent})
        else:
            batch_dismiss(batch=batch, actor=request.user, expected_version=version)
            messages.success(request, _("已排除,不作为批量投诉"))
    except Forbidden as err:
        return error_page(request, err)
    except HotlineError as err:
        messages.error(request, err.detail)
    return redirect("web:batch", pk=batch.pk)
