"""The team leader's actions (issue 13 item 1) against the AMI test server: each sends the
right AMI action with the right fields after commit, is logged as a SupervisorAction with
what was sent, and the agent is told; refusals write nothing and send nothing. And the
agent's 转满意度评价."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

from hotline.core.errors import Conflict, InvalidInput, NoChange, NotFound
from hotline.telephony import agents, floor
from hotline.telephony.ami.mapping import map_event
from hotline.telephony.calls import apply_event
from hotline.telephony.models import (
    Agent,
    AgentState,
    AgentStateLog,
    Call,
    Push,
    SkillGroup,
    SupervisorAction,
)
from tests.conftest import PASSWORD
from tests.servers.ami import AmiServer
from tests.servers.ami_calls import QueueCall

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]
AGENT_EXT, LEADER_EXT = "1001", "8001"


@pytest.fixture
def floor_ready(
    users: dict[str, Any],
    ami_settings: AmiServer,
    huey_immediate: None,
    django_capture_on_commit_callbacks: Capture,
) -> Iterator[dict[str, Any]]:
    """An agent (1001) in two queues and a team leader (8001), both signed in at the PBX."""
    queues = [
        SkillGroup.objects.create(code="hotline", name="综合", queue="hotline"),
        SkillGroup.objects.create(code="consult", name="咨询", queue="consult"),
    ]
    row = Agent.objects.create(user=users["agent"], staff_no="1001")
    row.groups.add(*queues)
    Agent.objects.create(user=users["teamlead"], staff_no="9001")
    with django_capture_on_commit_callbacks(execute=True):
        agent = agents.agent_sign_in(
            user=users["agent"], staff_no="1001", extension=AGENT_EXT, password=PASSWORD
        )
        agents.agent_sign_in(user=users["teamlead"], staff_no="9001", extension=LEADER_EXT, password=PASSWORD)
    yield {
        "agent": agent,
        "leader": users["teamlead"],
        "server": ami_settings,
        "capture": django_capture_on_commit_callbacks,
    }


def live_call(server: AmiServer, linkedid: str = "1714546800.301") -> tuple[Call, QueueCall]:
    """A queue call answered at 1001: the PBX knows its channels, the fold has them."""
    scenario = QueueCall(linkedid=linkedid, start=time.time() - 60)
    events = scenario.arrive(0) + scenario.ring(AGENT_EXT, "1001", 5) + scenario.connect(12)
    server.play(events)  # the server's live channels (nobody listens: the events are lost)
    for event in events:
        mapped = map_event({k: str(v) for k, v in event.items() if not k.startswith("_")})
        if mapped is not None:
            apply_event(mapped)
    return Call.objects.get(call_id=linkedid), scenario


def act(ctx: dict[str, Any], kind: str, leader: Any = None) -> SupervisorAction:
    with ctx["capture"](execute=True):
        return floor.supervise(leader=leader or ctx["leader"], agent=ctx["agent"], kind=kind)


def sent_to(server: AmiServer, name: str) -> dict[str, Any]:
    action = server.wait_for_action(name)
    return {k: v for k, v in action.items() if k != "ActionID"}


def told(agent: Agent) -> list[str]:
    return [
        p.payload["text"]
        for p in Push.objects.filter(user_id=agent.user_id, kind="supervisor").order_by("pk")
    ]


def nothing_written() -> tuple[int, int, int]:
    return SupervisorAction.objects.count(), AgentStateLog.objects.count(), Push.objects.count()


@pytest.mark.parametrize(("kind", "options"), [("monitor", "q"), ("whisper", "qw"), ("barge", "qB")])
def test_monitor_whisper_and_barge_ring_the_leader_into_chanspy(
    floor_ready: dict[str, Any], kind: str, options: str
) -> None:
    server, agent = floor_ready["server"], floor_ready["agent"]
    call, _ = live_call(server)
    action = act(floor_ready, kind)
    originate = sent_to(server, "Originate")
    assert originate["ChannelId"].startswith("hotline-spy-")  # no call of ours: the listener ignores it
    assert {k: v for k, v in originate.items() if k != "ChannelId"} == {
        "Action": "Originate",
        "Channel": "PJSIP/8001",  # the leader's phone rings
        "Application": "ChanSpy",
        "Data": f"PJSIP/1001-,{options}",
        "Async": "true",
        "Timeout": "30000",
        "CallerID": "1001 <1001>",
    }
    assert (action.kind, action.agent_id, action.call_id, action.leader_id) == (
        kind,
        agent.pk,
        call.pk,
        floor_ready["leader"].pk,
    )
    assert action.sent == {"actions": [originate]}
    assert len(told(agent)) == 1
    agent.refresh_from_db()
    assert agent.state == AgentState.BUSY  # still on the call


def test_intercept_moves_the_caller_to_the_leader_and_ends_the_agents_talk(
    floor_ready: dict[str, Any],
) -> None:
    server, agent = floor_ready["server"], floor_ready["agent"]
    call, scenario = live_call(server)
    assert call.caller_channel == scenario.channel
    action = act(floor_ready, "intercept")
    redirect = sent_to(server, "Redirect")
    assert redirect == {
        "Action": "Redirect",
        "Channel": scenario.channel,  # the caller's channel …
        "Exten": LEADER_EXT,  # … to the leader's extension
        "Context": "from-internal",
        "Priority": "1",
    }
    assert action.sent == {"actions": [redirect]}
    assert told(agent) == ["班长已拦截您的通话,来电已转给班长"]
    agent.refresh_from_db()
    assert agent.state == AgentState.WRAPUP  # the agent's leg ended with the redirect


def test_hangup_hangs_up_the_callers_channel(floor_ready: dict[str, Any]) -> None:
    server, agent = floor_ready["server"], floor_ready["agent"]
    call, scenario = live_call(server)
    action = act(floor_ready, "hangup")
    assert sent_to(server, "Hangup") == {"Action": "Hangup", "Channel": scenario.channel}
    assert scenario.channel not in {
        c.fields["Channel"] for c in server.channels.values()
    }  # the PBX hung it up
    assert action.call_id == call.pk and told(agent) == ["班长已强拆您的通话"]


def test_force_busy_pauses_the_agent_logs_it_and_tells_the_agent(floor_ready: dict[str, Any]) -> None:
    server, agent = floor_ready["server"], floor_ready["agent"]
    action = act(floor_ready, "busy")
    pause = sent_to(server, "QueuePause")
    assert pause == {
        "Action": "QueuePause",
        "Interface": "PJSIP/1001",
        "Paused": "true",
        "Reason": "班长强制",
    }
    assert {q: m["PJSIP/1001"]["Paused"] for q, m in server.queues.items()} == {
        "hotline": "1",
        "consult": "1",
    }
    assert action.sent == {"actions": [pause]} and action.call_id is None
    agent.refresh_from_db()
    assert agent.state == AgentState.BREAK
    log = AgentStateLog.objects.filter(agent=agent).latest("pk")
    assert (log.state, log.reason, log.pbx_sent) == ("break", "班长强制", True)
    kinds = list(Push.objects.filter(user_id=agent.user_id).order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == ["state", "supervisor"]  # the bar follows, the notice says who
    assert told(agent) == ["班长已将您置为示忙"]


def test_force_busy_on_an_agent_on_break_writes_and_sends_nothing(floor_ready: dict[str, Any]) -> None:
    server = floor_ready["server"]
    act(floor_ready, "busy")
    before, sent = nothing_written(), len(server.actions)
    with pytest.raises(NoChange):
        act(floor_ready, "busy")
    assert nothing_written() == before and len(server.actions) == sent


def test_force_ready_unpauses_the_agent(floor_ready: dict[str, Any]) -> None:
    server, agent = floor_ready["server"], floor_ready["agent"]
    act(floor_ready, "busy")
    act(floor_ready, "ready")
    assert server.actions_named("QueuePause")[-1]["Paused"] == "false"
    assert server.queues["hotline"]["PJSIP/1001"]["Paused"] == "0"
    agent.refresh_from_db()
    assert agent.state == AgentState.READY
    assert told(agent) == ["班长已将您置为示忙", "班长已将您置为示闲"]


def test_force_logout_removes_the_agent_from_every_queue(floor_ready: dict[str, Any]) -> None:
    server, agent = floor_ready["server"], floor_ready["agent"]
    action = act(floor_ready, "logout")
    removed = sorted(a["Queue"] for a in server.actions_named("QueueRemove"))
    assert removed == ["consult", "hotline"]
    assert "PJSIP/1001" not in server.queues["hotline"] and "PJSIP/1001" not in server.queues["consult"]
    assert sorted(a["Queue"] for a in action.sent["actions"]) == removed
    agent.refresh_from_db()
    assert (agent.state, agent.extension) == (AgentState.OFFLINE, "")
    assert told(agent) == ["班长已将您强制签出"]
    with pytest.raises(NoChange):
        act(floor_ready, "logout")


def test_an_agent_may_not_act_and_a_missing_agent_is_the_same_not_found(
    floor_ready: dict[str, Any], users: dict[str, Any]
) -> None:
    server, agent = floor_ready["server"], floor_ready["agent"]
    leaders_row = Agent.objects.get(user=users["teamlead"])
    before, sent = nothing_written(), len(server.actions)
    with pytest.raises(NotFound) as refused:
        floor.supervise(leader=users["agent"], agent=leaders_row, kind="busy")
    with pytest.raises(NotFound) as missing:
        floor.access_agent(floor_ready["leader"], agent.pk + 1000)
    assert (refused.value.code, refused.value.detail) == (missing.value.code, missing.value.detail)
    assert refused.value.code == "agent_not_found"
    with pytest.raises(NotFound):
        floor.supervise(leader=users["coordinator"], agent=agent, kind="barge")  # not a team leader either
    assert nothing_written() == before and len(server.actions) == sent


def test_nobody_acts_on_themselves(floor_ready: dict[str, Any], users: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as refused:
        floor.supervise(
            leader=users["teamlead"], agent=Agent.objects.get(user=users["teamlead"]), kind="busy"
        )
    assert refused.value.code == "supervisor_self" and not SupervisorAction.objects.exists()


def test_actions_on_a_call_need_a_live_call_and_the_leader_at_a_phone(
    floor_ready: dict[str, Any], users: dict[str, Any]
) -> None:
    server = floor_ready["server"]
    sent = len(server.actions)
    with pytest.raises(Conflict) as idle:
        act(floor_ready, "barge")
    assert idle.value.code == "agent_no_live_call"
    live_call(server)
    agents.agent_sign_out(agent=Agent.objects.get(user=users["teamlead"]))
    with pytest.raises(Conflict) as away:
        act(floor_ready, "monitor")
    assert away.value.code == "leader_not_signed_in"
    act(floor_ready, "hangup")  # hanging up rings nobody: no phone needed
    assert [a["Action"] for a in server.actions[sent:] if a["Action"] not in ("Login", "Logoff")] == [
        "Hangup"
    ]
    assert list(SupervisorAction.objects.values_list("kind", flat=True)) == ["hangup"]


def test_without_a_pbx_the_call_actions_are_refused_and_states_still_forced(
    floor_ready: dict[str, Any], settings: Any
) -> None:
    live_call(floor_ready["server"])
    settings.HOTLINE_AMI_HOST = ""
    with pytest.raises(Conflict) as refused:
        act(floor_ready, "barge")
    assert refused.value.code == "pbx_not_configured"
    floor_ready["agent"].refresh_from_db()
    Agent.objects.filter(pk=floor_ready["agent"].pk).update(state=AgentState.READY)
    action = act(floor_ready, "busy")
    assert action.sent == {}  # nothing could be sent; the state is ours and changed


def test_busy_and_ready_are_refused_during_a_call(floor_ready: dict[str, Any]) -> None:
    live_call(floor_ready["server"])
    with pytest.raises(Conflict) as refused:
        act(floor_ready, "busy")
    assert refused.value.code == "agent_on_call" and not SupervisorAction.objects.exists()


def test_the_agent_sends_the_caller_to_the_keypad_survey_once(
    floor_ready: dict[str, Any], users: dict[str, Any]
) -> None:
    server, agent = floor_ready["server"], floor_ready["agent"]
    call, scenario = live_call(server)
    with pytest.raises(NotFound):
        floor.offer_survey(call=call, actor=users["teamlead"])  # not their call
    with floor_ready["capture"](execute=True):
        floor.offer_survey(call=call, actor=users["agent"])
    assert sent_to(server, "Redirect") == {
        "Action": "Redirect",
        "Channel": scenario.channel,
        "Exten": "s",
        "Context": "hotline-survey",
        "Priority": "1",
    }
    call.refresh_from_db()
    assert call.survey_offered_at is not None
    agent.refresh_from_db()
    assert agent.state == AgentState.WRAPUP
    with pytest.raises(Conflict) as again:
        floor.offer_survey(call=call, actor=users["agent"])
    assert again.value.code == "survey_already_offered"
    assert len(server.actions_named("Redirect")) == 1
