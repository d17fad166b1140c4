"""座席: the agent's sign-in, the state bar, the event stream and the screen pop.

Thin, like the other workbench screens: every change goes through
``hotline.telephony.services`` (sign in and out, states, skill groups), which decides who
may and tells the PBX after commit.

The screen pop is pushed, not polled by the browser: ``/agent/events/`` is a server-sent
event stream (a sync generator, so it runs under the threaded WSGI servers: gunicorn
``gthread`` and the live test server). It reads the user's ``Push`` rows in id order every
``POLL_SECONDS`` and sends each as ``id:`` / ``event:`` / ``data:``; the browser's
``Last-Event-ID`` (or ``?after=``, what ``phone.js`` saw last in this tab) resumes where it
stopped, so nothing is lost on a reconnect. A comment line every ``HEARTBEAT_SECONDS``
keeps proxies from closing it and marks the agent as present (``agent_heartbeat``); after
``STREAM_SECONDS`` the stream ends and the browser reconnects, so no thread is held for
ever. An agent whose browser has gone (no heartbeat for 90 s) is signed out by
``services.sign_out_stale`` (run periodically), not by the page: a closed tab cannot be
told apart from a reload in the browser, the server's silence can.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hotline.callers.services import caller_lookup
from hotline.core.errors import HotlineError, NotFound
from hotline.core.types import AnyUser, User
from hotline.org.models import Role
from hotline.telephony import services
from hotline.telephony.models import Agent, AgentState, AgentStateLog, Call, CallOutcome, Push, SkillGroup
from hotline.tickets.models import OPEN_STATUSES
from hotline.web import selectors
from hotline.web.forms_ticket import put_error
from hotline.web.views.ticket_common import error_page, staff_page

POLL_SECONDS = 0.25  # how often the stream reads the Push table
HEARTBEAT_SECONDS = 15.0  # a comment line, and the agent's heartbeat
STREAM_SECONDS = 55.0  # then the stream ends and EventSource reconnects
RETRY_MS = 1000  # how soon the browser reconnects
RECENT_SECONDS = 30  # a new tab replays the pushes of this last while (a call still ringing)
SEAT = "hotline_seat"  # the session key: this browser is where the agent signed in

# the states an agent may choose, by the state they are in: (state, label, Bootstrap tone)
STATE_BUTTONS: dict[str, list[tuple[str, Any, str]]] = {
    AgentState.READY: [(AgentState.BREAK, gettext_lazy("小休"), "warning")],
    AgentState.BREAK: [(AgentState.READY, gettext_lazy("示闲"), "success")],
    AgentState.WRAPUP: [
        (AgentState.READY, gettext_lazy("示闲"), "success"),
        (AgentState.BREAK, gettext_lazy("小休"), "warning"),
    ],
    AgentState.BUSY: [(AgentState.MUTE, gettext_lazy("静音"), "secondary")],
    AgentState.MUTE: [(AgentState.BUSY, gettext_lazy("取消静音"), "secondary")],
}
STATE_TONES = {
    AgentState.OFFLINE: "secondary",
    AgentState.READY: "success",
    AgentState.BUSY: "danger",
    AgentState.WRAPUP: "primary",
    AgentState.BREAK: "warning",
    AgentState.MUTE: "dark",
}

# streams open now in this process (tests wait for them to end before the database goes)
_open_streams = [0]
_open_lock = threading.Lock()


def open_streams() -> int:
    with _open_lock:
        return _open_streams[0]


def remember_seat(request: HttpRequest, agent: Agent) -> None:
    """This browser session is the agent's seat: the layout shows the state bar and opens
    the event stream from it, with no query (``web/phone/_slot.html``)."""
    request.session[SEAT] = {"staff_no": agent.staff_no, "extension": agent.extension}


def user_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def may_use_agent_page(user: AnyUser) -> bool:
    """Agents (the menu's 座席), and anyone given a staff number (工号)."""
    return Role.AGENT in selectors.roles_of(user) or services.may_take_calls(user)


agent_page_of = staff_page(services.may_take_calls, gettext_lazy("您不是座席,请联系管理员为您开通工号"))


def agent_row(user: AnyUser) -> Agent | None:
    """The user's agent as of now (a wrap-up past its end is over)."""
    agent = Agent.objects.filter(user_id=user.pk or 0).first() if user.is_authenticated else None
    return services.agent_current(agent) if agent is not None else None


class SignInForm(forms.Form):
    staff_no = forms.CharField(label=gettext_lazy("工号"), max_length=16)
    extension = forms.CharField(label=gettext_lazy("分机号"), max_length=10)
    password = forms.CharField(label=gettext_lazy("密码"), max_length=128, widget=forms.PasswordInput)


def bar_context(agent: Agent | None) -> dict[str, Any]:
    """What the state bar shows: the state, how long, the choices, the skill groups."""
    if agent is None or agent.state == AgentState.OFFLINE:
        return {"agent": None}
    now = timezone.now()
    since = agent.state_since or now
    remaining = None
    if agent.state == AgentState.WRAPUP and agent.wrapup_until is not None:
        remaining = max(0, int((agent.wrapup_until - now).total_seconds()))
    joined = set(agent.groups.values_list("pk", flat=True))
    return {
        "agent": agent,
        "state_label": AgentState(agent.state).label,
        "state_tone": STATE_TONES.get(AgentState(agent.state), "secondary"),
        "elapsed": max(0, int((now - since).total_seconds())),
        "remaining": remaining,
        "buttons": STATE_BUTTONS.get(str(agent.state), []),
        "groups": [(g, g.pk in joined) for g in SkillGroup.objects.filter(active=True)],
        "joined_names": [g.name for g in SkillGroup.objects.filter(pk__in=joined)],
    }


def _back(request: HttpRequest) -> HttpResponse:
    """After a change from the bar: the bar again for htmx, else back to the page."""
    if getattr(request, "htmx", False):
        return render(request, "web/phone/_bar.html", bar_context(agent_row(request.user)))
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "web:agent")


