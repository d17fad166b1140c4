"""Agents (issue 12 item 5): sign in with staff number, extension and password; states
with a log of durations; wrap-up ends by itself; a browser gone signs the agent out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.core.errors import InvalidInput
from hotline.telephony import services
from hotline.telephony.models import Agent, AgentState, AgentStateLog, SkillGroup
from hotline.telephony.services import Incoming
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(users: dict[str, Any]) -> Agent:
    agent = Agent.objects.create(user=users["agent"], staff_no="1001")
    agent.groups.add(SkillGroup.objects.create(code="hotline", name="综合", queue="hotline"))
    return agent


def sign_in(users: dict[str, Any], **kw: Any) -> Agent:
    args = {"staff_no": "1001", "extension": "8001", "password": PASSWORD, **kw}
    return services.agent_sign_in(user=users["agent"], **args)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"password": "wrong"}, "agent_sign_in_failed"),
        ({"staff_no": "1002"}, "agent_sign_in_failed"),  # not this user's staff number
        ({"extension": "8a"}, "agent_extension_invalid"),
        ({"extension": ""}, "agent_extension_invalid"),
    ],
)
def test_sign_in_is_refused_with_a_reason(users: dict[str, Any], row: Agent, changes: Any, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        sign_in(users, **changes)
    assert refused.value.code == code
    row.refresh_from_db()
    assert row.state == AgentState.OFFLINE and not AgentStateLog.objects.exists()


def test_an_extension_signed_in_by_another_agent_is_refused(users: dict[str, Any], row: Agent) -> None:
    Agent.objects.create(user=users["teamlead"], staff_no="1002")
    services.agent_sign_in(user=users["teamlead"], staff_no="1002", extension="8001", password=PASSWORD)
    with pytest.raises(InvalidInput) as taken:
        sign_in(users)
    assert taken.value.code == "agent_extension_taken" and "1002" in taken.value.detail


def test_states_are_logged_with_their_durations(users: dict[str, Any], row: Agent) -> None:
    t0 = timezone.now()
    agent = services.agent_sign_in(
        user=users["agent"], staff_no="1001", extension="8001", password=PASSWORD, now=t0
    )
    assert agent.state == AgentState.READY and agent.extension == "8001"
    services.agent_set_state(
        agent=agent, state=AgentState.BREAK, actor=users["agent"], now=t0 + timedelta(seconds=60)
    )
    # the same state again writes nothing
    services.agent_set_state(
        agent=agent, state=AgentState.BREAK, actor=users["agent"], now=t0 + timedelta(seconds=70)
    )
    services.agent_set_state(
        agent=agent, state=AgentState.READY, actor=users["agent"], now=t0 + timedelta(seconds=360)
    )
    services.agent_sign_out(agent=agent, now=t0 + timedelta(seconds=400))
    log = list(AgentStateLog.objects.order_by("pk").values_list("state", "seconds"))
    assert log == [("ready", 60), ("break", 300), ("ready", 40), ("offline", None)]
    agent.refresh_from_db()
    assert agent.extension == "" and agent.state == AgentState.OFFLINE


@pytest.mark.parametrize(
    ("start", "target"),
    [("ready", "mute"), ("busy", "break"), ("busy", "ready"), ("offline", "ready"), ("ready", "offline")],
)
def test_a_state_the_agent_cannot_choose_now_is_refused(
    users: dict[str, Any], row: Agent, start: str, target: str
) -> None:
    if start != "offline":
        sign_in(users)
        Agent.objects.filter(pk=row.pk).update(state=start)
    row.refresh_from_db()
    with pytest.raises(InvalidInput) as refused:
        services.agent_set_state(agent=row, state=target, actor=users["agent"])
    assert refused.value.code in {"agent_state_invalid", "agent_not_signed_in"}
    row.refresh_from_db()
    assert row.state == start


def test_mute_only_on_a_call_and_back(users: dict[str, Any], row: Agent) -> None:
    agent = sign_in(users)
    services.apply_event(Incoming(source="http", kind="newCall", call_id="m1", from_number="13812345678"))
    services.apply_event(Incoming(source="http", kind="answer", call_id="m1", extension="8001"))
    agent = services.agent_set_state(agent=agent, state=AgentState.MUTE, actor=users["agent"])
    assert agent.state == AgentState.MUTE
    agent = services.agent_set_state(agent=agent, state=AgentState.BUSY, actor=users["agent"])
    assert agent.state == AgentState.BUSY


def test_wrap_up_ends_by_itself_at_its_time(users: dict[str, Any], row: Agent) -> None:
    t0 = timezone.now()
    sign_in(users, now=t0)
    services.apply_event(
        Incoming(source="http", kind="newCall", call_id="w1", at=t0, from_number="13812345678")
    )
    services.apply_event(Incoming(source="http", kind="answer", call_id="w1", at=t0, extension="8001"))
    services.apply_event(Incoming(source="http", kind="hangup", call_id="w1", at=t0 + timedelta(seconds=20)))
    row.refresh_from_db()
    assert row.state == AgentState.WRAPUP
    assert services.agent_current(row, now=t0 + timedelta(seconds=49)).state == AgentState.WRAPUP
    assert services.expire_wrapups(now=t0 + timedelta(seconds=51)) == 1
    row.refresh_from_db()
    assert row.state == AgentState.READY and row.state_since == t0 + timedelta(seconds=50)
    wrapup = AgentStateLog.objects.get(state="wrapup")
    assert wrapup.seconds == 30


def test_the_agent_may_end_wrap_up_early(users: dict[str, Any], row: Agent) -> None:
    agent = sign_in(users)
    Agent.objects.filter(pk=agent.pk).update(
        state=AgentState.WRAPUP, wrapup_until=timezone.now() + timedelta(hours=1)
    )
    agent.refresh_from_db()
    assert (
        services.agent_set_state(agent=agent, state=AgentState.READY, actor=users["agent"]).state == "ready"
    )


def test_a_browser_gone_signs_the_agent_out_but_not_mid_call(users: dict[str, Any], row: Agent) -> None:
    t0 = timezone.now()
    sign_in(users, now=t0)
    assert services.sign_out_stale(now=t0 + timedelta(seconds=60)) == 0
    services.agent_heartbeat(row, now=t0 + timedelta(seconds=60))
    assert services.sign_out_stale(now=t0 + timedelta(seconds=140)) == 0
    assert services.sign_out_stale(now=t0 + timedelta(seconds=151)) == 1
    row.refresh_from_db()
    assert row.state == AgentState.OFFLINE and AgentStateLog.objects.filter(reason="browser_gone").exists()


def test_joining_and_leaving_a_skill_group(users: dict[str, Any], row: Agent) -> None:
    group = SkillGroup.objects.create(code="consumer", name="消费维权", queue="consumer")
    assert services.agent_join(agent=row, group=group, actor=users["agent"]) is True
    assert services.agent_join(agent=row, group=group, actor=users["agent"]) is False
    assert services.agent_leave(agent=row, group=group, actor=users["agent"]) is True
    assert list(row.groups.values_list("code", flat=True)) == ["hotline"]


def test_the_worker_ends_wrap_ups_and_signs_out_gone_browsers(users: dict[str, Any], row: Agent) -> None:
    from hotline.telephony.tasks import agent_upkeep

    agent = sign_in(users)
    Agent.objects.filter(pk=agent.pk).update(
        state=AgentState.WRAPUP, wrapup_until=timezone.now() - timedelta(seconds=1)
    )
    agent_upkeep.call_local()
    row.refresh_from_db()
    assert row.state == AgentState.READY
    Agent.objects.filter(pk=agent.pk).update(last_seen=timezone.now() - timedelta(minutes=5))
    agent_upkeep.call_local()
    row.refresh_from_db()
    assert row.state == AgentState.OFFLINE


def test_the_browser_hears_of_each_state_and_old_pushes_are_pruned(users: dict[str, Any], row: Agent) -> None:
    from hotline.telephony.models import Push

    agent = sign_in(users)
    services.agent_set_state(agent=agent, state=AgentState.BREAK, actor=users["agent"])
    states = [p.payload["state"] for p in services.pushes_after(users["agent"], 0) if p.kind == "state"]
    assert states == ["ready", "break"]
    assert services.prune_pushes(now=timezone.now() + timedelta(days=2)) == 2
    assert not Push.objects.exists()
