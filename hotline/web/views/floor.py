"""班长: the team leader's panel, the wallboard (大屏) and the live stream behind both; the
agent's 转满意度评价 button.

Thin: the actions go through ``telephony.floor`` (it decides who may, logs, tells the agent
and the PBX), the figures come from ``telephony.wallboard`` (``stats.figures`` over the call
log). Both pages are for team leaders and administrators (``may_supervise``); anyone else
gets the Chinese 403 page, and the stream answers them 204 (EventSource stops).

The pages are live without polling from the browser: ``/floor/events/`` is a server-sent
event stream like the agent's (``views.phone``): it checks ``wallboard.change_token()``
every ``POLL_SECONDS`` and, when it moved, renders the page's fragment and sends it whole
(``event: snapshot``); ``floor.js`` swaps it in. After ``STREAM_SECONDS`` the stream ends and
the browser reconnects, so no server thread is held for ever.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import HotlineError, NotFound
from hotline.core.types import AnyUser
from hotline.telephony import agents, floor, services, wallboard
from hotline.telephony.models import AgentState, Call, SupervisorAction, SupervisorKind
from hotline.web.views.phone import STATE_TONES, pop_context, user_of
from hotline.web.views.ticket_common import error_page, staff_page

POLL_SECONDS = 0.3  # how often the stream checks the change token
HEARTBEAT_SECONDS = 15.0
STREAM_SECONDS = 55.0
RETRY_MS = 1000
RECENT_ACTIONS = 20
VIEWS = {"panel": "web/floor/_panel.html", "wallboard": "web/floor/_wallboard.html"}

# the buttons of an agent's row by state: (kind, label, Bootstrap tone, asks to confirm)
_CALL_BUTTONS = [
    (SupervisorKind.MONITOR, gettext_lazy("监听"), "info", False),
    (SupervisorKind.WHISPER, gettext_lazy("耳语"), "info", False),
    (SupervisorKind.BARGE, gettext_lazy("强插"), "warning", False),
    (SupervisorKind.INTERCEPT, gettext_lazy("拦截"), "warning", True),
    (SupervisorKind.HANGUP, gettext_lazy("强拆"), "danger", True),
]
_BUSY = (SupervisorKind.BUSY, gettext_lazy("示忙"), "warning", False)
_READY = (SupervisorKind.READY, gettext_lazy("示闲"), "success", False)
_LOGOUT = (SupervisorKind.LOGOUT, gettext_lazy("强制签出"), "dark", True)
BUTTONS: dict[str, list[tuple[str, Any, str, bool]]] = {
    AgentState.READY: [_BUSY, _LOGOUT],
    AgentState.BREAK: [_READY, _LOGOUT],
    AgentState.WRAPUP: [_READY, _BUSY, _LOGOUT],
    AgentState.BUSY: [*_CALL_BUTTONS, _LOGOUT],
    AgentState.MUTE: [*_CALL_BUTTONS, _LOGOUT],
    AgentState.OFFLINE: [],
}

floor_page = staff_page(services.may_supervise, gettext_lazy("班长席和大屏仅对班长和管理员开放"))

_open_streams = [0]
_open_lock = threading.Lock()


def open_streams() -> int:
    with _open_lock:
        return _open_streams[0]


def _view(request: HttpRequest) -> str:
    view = request.GET.get("view", "panel")
    return view if view in VIEWS else "panel"


def _tone(state: str) -> str:
    return STATE_TONES.get(AgentState(state), "secondary")


def floor_context(view: str, user: AnyUser) -> dict[str, Any]:
    """What the panel's or the wallboard's live part shows (``wallboard.snapshot``)."""
    snap = wallboard.snapshot()
    counts = snap.states
    context: dict[str, Any] = {
        "snap": snap,
        "state_counts": [
            (state, AgentState(state).label, counts.get(state, 0), _tone(state))
            for state in wallboard.STATE_ORDER
        ],
    }
    if view == "panel":
        own = agents.agent_of(user)
        context["own_agent"] = own.pk if own is not None else None
        context["agent_rows"] = [(row, _tone(row.state), BUTTONS.get(row.state, [])) for row in snap.agents]
        context["actions"] = list(SupervisorAction.objects.select_related("leader", "agent")[:RECENT_ACTIONS])
    return context


def _fragment(request: HttpRequest, view: str) -> str:
    return render_to_string(VIEWS[view], floor_context(view, request.user), request=request)


@floor_page
@require_GET
def panel(request: HttpRequest) -> HttpResponse:
    """班长席: the floor's figures, every agent with the actions, the queue, the latest actions."""
    return render(request, "web/floor/panel.html", {"fragment": _fragment(request, "panel")})


