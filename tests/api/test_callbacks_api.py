"""Callback and outbound tasks in the API (``/api/v1/callbacks/``): a missed call to return,
outbound tasks, click-to-call, completion with a questionnaire, a supervisor's moves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
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
from hotline.telephony.services import Incoming
from hotline.tickets.models import Channel
from tests.conftest import PASSWORD
from tests.factories import register

URL = "/api/v1/callbacks/"


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    return [t["id"] for t in response.json()["results"]]


def _due(hours: float = 2) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


@pytest.fixture
def agent(users: dict[str, Any]) -> Agent:
    Agent.objects.create(user=users["agent"], staff_no="1001")
    return services.agent_sign_in(user=users["agent"], staff_no="1001", extension="8001", password=PASSWORD)


@pytest.fixture
def second(users: dict[str, Any]) -> Agent:
    """Another agent (the coordinator also takes calls), not signed in."""
    return Agent.objects.create(user=users["coordinator"], staff_no="1003")


def missed(call_id: str = "m1", phone: str = "13812345678") -> CallbackTask:
    services.apply_event(Incoming(source="http", kind="newCall", call_id=call_id, from_number=phone))
    services.apply_event(Incoming(source="http", kind="hangup", call_id=call_id, cause="noAnswer"))
    return CallbackTask.objects.get(call__call_id=call_id)


# ---------------------------------------------------------------------------------------
# a missed call returned


def test_a_missed_call_becomes_a_task_the_agent_dials_and_completes(users, api, agent):
    task = missed()
    me = api(users["agent"])
    listed = me.get(URL).json()["results"]
    assert [(t["id"], t["kind"], t["phone"], t["status"], t["assignee"]) for t in listed] == [
        (task.pk, "missed", "+8613812345678", "open", None)
    ]
    assert listed[0]["call"] == task.call_id and listed[0]["overdue"] is False

    dialled = me.post(f"{URL}{task.pk}/dial/")
    assert dialled.status_code == 201, dialled.content[:500]
    body = dialled.json()
    assert (body["task"]["attempts"], body["task"]["assignee"]) == (1, "agent")
    assert (
        body["call"]["direction"],
        body["call"]["to"],
        body["call"]["agent"],
        body["call"]["extension"],
    ) == (
        "out",
        "+8613812345678",
        "agent",
        "8001",
    )
    assert body["call"]["call_id"].startswith("hotline-")
    assert CallbackAttempt.objects.get(task=task).call == Call.objects.get(pk=body["call"]["id"])

    done = me.post(f"{URL}{task.pk}/complete/", {"result": "已回电,来电人问题已解决"}, format="json")
    assert done.status_code == 200, done.content[:500]
    detail = done.json()
    assert (detail["status"], detail["done_by"], detail["result"]) == (
        "done",
        "agent",
        "已回电,来电人问题已解决",
    )
    assert [(a["by"], a["call"]) for a in detail["attempt_rows"]] == [("agent", body["call"]["id"])]
    # completing twice is a conflict; dialling a done task too
    _problem(
        me.post(f"{URL}{task.pk}/complete/", {"result": "再次"}, format="json"), 409, "callback_task_closed"
    )
    _problem(me.post(f"{URL}{task.pk}/dial/"), 409, "callback_task_closed")


def test_dialling_needs_a_signed_in_extension(users, api):
    task = missed()
    Agent.objects.create(user=users["agent"], staff_no="1001")
    _problem(api(users["agent"]).post(f"{URL}{task.pk}/dial/"), 400, "agent_not_signed_in")
    task.refresh_from_db()
    assert task.attempts == 0 and not Call.objects.filter(direction="out").exists()


def test_completing_needs_a_result(users, api, agent):
    task = missed()
    _problem(
        api(users["agent"]).post(f"{URL}{task.pk}/complete/", {"result": "  "}, format="json"),
        400,
        "invalid_result",
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


# ---------------------------------------------------------------------------------------
# outbound tasks


def test_an_agent_adds_an_outbound_task_with_a_questionnaire(users, api, agent):
    survey = Questionnaire.objects.create(
        name="满意度回访",
        questions=[
            {"key": "q1", "text": "是否满意", "choices": ["满意", "不满意"]},
            {"key": "q2", "text": "建议"},
        ],
    )
    me = api(users["agent"])
    data = {"phone": "139 1234 5678", "due_at": _due(), "note": "回访上周投诉人", "questionnaire": survey.pk}
    created = me.post(URL, data, format="json")
    assert created.status_code == 201, created.content[:500]
    got = created.json()
    assert (got["kind"], got["phone"], got["note"], got["created_by"], got["assignee"]) == (
        "outbound",
        "+8613912345678",
        "回访上周投诉人",
        "agent",
        None,
    )
    assert got["questionnaire_detail"]["questions"][0]["choices"] == ["满意", "不满意"]
    path = f"{URL}{got['id']}/complete/"
    wrong = {"result": "已回访", "answers": {"q1": "还行"}}
    _problem(me.post(path, wrong, format="json"), 400, "invalid")
    answers = {"q1": "满意", "q2": "希望处理更快"}
    done = me.post(path, {"result": "已回访", "answers": answers}, format="json").json()
    assert (done["status"], done["answers"]) == ("done", answers)


def test_a_task_for_a_ticket_and_an_assignee(users, api, agent, second):
    ticket = register(users["agent"])
    data = {
        "kind": "visit",
        "phone": "13912345678",
        "due_at": _due(24),
        "ticket": ticket.number,
        "assignee": "coordinator",
    }
    got = api(users["agent"]).post(URL, data, format="json").json()
    assert (got["kind"], got["ticket"], got["assignee"], got["assignee_name"]) == (
        "visit",
        ticket.number,
        "coordinator",
        "李建国",
    )


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"phone": "12345"}, 400, "invalid_phone"),
        ({"due_at": "2020-01-01T08:00:00+08:00"}, 400, "callback_due_in_past"),
        ({"assignee": "nobody"}, 400, "callback_assignee_invalid"),
        ({"assignee": "handler"}, 400, "callback_assignee_invalid"),  # not an agent
        ({"kind": "missed"}, 400, "invalid"),  # missed-call tasks come from the calls
        ({"questionnaire": 999}, 400, "invalid_questionnaire"),
        ({"ticket": "99999999"}, 404, "ticket_not_found"),
        ({"priority": "high"}, 400, "unknown_field"),
    ],
)
def test_a_bad_task_is_refused_and_writes_nothing(users, api, agent, changes, status, code):
    data = {"phone": "13912345678", "due_at": _due(), **changes}
    _problem(api(users["agent"]).post(URL, data, format="json"), status, code)
    assert not CallbackTask.objects.exists()


def test_a_user_who_takes_no_calls_may_not_add_tasks(users, api, agent):
    data = {"phone": "13912345678", "due_at": _due()}
    _problem(api(users["handler"]).post(URL, data, format="json"), 404, "callback_task_not_found")
    assert not CallbackTask.objects.exists()


# ---------------------------------------------------------------------------------------
# scope and a supervisor's moves


def test_tasks_are_scoped_and_others_get_the_same_404(users, api, agent, second):
    open_task = missed("m1")
    theirs = missed("m2", phone="13912345678")
    services.callback_reassign(task=theirs, actor=users["teamlead"], assignee=users["coordinator"])
    me = api(users["agent"])
    assert _ids(me.get(URL)) == [open_task.pk]  # theirs is assigned to somebody else
    forbidden = _problem(me.get(f"{URL}{theirs.pk}/"), 404, "callback_task_not_found")
    missing = _problem(me.get(f"{URL}{theirs.pk + 1000}/"), 404, "callback_task_not_found")
    assert forbidden == missing
    _problem(
        me.post(f"{URL}{theirs.pk}/complete/", {"result": "x"}, format="json"), 404, "callback_task_not_found"
    )
    assert sorted(_ids(api(users["teamlead"]).get(URL))) == sorted([open_task.pk, theirs.pk])
    assert _ids(api(users["handler"]).get(URL)) == []


def test_a_supervisor_reassigns_an_overdue_task(users, api, agent, second):
    task = missed()
    CallbackTask.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(hours=1))
    lead = api(users["teamlead"])
    assert _ids(lead.get(URL, {"overdue": "true"})) == [task.pk]
    assert _ids(lead.get(URL, {"overdue": "false"})) == []
    moved = lead.post(f"{URL}{task.pk}/reassign/", {"assignee": "coordinator"}, format="json")
    assert moved.status_code == 200, moved.content[:500]
    assert (moved.json()["assignee"], moved.json()["overdue"]) == ("coordinator", True)
    assert _ids(lead.get(URL, {"assignee": "coordinator"})) == [task.pk]
    # an agent may not reassign; a user who is not an agent may not be the assignee
    _problem(
        api(users["agent"]).post(f"{URL}{task.pk}/reassign/", {"assignee": "agent"}, format="json"),
        404,
        "callback_task_not_found",
    )
    _problem(
        lead.post(f"{URL}{task.pk}/reassign/", {"assignee": "handler"}, format="json"),
        400,
        "callback_assignee_invalid",
    )
    task.refresh_from_db()
    assert task.assignee == users["coordinator"]


def test_a_supervisor_turns_a_web_message_into_a_call_within_hours(users, api, agent):
    ticket = register(users["agent"], channel=Channel.WEB)
    lead = api(users["teamlead"])
    before = timezone.now()
    created = lead.post(
        f"{URL}from-ticket/", {"ticket": ticket.number, "hours": 4, "assignee": "agent"}, format="json"
    )
    assert created.status_code == 201, created.content[:500]
    got = created.json()
    assert (got["kind"], got["ticket"], got["channel"], got["assignee"]) == (
        "message",
        ticket.number,
        "web",
        "agent",
    )
    assert got["phone"] == ticket.complainant_phone
    task = CallbackTask.objects.get()
    assert before + timedelta(hours=4) <= task.due_at <= timezone.now() + timedelta(hours=4)
    # the same again returns the open task, not a second one
    again = lead.post(f"{URL}from-ticket/", {"ticket": ticket.number, "hours": 8}, format="json")
    assert again.json()["id"] == task.pk and CallbackTask.objects.count() == 1


def test_from_ticket_is_the_supervisors_and_for_messages_only(users, api, agent):
    web = register(users["agent"], channel=Channel.WEB)
    phoned = register(users["agent"])
    _problem(
        api(users["agent"]).post(f"{URL}from-ticket/", {"ticket": web.number, "hours": 4}, format="json"),
        404,
        "ticket_not_found",
    )
    lead = api(users["teamlead"])
    _problem(
        lead.post(f"{URL}from-ticket/", {"ticket": phoned.number, "hours": 4}, format="json"),
        400,
        "invalid_channel",
    )
    _problem(
        lead.post(f"{URL}from-ticket/", {"ticket": web.number, "hours": 0}, format="json"), 400, "invalid"
    )
    _problem(
        lead.post(f"{URL}from-ticket/", {"ticket": "0000000", "hours": 4}, format="json"),
        404,
        "ticket_not_found",
    )
    assert not CallbackTask.objects.exists()


def test_filters_kind_status_and_unassigned(users, api, agent):
    task = missed()
    outbound = api(users["agent"]).post(URL, {"phone": "13912345678", "due_at": _due()}, format="json").json()
    lead = api(users["teamlead"])
    assert _ids(lead.get(URL, {"kind": "outbound"})) == [outbound["id"]]
    assert _ids(lead.get(URL, {"kind": TaskKind.MISSED})) == [task.pk]
    services.callback_complete(task=task, actor=users["agent"], result="已回电")
    assert _ids(lead.get(URL, {"status": "done"})) == [task.pk]
    assert _ids(lead.get(URL, {"unassigned": "true", "status": "open"})) == [outbound["id"]]
    _problem(lead.get(URL, {"status": "lost"}), 400, "invalid")
