"""回呼/外呼任务 (issue 12): a missed call's task on the list (the overdue marked), outbound
tasks added with a latest time and a note, click-to-call, completion with the
questionnaire's answers, a team leader's reassignment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hotline.telephony import services
from hotline.telephony.models import (
    Agent,
    Call,
    CallbackAttempt,
    CallbackTask,
    Questionnaire,
    TaskKind,
    TaskStatus,
)
from tests.web.test_phone_pages import logged_in


@pytest.fixture
def agent_row(users: dict[str, Any]) -> Agent:
    return Agent.objects.create(
        user=users["agent"], staff_no="1001", extension="8001", state="ready", last_seen=timezone.now()
    )


@pytest.fixture
def agent(users: dict[str, Any], agent_row: Agent) -> Client:
    return logged_in(users["agent"])


def missed(call_id: str = "c-1", caller: str = "13800001111") -> CallbackTask:
    services.apply_event(
        services.Incoming(source="http", kind="newCall", call_id=call_id, from_number=caller)
    )
    services.apply_event(services.Incoming(source="http", kind="hangup", call_id=call_id, cause="noAnswer"))
    return CallbackTask.objects.get(call__call_id=call_id)


def test_a_missed_call_is_on_the_list_and_the_overdue_are_marked(agent: Client) -> None:
    task = missed()
    late = missed("c-2", "13800002222")
    CallbackTask.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    html = agent.get("/calls/tasks/").content.decode()
    assert f'id="task-{task.pk}"' in html and "138 0000 1111" in html and "未接回呼" in html
    assert f'id="task-{late.pk}" class="table-danger" data-overdue="1"' in html
    assert f'id="task-{task.pk}" class=' not in html
    assert html.index(f'id="task-{late.pk}"') < html.index(f'id="task-{task.pk}"')  # by latest time


def test_an_agent_adds_an_outbound_task(agent: Client, users: dict[str, Any]) -> None:
    due = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = agent.post(
        "/calls/tasks/new/", {"phone": "139 0731 0088", "due_at": due, "note": "回访满意度"}
    )
    assert response.status_code == 302
    task = CallbackTask.objects.get()
    assert (task.kind, task.phone, task.note, task.assignee_id) == (
        TaskKind.OUTBOUND,
        "+8613907310088",
        "回访满意度",
        users["agent"].pk,
    )
    assert "139 0731 0088" in agent.get("/calls/tasks/").content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phone": "123", "due_at": "2099-01-01T10:00"}, "电话号码"),
        ({"phone": "13907310088", "due_at": "2001-01-01T10:00"}, "最迟时间不能早于现在"),
        ({"phone": "13907310088", "due_at": "tomorrow"}, "有效"),
        ({"phone": "", "due_at": ""}, "必填"),
    ],
)
def test_a_bad_outbound_task_is_refused_in_chinese(agent: Client, data: dict[str, str], message: str) -> None:
    response = agent.post("/calls/tasks/new/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not CallbackTask.objects.exists()


def test_dialling_a_task_records_the_attempt_and_says_there_is_no_pbx(
    agent: Client, users: dict[str, Any], settings: Any
) -> None:
    settings.HOTLINE_AMI_HOST = ""
    task = missed()
    response = agent.post(f"/calls/tasks/{task.pk}/dial/", follow=True)
    html = response.content.decode()
    assert "未配置交换机" in html and 'id="task-attempts">1' in html
    attempt = CallbackAttempt.objects.get(task=task)
    assert attempt.call is not None and attempt.call.direction == "out" and attempt.call.caller == task.phone
    task.refresh_from_db()
    assert task.assignee_id == users["agent"].pk


def test_dialling_with_a_pbx_tells_the_agent_to_pick_up(agent: Client, settings: Any) -> None:
    settings.HOTLINE_AMI_HOST = "127.0.0.1"
    task = missed()
    html = agent.post(f"/calls/tasks/{task.pk}/dial/", follow=True).content.decode()
    assert "已发起呼叫,请接听分机 8001" in html


def test_dialling_without_signing_in_is_refused_in_chinese(agent: Client, agent_row: Agent) -> None:
    Agent.objects.filter(pk=agent_row.pk).update(extension="", state="offline")
    task = missed()
    html = agent.post(f"/calls/tasks/{task.pk}/dial/", follow=True).content.decode()
    assert "请先签入" in html and not Call.objects.filter(direction="out").exists()


def test_completing_a_task_with_the_questionnaire(agent: Client, users: dict[str, Any]) -> None:
    survey = Questionnaire.objects.create(
        name="满意度回访",
        questions=[
            {"key": "satisfied", "text": "您对处理结果是否满意?", "choices": ["满意", "基本满意", "不满意"]},
            {"key": "remark", "text": "其他意见"},
        ],
    )
    task = services.callback_create(
        kind=TaskKind.OUTBOUND,
        phone="13907310088",
        due_at=timezone.now() + timedelta(hours=1),
        actor=users["agent"],
        questionnaire=survey,
    )
    page = agent.get(f"/calls/tasks/{task.pk}/").content.decode()
    assert "您对处理结果是否满意?" in page and 'name="answer.satisfied"' in page
    refused = agent.post(
        f"/calls/tasks/{task.pk}/complete/", {"result": "已回访", "answer.satisfied": "非常满意"}
    )
    assert refused.status_code == 400 and "的答案须为" in refused.content.decode()
    empty = agent.post(f"/calls/tasks/{task.pk}/complete/", {"result": " ", "answer.remark": "无"})
    assert empty.status_code == 400 and "请填写处理结果" in empty.content.decode()
    assert 'value="无"' in empty.content.decode()  # the answers as typed
    done = agent.post(
        f"/calls/tasks/{task.pk}/complete/",
        {"result": "已回访", "answer.satisfied": "满意", "answer.remark": ""},
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.result, task.answers) == (TaskStatus.DONE, "已回访", {"satisfied": "满意"})
    again = agent.post(f"/calls/tasks/{task.pk}/complete/", {"result": "又一次"})
    assert again.status_code == 400 and "已完成" in again.content.decode()
    assert f'id="task-{task.pk}"' in agent.get("/calls/tasks/?status=done").content.decode()


def test_a_team_leader_reassigns_and_an_agent_may_not(agent: Client, users: dict[str, Any]) -> None:
    other = Agent.objects.create(user=users["handler"], staff_no="1002")
    task = missed()
    assert agent.post(f"/calls/tasks/{task.pk}/reassign/", {"assignee": other.pk}).status_code == 404
    lead = logged_in(users["teamlead"])
    page = lead.get(f"/calls/tasks/{task.pk}/").content.decode()
    assert 'id="task-reassign-form"' in page
    assert lead.post(f"/calls/tasks/{task.pk}/reassign/", {"assignee": other.pk}).status_code == 302
    task.refresh_from_db()
    assert task.assignee_id == users["handler"].pk
    assert agent.get(f"/calls/tasks/{task.pk}/").status_code == 404  # now someone else's
    assert lead.post(f"/calls/tasks/{task.pk}/reassign/", {"assignee": "x"}).status_code == 400


def test_the_task_pages_are_for_agents_and_team_leaders(users: dict[str, Any]) -> None:
    task = missed()
    for name in ("handler", "coordinator"):
        client = logged_in(users[name])
        assert client.get("/calls/tasks/").status_code == 403
        assert client.get(f"/calls/tasks/{task.pk}/").status_code == 403
    assert logged_in(users["teamlead"]).get("/calls/tasks/999999/").status_code == 404


def test_an_agent_calls_the_complainant_from_the_ticket(users: dict[str, Any]) -> None:
    """点击外呼 from a ticket (issue 12 item 6): the call is outbound, linked to the ticket."""
    from hotline.telephony.models import Agent, Call, Direction
    from tests.conftest import PASSWORD
    from tests.factories import register
    from tests.web.test_phone_pages import logged_in

    ticket = register(users["agent"], complainant__phone="13812345678")
    client = logged_in(users["agent"])
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="ticket-dial"' not in page  # not signed in
    Agent.objects.create(user=users["agent"], staff_no="1001")
    services.agent_sign_in(user=users["agent"], staff_no="1001", extension="8001", password=PASSWORD)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="ticket-dial"' in page
    response = client.post(f"/calls/dial/{ticket.number}/", follow=True)
    call = Call.objects.get(direction=Direction.OUTBOUND)
    assert (call.caller, call.extension) == ("+8613812345678", "8001")
    assert list(call.ticket_links.values_list("ticket", flat=True)) == [ticket.pk]
    assert "未配置交换机" in response.content.decode()
    # a ticket the user may not see: the same 404 as a missing one, nothing dialled
    other = logged_in(users["handler2"]).post(f"/calls/dial/{ticket.number}/")
    assert other.status_code in (403, 404) and Call.objects.filter(direction=Direction.OUTBOUND).count() == 1
