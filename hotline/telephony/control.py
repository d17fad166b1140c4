"""座席的通话控制: what an agent does with a call (000 L48 items 8, 9, 13) and the team
leader's automatic outbound campaign (000 L46 item 5).

Every action here is permission checked, decided and recorded in one transaction, and its
AMI actions go to the PBX after commit (``pbx.send`` → the Huey task), so a refused or
rolled-back action sends nothing. Each refusal has a stable code; an action that would
change nothing (holding a held call) writes nothing (``NoChange``).

=========  ======================================  ==========================================
action     who                                     AMI (after commit)
=========  ======================================  ==========================================
transfer   the call's own agent, on a live call    转坐席: Redirect of the caller's channel to
           (answered, not handed on)               the agent's extension in
                                                   ``HOTLINE_AMI_CONTEXT``; 转外线: the same
                                                   to the number (a permission:
                                                   ``Agent.external_calls``, off by default);
                                                   转队列: to ``hotline-queue`` / <queue>. The
                                                   agent's own leg ends: wrap-up
invite     the same                                三方通话: Redirect of both channels (Channel
                                                   the caller's, ExtraChannel the agent's) to
                                                   ``hotline-conference`` / ``call<pk>``
                                                   (ConfBridge), then an Originate of the
                                                   third party (an agent's ``PJSIP/<ext>``,
                                                   or ``Local/<number>@<context>``, again a
                                                   permission) into the same room. In the
                                                   room already: the Originate alone. The
                                                   agent leaving the room is an attended
                                                   transfer
hold       the same                                保持: Park, Channel the caller's,
                                                   TimeoutChannel the agent's (rung again when
                                                   the parking lot's time runs out)
resume     the same, on a held call                恢复: Redirect of the parked caller's
                                                   channel to the agent's extension
pickup     a signed-in agent in a skill group of   抢接: Redirect of the ringing caller's
           the call's queue, not on a call; only   channel to the picking agent's extension
           while the call rings unanswered
autodial   team leaders and administrators         自动外呼 (``hotline.telephony.autodial``):
           (``agents.may_supervise``)              per task an Originate of
                                                   ``Local/<number>@<context>`` into
                                                   ``hotline-autodial`` / <queue>
=========  ======================================  ==========================================

A call the user may not see is ``NotFound`` (``call_not_found``), the same as a missing one;
a call they see (a team leader sees the centre's) but did not answer is ``call_not_yours``.

**The record.** An agent's control of a call is neither a PBX event (``CallEvent`` keeps
what the PBX said) nor a team leader's action (``SupervisorAction``), and the call row is
the fold's (``calls.apply_event``): what comes of the action — the caller answered at the
new extension, the queue, the hang-up — comes back from the PBX as events. The action itself
is written as pushes, in its transaction: a ``call`` push to the acting agent naming the
action, the new control state, the target and the AMI actions sent (the workbench refreshes
from it, and the next action reads the state from it: held, in a conference, handed on);
a ``pop`` push to an agent the call now rings at (transfer, invite, pickup), so their
workbench pops the caller's history as for a queue call; a ``call`` push to the agents a
picked-up call was ringing at. And a log line (logger ``hotline.telephony.control``). Pushes
are kept a day (``services.prune_pushes``): longer than any call, but no audit trail — a
durable log would need a table of its own. Auto-dial writes durable rows (a ``Call`` and a
``CallbackAttempt`` per task).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.errors import Conflict, Forbidden, InvalidInput, NoChange, NotFound
from hotline.core.phones import EXTENSION_MARK, national_number, normalise_phone
from hotline.core.types import AnyUser
from hotline.telephony import agents, pbx, services
from hotline.telephony.models import (
    Agent,
    AgentState,
    Call,
    CallStatus,
    Direction,
    Push,
    SkillGroup,
)

logger = logging.getLogger("hotline.telephony.control")

TransferTo = Literal["agent", "external", "queue"]
TRANSFER_TO: tuple[TransferTo, ...] = ("agent", "external", "queue")
ACTIONS = ("transfer", "invite", "hold", "resume", "pickup")

# the control state of a call for its agent (read from their latest control push)
TALKING = "talking"
HELD = "held"
CONFERENCE = "conference"
HANDED_ON = "handed_on"  # transferred away: no longer the agent's to control

ON_A_CALL = frozenset({AgentState.BUSY, AgentState.MUTE})
PICKUP_WINDOW = timedelta(hours=1)  # a "ringing" call older than this is one the PBX never ended


@dataclass(frozen=True)
class Sent:
    """One AMI action, as recorded in the push and sent after commit."""

    action: str
    fields: pbx.Fields

    def as_dict(self) -> dict[str, Any]:
        return {"Action": self.action, **self.fields}

    def send(self) -> None:
        pbx.send(self.action, **self.fields)


@dataclass(frozen=True)
class Controlled:
    """What an action did: the call, the action, the call's control state after it for the
    acting agent, the target named (an agent, a number, a queue) and the AMI actions."""

    call: Call
    action: str
    state: str
    target: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)


# --- errors ----------------------------------------------------------------------------------


def _missing() -> NotFound:
    return NotFound(_("通话不存在或您无权查看"), code="call_not_found")


def _not_yours() -> Conflict:
    return Conflict(_("这不是您接听的通话,不能转接、保持或邀请三方"), code="call_not_yours")


def _not_live() -> Conflict:
    return Conflict(_("只能对通话中的来电执行此操作"), code="call_not_live")


def _no_channel() -> Conflict:
    return Conflict(_("交换机未报告该通话的通道,不能执行此操作"), code="call_no_channel")


def _not_signed_in() -> Conflict:
    return Conflict(_("请先签入座席(工号、分机号)"), code="agent_not_signed_in")


def need_pbx() -> None:
    if not pbx.configured():
        raise Conflict(_("未配置交换机 (HOTLINE_AMI_HOST),不能执行此操作"), code="pbx_not_configured")


def uid(user: AnyUser) -> int:
    if user.pk is None:
        raise _missing()
    return int(user.pk)


# --- reads -----------------------------------------------------------------------------------


def _name(user: AnyUser) -> str:
    return str(getattr(user, "get_full_name", lambda: "")() or getattr(user, "username", ""))


def control_state(call: Call, user: AnyUser) -> str:
    """The call's control state for ``user``: talking, held, in a conference, or handed on
    (from their latest control push for it; none: talking)."""
    if not user.is_authenticated:
        return TALKING
    last = (
        Push.objects.filter(user_id=user.pk, kind="call", payload__call=call.pk, payload__has_key="control")
        .order_by("-pk")
        .values_list("payload", flat=True)
        .first()
    )
    state = last.get("state") if isinstance(last, dict) else None
    return str(state) if state in (TALKING, HELD, CONFERENCE, HANDED_ON) else TALKING


def live_call_of(user: AnyUser) -> Call | None:
    """The call the user is on: answered at them, not ended, not handed on."""
    if not user.is_authenticated:
        return None
    calls = Call.objects.filter(agent_id=user.pk, status=CallStatus.ANSWERED).order_by("-answered_at", "-pk")
    for call in calls.prefetch_related("ticket_links__ticket")[:5]:
        if control_state(call, user) != HANDED_ON:
            return call
    return None


def _queues(agent: Agent) -> list[str]:
    return [g.queue for g in agent.groups.filter(active=True)]


def _picked_ids(since: datetime) -> set[int]:
    rows = Push.objects.filter(kind="pop", payload__control="pickup", created_at__gte=since).values_list(
        "payload__call", flat=True
    )
    return {int(pk) for pk in rows if isinstance(pk, int | str) and str(pk).isdigit()}


def ringing_for_pickup(user: AnyUser, *, now: datetime | None = None, limit: int = 10) -> list[Call]:
    """The calls ringing unanswered in the queues of the user's skill groups (排队/振铃中),
    oldest first, for 抢接; none unless the user is a signed-in agent."""
    own = agents.agent_of(user)
    if own is None or own.state == AgentState.OFFLINE or not own.extension:
        return []
    since = (now or timezone.now()) - PICKUP_WINDOW
    return list(
        Call.objects.filter(
            direction=Direction.INBOUND,
            status=CallStatus.RINGING,
            answered_at__isnull=True,
            queue__in=_queues(own),
            started_at__gte=since,
        )
        .exclude(caller_channel="")
        .exclude(pk__in=_picked_ids(since))
        .prefetch_related("ticket_links__ticket")
        .order_by("started_at", "pk")[:limit]
    )


def transfer_targets(user: AnyUser) -> QuerySet[Agent]:
    """The agents a call can go to: signed in, not on a call, not the user."""
    return (
        Agent.objects.exclude(state__in=[AgentState.OFFLINE, *ON_A_CALL])
        .exclude(extension="")
        .exclude(user_id=user.pk or 0)
        .select_related("user")
        .order_by("staff_no")
    )


def transfer_queues() -> QuerySet[SkillGroup]:
    return SkillGroup.objects.filter(active=True).order_by("code")


# --- access ----------------------------------------------------------------------------------


def access_own_call(user: AnyUser, pk: int | str) -> Call:
    """A call the user may see; missing and forbidden are one answer (``call_not_found``).
    Whether it is theirs to control is checked by each action (``call_not_yours``)."""
    try:
        return services.calls_visible_to(user).get(pk=int(pk))
    except (Call.DoesNotExist, ValueError, TypeError):
        raise _missing() from None


def access_ringing_call(user: AnyUser, pk: int | str) -> Call:
    """A call in the queue of one of the user's skill groups (for 抢接); else not found."""
    own = agents.agent_of(user)
    if own is None:
        raise _missing()
    try:
        return Call.objects.get(pk=int(pk), direction=Direction.INBOUND, queue__in=_queues(own))
    except (Call.DoesNotExist, ValueError, TypeError):
        raise _missing() from None


