"""Dissatisfied → the next round by itself → … → at the last round, supervision by the leader.

Staff only do their own work (sign, assign, reply, record satisfaction); every automatic
step comes from ``run_sweep``.
"""

from __future__ import annotations

from hotline.followup.models import NextStep, ReturnVisit, VisitStatus
from hotline.followup.services import run_sweep
from hotline.notify.models import Message
from hotline.tickets.models import TicketEvent
from tests.followup.helpers import staff_messages
from tests.helpers import act, local


def leader_supervised(ticket):
    return Message.objects.filter(ticket=ticket, kind="supervised", channel="inapp", user__username="leader")


def _handle_and_visit(ticket, users, day, satisfaction="dissatisfied"):
    if ticket.stage == "dispatched":
        ticket = act(ticket, "sign", users["head"], f"{day} 09:00")
        ticket = act(ticket, "assign", users["head"], f"{day} 09:05", handler="handler")
    ticket = act(ticket, "reply", users["handler"], f"{day} 10:00", result="已处理")
    visit = ReturnVisit.objects.get(ticket=ticket, status=VisitStatus.OPEN)
    assert (visit.round, visit.due_at) == (ticket.round, local(f"{day} 17:30"))  # the same day (L32)
    return act(ticket, "return_visit", users["coordinator"], f"{day} 11:00", satisfaction=satisfaction)


def test_dissatisfied_goes_round_by_round_to_supervision(handling, users):
    ticket = handling("2026-10-12 09:00")
    # round 1: dissatisfied → the sweep sends it back to the same unit as round 2, the
    # first supervised round (supervise_from 2: 督办 starts with the second dispatch)
    ticket = _handle_and_visit(ticket, users, "2026-10-13")
    assert ticket.stage == "dissatisfied"
    report = run_sweep(local("2026-10-13 11:01"))
    assert (report.redispatched, report.supervised) == (1, 1)
    ticket.refresh_from_db()
    assert (ticket.round, ticket.stage, ticket.unit.code, ticket.supervised) == (
        2,
        "dispatched",
        "JZ-DH-SJ",
        True,
    )
    assert ("leader", "supervised") in staff_messages(ticket, "supervised")
    # round 2: dissatisfied → round 3, still supervised: the leaders are told again
    told = len(leader_supervised(ticket))
    ticket = _handle_and_visit(ticket, users, "2026-10-14")
    report = run_sweep(local("2026-10-14 11:01"))
    assert (report.redispatched, report.supervised) == (1, 1)
    ticket.refresh_from_db()
    assert (ticket.round, ticket.supervised) == (3, True)
    assert len(leader_supervised(ticket)) == told + 1
    told_before = len(leader_supervised(ticket))
    # round 3 is the last (max 3): dissatisfied → supervised in place, the leader told again
    ticket = _handle_and_visit(ticket, users, "2026-10-15")
    report = run_sweep(local("2026-10-15 11:01"))
    assert (report.redispatched, report.supervised) == (0, 1)
    ticket.refresh_from_db()
    assert (ticket.round, ticket.stage, ticket.supervised) == (3, "dissatisfied", True)
    assert len(leader_supervised(ticket)) == told_before + 1
    # every automatic step is in the history, by the system
    automatic = list(
        TicketEvent.objects.filter(ticket=ticket, actor__isnull=True, action__in=["redispatch", "supervise"])
        .order_by("seq")
        .values_list("action", "actor_label", "payload__round")
    )
    assert automatic == [
        ("redispatch", "系统(回访)", 2),
        ("redispatch", "系统(回访)", 3),
    ]  # supervised since round 2: the last round tells the leader, with nothing to re-record
    steps = list(
        ReturnVisit.objects.filter(ticket=ticket).order_by("round").values_list("round", "next_step")
    )
    assert steps == [(1, NextStep.REDISPATCHED), (2, NextStep.REDISPATCHED), (3, NextStep.SUPERVISED)]
    # and nothing happens twice
    report = run_sweep(local("2026-10-15 12:00"))
    assert (report.redispatched, report.supervised) == (0, 0)


def test_satisfied_visit_is_done_without_a_next_round(handling, users):
    ticket = handling("2026-10-12 09:00")
    ticket = _handle_and_visit(ticket, users, "2026-10-13", satisfaction="satisfied")
    visit = ReturnVisit.objects.get(ticket=ticket)
    assert (visit.status, visit.satisfaction, visit.done_by) == ("done", "satisfied", users["coordinator"])
    assert run_sweep(local("2026-10-13 12:00")).redispatched == 0
    ticket.refresh_from_db()
    assert (ticket.round, ticket.stage) == (1, "visited")


def test_visit_task_tells_the_coordinator(handling, users):
    ticket = handling("2026-10-12 09:00")
    act(ticket, "reply", users["handler"], "2026-10-13 10:00", result="已处理")
    assert staff_messages(ticket, "visit_due") == [("coordinator", "visit_due")]
