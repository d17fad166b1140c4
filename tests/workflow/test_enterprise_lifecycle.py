"""A complaint under the enterprise pack, receipt to closure, with exact deadlines."""

from __future__ import annotations

from hotline.tickets.models import TicketEvent
from tests.factories import register
from tests.helpers import act, local


def test_complaint_lifecycle_with_working_day_deadlines(users, org):
    ticket = register(users["agent"], policy="enterprise", now=local("2026-09-29 09:00"))
    ticket = act(ticket, "accept", users["coordinator"], "2026-09-29 10:00")
    # dispatched the day before the National Day holiday (Oct 1–7): 2 working days are Oct 8 and Oct 9
    ticket = act(ticket, "dispatch", users["coordinator"], "2026-09-30 10:00", unit="JZ-DH-SJ")
    assert (ticket.round, ticket.unit.code, ticket.status) == (1, "JZ-DH-SJ", "open")
    assert ticket.final_due_at == local("2026-10-09 17:30")
    assert ticket.deadline_provisional is False
    ticket = act(ticket, "sign", users["head"], "2026-09-30 11:00")
    ticket = act(ticket, "assign", users["head"], "2026-09-30 11:05", handler="handler")
    assert ticket.handler == users["handler"]
    ticket = act(ticket, "reply", users["handler"], "2026-10-08 15:00", result="已责令商家退款")
    ticket = act(ticket, "return_visit", users["coordinator"], "2026-10-08 16:00", satisfaction="satisfied")
    assert ticket.satisfaction == "satisfied"
    if ticket.status != "closed":
        ticket = act(ticket, "close", users["coordinator"], "2026-10-08 16:05")
    assert (ticket.status, ticket.stage, ticket.due_at) == ("closed", "closed", None)
    assert ticket.closed_at == local("2026-10-08 16:05") or ticket.closed_at == local("2026-10-08 16:00")
    actions = list(TicketEvent.objects.filter(ticket=ticket).values_list("action", flat=True))
    assert actions[:7] == ["register", "accept", "dispatch", "sign", "assign", "reply", "return_visit"]
    actors = list(TicketEvent.objects.filter(ticket=ticket).values_list("actor__username", flat=True))
    assert actors[:4] == ["agent", "coordinator", "coordinator", "head"]


def test_stage_deadline_rolls_over_holidays(users):
    ticket = register(users["agent"], policy="enterprise", now=local("2026-09-30 16:00"))
    # whatever the initial stage's limit, its due time is computed on working days:
    # it never falls inside the National Day holiday
    if ticket.due_at is not None:
        from django.utils import timezone

        due = timezone.localtime(ticket.due_at)
        assert not (local("2026-10-01 00:00") <= due < local("2026-10-08 00:00"))