def _own_live(call: Call, actor: AnyUser) -> tuple[Call, Agent]:
    """The call locked, checked to be the actor's and live; the actor's agent row."""
    locked = Call.objects.select_for_update().filter(pk=call.pk).first()
    if locked is None or not actor.is_authenticated:
        raise _missing()
    if locked.agent_id != actor.pk:
        raise _not_yours()
    own = Agent.objects.filter(user_id=actor.pk).first()
    if own is None:
        raise _not_yours()
    need_pbx()
    if locked.status != CallStatus.ANSWERED or control_state(locked, actor) == HANDED_ON:
        raise _not_live()
    return locked, own


def _target_agent(staff_no: str, actor: AnyUser) -> Agent:
    staff_no = (staff_no or "").strip()
    target = Agent.objects.select_related("user").filter(staff_no=staff_no).first() if staff_no else None
    if target is None:
        raise InvalidInput(_("请选择座席"), code="transfer_target_invalid", field="agent")
    if target.user_id == actor.pk:
        raise InvalidInput(_("不能转给或邀请自己"), code="transfer_target_invalid", field="agent")
    if target.state == AgentState.OFFLINE or not target.extension:
        raise Conflict(
            _("座席 %(staff_no)s 未签入") % {"staff_no": target.staff_no}, code="transfer_target_unavailable"
        )
    if target.state in ON_A_CALL:
        raise Conflict(
            _("座席 %(staff_no)s 正在通话") % {"staff_no": target.staff_no},
            code="transfer_target_unavailable",
        )
    return target


