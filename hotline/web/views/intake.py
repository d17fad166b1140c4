"""受理登记: the one-screen, keyboard-first intake, the caller lookup and the blocklist.

Registration goes through ``workflow.registration.ticket_register``; the on-the-spot answer
is the pack's ``close`` action, taken by it in the same transaction (``close_on_the_spot``).

Before anything is saved the agent reads the record back to the caller (复述确认): the
first post shows the whole record as it would be saved — registered in a transaction that
is rolled back, so every rule of the service and the pack has been applied and every
refusal is already known — and the next post (确认登记) saves it. "返回修改" brings the
form back as typed. The number and the query code come after saving.

A response script (规范应答, ``views.scripts``) walked in the side panel takes the same
path: its button (按应答办结 / 按应答派单) posts the form with the script and the answers,
the read-back shows the outcome as well — the reply to be saved, or the unit and the reply
time promised — and 确认登记 saves it through ``knowledge.walks.register_with_script``.

From the screen pop (``views.phone``, Alt+N) the form opens with ``?call=``: the caller's
number prefilled, the call carried as a hidden field through the read-back, and the ticket
linked to the call (``telephony.services.link_ticket``) in the registration's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

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
from hotline.core.phones import format_phone
from hotline.core.types import User
from hotline.knowledge.models import Script
from hotline.knowledge.walks import get_script, register_with_script, script_walk
from hotline.org.models import Role, Unit
from hotline.org.selectors import memberships_of
from hotline.policies.registry import get_pack
from hotline.telephony.models import Call, CallTicket
from hotline.telephony.services import link_ticket
from hotline.tickets.models import Ticket, TicketEvent, TicketType
from hotline.tickets.numbering import rehearsal
from hotline.web.forms_ticket import (
    PHONE_MAX_LENGTH,
    BlocklistRequestForm,
    IntakeForm,
    by_id,
    intake_draft,
    intake_units,
    put_error,
    region_options,
    script_answers,
)
from hotline.web.views.phone import call_for
from hotline.web.views.scripts import (
    WalkState,
    answer_script_summary,
    chosen_script,
    phrase_groups,
    picked_script_id,
    picker_context,
    promised_at_text,
    refuse_walk,
    walk_state,
)
from hotline.web.views.ticket_common import error_page, page_status, visible_ticket
from hotline.workflow.kinds import EventKind
from hotline.workflow.major import major_reasons
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


def register_from_form(
    *, user: User, data: dict[str, Any], on_the_spot: bool, call: Call | None = None
) -> Ticket:
    """Register; with ``on_the_spot`` also close with the answer, all or nothing (the core's
    ``close_on_the_spot``). With ``call`` the ticket is linked to the call it was taken on
    (``then``: in the same transaction)."""
    answer = (data.get("result") or "").strip()
    if on_the_spot and not answer:
        raise InvalidInput(_("请填写当场答复内容"), code="result_required", field="result")
    spot = {"closing_code": SPOT_CLOSING_CODE, "result": answer} if on_the_spot else None
    then = (lambda ticket: _link_call(call, ticket, user)) if call is not None else None
    try:
        return ticket_register(draft=intake_draft(data), actor=user, close_on_the_spot=spot, then=then)
    except HotlineError as err:
        if on_the_spot and err.code in SPOT_REFUSALS:
            raise InvalidInput(
                _("按本单位政策,此类诉求不能当场办结,请登记后派单"),
                code="spot_close_unavailable",
                field="type",
            ) from err
        raise


def register_by_script(
    *, user: User, data: dict[str, Any], script: Script, posted: Mapping[str, Any]
) -> Ticket:
    """Register as the walked script decides, all or nothing (``register_with_script``):
    closed on the spot with the wording (or the 当场答复内容 typed) as the reply, or
    registered with the script's category and dispatched to its unit where the pack lets
    the agent. The answers, the judgement and the promised time go on the ticket's history."""
    answers = script_answers(posted, script.questions)
    try:
        ticket, _walk = register_with_script(
            draft=intake_draft(data),
            actor=user,
            script=script,
            answers=answers,
            result=data.get("result") or "",
        )
    except HotlineError as err:
        if err.code in SPOT_REFUSALS and script_walk(script, answers).outcome == "close":
            raise InvalidInput(
                _("按本单位政策,此类诉求不能按应答当场办结,请登记后派单"),
                code="spot_close_unavailable",
                field="type",
            ) from err
        raise
    return ticket


