"""The call-centre floor (班长): a team leader's actions on an agent and the agent's call, and
the agent's own 转满意度评价.

``supervise(leader=, agent=, kind=)`` is the one door for the eight actions of
``SupervisorKind`` (000 L106–110 items 15–21). Each one:

- is checked: only a team leader or an administrator (``agents.may_supervise``) acts, and a
  missing agent and one the user may not supervise are the same ``NotFound``
  (``agent_not_found``); nobody acts on themselves (``supervisor_self``);
- is written in one transaction with the agent row locked: a ``SupervisorAction`` row (who,
  what, which agent and call, the AMI actions and fields sent), the agent's state through the
  agents module's own internals (its state log, its ``state`` push, its queue commands), and
  a ``Push`` of kind ``supervisor`` that the agent's workbench shows at once;
- sends its PBX command after commit (``pbx.send`` → the Huey task): a rolled-back action
  sends nothing;
- changes nothing when there is nothing to change (force busy on an agent already on break:
  ``NoChange``, nothing written), and says why it cannot act with a stable code otherwise.

The actions:

========  ===============================================================================
monitor   监听: Originate to the leader's own extension, Application ChanSpy, Data
          ``PJSIP/<agent ext>-,q`` (no beep); the leader hears both sides
whisper   耳语: the same with ``,qw``: the agent hears the leader, the caller does not
barge     强插: the same with ``,qB``: both sides hear the leader (a three-way call)
intercept 拦截: Redirect of the call's caller channel to the leader's extension (context
          ``HOTLINE_AMI_CONTEXT``); the agent's leg ends, so the agent goes to wrap-up
hangup    强拆: Hangup of the caller's channel (or the agent's when the caller's is unknown);
          the call's end comes back from the PBX through the fold as any hang-up
logout    强制签出: the agent signed out (``agents.agent_sign_out``: QueueRemove from every
          queue, the extension freed)
busy      强制示忙: the agent on break (小休), QueuePause true
ready     强制示闲: the agent ready, QueuePause false
========  ===============================================================================

The actions on a call (the first five) need a live call of the agent (answered, not ended)
and the PBX (``HOTLINE_AMI_HOST``); monitor, whisper, barge and intercept ring the leader's
phone, so the leader must be signed in as an agent at an extension.

``offer_survey(call=, actor=)``: the call's own agent sends the caller to the keypad survey
(Redirect of the caller's channel to ``hotline-survey``/``s``/1) once per call; the agent's
leg ends there (wrap-up). The digit comes back as a ``survey`` call event (``calls``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.errors import Conflict, InvalidInput, NoChange, NotFound
from hotline.core.types import AnyUser
from hotline.telephony import agents, pbx
from hotline.telephony.models import (
    Agent,
    AgentState,
    Call,
    CallStatus,
    Push,
    SupervisorAction,
    SupervisorKind,
)

REASON = "班长强制"  # the state log's reason (and the queue pause's) for a forced state
MAX_NOTE = 200
ON_A_CALL = frozenset({AgentState.BUSY, AgentState.MUTE})
CALL_KINDS = frozenset(
    {
        SupervisorKind.MONITOR,
        SupervisorKind.WHISPER,
        SupervisorKind.BARGE,
        SupervisorKind.INTERCEPT,
        SupervisorKind.HANGUP,
    }
)
SPY_KINDS = frozenset({SupervisorKind.MONITOR, SupervisorKind.WHISPER, SupervisorKind.BARGE})
RINGS_LEADER = SPY_KINDS | {SupervisorKind.INTERCEPT}


def _told(kind: str) -> str:
    """What the agent's workbench says (translated when the push is written)."""
    return {
        SupervisorKind.MONITOR: _("班长正在监听您的通话"),
        SupervisorKind.WHISPER: _("班长正在与您耳语(来电人听不到)"),
        SupervisorKind.BARGE: _("班长已强插您的通话"),
        SupervisorKind.INTERCEPT: _("班长已拦截您的通话,来电已转给班长"),
        SupervisorKind.HANGUP: _("班长已强拆您的通话"),
        SupervisorKind.LOGOUT: _("班长已将您强制签出"),
        SupervisorKind.BUSY: _("班长已将您置为示忙"),
        SupervisorKind.READY: _("班长已将您置为示闲"),
    }[SupervisorKind(kind)]


