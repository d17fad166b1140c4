"""座席的通话控制 (000 L48 items 8, 9, 13; L46 item 5): transfer to an agent, an outside
number or a queue, three-way calls, hold and resume, pickup, and the team leader's
auto-dial — each checked, recorded in one transaction and sent to the PBX after commit;
the AMI test server shows the exact action it received."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from hotline.core.errors import Conflict, Forbidden, InvalidInput, NoChange, NotFound
from hotline.telephony import autodial, control, services
from hotline.telephony.ami.mapping import map_event
from hotline.telephony.models import (
    Agent,
    AgentState,
    Call,
    CallbackAttempt,
    CallbackTask,
    CallStatus,
    Direction,
    Push,
    TaskKind,
)
from tests.servers.ami import AmiServer
from tests.telephony.control_setup import (
    another_user,
    commands,
    live_call,
    ringing_call,
    sent,
    signed_in,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pbx(ami_settings: AmiServer, huey_immediate: None) -> AmiServer:
    return ami_settings


@pytest.fixture
def seats(users: dict[str, Any]) -> dict[str, Agent]:
    """Agent 1001 at 8001 and agent 1002 at 8002, both in the hotline queue's group."""
    return {
        "a": signed_in(users["agent"], "1001", "8001", "hotline"),
        "b": signed_in(another_user(), "1002", "8002", "hotline"),
    }


def _act(capture: Any, action: Any, **kwargs: Any) -> control.Controlled:
    with capture(execute=True):
        result: control.Controlled = action(**kwargs)
    return result


def _state(call: Call, user: Any) -> str:
    return control.control_state(call, user)


# --- transfer ----------------------------------------------------------------------------------


def test_transfer_to_a_queue_redirects_the_caller_there_and_the_agent_goes_to_wrap_up(
    pbx: AmiServer,
    seats: dict[str, Agent],
    users: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    call = live_call(pbx)
    with caplog.at_level(logging.INFO, logger="hotline.telephony.pbx"):
        done = _act(
            django_capture_on_commit_callbacks,
            control.call_transfer,
            call=call,
            actor=users["agent"],
            to="queue",
            queue="consult",
        )
    assert sent(pbx, "Redirect") == [
        {
            "Action": "Redirect",
            "Channel": call.caller_channel,
            "Exten": "consult",
            "Context": "hotline-queue",
            "Priority": "1",
        }
    ]
    assert "交换机已执行 Redirect" in caplog.text  # the channel exists on the PBX
    assert (done.state, done.target) == (control.HANDED_ON, "queue:consult")
    assert Agent.objects.get(pk=seats["a"].pk).state == AgentState.WRAPUP
    record = Push.objects.filter(user=users["agent"], kind="call").latest("pk").payload
    assert (record["control"], record["state"], record["sent"][0]["Action"]) == (
        "transfer",
        "handed_on",
        "Redirect",
    )
    assert control.live_call_of(users["agent"]) is None
    with pytest.raises(Conflict) as again:  # handed on: no longer the agent's to control
        control.call_hold(call=call, actor=users["agent"])
    assert again.value.code == "call_not_live"


def test_transfer_to_an_agent_rings_their_extension_and_pops_the_caller_there(
    pbx: AmiServer, seats: dict[str, Agent], users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    call = live_call(pbx)
    _act(
        django_capture_on_commit_callbacks,
        control.call_transfer,
        call=call,
        actor=users["agent"],
        to="agent",
        agent="1002",
    )
    redirect = sent(pbx, "Redirect")[0]
    assert (redirect["Channel"], redirect["Exten"], redirect["Context"]) == (
        call.caller_channel,
        "8002",
        "from-internal",
    )
    pop = Push.objects.get(user=seats["b"].user, kind="pop")
    assert (pop.payload["call"], pop.payload["control"], pop.payload["from"]) == (
        call.pk,
        "transfer",
        "王晓敏",
    )


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ({"agent": "9999"}, "transfer_target_invalid"),  # no such staff number
        ({"agent": "1001"}, "transfer_target_invalid"),  # oneself
        ({"agent": "1003"}, "transfer_target_unavailable"),  # not signed in
    ],
)
def test_a_transfer_to_an_agent_who_cannot_take_it_is_refused_and_nothing_is_written(
    pbx: AmiServer,
    seats: dict[str, Agent],
    users: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
    target: dict[str, str],
    code: str,
) -> None:
    Agent.objects.create(user=another_user("agent3"), staff_no="1003")
    call = live_call(pbx)
    pushes = Push.objects.count()
    with pytest.raises((InvalidInput, Conflict)) as refused, django_capture_on_commit_callbacks(execute=True):
        control.call_transfer(call=call, actor=users["agent"], to="agent", **target)
    assert refused.value.code == code
    assert Push.objects.count() == pushes and commands(pbx) == []
    assert Agent.objects.get(pk=seats["a"].pk).state == AgentState.BUSY