# --- sign in, the agent page -----------------------------------------------------------------


@staff_page(may_use_agent_page, gettext_lazy("您的角色不能使用座席"))
@require_http_methods(["GET", "POST"])
def agent(request: HttpRequest) -> HttpResponse:
    """座席签入 with staff number, extension and password; once signed in, the state, the
    skill groups and today's state log. An agent without a staff number is told to ask."""
    user = user_of(request)
    current = agent_row(user)
    if current is None:
        return render(request, "web/phone/agent.html", {"no_staff_no": True})
    form = SignInForm(request.POST or None, initial={"staff_no": current.staff_no})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                signed = services.agent_sign_in(
                    user=user,
                    staff_no=form.cleaned_data["staff_no"],
                    extension=form.cleaned_data["extension"],
                    password=form.cleaned_data["password"],
                    session_key=request.session.session_key or "",
                )
            except HotlineError as err:
                put_error(form, err)
                status = 400
            else:
                remember_seat(request, signed)
                messages.success(request, _("已签入"))
                return redirect("web:agent")
        else:
            status = 400
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    log = list(
        AgentStateLog.objects.filter(agent=current, started_at__gte=start).order_by("-started_at", "-pk")[:50]
    )
    totals: dict[str, int] = {}
    now = timezone.now()
    for row in log:
        seconds = row.seconds if row.seconds is not None else int((now - row.started_at).total_seconds())
        totals[row.get_state_display()] = totals.get(row.get_state_display(), 0) + max(0, seconds)
    context = {
        "form": form,
        "current": current,
        "signed_in": current.state != AgentState.OFFLINE,
        "log": log,
        "totals": sorted(totals.items()),
        **bar_context(current),
    }
    return render(request, "web/phone/agent.html", context, status=status)


@agent_page_of
@require_POST
def agent_sign_out(request: HttpRequest) -> HttpResponse:
    """签出: leaves the queues, frees the extension."""
    current = agent_row(user_of(request))
    assert current is not None
    services.agent_sign_out(agent=current, reason="agent")
    request.session.pop(SEAT, None)
    messages.success(request, _("已签出"))
    return redirect("web:agent")


@agent_page_of
@require_POST
def agent_state(request: HttpRequest) -> HttpResponse:
    """示闲 / 小休 / 静音 and back, from the bar."""
    user = user_of(request)
    current = agent_row(user)
    assert current is not None
    try:
        services.agent_set_state(agent=current, state=request.POST.get("state", ""), actor=user)
    except HotlineError as err:
        if getattr(request, "htmx", False):
            context = {**bar_context(agent_row(user)), "bar_error": err.detail}
            return render(request, "web/phone/_bar.html", context)
        messages.error(request, err.detail)
    return _back(request)