class _DryRun(Exception):
    """Raised to roll back a registration made only to show it (复述确认)."""


T = TypeVar("T")


def _dry_run(register: Callable[[], T]) -> T:
    shown: list[T] = []
    try:
        with transaction.atomic(), rehearsal():
            shown.append(register())
            raise _DryRun
    except _DryRun:
        pass
    return shown[0]


def preview_from_form(*, user: User, data: dict[str, Any], on_the_spot: bool) -> Ticket:
    """The ticket as ``register_from_form`` would save it, without saving anything.

    The registration runs in a transaction that is then rolled back: the record read back
    to the caller has the service's defaults and the pack's rules applied (stage, due time,
    confidentiality, the region of the unit), and a refusal (blocklist, scope, the pack's
    on-the-spot path) shows before the caller is told anything. Messages and tasks are
    queued on commit only, so none goes out.
    """
    return _dry_run(lambda: register_from_form(user=user, data=data, on_the_spot=on_the_spot))


def preview_by_script(
    *, user: User, data: dict[str, Any], script: Script, posted: Mapping[str, Any]
) -> Ticket:
    """The ticket as ``register_by_script`` would save it (closed, or dispatched), unsaved."""
    return _dry_run(lambda: register_by_script(user=user, data=data, script=script, posted=posted))


def _script_required() -> InvalidInput:
    return InvalidInput(_("请先选择规范应答脚本"), code="script_required", field="script")


def _walk_of(
    user: User, posted: Mapping[str, Any], *, picking: bool
) -> tuple[WalkState | None, HotlineError | None]:
    """The script panel as posted: the script opened (``pick_script``) or carried (``script``)
    with the answers so far; ``drop_script`` closes it. A script the user may not walk is
    refused here, in Chinese."""
    if "drop_script" in posted:
        return None, None
    try:
        picked = picked_script_id(posted) if picking else ""
        script = get_script(user, picked) if picked else chosen_script(user, posted)
    except HotlineError as err:
        return None, err
    if script is None:
        return None, _script_required() if picking else None
    try:
        return walk_state(script, {} if picking else posted), None
    except HotlineError as err:  # a promise out of the calendar's range
        return None, err


def _checked_walk(state: WalkState | None, posted: Mapping[str, Any]) -> HotlineError | None:
    """Why the walk cannot be saved yet (no script; an unanswered question), or ``None``."""
    if state is None:
        return _script_required()
    if state.missing:
        try:
            script_walk(state.script, script_answers(posted, state.script.questions))
        except HotlineError as err:
            refuse_walk(state, err)
            return err
    return None


def _link_call(call: Call | None, ticket: Ticket, user: User) -> None:
    if call is not None:
        link_ticket(call=call, ticket=ticket, relation=CallTicket.Relation.REGISTERED, by=user)


