"""routing.decide and option_for: hours on the calendar, own agent first, rules, blocklist."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from hotline.callers.services import blocklist_decide, blocklist_request
from hotline.telephony import routing, services
from hotline.telephony.models import (
    Agent,
    AgentState,
    Call,
    CallOutcome,
    CallStatus,
    HotlineNumber,
    IvrAction,
    IvrMenu,
    IvrOption,
    RoutingRule,
    SkillGroup,
)
from tests.conftest import PASSWORD
from tests.helpers import local

pytestmark = pytest.mark.django_db

CALLER = "+8613812345678"  # 江苏省连云港市


@pytest.fixture
def groups() -> dict[str, SkillGroup]:
    return {
        "hotline": SkillGroup.objects.create(code="a-hotline", name="热线", queue="hotline"),
        "consult": SkillGroup.objects.create(code="b-consult", name="咨询", queue="consult"),
    }


@pytest.fixture
def number(groups: dict[str, SkillGroup]) -> HotlineNumber:
    return HotlineNumber.objects.create(
        number="12345",
        name="市民热线",
        priority=5,
        group=groups["hotline"],
        opens=time(8, 30),
        closes=time(17, 30),
        working_menu=IvrMenu.objects.create(name="上班"),
        after_hours_menu=IvrMenu.objects.create(name="下班"),
    )


def sign_in(user: Any, staff_no: str, extension: str) -> Agent:
    Agent.objects.create(user=user, staff_no=staff_no)
    return services.agent_sign_in(user=user, staff_no=staff_no, extension=extension, password=PASSWORD)


def answered_before(agent: Agent, at: Any, caller: str = CALLER) -> None:
    Call.objects.create(
        call_id=f"old-{agent.staff_no}-{int(at.timestamp())}",
        caller=caller,
        agent=agent.user,
        extension=agent.extension,
        status=CallStatus.ENDED,
        outcome=CallOutcome.ANSWERED,
        started_at=at,
        answered_at=at + timedelta(seconds=10),
    )


@pytest.mark.parametrize(
    ("at", "flow"),
    [
        ("2026-02-14 10:00", "working"),  # Saturday, 春节调休上班
        ("2026-02-17 10:00", "after_hours"),  # 春节 (a Tuesday)
        ("2026-02-13 17:30", "after_hours"),  # Friday at closing time
        ("2026-02-13 08:30", "working"),
        ("2026-02-21 10:00", "after_hours"),  # an ordinary Saturday
    ],
)
def test_the_flow_follows_the_calendar_and_the_hours(number: HotlineNumber, at: str, flow: str) -> None:
    decision = routing.decide("13812345678", "12345", local(at))
    assert decision.flow == flow
    assert decision.menu == (number.working_menu if flow == "working" else number.after_hours_menu)
    assert (decision.queue, decision.priority, decision.hangup) == ("hotline", 5, False)


def test_a_caller_goes_first_to_the_agent_who_answered_them_when_ready(
    users: dict[str, Any], number: HotlineNumber
) -> None:
    at = local("2026-02-14 10:00")
    mine = sign_in(users["agent"], "A001", "8001")
    other = sign_in(users["teamlead"], "A002", "8002")
    answered_before(other, at - timedelta(days=20))
    answered_before(mine, at - timedelta(days=3))  # the latest wins
    decision = routing.decide("138 1234 5678", "12345", at)
    assert (decision.agent, decision.reason, decision.queue) == ("PJSIP/8001", "own_agent", "hotline")

    services.agent_set_state(agent=mine, state=AgentState.BREAK, actor=users["agent"])
    assert routing.decide("13812345678", "12345", at).agent == ""  # on a break: the queue

    number.own_agent_first = False
    number.save()
    services.agent_set_state(agent=mine, state=AgentState.READY, actor=users["agent"])
    assert routing.decide("13812345678", "12345", at).agent == ""


def test_an_old_call_does_not_make_an_own_agent(users: dict[str, Any], number: HotlineNumber) -> None:
    at = local("2026-02-14 10:00")
    answered_before(sign_in(users["agent"], "A001", "8001"), at - timedelta(days=routing.OWN_AGENT_DAYS + 1))
    assert routing.decide("13812345678", "12345", at).agent == ""


def test_area_and_number_rules_pick_a_group_or_a_named_agent(
    users: dict[str, Any], number: HotlineNumber, groups: dict[str, SkillGroup]
) -> None:
    at = local("2026-02-14 10:00")
    other_number = HotlineNumber.objects.create(number="96315", name="其他")
    RoutingRule.objects.create(
        kind="area", pattern="江苏省", group=groups["hotline"], hotline_number=other_number
    )
    RoutingRule.objects.create(kind="area", pattern="江苏省连云港", group=groups["consult"], order=20)
    assert (
        routing.decide("13812345678", "12345", at).queue == "consult"
    )  # the other number's rule is not ours
    assert routing.decide("13912345678", "12345", at).queue == "hotline"  # 江苏省常州市

    vip = sign_in(users["agent"], "A001", "8001")
    rule = RoutingRule.objects.create(kind="number", pattern="+8613812345678", agent=vip, order=10)
    decision = routing.decide("13812345678", "12345", at)
    assert (decision.agent, decision.reason, decision.queue) == ("PJSIP/8001", f"rule:{rule.pk}", "hotline")
    services.agent_sign_out(agent=vip)
    assert routing.decide("13812345678", "12345", at).agent == ""  # signed out: the queue


def test_a_blocked_caller_is_hung_up(users: dict[str, Any], number: HotlineNumber) -> None:
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"], note="")
    assert routing.decide("13812345678", "12345", local("2026-02-14 10:00")) == routing.Decision(hangup=True)


def test_an_unknown_number_gets_the_defaults(groups: dict[str, SkillGroup]) -> None:
    decision = routing.decide("", "99999", local("2026-02-14 09:00"))
    assert (decision.flow, decision.queue, decision.priority, decision.menu, decision.number) == (
        "working",
        "hotline",  # the first active skill group by code
        0,
        None,
        None,
    )
    assert routing.decide("", "99999", local("2026-02-14 08:00")).flow == "after_hours"


def test_zero_reaches_a_person_unless_the_menu_says_otherwise(groups: dict[str, SkillGroup]) -> None:
    menu = IvrMenu.objects.create(name="主菜单")
    IvrOption.objects.create(
        menu=menu, digit="1", label="咨询", action=IvrAction.QUEUE, group=groups["consult"]
    )
    assert routing.option_for(menu, "1").group == groups["consult"]  # type: ignore[union-attr]
    person = routing.option_for(menu, "0")
    assert person is not None and person.action == IvrAction.PERSON
    assert routing.option_for(menu, "7") is None
    IvrOption.objects.create(menu=menu, digit="0", label="查询", action=IvrAction.PROGRESS)
    assert routing.option_for(menu, "0").action == IvrAction.PROGRESS  # type: ignore[union-attr]