def _outside_number(own: Agent, raw: str) -> str:
    """The digits to dial for an outside number the agent may call (else refused)."""
    if not own.external_calls:
        raise Forbidden(_("您没有转接或邀请外线的权限,请联系管理员开通"), code="external_calls_forbidden")
    number = normalise_phone(raw or "", field="number")
    if not number:
        raise InvalidInput(_("请填写外线号码"), code="invalid_phone", field="number")
    if EXTENSION_MARK in number:
        raise InvalidInput(_("外线号码不能带分机号"), code="invalid_phone", field="number")
    return national_number(number)


def queue_named(name: str) -> SkillGroup:
    group = SkillGroup.objects.filter(queue=(name or "").strip(), active=True).first() if name else None
    if group is None:
        raise InvalidInput(_("请选择要转入的队列(技能组)"), code="transfer_queue_invalid", field="queue")
    return group


# --- the record --------------------------------------------------------------------------------


def _ring(agent: Agent, call: Call, actor: AnyUser, action: str, now: datetime) -> None:
    """The screen pop for an agent the call now rings at (as for a queue call)."""
    hidden = services.number_hidden(call)
    Push.objects.create(
        user_id=agent.user_id,
        kind="pop",
        payload={
            "call": call.pk,
            "call_id": call.call_id,
            "caller": services.shown_number(call.caller, hidden),
            "area": call.area,
            "control": action,
            "from": _name(actor),
        },
        created_at=now,
    )


