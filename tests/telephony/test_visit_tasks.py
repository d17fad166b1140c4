"""The lifecycle's return visits use the agents' callback tasks (issue 12 item 6): a visit
opened by the answer is a task in the list, dialled like any; recorded on the ticket, the
task is done with the visit's result; the ticket moving on without one cancels it."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.core.errors import InvalidInput
from hotline.followup.models import ReturnVisit, VisitStatus
from hotline.telephony import services
from hotline.telephony.models import Agent, CallbackTask, TaskKind, TaskStatus
from tests.conftest import PASSWORD
from tests.factories import register
from tests.helpers import act, local

pytestmark = pytest.mark.django_db


def answered(users: dict[str, Any]) -> Any:
    ticket = register(users["agent"], policy="enterprise", now=local("2026-10-12 08:00"))
    ticket = act(ticket, "accept", users["coordinator"], "2026-10-12 08:05")
    ticket = act(ticket, "dispatch", users["coordinator"], "2026-10-12 09:00", unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"], "2026-10-12 09:10")
    ticket = act(ticket, "assign", users["head"], "2026-10-12 09:15", handler="handler")
    assert not CallbackTask.objects.exists()  # no visit before the answer
    return act(ticket, "reply", users["handler"], "2026-10-12 10:00", result="已处理")


def test_a_visit_is_a_task_done_when_the_visit_is_recorded(users: dict[str, Any]) -> None:
    ticket = answered(users)
    visit = ReturnVisit.objects.get(ticket=ticket, status=VisitStatus.OPEN)
    task = CallbackTask.objects.get(kind=TaskKind.VISIT)
    assert (task.ticket, task.phone, task.due_at, task.status) == (
        ticket,
        ticket.complainant_phone,
        visit.due_at,
        TaskStatus.OPEN,
    )
    # an agent dials it like any task (the call is linked to the ticket) but records the
    # visit's result on the ticket, not here
    Agent.objects.create(user=users["agent"], staff_no="1001")
    services.agent_sign_in(user=users["agent"], staff_no="1001", extension="8001", password=PASSWORD)
    assert task in services.tasks_visible_to(users["agent"])
    call = services.callback_dial(task=task, actor=users["agent"])
    assert list(call.ticket_links.values_list("ticket", flat=True)) == [ticket.pk]
    with pytest.raises(InvalidInput) as refused:
        services.callback_complete(task=task, actor=users["agent"], result="满意")
    assert refused.value.code == "callback_visit_on_ticket"
    # later events of the ticket do not add a second task
    act(ticket, "return_visit", users["coordinator"], "2026-10-12 11:00", satisfaction="satisfied")
    task.refresh_from_db()
    assert (task.status, task.result, task.done_by) == (
        TaskStatus.DONE,
        "回访已登记:满意",
        users["coordinator"],
    )
    assert CallbackTask.objects.filter(kind=TaskKind.VISIT).count() == 1


def test_a_ticket_that_moves_on_without_a_visit_cancels_its_task(users: dict[str, Any]) -> None:
    ticket = answered(users)
    task = CallbackTask.objects.get(kind=TaskKind.VISIT)
    ticket = act(
        ticket, "close", users["coordinator"], "2026-10-12 12:00", result="办结", closing_code="resolved"
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED


def test_the_task_page_sends_the_visit_result_to_the_ticket(users: dict[str, Any], client: Any) -> None:
    ticket = answered(users)
    task = CallbackTask.objects.get(kind=TaskKind.VISIT)
    Agent.objects.create(user=users["agent"], staff_no="1001")
    client.force_login(users["agent"])
    html = client.get(f"/calls/tasks/{task.pk}/").content.decode()
    assert 'id="task-visit-on-ticket"' in html and f"/tickets/{ticket.number}/" in html
    assert 'id="task-complete-form"' not in html