def _call_of(request: HttpRequest, user: User) -> tuple[Call | None, bool]:
    """The call the ticket is taken on (``?call=`` from the screen pop, then a hidden field):
    one the user may see, else refused (``False``) as not found."""
    raw = (request.POST.get("call") if request.method == "POST" else request.GET.get("call")) or ""
    if not raw:
        return None, True
    call = call_for(user, int(raw)) if raw.isdigit() and len(raw) < 19 else None
    return call, call is not None


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """The form (GET, or 返回修改), the read-back (first post) and the save (确认登记)."""
    user = _user(request)
    units = intake_units(user)
    if not units:
        return error_page(request, Forbidden(_("您没有受理登记的角色"), code="no_intake_role"))
    call, call_ok = _call_of(request, user)
    if not call_ok:
        return error_page(request, NotFound(_("通话不存在或您无权查看"), code="call_not_found"))
    status = 200
    readback: Ticket | None = None
    post = request.POST
    on_the_spot = "on_the_spot" in post
    by_script = "walk" in post and "edit" not in post
    picking = "pick_script" in post or "drop_script" in post
    state, script_error = _walk_of(user, post, picking=picking) if request.method == "POST" else (None, None)
    if request.method == "POST" and picking:
        # a script opened (or closed) without JavaScript: the form comes back as typed,
        # not judged — the call is still going on
        form = IntakeForm(initial=post.dict(), units=units)
        if script_error is not None:
            form.add_error(None, script_error.detail)
            status = 400
    elif request.method == "POST":
        form = IntakeForm(post, units=units)
        # the plain paths do not use the panel: a stale script there closes it, refuses nothing
        script_error = (script_error or _checked_walk(state, post)) if by_script else None
        valid = form.is_valid()
        if "edit" in post:
            pass  # 返回修改: the form as typed
        elif script_error is not None:
            put_error(form, script_error)
            status = 400
        elif valid:
            try:
                if by_script:
                    assert state is not None
                    if "confirm" in post:
                        with transaction.atomic():
                            ticket = register_by_script(
                                user=user, data=form.cleaned_data, script=state.script, posted=post
                            )
                            _link_call(call, ticket, user)
                        return redirect("web:intake_done", number=ticket.number)
                    readback = preview_by_script(
                        user=user, data=form.cleaned_data, script=state.script, posted=post
                    )
                elif "confirm" in post:
                    ticket = register_from_form(
                        user=user, data=form.cleaned_data, on_the_spot=on_the_spot, call=call
                    )
                    return redirect("web:intake_done", number=ticket.number)
                else:
                    readback = preview_from_form(user=user, data=form.cleaned_data, on_the_spot=on_the_spot)
            except HotlineError as err:
                put_error(form, err)
                if state is not None and by_script:
                    refuse_walk(state, err)
                status = 400
        else:
            status = 400
    elif call is not None:  # from the screen pop: the caller's number, by phone
        form = IntakeForm(
            initial={"complainant.phone": format_phone(call.caller) or call.from_raw, "channel": "phone"},
            units=units,
        )
    else:
        form = IntakeForm(units=units)
    phone = str(form["complainant.phone"].value() or "")
    context = {
        "form": form,
        "f": by_id(form),
        "call": call,
        "readback": readback,
        "on_the_spot": on_the_spot,
        "readback_stage": _stage_label(readback) if readback is not None else "",
        "readback_major": [r.text for r in major_reasons(readback)] if readback is not None else [],
        "spot_map": spot_close_map(user, units),
        "region_options": region_options(units),
        "caller": caller_lookup(phone, user) if phone else None,
        "may_request": may_request_blocklist(user),
        # 规范应答 and 标准服务用语 (the side panel)
        "walk": state,
        "by_script": by_script and readback is not None,
        "phrases": phrase_groups(),
        **picker_context(user, post, chosen=state.script if state else None),
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
    walked = ticket.events.filter(action=EventKind.ANSWER_SCRIPT).order_by("seq").last()
    context = {
        "ticket": ticket,
        "stage_label": _stage_label(ticket),
        "walked": _walked(walked) if walked is not None else None,
    }
    return render(request, "web/intake/done.html", context)


def _walked(event: TicketEvent) -> dict[str, str]:
    """The script walked, for the agent to tell the caller (the promised reply time)."""
    payload = event.payload or {}
    return {
        "label": str(payload.get("label") or ""),
        "outcome": str(payload.get("outcome") or ""),
        "summary": answer_script_summary(payload),
        "promised": str(payload.get("promised") or ""),
        "promised_at": promised_at_text(payload),
    }


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