def _record(
    *,
    call: Call,
    actor: AnyUser,
    action: str,
    state: str,
    target: str,
    commands: list[Sent],
    now: datetime,
    ring: Agent | None = None,
) -> Controlled:
    sent = [c.as_dict() for c in commands]
    Push.objects.create(
        user_id=uid(actor),
        kind="call",
        payload={
            "call": call.pk,
            "status": call.status,
            "control": action,
            "state": state,
            "target": target,
            "sent": sent,
        },
        created_at=now,
    )
    if ring is not None:
        _ring(ring, call, actor, action, now)
    for command in commands:
        transaction.on_commit(command.send)
    logger.info(
        "通话控制 %s:用户 %s 通话 %s 目标 %s 指令 %s",
        action,
        actor.pk,
        call.call_id,
        target or "-",
        ",".join(c.action for c in commands),
    )
    return Controlled(call=call, action=action, state=state, target=target, sent=sent)


# --- the agent's actions -------------------------------------------------------------------------


def call_transfer(
    *,
    call: Call,
    actor: AnyUser,
    to: str,
    agent: str = "",
    number: str = "",
    queue: str = "",
    now: datetime | None = None,
) -> Controlled:
    """转移 (blind): the caller to another agent (staff number), an outside number or a queue;
    the agent's own leg ends (wrap-up)."""
    if to not in TRANSFER_TO:
        raise InvalidInput(_("请选择转接方式:坐席、外线或队列"), code="invalid", field="to")
    now = now or timezone.now()
    with transaction.atomic():
        locked, own = _own_live(call, actor)
        if not locked.caller_channel:
            raise _no_channel()
        target_agent: Agent | None = None
        if to == "agent":
            target_agent = _target_agent(agent, actor)
            exten, context, target = target_agent.extension, pbx.context(), target_agent.staff_no
        elif to == "external":
            exten = _outside_number(own, number)
            context, target = pbx.context(), exten
        else:
            group = queue_named(queue)
            exten, context, target = group.queue, pbx.QUEUE_CONTEXT, group.queue
        commands = [Sent("Redirect", pbx.redirect_fields(locked.caller_channel, exten, context))]
        agents.call_ended(own, now=now)  # the caller left the agent's bridge: wrap-up
        return _record(
            call=locked,
            actor=actor,
            action="transfer",
            state=HANDED_ON,
            target=f"{to}:{target}",
            commands=commands,
            now=now,
            ring=target_agent,
        )


def call_invite(
    *, call: Call, actor: AnyUser, agent: str = "", number: str = "", now: datetime | None = None
) -> Controlled:
    """三方通话: the caller and the agent into the call's conference room, and a third party
    (an agent by staff number, or an outside number) rung into it."""
    if bool((agent or "").strip()) == bool((number or "").strip()):
        raise InvalidInput(_("请选择一位座席或填写一个外线号码"), code="invalid", field="agent")
    now = now or timezone.now()
    with transaction.atomic():
        locked, own = _own_live(call, actor)
        state = control_state(locked, actor)
        if state == HELD:
            raise Conflict(_("通话保持中,请先恢复通话"), code="call_held")
        target_agent: Agent | None = None
        if (agent or "").strip():
            target_agent = _target_agent(agent, actor)
            dial, target = pbx.interface(target_agent.extension), f"agent:{target_agent.staff_no}"
        else:
            digits = _outside_number(own, number)
            dial, target = pbx.outside(digits), f"external:{digits}"
        room = pbx.conference_room(locked.pk)
        commands: list[Sent] = []
        if state != CONFERENCE:
            if not locked.caller_channel or not locked.agent_channel:
                raise _no_channel()
            fields = pbx.redirect_both_fields(
                locked.caller_channel, locked.agent_channel, room, pbx.CONFERENCE_CONTEXT
            )
            commands.append(Sent("Redirect", fields))
        commands.append(Sent("Originate", pbx.join_fields(dial, room, pbx.leg_id())))
        return _record(
            call=locked,
            actor=actor,
            action="invite",
            state=CONFERENCE,
            target=target,
            commands=commands,
            now=now,
            ring=target_agent,
        )


