"""Routing and the voice menu as data (路由与语音导航): what the PBX asks over FastAGI.

``decide(caller_raw, dialled, at)`` reads, never writes, and answers one incoming call:

1. the access number dialled (``HotlineNumber.number`` = ``agi_extension``). A number we do
   not know (or one switched off) is routed with the model's defaults: 08:30–17:30, priority
   0, own agent first, no menus, the first active skill group's queue;
2. a blocked caller (``callers.services.is_blocked``) → hang up;
3. the flow: ``working`` when ``at`` (local time) falls on a working day of the calendar
   table (调休 Saturdays work, holidays rest) and ``opens <= time < closes``, else
   ``after_hours``; the flow's menu;
4. the queue (the number's skill group) and its priority;
5. the agent to ring first: the agent who last answered this caller within
   ``OWN_AGENT_DAYS`` (来电优先分配到所属坐席, when the number asks for it), else the first
   matching ``RoutingRule`` (caller's area prefix, or the exact number) → its agent; a rule
   also names the queue (its group) the call falls back to. An agent is rung only when
   ready (示闲, or a wrap-up that has run out): a busy or absent agent is not rung, the call
   goes to the queue.

``option_for(menu, digit)``: the option a key press chooses; 0 always reaches a person
(转人工) unless the menu gives 0 another meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.calendar.services import get_calendar
from hotline.callers.services import is_blocked
from hotline.telephony.calls import caller_number, number_area
from hotline.telephony.models import (
    Agent,
    AgentState,
    Call,
    Direction,
    HotlineNumber,
    IvrAction,
    IvrMenu,
    IvrOption,
    RoutingRule,
    SkillGroup,
)
from hotline.telephony.pbx import interface

WORKING = "working"
AFTER_HOURS = "after_hours"
OWN_AGENT_DAYS = 30  # "their own agent": who answered them within the last month
PERSON_DIGIT = "0"


@dataclass(frozen=True)
class Decision:
    hangup: bool  # a blocked caller: nothing else is set
    flow: str = ""
    number: HotlineNumber | None = None
    menu: IvrMenu | None = None
    queue: str = ""
    priority: int = 0
    agent: str = ""  # the interface to ring first (PJSIP/1001), "" = the queue at once
    reason: str = ""  # why that agent: "own_agent", "rule:<pk>" (for the log)


def _defaults() -> HotlineNumber:
    """An unknown number: the model's defaults (the hours as times), never saved."""
    fields = HotlineNumber._meta
    return HotlineNumber(
        number="",
        name="",
        group=first_group(),
        opens=time.fromisoformat(str(fields.get_field("opens").default)),
        closes=time.fromisoformat(str(fields.get_field("closes").default)),
    )


def first_group() -> SkillGroup | None:
    return SkillGroup.objects.filter(active=True).order_by("code").first()


def number_for(dialled: str) -> HotlineNumber | None:
    dialled = (dialled or "").strip()
    if not dialled:
        return None
    return (
        HotlineNumber.objects.filter(number=dialled, active=True)
        .select_related("group", "working_menu__prompt", "after_hours_menu__prompt")
        .first()
    )


def queue_of(number: HotlineNumber) -> str:
    """The queue a number's calls wait in: its group's, else the first active group's."""
    group = number.group if number.group is not None and number.group.active else first_group()
    return group.queue if group is not None else ""


def flow_at(number: HotlineNumber, at: datetime) -> str:
    local = timezone.localtime(at)
    working_day = get_calendar().is_working_day(local.date())
    return WORKING if working_day and number.opens <= local.time() < number.closes else AFTER_HOURS


def _ready(agent: Agent | None, at: datetime) -> bool:
    if agent is None or not agent.extension:
        return False
    if agent.state == AgentState.READY:
        return True
    return agent.state == AgentState.WRAPUP and agent.wrapup_until is not None and agent.wrapup_until <= at


def own_agent(caller: str, at: datetime) -> Agent | None:
    """The agent who last answered ``caller`` (E.164) within ``OWN_AGENT_DAYS``."""
    if not caller:
        return None
    user_id = (
        Call.objects.filter(
            caller=caller,
            direction=Direction.INBOUND,
            agent__isnull=False,
            answered_at__gte=at - timedelta(days=OWN_AGENT_DAYS),
            answered_at__lte=at,
        )
        .order_by("-answered_at")
        .values_list("agent_id", flat=True)
        .first()
    )
    return Agent.objects.filter(user_id=user_id).first() if user_id is not None else None


def matching_rule(number: HotlineNumber, caller: str, area: str) -> RoutingRule | None:
    scope = Q(hotline_number__isnull=True)
    if number.pk is not None:
        scope |= Q(hotline_number=number)
    for rule in RoutingRule.objects.filter(scope, active=True).select_related("agent", "group"):
        pattern = rule.pattern.strip()
        if not pattern:
            continue
        if rule.kind == RoutingRule.Kind.NUMBER and caller and caller_number(pattern) == caller:
            return rule
        if rule.kind == RoutingRule.Kind.AREA and area and area.startswith(pattern):
            return rule
    return None


def decide(caller_raw: str, dialled: str, at: datetime) -> Decision:
    caller = caller_number(caller_raw)
    if caller and is_blocked(caller, at):
        return Decision(hangup=True)
    number = number_for(dialled) or _defaults()
    flow = flow_at(number, at)
    menu = number.working_menu if flow == WORKING else number.after_hours_menu
    queue = queue_of(number)
    agent: Agent | None = None
    reason = ""
    if number.own_agent_first:
        candidate = own_agent(caller, at)
        if _ready(candidate, at):
            agent, reason = candidate, "own_agent"
    rule = matching_rule(number, caller, number_area(caller))
    if rule is not None:
        if rule.group is not None and rule.group.active:
            queue = rule.group.queue
        if agent is None and _ready(rule.agent, at):
            agent, reason = rule.agent, f"rule:{rule.pk}"
    return Decision(
        hangup=False,
        flow=flow,
        number=number if number.pk is not None else None,
        menu=menu,
        queue=queue,
        priority=number.priority,
        agent=interface(agent.extension) if agent is not None else "",
        reason=reason,
    )


def option_for(menu: IvrMenu, digit: str) -> IvrOption | None:
    """The option ``digit`` chooses in ``menu``; 0 reaches a person unless the menu says
    otherwise; None for a key the menu does not know."""
    digit = (digit or "").strip()[:1]
    if not digit:
        return None
    option = menu.options.select_related("group", "submenu__prompt").filter(digit=digit).first()
    if option is None and digit == PERSON_DIGIT:
        return IvrOption(menu=menu, digit=PERSON_DIGIT, label=_("转人工"), action=IvrAction.PERSON)
    return option
