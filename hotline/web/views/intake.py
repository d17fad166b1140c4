"""受理登记: the one-screen, keyboard-first intake, the caller lookup and the blocklist.

Registration goes through ``workflow.registration.ticket_register``; the on-the-spot answer
is the pack's ``close`` action, taken by it in the same transaction (``close_on_the_spot``).

Before anything is saved the agent reads the record back to the caller (复述确认): the
first post shows the whole record as it would be saved — registered in a transaction that
is rolled back, so every rule of the service and the pack has been applied and every
refusal is already known — and the next post (确认登记) saves it. "返回修改" brings the
form back as typed. The number and the query code come after saving.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hotline.callers.models import BlocklistEntry
from hotline.callers.selectors import active_entries, pending_requests
from hotline.callers.services import (
    blocklist_decide,
    blocklist_request,
    blocklist_revoke,
    caller_lookup,
    may_decide_blocklist,
    may_request_blocklist,
)
from hotline.core.errors import Forbidden, HotlineError, InvalidInput, NotFound
from hotline.core.types import User
from hotline.org.models import Role, Unit
from hotline.org.selectors import memberships_of
from hotline.policies.registry import get_pack
from hotline.tickets.models import Ticket, TicketType
from hotline.web.forms_ticket import (
    PHONE_MAX_LENGTH,
    BlocklistRequestForm,
    IntakeForm,
    by_id,
    intake_draft,
    intake_units,
    put_error,
    region_options,
)
from hotline.web.views.ticket_common import error_page, page_status, visible_ticket
from hotline.workflow.registration import ticket_register

SPOT_ACTION = "close"
SPOT_CLOSING_CODE = "on_the_spot"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def spot_close_map(user: User, units: list[Unit]) -> dict[str, bool]:
    """``"<unit>|<type>"`` → whether the unit's pack lets this user close the type on the spot.

    True when the type's first stage has ``close`` leading to a final stage for a role the
    user holds over the unit (what ``allowed_actions`` will say once the ticket exists).
    """
    result: dict[str, bool] = {}
    for unit in units:
        roles = {m.role for m in memberships_of(user) if m.unit.covers(unit)}
        if user.is_superuser:
            roles.add(Role.ADMIN)
        pack = get_pack(unit.effective_policy())
        for type_code in TicketType.values:
            policy = pack.type(type_code)
            rule = policy.stage(policy.initial_stage).actions.get(SPOT_ACTION)
            result[f"{unit.code}|{type_code}"] = bool(
                rule and rule.to and policy.stage(rule.to).final and rule.allows(roles)
            )
    return result


# Refusals of an on-the-spot close, said as the screen says them next to the button.
SPOT_REFUSALS = frozenset({"no_on_the_spot_close", "role_not_allowed"})


def register_from_form(*, user: User, data: dict[str, Any], on_the_spot: bool) -> Ticket:
    """Register; with ``on_the_spot`` also close with the answer, all or nothing (the core's
    ``close_on_the_spot``)."""
    answer = (data.get("result") or "").strip()
    if on_the_spot and not answer:
        raise InvalidInput(_("请填写当场答复内容"), code="result_required", field="result")
    spot = {"closing_code": SPOT_CLOSING_CODE, "result": answer} if on_the_spot else None
    try:
        return ticket_register(draft=intake_draft(data), actor=user, close_on_the_spot=spot)
    except HotlineError as err:
        if on_the_spot and err.code in SPOT_REFUSALS:
            raise InvalidInput(
                _("按本单位政策,此类诉求不能当场办结,请登记后派单"),
                code="spot_close_unavailable",
                field="type",
            ) from err
        raise


class _DryRun(Exception):
    """Raised to roll back a registration made only to show it (复述确认)."""


def preview_from_form(*, user: User, data: dict[str, Any], on_the_spot: bool) -> Ticket:
    """The ticket as ``register_from_form`` would save it, without saving anything.

    The registration runs in a transaction that is then rolled back: the record read back
    to the caller has the service's defaults and the pack's rules applied (stage, due time,
    confidentiality, the region of the unit), and a refusal (blocklist, scope, the pack's
    on-the-spot path) shows before the caller is told anything. Messages and tasks are
    queued on commit only, so none goes out.
    """
    shown: list[Ticket] = []
    try:
        with transaction.atomic():
            shown.append(register_from_form(user=user, data=data, on_the_spot=on_the_spot))
            raise _DryRun
    except _DryRun:
        pass
    return shown[0]


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """The form (GET, or 返回修改), the read-back (first post) and the save (确认登记)."""
    user = _user(request)
    units = intake_units(user)
    if not units:
        return error_page(request, Forbidden(_("您没有受理登记的角色"), code="no_intake_role"))
    status = 200
    readback: Ticket | None = None
    on_the_spot = "on_the_spot" in request.POST
    if request.method == "POST":
        form = IntakeForm(request.POST, units=units)
        if "edit" in request.POST:
            pass  # 返回修改: the form as typed
        elif form.is_valid():
            try:
                if "confirm" in request.POST:
                    ticket = register_from_form(user=user, data=form.cleaned_data, on_the_spot=on_the_spot)
                    return redirect("web:intake_done", number=ticket.number)
                readback = preview_from_form(user=user, data=form.cleaned_data, on_the_spot=on_the_spot)
            except HotlineError as err:
                put_error(form, err)
                status = 400
        else:
            status = 400
    else:
        form = IntakeForm(units=units)
    phone = str(form["complainant.phone"].value() or "")
    context = {
        "form": form,
        "f": by_id(form),
        "readback": readback,
        "on_the_spot": on_the_spot,
        "readback_stage": _stage_label(readback) if readback is not None else "",
        "spot_map": spot_close_map(user, units),
        "region_options": region_options(units),
        "caller": caller_lookup(phone, user) if phone else None,
        "may_request": may_request_blocklist(user),
    }
    return render(request, "web/intake/intake.html", context, status=status)


def _stage_label(ticket: Ticket) -> str:
    return get_pack(ticket.policy).type(ticket.type).stage(ticket.stage).label


@login_required
@require_GET
@visible_ticket
def intake_done(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """The number and query code, large, for reading back to the caller (复述确认)."""
    user = _user(request)
    if ticket.registered_by_id != user.pk:  # the query code is for the agent who took the call
        return error_page(
            request,
            NotFound(
                _("工单“%(number)s”不存在或您无权查看") % {"number": ticket.number}, code="ticket_not_found"
            ),
        )
    return render(request, "web/intake/done.html", {"ticket": ticket, "stage_label": _stage_label(ticket)})


@login_required
@require_GET
def caller_lookup_view(request: HttpRequest) -> HttpResponse:
    """The caller panel: earlier tickets and blocklist state (also the screen pop's lookup)."""
    user = _user(request)
    if not may_request_blocklist(user):
        return error_page(request, Forbidden(_("您没有受理登记的角色"), code="no_intake_role"))
    phone = request.GET.get("phone") or request.GET.get("complainant.phone") or ""
    context = {"caller": caller_lookup(phone[:PHONE_MAX_LENGTH], user), "may_request": True}
    return render(request, "web/intake/_caller.html", context)


@login_required
@require_POST
def blocklist_request_view(request: HttpRequest) -> HttpResponse:
    """An agent asks for the caller's number to be blocked; answers with the caller panel."""
    user = _user(request)
    form = BlocklistRequestForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            blocklist_request(
                phone=form.cleaned_data["phone"], reason=form.cleaned_data["reason"], actor=user
            )
        except HotlineError as err:
            error = err.detail
    else:
        error = "；".join(str(e) for errs in form.errors.values() for e in errs)
    phone = str(form["phone"].value() or "")
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("已提交黑名单申请,待班长审批"))
        return redirect(reverse("web:intake"))
    context = {
        "caller": caller_lookup(phone, user),
        "may_request": may_request_blocklist(user),
        "blocklist_error": error,
        "blocklist_reason": form["reason"].value() or "",
        "blocklist_done": not error,
    }
    return render(
        request, "web/intake/_caller.html", context, status=page_status(request, 400 if error else 200)
    )


