"""Callback and outbound tasks, click-to-call, recordings (issue 12 items 4 and 6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.core.errors import Conflict, InvalidInput, NotFound
from hotline.telephony import services
from hotline.telephony.models import (
    Agent,
    Call,
    CallbackTask,
    CallRing,
    CallTicket,
    Direction,
    Questionnaire,
    RecordingPlay,
    TaskKind,
    TaskStatus,
)
from hotline.telephony.services import Incoming
from hotline.tickets.models import Channel
from tests.conftest import PASSWORD
from tests.factories import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(users: dict[str, Any]) -> Agent:
    Agent.objects.create(user=users["agent"], staff_no="1001")
    return services.agent_sign_in(user=users["agent"], staff_no="1001", extension="8001", password=PASSWORD)


def missed(call_id: str = "m1") -> CallbackTask:
    services.apply_event(Incoming(source="http", kind="newCall", call_id=call_id, from_number="13812345678"))
    services.apply_event(Incoming(source="http", kind="hangup", call_id=call_id, cause="noAnswer"))
    return CallbackTask.objects.get(call__call_id=call_id)


def test_a_missed_call_is_returned_by_click_to_call_and_completed(
    users: dict[str, Any], agent: Agent
) -> None:
    task = missed()
    assert list(services.tasks_visible_to(users["agent"])) == [task]
    call = services.callback_dial(task=task, actor=users["agent"])
    assert (call.direction, call.caller, call.extension, call.agent) == (
        Direction.OUTBOUND,
        "+8613812345678",
        "8001",
        users["agent"],
    )
    task.refresh_from_db()
    assert task.attempts == 1 and task.assignee == users["agent"] and task.attempt_rows.get().call == call
    done = services.callback_complete(task=task, actor=users["agent"], result="已回电,来电人已自行解决")
    assert done.status == TaskStatus.DONE and done.done_by == users["agent"]
    with pytest.raises(Conflict) as closed:
        services.callback_complete(task=task, actor=users["agent"], result="再次")
    assert closed.value.code == "callback_task_closed"


def test_click_to_call_needs_a_signed_in_extension(users: dict[str, Any]) -> None:
    task = missed()
    Agent.objects.create(user=users["agent"], staff_no="1001")
    with pytest.raises(InvalidInput) as refused:
        services.callback_dial(task=task, actor=users["agent"])
    assert refused.value.code == "agent_not_signed_in"
    task.refresh_from_db()
    assert task.attempts == 0 and not Call.objects.filter(direction="out").exists()


def test_tasks_are_scoped_and_others_get_not_found(users: dict[str, Any], agent: Agent) -> None:
    task = missed()
    assert not services.tasks_visible_to(users["handler"]).exists()
    with pytest.raises(NotFound):
        services.callback_complete(task=task, actor=users["handler"], result="x")
    Agent.objects.create(user=users["coordinator"], staff_no="1003")
    services.callback_reassign(task=task, actor=users["teamlead"], assignee=users["coordinator"])
    assert not services.tasks_visible_to(users["agent"]).exists()  # now someone else's
    with pytest.raises(NotFound):
        services.callback_reassign(task=task, actor=users["agent"], assignee=users["agent"])


def test_an_outbound_task_with_a_questionnaire(users: dict[str, Any], agent: Agent) -> None:
    form = Questionnaire.objects.create(
        name="满意度回访",
        questions=[
            {"key": "q1", "text": "是否满意", "choices": ["满意", "不满意"]},
            {"key": "q2", "text": "意见"},
        ],
    )
    task = services.callback_create(
        kind=TaskKind.OUTBOUND,
        phone="13812345678",
        due_at=timezone.now() + timedelta(hours=3),
        actor=users["agent"],
        note="回访",
        questionnaire=form,
    )
    with pytest.raises(InvalidInput):
        services.callback_complete(task=task, actor=users["agent"], result="已回访", answers={"q1": "还行"})
    with pytest.raises(InvalidInput):
        services.callback_complete(task=task, actor=users["agent"], result="已回访", answers={"q9": "满意"})
    done = services.callback_complete(
        task=task, actor=users["agent"], result="已回访", answers={"q1": "满意", "q2": "无"}
    )
    assert done.answers == {"q1": "满意", "q2": "无"}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"phone": "12345"}, "invalid"),
        ({"due_at": timezone.now() - timedelta(hours=1)}, "callback_due_in_past"),
        ({"kind": "other"}, "invalid"),
    ],
)
def test_a_task_with_bad_input_is_refused(
    users: dict[str, Any], agent: Agent, changes: Any, code: str
) -> None:
    args = {
        "kind": "outbound",
        "phone": "13812345678",
        "due_at": timezone.now() + timedelta(hours=1),
        **changes,
    }
    with pytest.raises(InvalidInput) as refused:
        services.callback_create(actor=users["agent"], **args)
    assert refused.value.code == code or (code == "invalid" and refused.value.status == 400)


def test_a_supervisor_turns_a_web_message_into_a_task_within_hours(users: dict[str, Any]) -> None:
    ticket = register(users["agent"], channel=Channel.WEB, complainant__phone="13812345678")
    task = services.callback_from_message(ticket=ticket, actor=users["teamlead"], hours=4)
    assert (task.kind, task.ticket, task.phone) == (TaskKind.MESSAGE, ticket, "+8613812345678")
    assert abs((task.due_at - timezone.now()) - timedelta(hours=4)) < timedelta(minutes=1)
    assert services.callback_from_message(ticket=ticket, actor=users["teamlead"], hours=4) == task  # once
    with pytest.raises(NotFound):
        services.callback_from_message(ticket=ticket, actor=users["agent"], hours=4)
    phoned = register(users["agent"], channel=Channel.PHONE, complainant__phone="13812345678")
    with pytest.raises(InvalidInput):
        services.callback_from_message(ticket=phoned, actor=users["teamlead"], hours=4)


def test_a_recording_plays_for_who_may_hear_it_and_every_play_is_logged(
    users: dict[str, Any], agent: Agent
) -> None:
    services.apply_event(Incoming(source="http", kind="newCall", call_id="r1", from_number="13812345678"))
    services.apply_event(Incoming(source="http", kind="answer", call_id="r1", extension="8001"))
    services.apply_event(Incoming(source="http", kind="recording", call_id="r1", recording="r1.wav"))
    call = Call.objects.get()
    ticket = register(users["agent"])
    assert services.link_ticket(
        call=call, ticket=ticket, relation=CallTicket.Relation.REGISTERED, by=users["agent"]
    )
    assert not services.link_ticket(
        call=call, ticket=ticket, relation=CallTicket.Relation.REGISTERED, by=users["agent"]
    )
    assert services.may_play(users["agent"], call) and services.may_play(users["teamlead"], call)
    assert not services.may_play(users["handler2"], call)
    services.recording_play(call=call, user=users["agent"])
    with pytest.raises(NotFound):
        services.recording_play(call=call, user=users["handler2"])
    assert list(RecordingPlay.objects.values_list("user__username", "ticket")) == [("agent", ticket.pk)]
    # a confidential ticket's identity is masked to everyone: so is its call's recording
    type(ticket).objects.filter(pk=ticket.pk).update(confidential=True)
    assert not services.may_play(users["agent"], call) and not services.may_play(users["teamlead"], call)


def test_calls_are_scoped(users: dict[str, Any], agent: Agent) -> None:
    services.apply_event(Incoming(source="http", kind="newCall", call_id="s1", from_number="13812345678"))
    services.apply_event(Incoming(source="http", kind="answer", call_id="s1", extension="8001"))
    services.apply_event(Incoming(source="http", kind="newCall", call_id="s2", from_number="13812345678"))
    assert list(services.calls_visible_to(users["agent"]).values_list("call_id", flat=True)) == ["s1"]
    assert services.calls_visible_to(users["teamlead"]).count() == 2
    assert not services.calls_visible_to(users["handler"]).exists()


def test_an_agent_sees_the_calls_that_rang_at_them_and_were_lost(users: dict[str, Any], agent: Agent) -> None:
    """000 L48 item 11: 坐席可查看本坐席没有接通流失的来电记录."""
    services.apply_event(Incoming(source="http", kind="newCall", call_id="m1", from_number="13812345678"))
    services.apply_event(Incoming(source="http", kind="ringing", call_id="m1", extension="8001"))
    services.apply_event(Incoming(source="http", kind="hangup", call_id="m1", cause="cancel"))
    services.apply_event(Incoming(source="http", kind="newCall", call_id="m2", from_number="13812345679"))
    mine = services.calls_visible_to(users["agent"])
    assert list(mine.values_list("call_id", "outcome")) == [("m1", "abandoned")]
    assert services.call_for(users["agent"], mine.get().pk).call_id == "m1"
    assert not services.calls_visible_to(users["handler"]).exists()
    # a replayed ring records the ring once
    services.apply_event(
        Incoming(source="http", kind="ringing", call_id="m1", extension="8001", dedupe="again")
    )
    assert CallRing.objects.filter(call__call_id="m1").count() == 1
