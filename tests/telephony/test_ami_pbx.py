"""PBX commands: ``pbx.send`` enqueues a Huey task that logs in, sends one action, logs
off; the test AMI server records what arrived."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from hotline.jobs.queue import huey
from hotline.telephony import pbx, services
from hotline.telephony.ami.client import AmiConnectionError
from hotline.telephony.models import Agent, AgentState, Call, CallOutcome, CallStatus, SkillGroup
from hotline.telephony.tasks import RETRIES, ami_action
from tests.conftest import PASSWORD
from tests.servers import free_port
from tests.servers.ami import AmiServer
from tests.servers.ami_calls import OutboundCall
from tests.telephony.conftest import drive, listener_for, off_loop, until


def _pending_ami() -> int:
    return sum(1 for t in huey.pending() if t.name.endswith("ami_action"))


def test_without_a_pbx_nothing_is_queued_and_it_says_so(
    settings: Any, ami_server: AmiServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings.HOTLINE_AMI_HOST = ""
    before = _pending_ami()
    with caplog.at_level(logging.INFO, logger="hotline.telephony.pbx"):
        assert pbx.queue_pause("1001", True, "小休") == {}
    assert not pbx.configured()
    assert "未配置交换机 (HOTLINE_AMI_HOST)" in caplog.text
    assert _pending_ami() == before and ami_server.actions == []


def test_send_only_enqueues_it_never_waits_for_the_pbx(ami_settings: AmiServer) -> None:
    before = _pending_ami()
    fields = pbx.queue_pause("1001", False)
    assert fields["Paused"] == "false"
    assert _pending_ami() == before + 1  # (the test queue has no worker: it stays there)
    assert ami_settings.actions == []  # nothing sent until a worker runs the task


def test_queue_add_pause_and_remove_reach_the_pbx(ami_settings: AmiServer, huey_immediate: None) -> None:
    pbx.queue_add("1001", "hotline", "A001")
    pbx.queue_pause("1001", True, "小休")
    assert ami_settings.queues["hotline"]["PJSIP/1001"] == {
        "MemberName": "A001",
        "Paused": "1",
        "PausedReason": "小休",
    }
    pbx.queue_remove("1001", "hotline")
    assert ami_settings.queues["hotline"] == {}
    sent = [
        (a["Action"], a.get("Interface"), a.get("Queue"))
        for a in ami_settings.actions
        if a["Action"] != "Login"
    ]
    assert sent == [
        ("QueueAdd", "PJSIP/1001", "hotline"),
        ("Logoff", None, None),
        ("QueuePause", "PJSIP/1001", None),
        ("Logoff", None, None),
        ("QueueRemove", "PJSIP/1001", "hotline"),
        ("Logoff", None, None),
    ]
    pause = ami_settings.actions_named("QueuePause")[0]
    assert (pause["Paused"], pause["Reason"]) == ("true", "小休")
    assert {a["Events"] for a in ami_settings.actions_named("Login")} == {"off"}  # commands only


def test_originate_carries_the_call_id_as_channel_id_and_variable(
    ami_settings: AmiServer, huey_immediate: None
) -> None:
    pbx.originate("1001", "13800138000", "hotline-0123", "1001")
    originate = ami_settings.wait_for_action("Originate")
    assert {k: v for k, v in originate.items() if k != "ActionID"} == {
        "Action": "Originate",
        "Channel": "PJSIP/1001",
        "Exten": "13800138000",
        "Context": "from-internal",
        "Priority": "1",
        "Async": "true",
        "Timeout": "30000",
        "ChannelId": "hotline-0123",
        "Variable": "HOTLINE_CALL_ID=hotline-0123",
        "CallerID": "1001",
    }


def test_a_refused_action_is_logged_not_retried(
    ami_settings: AmiServer, caplog: pytest.LogCaptureFixture
) -> None:
    answer = ami_action.call_local("Hangup", {"Channel": "PJSIP/9999-00000001"})
    assert (answer["Response"], answer["Message"]) == ("Error", "No such channel")
    assert "交换机未执行 Hangup" in caplog.text
    answer = ami_action.call_local("Redirect", {"Channel": "PJSIP/9999-00000001", "Exten": "1002"})
    assert answer["Response"] == "Error"


def test_an_unreachable_pbx_raises_so_huey_retries(settings: Any) -> None:
    settings.HOTLINE_AMI_HOST = "127.0.0.1"
    settings.HOTLINE_AMI_PORT = free_port()
    with pytest.raises(AmiConnectionError):
        ami_action.call_local("Ping", {})
    assert ami_action.retries == RETRIES and RETRIES >= 2


def test_a_wrong_secret_is_logged_and_not_retried(
    settings: Any, ami_settings: AmiServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings.HOTLINE_AMI_SECRET = "wrong"
    assert ami_action.call_local("Ping", {})["Response"] == "Error"
    assert "交换机拒绝登录" in caplog.text


@pytest.mark.django_db
def test_agent_states_and_click_to_call_go_to_the_pbx_and_the_call_is_followed(
    ami_settings: AmiServer,
    huey_immediate: None,
    users: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The core's on-commit commands reach the PBX; the outbound call's events (Linkedid
    = the ChannelId sent) come back through the listener to the same call."""
    group = SkillGroup.objects.create(code="hotline", name="热线", queue="hotline")
    agent = Agent.objects.create(user=users["agent"], staff_no="A001")
    agent.groups.add(group)
    with django_capture_on_commit_callbacks(execute=True):
        agent = services.agent_sign_in(
            user=users["agent"], staff_no="A001", extension="1001", password=PASSWORD
        )
    assert ami_settings.queues["hotline"]["PJSIP/1001"]["MemberName"] == "A001"
    with django_capture_on_commit_callbacks(execute=True):
        services.agent_set_state(agent=agent, state=AgentState.BREAK, actor=users["agent"])
    assert ami_settings.queues["hotline"]["PJSIP/1001"]["Paused"] == "1"

    with django_capture_on_commit_callbacks(execute=True):
        services.agent_set_state(agent=agent, state=AgentState.READY, actor=users["agent"])
        call = services.click_to_call(actor=users["agent"], phone="13800138000")
    originate = ami_settings.wait_for_action("Originate")
    assert (originate["ChannelId"], originate["Exten"]) == (call.call_id, "13800138000")

    out = OutboundCall(call_id=call.call_id, extension="1001", number="13800138000", start=time.time())
    listener = listener_for(ami_settings)

    async def scenario() -> None:
        await until(lambda: listener.snapshots >= 1, what="the first snapshot")
        events = out.agent_answers(0) + out.dial(4) + out.answered(10) + out.hang_up(70)
        await off_loop(ami_settings.play, events)
        await until(lambda: Call.objects.filter(pk=call.pk, status=CallStatus.ENDED).exists(), what="the end")

    drive(listener, scenario)
    call.refresh_from_db()
    assert (call.direction, call.outcome, call.talk_seconds, call.agent_id) == (
        "out",
        CallOutcome.ANSWERED,
        60,
        users["agent"].pk,
    )