def call_hold(*, call: Call, actor: AnyUser, now: datetime | None = None) -> Controlled:
    """保持: the caller parked (hears the parking lot's music); held already: nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        locked, _own = _own_live(call, actor)
        state = control_state(locked, actor)
        if state == HELD:
            raise NoChange(_("通话已在保持中"))
        if state == CONFERENCE:
            raise Conflict(_("三方通话中不能保持"), code="call_in_conference")
        if not locked.caller_channel or not locked.agent_channel:
            raise _no_channel()
        commands = [Sent("Park", pbx.park_fields(locked.caller_channel, locked.agent_channel))]
        return _record(
            call=locked, actor=actor, action="hold", state=HELD, target="", commands=commands, now=now
        )


def call_resume(*, call: Call, actor: AnyUser, now: datetime | None = None) -> Controlled:
    """恢复: the parked caller back to the agent's extension (the phone rings)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked, own = _own_live(call, actor)
        if control_state(locked, actor) != HELD:
            raise Conflict(_("该通话不在保持中"), code="call_not_held")
        if own.state == AgentState.OFFLINE or not own.extension:
            raise _not_signed_in()
        if not locked.caller_channel:
            raise _no_channel()
        commands = [
            Sent("Redirect", pbx.redirect_fields(locked.caller_channel, own.extension, pbx.context()))
        ]
        return _record(
            call=locked,
            actor=actor,
            action="resume",
            state=TALKING,
            target=own.extension,
            commands=commands,
            now=now,
        )


def call_pickup(*, call: Call, actor: AnyUser, now: datetime | None = None) -> Controlled:
    """抢接: a call ringing unanswered in one of the actor's queues comes to their extension.
    The agents it was ringing at are told; a second pickup finds it no longer ringing."""
    now = now or timezone.now()
    own = agents.agent_of(actor)
    if own is None:
        raise _missing()
    queues = _queues(own)
    with transaction.atomic():
        locked = (
            Call.objects.select_for_update()
            .filter(pk=call.pk, direction=Direction.INBOUND, queue__in=queues)
            .first()
        )
        if locked is None:
            raise _missing()
        need_pbx()
        if own.state == AgentState.OFFLINE or not own.extension:
            raise _not_signed_in()
        if own.state in ON_A_CALL:
            raise Conflict(_("您正在通话,不能抢接"), code="agent_on_call")
        picked = Push.objects.filter(kind="pop", payload__call=locked.pk, payload__control="pickup").exists()
        if locked.status != CallStatus.RINGING or locked.answered_at is not None or picked:
            raise Conflict(_("该来电已不在振铃(已被接听、抢接或挂断)"), code="call_not_ringing")
        if not locked.caller_channel:
            raise _no_channel()
        rung = (
            Push.objects.filter(kind="pop", payload__call=locked.pk)
            .exclude(user_id=uid(actor))
            .values_list("user_id", flat=True)
            .distinct()
        )
        for user_id in sorted(set(rung)):
            Push.objects.create(
                user_id=user_id,
                kind="call",
                payload={"call": locked.pk, "status": "picked", "by": _name(actor)},
                created_at=now,
            )
        commands = [
            Sent("Redirect", pbx.redirect_fields(locked.caller_channel, own.extension, pbx.context()))
        ]
        return _record(
            call=locked,
            actor=actor,
            action="pickup",
            state=TALKING,
            target=own.extension,
            commands=commands,
            now=now,
            ring=own,  # the pop also marks the call as picked up
        )