@floor_page
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """大屏: big numbers for a wall screen, no menu."""
    return render(request, "web/floor/wallboard.html", {"fragment": _fragment(request, "wallboard")})


@floor_page
@require_GET
def fragment(request: HttpRequest) -> HttpResponse:
    """The live part of a page alone (``?view=panel|wallboard``)."""
    return HttpResponse(_fragment(request, _view(request)))


def sse_block(event: str, text: str) -> str:
    data = "\n".join(f"data: {line}" for line in text.splitlines() or [""])
    return f"event: {event}\n{data}\n\n"


def floor_stream(request: HttpRequest, view: str) -> Iterator[str]:
    with _open_lock:
        _open_streams[0] += 1
    try:
        started = beat = time.monotonic()
        yield f"retry: {RETRY_MS}\n: {' ' * 64}\n\n"
        token = ""
        while time.monotonic() - started < STREAM_SECONDS:
            agents.expire_wrapups()  # a wrap-up that ran out is a state change to show
            now_token = wallboard.change_token()
            if now_token != token:
                token = now_token
                yield sse_block("snapshot", _fragment(request, view))
            if time.monotonic() - beat >= HEARTBEAT_SECONDS:
                beat = time.monotonic()
                yield ": heartbeat\n\n"
            time.sleep(POLL_SECONDS)
    finally:
        with _open_lock:
            _open_streams[0] -= 1


@login_required
@require_GET
def events(request: HttpRequest) -> HttpResponseBase:
    """The live stream of the panel or the wallboard (``?view=``); 204 to anyone else."""
    if not services.may_supervise(request.user):
        return HttpResponse(status=204)
    response = StreamingHttpResponse(floor_stream(request, _view(request)))
    response["Content-Type"] = "text/event-stream; charset=utf-8"
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return response


@floor_page
@require_POST
def act(request: HttpRequest, pk: str, kind: str) -> HttpResponse:
    """One team-leader action on an agent (a button of the panel): htmx gets the outcome
    (``#floor-result``), a plain form goes back to the panel with it as a message."""
    note = request.POST.get("note", "")
    htmx = bool(getattr(request, "htmx", False))
    error: HotlineError | None = None
    done: SupervisorAction | None = None
    try:
        target = floor.access_agent(request.user, pk)
        done = floor.supervise(leader=request.user, agent=target, kind=kind, note=note)
    except NotFound as err:
        if not htmx:
            return error_page(request, err)
        error = err
    except HotlineError as err:
        error = err
    if done is not None:
        text = _("已执行“%(kind)s”:座席 %(staff_no)s") % {
            "kind": done.get_kind_display(),
            "staff_no": done.agent.staff_no,
        }
    else:
        assert error is not None
        text = error.detail
    if not htmx:
        (messages.success if done is not None else messages.error)(request, text)
        return redirect("web:floor")
    # the panel itself follows by its stream (the change token moved): an out-of-band copy
    # here would race it, and htmx finds no target for it once the stream replaced the button
    context = {"ok": done is not None, "text": text, "code": error.code if error else "", "done": done}
    return render(request, "web/floor/_result.html", context)


# --- the agent's 转满意度评价 ------------------------------------------------------------------


@login_required
@require_POST
def call_survey(request: HttpRequest, pk: str) -> HttpResponse:
    """转满意度评价 from the pop (htmx: the pop again, with the outcome), else back to the call."""
    user = user_of(request)
    call = Call.objects.filter(pk=int(pk)).first()
    htmx = bool(getattr(request, "htmx", False))
    try:
        if call is None:
            raise NotFound(_("通话不存在或您无权查看"), code="call_not_found")
        call = floor.offer_survey(call=call, actor=user)
    except NotFound as err:
        return error_page(request, err)
    except HotlineError as err:
        if not htmx:
            messages.error(request, err.detail)
            return redirect("web:call", pk=pk)
        assert call is not None
        return render(request, "web/phone/_pop.html", {**pop_context(user, call), "survey_error": err.detail})
    if not htmx:
        messages.success(request, _("已转满意度评价"))
        return redirect("web:call", pk=pk)
    context = {**pop_context(user, call), "survey_done": True}
    return render(request, "web/phone/_pop.html", context)