def test_outside_numbers_are_refused_by_default_and_allowed_with_the_permission(
    pbx: AmiServer, seats: dict[str, Agent], users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    call = live_call(pbx)
    pushes = Push.objects.count()
    with pytest.raises(Forbidden) as refused, django_capture_on_commit_callbacks(execute=True):
        control.call_transfer(call=call, actor=users["agent"], to="external", number="139 1234 5678")
    assert refused.value.code == "external_calls_forbidden"
    with pytest.raises(Forbidden), django_capture_on_commit_callbacks(execute=True):
        control.call_invite(call=call, actor=users["agent"], number="13912345678")
    assert Push.objects.count() == pushes and commands(pbx) == []

    Agent.objects.filter(pk=seats["a"].pk).update(external_calls=True)
    with pytest.raises(InvalidInput) as bad:
        control.call_transfer(call=call, actor=users["agent"], to="external", number="12345")
    assert (bad.value.code, bad.value.extra["field"]) == ("invalid_phone", "number")
    _act(
        django_capture_on_commit_callbacks,
        control.call_transfer,
        call=call,
        actor=users["agent"],
        to="external",
        number="139 1234 5678",
    )
    redirect = sent(pbx, "Redirect")[0]
    assert (redirect["Exten"], redirect["Context"]) == ("13912345678", "from-internal")


# --- three-way ---------------------------------------------------------------------------------


def test_a_three_way_call_moves_both_channels_into_a_room_and_rings_the_third_party_into_it(
    pbx: AmiServer, seats: dict[str, Agent], users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    call = live_call(pbx)
    room = f"call{call.pk}"
    _act(
        django_capture_on_commit_callbacks, control.call_invite, call=call, actor=users["agent"], agent="1002"
    )
    assert sent(pbx, "Redirect") == [
        {
            "Action": "Redirect",
            "Channel": call.caller_channel,
            "ExtraChannel": call.agent_channel,
            "Exten": room,
            "ExtraExten": room,
            "Context": "hotline-conference",
            "ExtraContext": "hotline-conference",
            "Priority": "1",
            "ExtraPriority": "1",
        }
    ]
    originate = sent(pbx, "Originate")[0]
    assert {k: originate[k] for k in ("Channel", "Context", "Exten", "Priority", "Async")} == {
        "Channel": "PJSIP/8002",
        "Context": "hotline-conference",
        "Exten": room,
        "Priority": "1",
        "Async": "true",
    }
    # the added leg is no call of its own: the AMI listener ignores its events
    assert originate["ChannelId"].startswith("hotline-spy-leg-")
    assert (
        map_event({"Event": "Hangup", "Uniqueid": originate["ChannelId"], "Linkedid": originate["ChannelId"]})
        is None
    )
    assert Push.objects.filter(user=seats["b"].user, kind="pop", payload__control="invite").exists()
    assert _state(call, users["agent"]) == control.CONFERENCE

    # in the room already: a second guest is only rung in (an outside number, permitted)
    Agent.objects.filter(pk=seats["a"].pk).update(external_calls=True)
    _act(
        django_capture_on_commit_callbacks,
        control.call_invite,
        call=call,
        actor=users["agent"],
        number="010-12345678",
    )
    assert len(sent(pbx, "Redirect")) == 1
    assert sent(pbx, "Originate")[1]["Channel"] == "Local/01012345678@from-internal"
    with pytest.raises(Conflict) as hold:  # a conference is not held
        control.call_hold(call=call, actor=users["agent"])
    assert hold.value.code == "call_in_conference"


# --- hold and resume -------------------------------------------------------------------------------


def test_hold_parks_the_caller_and_resume_brings_them_back_to_the_agent(
    pbx: AmiServer,
    seats: dict[str, Agent],
    users: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    call = live_call(pbx)
    with caplog.at_level(logging.INFO, logger="hotline.telephony.pbx"):
        _act(django_capture_on_commit_callbacks, control.call_hold, call=call, actor=users["agent"])
    assert sent(pbx, "Park") == [
        {"Action": "Park", "Channel": call.caller_channel, "TimeoutChannel": call.agent_channel}
    ]
    assert "交换机已执行 Park" in caplog.text
    assert _state(call, users["agent"]) == control.HELD
    assert Agent.objects.get(pk=seats["a"].pk).state == AgentState.BUSY  # still handling the call

    pushes = Push.objects.count()
    with pytest.raises(NoChange), django_capture_on_commit_callbacks(execute=True):
        control.call_hold(call=call, actor=users["agent"])
    with pytest.raises(Conflict) as held, django_capture_on_commit_callbacks(execute=True):
        control.call_invite(call=call, actor=users["agent"], agent="1002")
    assert held.value.code == "call_held"
    assert Push.objects.count() == pushes and commands(pbx) == ["Park"]

    _act(django_capture_on_commit_callbacks, control.call_resume, call=call, actor=users["agent"])
    assert sent(pbx, "Redirect") == [
        {
            "Action": "Redirect",
            "Channel": call.caller_channel,
            "Exten": "8001",
            "Context": "from-internal",
            "Priority": "1",
        }
    ]
    assert _state(call, users["agent"]) == control.TALKING
    with pytest.raises(Conflict) as twice:
        control.call_resume(call=call, actor=users["agent"])
    assert twice.value.code == "call_not_held"


# --- pickup ------------------------------------------------------------------------------------


def test_pickup_takes_a_call_ringing_at_another_agent_once(
    pbx: AmiServer, seats: dict[str, Agent], users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    call = ringing_call(pbx, extension="8001", member="1001")
    picker = seats["b"].user
    assert [c.pk for c in control.ringing_for_pickup(picker)] == [call.pk]
    _act(django_capture_on_commit_callbacks, control.call_pickup, call=call, actor=picker)
    assert sent(pbx, "Redirect") == [
        {
            "Action": "Redirect",
            "Channel": call.caller_channel,
            "Exten": "8002",
            "Context": "from-internal",
            "Priority": "1",
        }
    ]
    told = Push.objects.filter(user=users["agent"], kind="call").latest("pk").payload
    assert (told["call"], told["status"], told["by"]) == (call.pk, "picked", "李小燕")
    assert Push.objects.filter(user=picker, kind="pop", payload__call=call.pk).exists()
    assert control.ringing_for_pickup(users["agent"]) == []

    pushes = Push.objects.count()
    with pytest.raises(Conflict) as second:  # the agent it rang at, too late
        control.call_pickup(call=call, actor=users["agent"])
    assert second.value.code == "call_not_ringing" and Push.objects.count() == pushes


def test_pickup_only_while_ringing_and_only_in_ones_own_queues(
    pbx: AmiServer, seats: dict[str, Agent], users: dict[str, Any]
) -> None:
    answered = live_call(pbx, linkedid="1714546800.301", extension="8001")
    with pytest.raises(Conflict) as not_ringing:
        control.call_pickup(call=answered, actor=seats["b"].user)
    assert not_ringing.value.code == "call_not_ringing"

    other = signed_in(another_user("agent3"), "1003", "8003", "consult")
    ringing = ringing_call(pbx, linkedid="1714546900.401")
    with pytest.raises(NotFound) as outside:  # not in a group of the hotline queue: no such call
        control.call_pickup(call=ringing, actor=other.user)
    assert outside.value.code == "call_not_found"
    with pytest.raises(NotFound):
        control.access_ringing_call(other.user, ringing.pk)
    assert commands(pbx) == []


# --- who may, and when -------------------------------------------------------------------------


def test_another_agents_call_is_not_found_and_a_team_leader_is_told_it_is_not_theirs(
    pbx: AmiServer, seats: dict[str, Agent], users: dict[str, Any]
) -> None:
    call = live_call(pbx)
    with pytest.raises(NotFound) as missing:
        control.access_own_call(seats["b"].user, call.pk)
    with pytest.raises(NotFound) as absent:
        control.access_own_call(seats["b"].user, call.pk + 1000)
    assert (missing.value.code, missing.value.detail) == (absent.value.code, absent.value.detail)
    with pytest.raises(Conflict) as not_owner:  # a service call skipping access is refused too
        control.call_hold(call=call, actor=seats["b"].user)
    assert not_owner.value.code == "call_not_yours"

    assert control.access_own_call(users["teamlead"], call.pk) == call  # the centre's calls
    with pytest.raises(Conflict) as leader:
        control.call_transfer(call=call, actor=users["teamlead"], to="queue", queue="consult")
    assert leader.value.code == "call_not_yours"
    assert commands(pbx) == [] and not Push.objects.filter(payload__has_key="control").exists()


def test_an_action_without_channels_an_ended_call_or_a_pbx_is_refused_with_its_code(
    settings: Any, pbx: AmiServer, seats: dict[str, Agent], users: dict[str, Any]
) -> None:
    call = live_call(None)
    Call.objects.filter(pk=call.pk).update(caller_channel="", agent_channel="")
    with pytest.raises(Conflict) as no_channel:
        control.call_hold(call=call, actor=users["agent"])
    assert no_channel.value.code == "call_no_channel"
    Call.objects.filter(pk=call.pk).update(status=CallStatus.ENDED)
    with pytest.raises(Conflict) as ended:
        control.call_transfer(call=call, actor=users["agent"], to="queue", queue="consult")
    assert ended.value.code == "call_not_live"
    settings.HOTLINE_AMI_HOST = ""
    with pytest.raises(Conflict) as no_pbx:
        control.call_hold(call=call, actor=users["agent"])
    assert no_pbx.value.code == "pbx_not_configured"
    assert commands(pbx) == [] and not Push.objects.filter(payload__has_key="control").exists()


# --- auto-dial -------------------------------------------------------------------------------------


def _task(kind: str, phone: str, assignee: Any = None) -> CallbackTask:
    from datetime import timedelta

    from django.utils import timezone

    return services.callback_create(
        kind=kind, phone=phone, due_at=timezone.now() + timedelta(hours=2), assignee=assignee
    )


def test_autodial_originates_each_task_into_the_queue_own_agent_first(
    pbx: AmiServer, seats: dict[str, Agent], users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    own = _task(TaskKind.OUTBOUND, "13912345678", assignee=users["agent"])
    missed = _task(TaskKind.MISSED, "010-12345678")
    with django_capture_on_commit_callbacks(execute=True):
        done = autodial.autodial(leader=users["teamlead"], queue="hotline", tasks=[own.pk, missed.pk])
    calls = {task.pk: call for task, call in done.dialled}
    originates = sent(pbx, "Originate")
    assert [o["Channel"] for o in originates] == [
        "Local/13912345678@from-internal",
        "Local/01012345678@from-internal",
    ]
    first = originates[0]
    assert {k: first[k] for k in ("Context", "Exten", "Priority", "Async", "ChannelId")} == {
        "Context": "hotline-autodial",
        "Exten": "hotline",
        "Priority": "1",
        "Async": "true",
        "ChannelId": calls[own.pk].call_id,
    }
    assert first["Variable"] == [
        f"HOTLINE_CALL_ID={calls[own.pk].call_id}",
        f"HOTLINE_TASK={own.pk}",
        "HOTLINE_AGENT=PJSIP/8001",  # the task's own agent, ready: rung before the queue
    ]
    assert originates[1]["Variable"][2] == "HOTLINE_AGENT="  # nobody's task: the queue
    assert calls[own.pk].call_id.startswith("hotline-")
    assert (calls[own.pk].direction, calls[own.pk].queue, calls[own.pk].caller) == (
        Direction.OUTBOUND,
        "hotline",
        "+8613912345678",
    )
    attempts = CallbackAttempt.objects.filter(task__in=[own, missed])
    assert sorted((a.task_id, a.by_id, a.call_id) for a in attempts) == sorted(
        [
            (own.pk, users["teamlead"].pk, calls[own.pk].pk),
            (missed.pk, users["teamlead"].pk, calls[missed.pk].pk),
        ]
    )
    assert list(
        CallbackTask.objects.filter(pk__in=[own.pk, missed.pk]).values_list("attempts", flat=True)
    ) == [1, 1]

    # the PBX's events of the answered call (Linkedid = the ChannelId) fold into that row
    answered = map_event(
        {
            "Event": "AgentConnect",
            "Linkedid": calls[own.pk].call_id,
            "Uniqueid": f"{calls[own.pk].call_id};2",
            "Channel": "Local/13912345678@from-internal-00000001;2",
            "DestChannel": "PJSIP/8001-00000002",
            "DestUniqueid": "1714546999.2",
            "Interface": "PJSIP/8001",
            "MemberName": "1001",
            "Queue": "hotline",
        }
    )
    assert answered is not None
    services.apply_event(answered)
    folded = Call.objects.get(pk=calls[own.pk].pk)
    assert (folded.status, folded.agent_id) == (CallStatus.ANSWERED, users["agent"].pk)

    # dialled again while those calls go on: nothing to do, nothing written
    with pytest.raises(NoChange), django_capture_on_commit_callbacks(execute=True):
        autodial.autodial(leader=users["teamlead"], queue="hotline", tasks=[own.pk, missed.pk])
    assert len(sent(pbx, "Originate")) == 2 and CallbackAttempt.objects.count() == 2


def test_autodial_is_for_team_leaders_within_the_limit_and_for_callable_tasks(
    settings: Any, pbx: AmiServer, seats: dict[str, Agent], users: dict[str, Any]
) -> None:
    tasks = [_task(TaskKind.OUTBOUND, f"1391234567{i}") for i in range(2)]
    visit = _task(TaskKind.VISIT, "13912345670")
    with pytest.raises(NotFound) as agent:
        autodial.autodial(leader=users["agent"], queue="hotline")
    assert agent.value.code == "callback_task_not_found"
    with pytest.raises(InvalidInput) as queue:
        autodial.autodial(leader=users["teamlead"], queue="nope")
    assert queue.value.code == "transfer_queue_invalid"
    with pytest.raises(InvalidInput) as kind:
        autodial.autodial(leader=users["teamlead"], queue="hotline", tasks=[visit.pk])
    assert kind.value.code == "autodial_task_kind"
    settings.HOTLINE_AUTODIAL_MAX = 1
    with pytest.raises(InvalidInput) as many:
        autodial.autodial(leader=users["teamlead"], queue="hotline", tasks=[t.pk for t in tasks])
    assert many.value.code == "autodial_too_many"
    assert commands(pbx) == [] and not CallbackAttempt.objects.exists() and not Call.objects.exists()

    # none chosen: the most urgent open ones, at most the limit
    done = autodial.autodial(leader=users["teamlead"], queue="hotline")
    assert [t.pk for t, _call in done.dialled] == [tasks[0].pk]