@dataclass(frozen=True)
class Command:
    """One AMI action to send after commit, as ``SupervisorAction.sent`` records it."""

    action: str
    fields: pbx.Fields

    def as_dict(self) -> dict[str, Any]:
        return {"Action": self.action, **self.fields}

    def send(self) -> None:
        pbx.send(self.action, **self.fields)


# --- who may act on whom -------------------------------------------------------------------


def agents_supervised_by(user: AnyUser) -> QuerySet[Agent]:
    """The agents a user may act on: every agent for a team leader or administrator (the
    centre's, as ``services.calls_visible_to`` gives them the centre's calls), none else."""
    if not agents.may_supervise(user):
        return Agent.objects.none()
    return Agent.objects.all()


def access_agent(user: AnyUser, pk: int | str) -> Agent:
    """The agent ``pk`` if the user may act on them; missing and forbidden are one answer."""
    try:
        return agents_supervised_by(user).select_related("user").get(pk=int(pk))
    except (Agent.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("座席不存在或您无权操作"), code="agent_not_found") from None


def live_call(agent: Agent) -> Call | None:
    """The agent's call in progress (answered, not ended), the latest if several."""
    return (
        Call.objects.filter(agent_id=agent.user_id, status=CallStatus.ANSWERED)
        .order_by("-answered_at", "-pk")
        .first()
    )


# --- the actions ---------------------------------------------------------------------------


def _need_pbx() -> None:
    if not pbx.configured():
        raise Conflict(_("未配置交换机 (HOTLINE_AMI_HOST),不能执行此操作"), code="pbx_not_configured")


def _leader_extension(leader: AnyUser) -> str:
    own = agents.agent_of(leader)
    if own is None or not own.extension or own.state == AgentState.OFFLINE:
        raise Conflict(
            _("请先以座席身份签入您的分机:监听、耳语、强插和拦截会呼叫您的分机"),
            code="leader_not_signed_in",
        )
    return own.extension


def _call_commands(kind: str, agent: Agent, leader: AnyUser, now: datetime) -> tuple[Call, list[Command]]:
    _need_pbx()
    call = live_call(agent)
    if call is None:
        raise Conflict(_("该座席当前没有通话"), code="agent_no_live_call")
    no_channel = Conflict(_("交换机未报告该通话的通道,不能执行此操作"), code="call_no_channel")
    leader_extension = _leader_extension(leader) if kind in RINGS_LEADER else ""
    if kind in SPY_KINDS:
        extension = agent.extension or call.extension
        if not extension:
            raise no_channel
        fields = pbx.spy_fields(leader_extension, extension, pbx.SPY_OPTIONS[kind], pbx.spy_id())
        return call, [Command("Originate", fields)]
    if kind == SupervisorKind.INTERCEPT:
        if not call.caller_channel:
            raise no_channel
        fields = pbx.redirect_fields(call.caller_channel, leader_extension, pbx.context())
        # the caller leaves the agent's bridge for the leader's phone: the agent's talk is over
        agents.call_ended(agent, now=now)
        return call, [Command("Redirect", fields)]
    channel = call.caller_channel or call.agent_channel
    if not channel:
        raise no_channel
    return call, [Command("Hangup", pbx.hangup_fields(channel))]


def _not_signed_in() -> Conflict:
    return Conflict(_("该座席未签入"), code="agent_not_signed_in")


def _on_a_call() -> Conflict:
    return Conflict(_("该座席正在通话,通话结束后再置忙或置闲"), code="agent_on_call")


def _force_state(agent: Agent, state: str, now: datetime) -> list[Command]:
    """示忙/示闲 through the agents module's one state change (log, push, QueuePause)."""
    if agent.state == AgentState.OFFLINE:
        raise _not_signed_in()
    if agent.state == state:
        label = AgentState(state).label
        raise NoChange(_("该座席已是“%(state)s”状态") % {"state": label})
    if agent.state in ON_A_CALL:
        raise _on_a_call()
    sent = [Command("QueuePause", pbx.queue_pause_fields(agent.extension, state != AgentState.READY, REASON))]
    agents._set_state(agent, state, now=now, reason=REASON)
    return sent