@agent_page_of
@require_POST
def agent_group(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Join or leave a skill group (技能组)."""
    user = user_of(request)
    current = agent_row(user)
    assert current is not None
    group = SkillGroup.objects.filter(pk=pk, active=True).first()
    if group is None or action not in ("join", "leave"):
        return error_page(request, NotFound(_("技能组不存在"), code="skill_group_not_found"))
    if action == "join":
        services.agent_join(agent=current, group=group, actor=user)
    else:
        services.agent_leave(agent=current, group=group, actor=user)
    return _back(request)


@login_required
@require_GET
def agent_bar(request: HttpRequest) -> HttpResponse:
    """The state bar alone (htmx: on load, on a pushed change, when wrap-up ends). Signed
    out meanwhile (by another seat, or as a browser gone): the next page has no bar."""
    current = agent_row(request.user)
    if (
        current is None
        or current.state == AgentState.OFFLINE
        or current.session_key != request.session.session_key
    ):
        request.session.pop(SEAT, None)
    return render(request, "web/phone/_bar.html", bar_context(current))


# --- the event stream ----------------------------------------------------------------------


def _start_after(request: HttpRequest, user: AnyUser) -> int:
    """Where the stream starts: after the browser's ``Last-Event-ID``, else after the id
    this tab saw last (``?after=``), else replaying the last ``RECENT_SECONDS``."""
    for raw in (request.headers.get("Last-Event-ID", ""), request.GET.get("after", "")):
        if raw.strip().isdigit() and len(raw.strip()) < 19:
            return int(raw.strip())
    older = timezone.now() - timedelta(seconds=RECENT_SECONDS)
    last = (
        Push.objects.filter(user_id=user.pk or 0, created_at__lt=older)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    return int(last.first() or 0)


def sse(push: Push) -> str:
    data = json.dumps(push.payload, ensure_ascii=False, separators=(",", ":"))
    return f"id: {push.pk}\nevent: {push.kind}\ndata: {data}\n\n"


def event_stream(user: AnyUser, agent: Agent, after: int) -> Iterator[str]:
    """The pushes for ``user`` after id ``after``, as they come, for ``STREAM_SECONDS``."""
    with _open_lock:
        _open_streams[0] += 1
    try:
        started = beat = time.monotonic()
        services.agent_heartbeat(agent)
        yield f"retry: {RETRY_MS}\n: {' ' * 64}\n\n"  # a first chunk: proxies and the browser open up
        while time.monotonic() - started < STREAM_SECONDS:
            for push in services.pushes_after(user, after):
                after = max(after, push.pk)
                yield sse(push)
            if time.monotonic() - beat >= HEARTBEAT_SECONDS:
                beat = time.monotonic()
                services.agent_heartbeat(agent)
                yield ": heartbeat\n\n"
            time.sleep(POLL_SECONDS)
    finally:  # the connection is closed by request_finished, when the server closes the response
        with _open_lock:
            _open_streams[0] -= 1


@login_required
@require_GET
def agent_events(request: HttpRequest) -> HttpResponseBase:
    """Server-sent events for a signed-in agent, in the browser session they signed in from;
    anyone else gets 204, which tells EventSource to stop reconnecting."""
    user = request.user
    current = Agent.objects.filter(user_id=user.pk or 0).first()
    if current is None or current.state == AgentState.OFFLINE or SEAT not in request.session:
        return HttpResponse(status=204)
    response = StreamingHttpResponse(event_stream(user, current, _start_after(request, user)))
    response["Content-Type"] = "text/event-stream; charset=utf-8"
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


# --- the screen pop -------------------------------------------------------------------------


def call_for(user: AnyUser, pk: int) -> Call | None:
    """A call the user may see: in their call log, or one that rang at them (popped)."""
    call = services.calls_visible_to(user).filter(pk=pk).first()
    if call is None and Push.objects.filter(user_id=user.pk or 0, kind="pop", payload__call=pk).exists():
        call = Call.objects.filter(pk=pk).first()
    return call


def pop_context(user: AnyUser, call: Call) -> dict[str, Any]:
    """The caller as the intake screen's lookup sees them (scoped, confidential left out),
    with the customer class of the latest ticket and the open ones counted."""
    caller = caller_lookup(call.caller, user) if call.caller else None
    latest = caller.tickets[0] if caller and caller.tickets else None
    open_count = sum(1 for t in caller.tickets if t.status in OPEN_STATUSES) if caller else 0
    return {
        "call": call,
        "caller": caller,
        "latest": latest,
        "open_count": open_count,
        "may_request": False,
        "blocked_call": call.outcome == CallOutcome.BLOCKED,
    }


@login_required
@require_GET
def call_pop(request: HttpRequest, pk: int) -> HttpResponse:
    """The screen pop (弹屏) for a call ringing at the user: an htmx fragment."""
    call = call_for(request.user, pk)
    if call is None:
        return error_page(request, NotFound(_("通话不存在或您无权查看"), code="call_not_found"))
    return render(request, "web/phone/_pop.html", pop_context(request.user, call))
