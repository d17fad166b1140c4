"""通话记录: the call log, one call with its events, tickets and recording, and playing it.

Reads go through ``services.calls_visible_to`` (an agent's own calls; the centre's for team
leaders, administrators and coordinators); a call the user may not see and a missing one
are the same Chinese 404. A recording is identity: it plays only for someone who may see
the identity on one of the call's tickets (``services.may_play``), every play is logged
(``services.recording_play``), and for anyone else the recording does not exist (404).

回呼/外呼任务: the tasks the user may see (``services.tasks_visible_to``) by their latest
time, the overdue marked; an outbound task added with a number, a latest time and a note;
click-to-call (``services.callback_dial``: says whether the PBX was asked or, with no PBX
configured, that the agent dials by hand); completion with the result and the
questionnaire's answers; a team leader's reassignment. The services decide who may.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import HotlineError, InvalidInput, NotFound
from hotline.core.phones import format_phone
from hotline.core.types import AnyUser
from hotline.telephony import pbx, services
from hotline.telephony.models import Agent, Call, CallbackTask, CallTicket, TaskKind, TaskStatus
from hotline.web.exports_calls import CallFilterForm, calls_queryset, may_view_calls
from hotline.web.forms_ticket import put_error
from hotline.web.views.call_control import autodial_context
from hotline.web.views.phone import call_for, user_of
from hotline.web.views.ticket_common import error_page, staff_page
from hotline.workflow.access import access_ticket, tickets_visible_to
from hotline.workflow.identity import identity_for

PAGE_SIZE = 50
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
STREAM_CHUNK = 64 * 1024
TASKS_SHOWN = 200

calls_page = staff_page(may_view_calls, gettext_lazy("您的角色不能查看通话记录"))


def _missing() -> NotFound:
    return NotFound(_("通话不存在或您无权查看"), code="call_not_found")


@calls_page
@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    """通话记录: mine for an agent, the centre's for a team leader; filters; export."""
    user = request.user
    supervisor = services.may_supervise(user)
    form = CallFilterForm(request.GET, supervisor=supervisor)
    filters = form.filters()
    page = filters["page"]
    start = (page - 1) * PAGE_SIZE
    qs = calls_queryset(user, filters).select_related("agent")
    rows = list(qs[start : start + PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "summary": services.call_summary(calls_queryset(user, filters)),
        "calls": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "query": query.urlencode(),
        "supervisor": supervisor,
    }
    return render(request, "web/calls/list.html", context)


@calls_page
@require_GET
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One call: its times, its events as received, the tickets linked, the recording."""
    user = request.user
    call = call_for(user, pk)
    if call is None:
        return error_page(request, _missing())
    visible = tickets_visible_to(user).values("pk")
    links = list(
        CallTicket.objects.filter(call=call, ticket__in=visible)
        .select_related("ticket", "by")
        .order_by("at", "pk")
    )
    context = {
        "call": call,
        "events": list(call.events.order_by("occurred_at", "pk")[:200]),
        "links": links,
        "hidden_links": CallTicket.objects.filter(call=call).count() - len(links),
        "may_play": services.may_play(user, call),
        "number_hidden": services.number_hidden(call),
        "tasks": list(call.callback_tasks.all()[:20]),
    }
    return render(request, "web/calls/detail.html", context)


# --- the recording ------------------------------------------------------------------------


def recording_path(call: Call) -> Path | None:
    """The recording's file, kept inside ``HOTLINE_RECORDINGS_DIR`` (None: none there)."""
    if not call.recording:
        return None
    folder = Path(settings.HOTLINE_RECORDINGS_DIR).resolve()
    path = (folder / call.recording).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        return None
    return path


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """``Range: bytes=a-b`` (one range) → (first, last) inside the file; None: the whole file."""
    match = RANGE.match(header.strip())
    if match is None or size == 0:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start > end or start >= size:
        return None
    return start, end


def _part(handle: IO[bytes], start: int, end: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = handle.read(min(STREAM_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _first_request(header: str) -> bool:
    """A play starts with no range or from byte 0; seeking asks for later bytes."""
    match = RANGE.match(header.strip())
    return match is None or match.group(1) == "0"


@calls_page
@require_GET
def call_recording(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The recording file, for those who may play it; every play logged (not each seek)."""
    user: AnyUser = request.user
    call = call_for(user, pk)
    path = recording_path(call) if call is not None else None
    if call is None or path is None or not services.may_play(user, call):
        return error_page(request, NotFound(_("录音不存在或您无权收听"), code="recording_not_found"))
    header = request.headers.get("Range", "")
    if _first_request(header):
        services.recording_play(call=call, user=user)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    size = path.stat().st_size
    span = _byte_range(header, size) if header else None
    response: HttpResponseBase
    if span is None:
        response = FileResponse(path.open("rb"), content_type=content_type)
    else:
        start, end = span
        response = StreamingHttpResponse(
            _part(path.open("rb"), start, end), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "no-store"
    return response


# --- callback and outbound tasks (回呼/外呼任务) -------------------------------------------


class OutboundTaskForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("号码"), max_length=40)
    due_at = forms.DateTimeField(label=gettext_lazy("最迟时间"))
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=2000, widget=forms.Textarea)


TASK_STATUSES = ("open", "done", "all")


def _tasks_context(request: HttpRequest, form: OutboundTaskForm) -> dict[str, Any]:
    user = request.user
    status = request.GET.get("status", "open")
    status = status if status in TASK_STATUSES else "open"
    mine = request.GET.get("mine") == "1"
    qs = (
        services.tasks_visible_to(user)
        .select_related("assignee", "call", "ticket", "questionnaire")
        .prefetch_related("call__ticket_links__ticket")
    )
    if status != "all":
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(assignee_id=user.pk)
    now = timezone.now()
    rows = list(qs.order_by("due_at", "pk")[: TASKS_SHOWN + 1])
    return {
        "form": form,
        "tasks": [(t, t.status == TaskStatus.OPEN and t.due_at < now) for t in rows[:TASKS_SHOWN]],
        "more": len(rows) > TASKS_SHOWN,
        "status": status,
        "mine": mine,
        "supervisor": services.may_supervise(user),
        "may_dial": services.may_take_calls(user),
        "may_add": services.may_take_calls(user) or services.may_supervise(user),
        **autodial_context(user),  # 自动外呼: the team leader's button
    }


@calls_page
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """回呼/外呼任务: open tasks by their latest time, the overdue marked; add an outbound one."""
    return render(request, "web/calls/tasks.html", _tasks_context(request, OutboundTaskForm()))


@calls_page
@require_POST
def task_new(request: HttpRequest) -> HttpResponse:
    """An outbound task the agent plans (外呼任务): number, latest time, note."""
    user = user_of(request)
    form = OutboundTaskForm(request.POST)
    if form.is_valid():
        try:
            task = services.callback_create(
                kind=TaskKind.OUTBOUND,
                phone=form.cleaned_data["phone"],
                due_at=form.cleaned_data["due_at"],
                actor=user,
                note=form.cleaned_data["note"] or "",
                assignee=user if services.may_take_calls(user) else None,
            )
        except HotlineError as err:
            put_error(form, err)
        else:
            messages.success(request, _("已添加外呼任务:%(phone)s") % {"phone": format_phone(task.phone)})
            return redirect("web:call-tasks")
    return render(request, "web/calls/tasks.html", _tasks_context(request, form), status=400)


def _task_or_404(request: HttpRequest, pk: int) -> CallbackTask | HttpResponse:
    try:
        return services.task_for(request.user, pk)
    except NotFound:
        return error_page(request, NotFound(_("任务不存在或您无权查看"), code="callback_task_not_found"))


def _questions(task: CallbackTask, posted: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The task's questionnaire as fields: key, text, choices, the answer so far."""
    if task.questionnaire is None:
        return []
    given = posted if posted is not None else task.answers or {}
    rows = []
    for q in task.questionnaire.questions:
        if not isinstance(q, dict) or not q.get("key"):
            continue
        key = str(q["key"])
        value = given.get(f"answer.{key}", "") if posted is not None else given.get(key, "")
        rows.append(
            {"key": key, "text": str(q.get("text") or key), "choices": q.get("choices") or [], "value": value}
        )
    return rows


def _task_page(
    request: HttpRequest, task: CallbackTask, *, error: str = "", status: int = 200
) -> HttpResponse:
    user = request.user
    supervisor = services.may_supervise(user)
    posted = request.POST if request.method == "POST" else None
    context = {
        "task": task,
        "overdue": task.status == TaskStatus.OPEN and task.due_at < timezone.now(),
        "attempts": list(task.attempt_rows.select_related("call", "by").order_by("at", "pk")),
        "questions": _questions(task, posted),
        "result": posted.get("result", "") if posted is not None else "",
        "error": error,
        "supervisor": supervisor,
        "may_dial": services.may_take_calls(user),
        "assignees": list(Agent.objects.select_related("user").order_by("staff_no")) if supervisor else [],
        "pbx_configured": pbx.configured(),
    }
    return render(request, "web/calls/task.html", context, status=status)


@calls_page
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    if isinstance(task, HttpResponse):
        return task
    return _task_page(request, task)


@calls_page
@require_POST
def task_dial(request: HttpRequest, pk: int) -> HttpResponse:
    """点击外呼 for the task: the PBX rings the agent's extension, then the number."""
    task = _task_or_404(request, pk)
    if isinstance(task, HttpResponse):
        return task
    try:
        call = services.callback_dial(task=task, actor=user_of(request))
    except HotlineError as err:
        messages.error(request, err.detail)
    else:
        if pbx.configured():
            messages.success(request, _("已发起呼叫,请接听分机 %(ext)s") % {"ext": call.extension})
        else:
            messages.warning(
                request,
                _("未配置交换机,请用分机手动拨打 %(number)s")
                % {
                    "number": format_phone(
                        services.shown_number(task.phone, services.task_number_hidden(task))
                    )
                },
            )
    return redirect("web:call-task", pk=task.pk)


@calls_page
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """The result, and the questionnaire's answers when the task has one."""
    task = _task_or_404(request, pk)
    if isinstance(task, HttpResponse):
        return task
    answers = {q["key"]: request.POST.get(f"answer.{q['key']}", "") for q in _questions(task)}
    answers = {key: value for key, value in answers.items() if value.strip()}
    try:
        services.callback_complete(
            task=task, actor=user_of(request), result=request.POST.get("result", ""), answers=answers or None
        )
    except HotlineError as err:
        return _task_page(request, task, error=err.detail, status=400)
    messages.success(request, _("任务已完成"))
    return redirect("web:call-tasks")


@calls_page
@require_POST
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """A team leader gives the task to another agent (or to nobody: whoever takes it)."""
    task = _task_or_404(request, pk)
    if isinstance(task, HttpResponse):
        return task
    raw = request.POST.get("assignee", "")
    agent = Agent.objects.filter(pk=int(raw)).select_related("user").first() if raw.isdigit() else None
    if raw and agent is None:
        return _task_page(request, task, error=_("请选择座席"), status=400)
    try:
        services.callback_reassign(task=task, actor=user_of(request), assignee=agent.user if agent else None)
    except HotlineError as err:
        return _task_page(request, task, error=err.detail, status=getattr(err, "status", 400))
    messages.success(request, _("已改派"))
    return redirect("web:call-task", pk=task.pk)


@calls_page
@require_POST
def ticket_dial(request: HttpRequest, number: str) -> HttpResponse:
    """点击外呼 from a ticket: the complainant's number, the call linked to the ticket."""
    user = user_of(request)
    try:
        ticket = access_ticket(user, number)
        if not ticket.complainant_phone:
            raise InvalidInput(_("该工单没有联系电话"), code="callback_no_phone")
        call = services.click_to_call(actor=user, phone=ticket.complainant_phone, ticket=ticket)
    except NotFound as err:
        return error_page(request, err)
    except HotlineError as err:
        messages.error(request, err.detail)
        return redirect("web:ticket", number=number)
    if pbx.configured():
        messages.success(request, _("已发起呼叫,请接听分机 %(ext)s") % {"ext": call.extension})
    else:
        shown = identity_for(ticket, user).phone
        messages.warning(
            request, _("未配置交换机,请用分机手动拨打 %(number)s") % {"number": format_phone(shown)}
        )
    return redirect("web:ticket", number=number)
