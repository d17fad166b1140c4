"""Importing next year's schedule recomputes provisional deadlines and records the change."""

from __future__ import annotations

from hotline.calendar.services import import_schedule
from hotline.tickets.models import Ticket, TicketEvent
from tests.factories import register
from tests.helpers import act, local

SCHEDULE_2027 = """# 2027 schedule for the test (New Year holiday Jan 1-3, makeup working day Sat Jan 9)
year,2027
2027-01-01,rest,元旦
2027-01-09,work,元旦调休上班
"""


def test_import_recomputes_provisional_deadlines_and_records_history(users):
    ticket = register(users["agent"], policy="enterprise", now=local("2026-12-29 09:00"))
    ticket = act(ticket, "accept", users["coordinator"], "2026-12-29 09:30")
    ticket = act(ticket, "dispatch", users["coordinator"], "2026-12-31 10:00", unit="JZ-DH-SJ")
    # 2027 is not official yet: Jan 1 (元旦) is a statutory holiday, so 2 working days → Jan 4, Jan 5
    assert ticket.deadline_provisional is True
    assert ticket.final_due_at == local("2027-01-05 17:30")

    result = import_schedule(text=SCHEDULE_2027, source_note="测试")
    assert result.recomputed == 1
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.deadline_provisional is False
    assert fresh.final_due_at == local("2027-01-05 17:30")  # same days, now official
    event = TicketEvent.objects.get(ticket=ticket, action="recalculate_deadline")
    assert event.payload["provisional"] is False
    # running it again changes nothing
    from hotline.workflow.services import recompute_provisional_deadlines

    assert recompute_provisional_deadlines(years={2027}) == 0


def test_import_moves_a_deadline_when_the_official_schedule_differs(users):
    ticket = register(users["agent"], policy="enterprise", now=local("2026-12-29 09:00"))
    ticket = act(ticket, "accept", users["coordinator"], "2026-12-29 09:30")
    ticket = act(ticket, "dispatch", users["coordinator"], "2026-12-31 10:00", unit="JZ-DH-SJ")
    assert ticket.final_due_at == local("2027-01-05 17:30")
    # suppose the official schedule also makes Jan 4 a rest day
    import_schedule(text=SCHEDULE_2027 + "2027-01-04,rest,元旦\n", source_note="测试")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.final_due_at == local("2027-01-06 17:30")
    event = TicketEvent.objects.get(ticket=ticket, action="recalculate_deadline")
    assert event.payload["old_final_due_at"].startswith("2027-01-05")