@login_required
@require_GET
def blocklist(request: HttpRequest) -> HttpResponse:
    """Blocklist requests waiting for a team leader, and the entries in force."""
    user = _user(request)
    if not may_request_blocklist(user) and not may_decide_blocklist(user):
        return error_page(request, Forbidden(_("您无权查看黑名单"), code="blocklist_forbidden"))
    context = {
        "pending": list(pending_requests()[:200]),
        "active": list(active_entries()[:200]),
        "may_decide": may_decide_blocklist(user),
    }
    return render(request, "web/intake/blocklist.html", context)


@login_required
@require_POST
def blocklist_decide_view(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    user = _user(request)
    entry = BlocklistEntry.objects.filter(pk=pk).first()
    if entry is None or decision not in ("approve", "reject", "revoke"):
        return error_page(request, NotFound(_("黑名单条目不存在"), code="blocklist_not_found"))
    note = request.POST.get("note", "")[:1000]
    try:
        if decision == "revoke":
            blocklist_revoke(entry=entry, actor=user, note=note)
        else:
            blocklist_decide(entry=entry, approve=decision == "approve", actor=user, note=note)
    except Forbidden as err:
        return error_page(request, err)
    except HotlineError as err:
        messages.error(request, err.detail)
    else:
        verb = {"approve": _("已批准"), "reject": _("已驳回"), "revoke": _("已撤销")}[decision]
        messages.success(request, f"{verb}:{entry.phone}")
    return redirect("web:blocklist")
