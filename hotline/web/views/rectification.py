"""The rectification pages (整改通知书): list, issue form, the notice with its history and steps.

Thin, like the ticket screens: every change goes through ``hotline.rectification.services``
(which decides who may and what the status allows), every read through
``notices_visible_to`` / ``access_notice`` (a missing and a hidden notice are the same
Chinese 404). Each step's form posts the version the user saw; when someone acted first the
page comes back with a banner naming them and the text as typed (ADR 0012), never a 500.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from hotline.core.errors import Conflict, HotlineError, NotFound
from hotline.rectification.access import (
    access_notice,
    issuable_units,
    may_issue,
    may_view,
    viewable_units,
)
from hotline.rectification.models import Notice, NoticeStatus, NoticeStep
from hotline.rectification.selectors import notices_for
from hotline.rectification.services import ACTIONS, allowed_actions, notice_act, notice_issue
from hotline.tickets.models import Ticket
from hotline.web.formatting import person_name
from hotline.web.forms_rectification import (
    ACTION_FORMS,
    PAGE_SIZE,
    IssueForm,
    NoticeFilterForm,
    unit_by_code,
)
from hotline.web.forms_ticket import put_error
from hotline.web.views.ticket_common import error_page, page_status, staff_page
from hotline.workflow.access import access_ticket

STATUS_TONES = {
    NoticeStatus.ISSUED: "primary",
    NoticeStatus.REPORTED: "warning",
    NoticeStatus.SENT_BACK: "danger",
    NoticeStatus.VERIFIED: "success",
    NoticeStatus.WITHDRAWN: "secondary",
}
ACTION_LABELS = {
    "report": gettext_lazy("提交整改报告"),
    "verify": gettext_lazy("验证通过"),
    "send_back": gettext_lazy("退回重改"),
    "withdraw": gettext_lazy("撤回通知书"),
}
ACTION_TONES = {
    "report": "primary",
    "verify": "success",
    "send_back": "warning",
    "withdraw": "outline-danger",
}


rectification_staff = staff_page(may_view, _("您的角色不能使用整改通知书"))


def _not_found(request: HttpRequest, number: str) -> HttpResponse:
    err = NotFound(
        _("整改通知书“%(number)s”不存在或您无权查看") % {"number": number}, code="rectification_not_found"
    )
    return error_page(request, err)


# --- the list ------------------------------------------------------------------------------


@rectification_staff
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = NoticeFilterForm(request.GET, units=viewable_units(user).order_by("path"))
    filters = form.filters()
    now = timezone.now()
    qs = notices_for(
        user,
        status=filters["status"],
        unit=unit_by_code(filters["unit"]),
        overdue=filters["overdue"],
        ticket=filters["ticket"],
        now=now,
    )
    page = filters["page"]
    start = (page - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE + 1])  # one more: "more", never a total
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "query": query.urlencode(),
        "now": now,
        "status_tones": STATUS_TONES,
        "may_issue": may_issue(user),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request and htmx.target == "rect-results":
        return render(request, "web/rectification/_results.html", context)
    return render(request, "web/rectification/list.html", context)


# --- issuing -------------------------------------------------------------------------------


def _ticket_for(request: HttpRequest, number: str) -> tuple[Ticket | None, HotlineError | None]:
    if not number:
        return None, None
    try:
        return access_ticket(request.user, number), None
    except HotlineError as err:
        return None, err


@rectification_staff
@require_http_methods(["GET", "POST"])
def notice_new(request: HttpRequest) -> HttpResponse:
    """The issue form; ``?ticket=<number>`` (the ticket page's link) fills the ticket and its unit."""
    user = request.user
    if not may_issue(user):
        return render(request, "403.html", {"exception": _("您的角色不能下发整改通知书")}, status=403)
    units = issuable_units(user).order_by("path")
    if request.method == "GET":
        number = request.GET.get("ticket", "").strip()[:20]
        ticket, err = _ticket_for(request, number)
        initial: dict[str, Any] = {"ticket": number}
        if ticket is not None:
            initial.update(
                unit=ticket.unit.code, subject=_("关于工单%(number)s的整改") % {"number": ticket.number}
            )
        form = IssueForm(initial=initial, units=units)
        context = {"form": form, "ticket": ticket, "ticket_error": err.detail if err is not None else ""}
        return render(request, "web/rectification/form.html", context)
    form = IssueForm(request.POST, units=units)
    ticket = None
    if form.is_valid():
        data = form.cleaned_data
        ticket, err = _ticket_for(request, data["ticket"].strip())
        if err is not None:
            form.add_error("ticket", err.detail)
        else:
            try:
                notice = notice_issue(
                    actor=user,
                    unit=unit_by_code(data["unit"]),
                    ticket=ticket,
                    subject=data["subject"],
                    problem=data["problem"],
                    requirement=data["requirement"],
                    days=data["days"],
                )
            except HotlineError as exc:
                put_error(form, exc)
            else:
                messages.success(request, _("整改通知书 %(number)s 已下发") % {"number": notice.number})
                return redirect("web:rectification", number=notice.number)
    return render(
        request,
        "web/rectification/form.html",
        {"form": form, "ticket": ticket},
        status=page_status(request, 400),
    )


# --- one notice ----------------------------------------------------------------------------


def _auto_id(action: str) -> str:
    """Field ids per action form: several forms on one page share field names."""
    return f"id_{action}_%s"


def _page(
    request: HttpRequest,
    notice: Notice,
    *,
    open_action: str = "",
    bound: forms.Form | None = None,
    banner: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    fresh = (
        Notice.objects.select_related("unit", "ticket", "issuing_unit", "issued_by")
        .prefetch_related("reports__submitted_by")
        .get(pk=notice.pk)
    )
    steps = NoticeStep.objects.filter(notice=fresh).select_related("actor").order_by("seq")
    actions = []
    for name in allowed_actions(fresh, user):
        form = (
            bound if name == open_action and bound is not None else ACTION_FORMS[name](auto_id=_auto_id(name))
        )
        actions.append({"name": name, "label": ACTION_LABELS[name], "tone": ACTION_TONES[name], "form": form})
    context = {
        "notice": fresh,
        "reports": list(fresh.reports.all()),
        "steps": steps,
        "actions": actions,
        "open_action": open_action,
        "banner": banner,
        "status_tone": STATUS_TONES.get(NoticeStatus(fresh.status), "secondary"),
        "overdue": fresh.awaiting_report and fresh.due_at < timezone.now(),
        "ticket_visible": fresh.ticket is not None
        and _ticket_for(request, fresh.ticket.number)[0] is not None,
    }
    return render(request, "web/rectification/notice.html", context, status=status)


@rectification_staff
@require_GET
def notice_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        notice = access_notice(request.user, number)
    except NotFound:
        return _not_found(request, number)
    return _page(request, notice)


def _who_acted(notice: Notice) -> str:
    last = (
        NoticeStep.objects.filter(notice=notice)
        .exclude(actor=None)
        .select_related("actor")
        .order_by("-seq")
        .first()
    )
    return person_name(last.actor) if last is not None else ""


@rectification_staff
@require_POST
def notice_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    try:
        notice = access_notice(request.user, number)
    except NotFound:
        return _not_found(request, number)
    if action not in ACTIONS:
        return _not_found(request, number)
    form = ACTION_FORMS[action](request.POST, auto_id=_auto_id(action))
    if not form.is_valid():
        return _page(request, notice, open_action=action, bound=form, status=page_status(request, 400))
    data = dict(form.cleaned_data)
    version = data.pop("version", None)
    try:
        notice_act(notice=notice, action=action, actor=request.user, data=data, expected_version=version)
    except Conflict as err:
        # someone acted first (or it is already so): say who, keep what was typed
        who = _who_acted(notice)
        text = str(err.detail)
        if who and err.code != "no_change":
            text = _("%(who)s 已先处理了这份整改通知书。") % {"who": who} + text
        return _page(
            request, notice, open_action=action, bound=form, banner=text, status=page_status(request, 409)
        )
    except HotlineError as err:
        put_error(form, err)
        return _page(
            request,
            notice,
            open_action=action,
            bound=form,
            banner=str(err.detail),
            status=page_status(request, err.status),
        )
    messages.success(request, _("已%(action)s") % {"action": ACTION_LABELS[action]})
    url = reverse("web:rectification", args=[notice.number])
    return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)
