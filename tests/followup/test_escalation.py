"""After the due time: the escalation chain, in order, at its times, each level at most once."""

from __future__ import annotations

from hotline.followup.models import SweepMark
from hotline.followup.services import run_sweep
from hotline.tickets.models import TicketEvent
from tests.followup.helpers import kinds, staff_messages, system_events
from tests.helpers import act, local


def test_chain_head_and_coordinator_at_due_then_leader_a_working_day_later(handling):
    # Given a complaint due 9 Oct 17:30 that nobody touches
    ticket = handling("2026-09-30 10:00")
    run_sweep(local("2026-10-09 15:30"))
    assert run_sweep(local("2026-10-09 17:29")).escalations == 0
    # When the due time passes, the department head and the coordinator are told it is overdue
    report = run_sweep(local("2026-10-09 17:30"))
    assert report.escalations == 1
    assert staff_messages(ticket, "overdue") == [("coordinator", "overdue"), ("head", "overdue")]
    # Then one working day later — Saturday 10 Oct is a 调休 working day — the leader
    assert run_sweep(local("2026-10-10 17:29")).escalations == 0
    assert run_sweep(local("2026-10-10 17:30")).escalations == 1
    assert staff_messages(ticket, "escalated") == [("leader", "escalated")]
    assert kinds(ticket) == ["due_soon", "overdue", "escalated"]
    # and each step is a history event of the system
    assert system_events(ticket) == [
        ("remind", "系统(催办)"),
        ("escalate", "系统(催办)"),
        ("escalate", "系统(催办)"),
    ]
    last = TicketEvent.objects.filter(ticket=ticket).latest("seq")
    assert last.payload["roles"] == ["leader"] and last.created_at == local("2026-10-10 17:30")


def test_repeated_sweeps_send_nothing_twice(handling):
    # Given the first sweep after both steps came due (the before-due points are stale)
    ticket = handling("2026-09-30 10:00")
    for minute in range(0, 60, 7):
        run_sweep(local(f"2026-10-10 18:{minute:02d}"))
    run_sweep(local("2026-10-10 19:00"))
    # Then the latest level was told once (to the first level's people too), the first
    # level and the reminders were passed over
    assert kinds(ticket) == ["escalated"]
    assert SweepMark.objects.filter(ticket=ticket, sent=True).count() == 1
    assert SweepMark.objects.filter(ticket=ticket, sent=False).count() == 3


def test_a_closed_ticket_is_not_reminded(handling, users):
    ticket = handling("2026-09-30 10:00")
    ticket = act(ticket, "reply", users["handler"], "2026-10-08 09:00", result="已处理")
    ticket = act(ticket, "return_visit", users["coordinator"], "2026-10-08 10:00", satisfaction="satisfied")
    ticket = act(ticket, "close", users["coordinator"], "2026-10-08 10:05")
    report = run_sweep(local("2026-10-12 12:00"))
    assert (report.tickets, kinds(ticket)) == (0, ["visit_due"])  # the visit task, no reminder