def _force_logout(agent: Agent, now: datetime) -> list[Command]:
    if agent.state == AgentState.OFFLINE and not agent.extension:
        raise NoChange(_("该座席未签入"))
    sent = [
        Command("QueueRemove", pbx.queue_remove_fields(agent.extension, queue))
        for queue in agents._queues(agent)
        if agent.extension
    ]
    agents.agent_sign_out(agent=agent, reason=REASON, now=now)
    return sent


def supervise(
    *, leader: AnyUser, agent: Agent, kind: str, note: str = "", now: datetime | None = None
) -> SupervisorAction:
    """One team-leader action on ``agent`` (see the module's table); the logged row."""
    if kind not in SupervisorKind.values:
        raise InvalidInput(_("无效的班长操作"), code="invalid", field="kind")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(_("说明不能超过 %(n)d 字") % {"n": MAX_NOTE}, code="note_too_long", field="note")
    target = access_agent(leader, agent.pk)
    leader_id = leader.pk
    if leader_id is None:  # not signed in: access_agent found no agent already
        raise NotFound(_("座席不存在或您无权操作"), code="agent_not_found")
    if target.user_id == leader_id:
        raise InvalidInput(_("不能对自己执行班长操作"), code="supervisor_self")
    now = now or timezone.now()
    with transaction.atomic():
        locked = agents._resolve_wrapup(agents._locked(target), now)
        call: Call | None = None
        if kind in CALL_KINDS:
            call, commands = _call_commands(kind, locked, leader, now)
            for command in commands:  # the state kinds' commands are sent by the agents module
                transaction.on_commit(command.send)
        elif kind == SupervisorKind.LOGOUT:
            commands = _force_logout(locked, now)
        else:
            state = AgentState.BREAK if kind == SupervisorKind.BUSY else AgentState.READY
            commands = _force_state(locked, state, now)
        action = SupervisorAction.objects.create(
            leader_id=leader_id,
            agent=locked,
            call=call,
            kind=kind,
            at=now,
            sent={"actions": [c.as_dict() for c in commands]} if pbx.configured() and commands else {},
            note=note,
        )
        leader_name = getattr(leader, "get_full_name", lambda: "")() or getattr(leader, "username", "")
        Push.objects.create(
            user_id=locked.user_id,
            kind="supervisor",
            payload={
                "action": action.pk,
                "kind": kind,
                "label": str(SupervisorKind(kind).label),
                "text": _told(kind),
                "leader": leader_name,
                "call": call.pk if call is not None else None,
            },
            created_at=now,
        )
        return action


# --- 转满意度评价 ---------------------------------------------------------------------------


def offer_survey(*, call: Call, actor: AnyUser, now: datetime | None = None) -> Call:
    """The call's own agent sends the caller to the keypad survey: once per call, on a call
    in progress whose caller's channel the PBX named. The agent's talk ends (wrap-up)."""
    now = now or timezone.now()
    missing = NotFound(_("通话不存在或您无权查看"), code="call_not_found")
    if not actor.is_authenticated:
        raise missing
    with transaction.atomic():
        locked = Call.objects.select_for_update().filter(pk=call.pk).first()
        if locked is None or locked.agent_id != actor.pk:
            raise missing
        if locked.survey_offered_at is not None:
            raise Conflict(_("本次通话已转过满意度评价"), code="survey_already_offered")
        if locked.status != CallStatus.ANSWERED:
            raise Conflict(_("只有通话中的来电才能转满意度评价"), code="call_not_live")
        if not locked.caller_channel:
            raise Conflict(_("交换机未报告该通话的通道,不能执行此操作"), code="call_no_channel")
        _need_pbx()
        locked.survey_offered_at = now
        locked.save(update_fields=["survey_offered_at"])
        own = agents.agent_of(actor)
        if own is not None:
            agents.call_ended(own, now=now)
        channel = locked.caller_channel
        transaction.on_commit(lambda: pbx.redirect(channel, pbx.SURVEY_EXTEN, pbx.SURVEY_CONTEXT))
        return locked
