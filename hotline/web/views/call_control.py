"""座席的通话控制 on the workbench: 转坐席 / 转外线 / 转队列 / 三方通话 / 保持 / 恢复 on the
agent's live call, 抢接 on a call ringing in their queues; 自动外呼 on the tasks page.

Thin, like the other workbench screens: ``hotline.telephony.control`` and ``autodial``
decide who may and tell the PBX after commit. The panel (``web/phone/_control.html``) sits
under the state bar in the browser session the agent signed in from; htmx loads it, and
reloads it on every pushed change (``phone-refresh``) and every ``POLL_SECONDS`` (a call
starting to ring at another agent pushes nothing to this one). Its forms post with htmx and
get the panel back with what was done or why not; without JavaScript they post and come
back to the page they were on. A call the user may not see is the Chinese 404 page, the
same as a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import HotlineError, NotFound
from hotline.core.phones import format_phone
from hotline.core.types import AnyUser
from hotline.telephony import agents, autodial, control
from hotline.telephony.models import AgentState, SkillGroup, TaskKind
from hotline.web.exports_calls import may_view_calls
from hotline.web.views.phone import agent_page_of, user_of
from hotline.web.views.ticket_common import error_page, staff_page

POLL_SECONDS = 10
tasks_page = staff_page(may_view_calls, gettext_lazy("您的角色不能查看通话记录"))  # as views.calls
STATE_LABELS = {
    control.TALKING: gettext_lazy("通话中"),
    control.HELD: gettext_lazy("保持中"),
    control.CONFERENCE: gettext_lazy("三方通话中"),
}


def control_context(user: AnyUser) -> dict[str, Any]:
    """What the panel shows: the live call and what may be done with it, and the calls
    ringing in the agent's queues that may be picked up."""
    own = agents.agent_of(user)
    if own is None or own.state == AgentState.OFFLINE:
        return {"control_view": True, "call": None, "ringing": [], "poll": POLL_SECONDS}
    call = control.live_call_of(user)
    state = control.control_state(call, user) if call is not None else ""
    return {
        "control_view": True,
        "poll": POLL_SECONDS,
        "call": call,
        "state": state,
        "state_label": STATE_LABELS.get(state, ""),
        "targets": list(control.transfer_targets(user)) if call is not None else [],
        "queues": list(control.transfer_queues()) if call is not None else [],
        "outside": own.external_calls,
        "ringing": control.ringing_for_pickup(user),
    }


def _panel(request: HttpRequest, *, message: str = "", error: str = "") -> HttpResponse:
    context = {**control_context(request.user), "message": message, "error": error}
    return render(request, "web/phone/_control.html", context)


@login_required
@require_GET
def control_panel(request: HttpRequest) -> HttpResponse:
    """The panel alone (htmx): empty for a user who is no signed-in agent."""
    return _panel(request)


def _done(action: str, done: control.Controlled) -> str:
    target = done.target.partition(":")[2] or done.target
    if action == "transfer":
        kind = done.target.partition(":")[0]
        if kind == "external":
            target = format_phone(target)
        return _("已转接:%(target)s") % {"target": target}
    if action == "invite":
        return _("已邀请三方:%(target)s,请等待对方接听") % {"target": target}
    if action == "hold":
        return _("通话已保持")
    if action == "resume":
        return _("正在恢复通话,请接听分机 %(ext)s") % {"ext": done.target}
    return _("已抢接,请接听分机 %(ext)s") % {"ext": done.target}


def _run(request: HttpRequest, pk: int, action: str) -> control.Controlled:
    user = user_of(request)
    post = request.POST
    if action == "pickup":
        return control.call_pickup(call=control.access_ringing_call(user, pk), actor=user)
    call = control.access_own_call(user, pk)
    if action == "transfer":
        return control.call_transfer(
            call=call,
            actor=user,
            to=post.get("to", ""),
            agent=post.get("agent", ""),
            number=post.get("number", ""),
            queue=post.get("queue", ""),
        )
    if action == "invite":
        return control.call_invite(
            call=call, actor=user, agent=post.get("agent", ""), number=post.get("number", "")
        )
    if action == "hold":
        return control.call_hold(call=call, actor=user)
    return control.call_resume(call=call, actor=user)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "web:agent")


@agent_page_of
@require_POST
def control_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action on a call: the panel again (htmx), or back to the page with a message."""
    if action not in control.ACTIONS:
        return error_page(request, NotFound(_("通话不存在或您无权查看"), code="call_not_found"))
    htmx = bool(getattr(request, "htmx", False))
    try:
        done = _run(request, pk, action)
    except NotFound as err:
        return error_page(request, err)
    except HotlineError as err:
        if htmx:
            return _panel(request, error=err.detail)
        messages.error(request, err.detail)
        return _back(request)
    text = _done(action, done)
    if htmx:
        return _panel(request, message=text)
    messages.success(request, text)
    return _back(request)


# --- 自动外呼 on the tasks page -------------------------------------------------------------------


def autodial_context(user: AnyUser) -> dict[str, Any]:
    """For the tasks page: the queues a team leader may auto-dial into (none for others)."""
    if not agents.may_supervise(user):
        return {"autodial_queues": []}
    return {
        "autodial_queues": list(SkillGroup.objects.filter(active=True).order_by("code")),
        "autodial_kinds": (TaskKind.OUTBOUND.value, TaskKind.MISSED.value),
        "autodial_max": autodial.autodial_limit(),
    }


@tasks_page
@require_POST
def task_autodial(request: HttpRequest) -> HttpResponse:
    """自动外呼: the ticked tasks (none: the most urgent open ones) dialled into the queue."""
    chosen = [int(v) for v in request.POST.getlist("task") if v.isdigit() and len(v) <= 10]
    try:
        done = autodial.autodial(leader=user_of(request), queue=request.POST.get("queue", ""), tasks=chosen)
    except NotFound as err:
        return error_page(request, err)
    except HotlineError as err:
        messages.error(request, err.detail)
        return redirect("web:call-tasks")
    text = _("已自动外呼 %(n)d 个任务,接通后进入队列 %(queue)s") % {
        "n": len(done.dialled),
        "queue": request.POST.get("queue", ""),
    }
    if done.skipped:
        text += _(";%(n)d 个正在呼叫中,已跳过") % {"n": len(done.skipped)}
    messages.success(request, text)
    return redirect("web:call-tasks")
