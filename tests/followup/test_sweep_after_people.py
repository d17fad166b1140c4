"""The sweep's automatic steps leave alone what a person already did, and one broken row
does not stop the sweep for the others."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.followup import services
from hotline.followup.models import NextStep, ReturnVisit, VisitStatus
from hotline.followup.services import RETRY_AFTER, record_attempt, run_sweep
from hotline.notify.models import Message
from hotline.tickets.models import Ticket, TicketEvent
from tests.helpers import act, local


def _dissatisfied(ticket: Ticket, users: dict[str, Any], day: str) -> Ticket:
    if ticket.stage == "dispatched":
        ticket = act(ticket, "sign", users["head"], f"{day} 09:00")
        ticket = act(ticket, "assign", users["head"], f"{day} 09:05", handler="handler")
    ticket = act(ticket, "reply", users["handler"], f"{day} 10:00", result="已处理")
    ticket = act(ticket, "return_visit", users["coordinator"], f"{day} 11:00", satisfaction="dissatisfied")
    assert ticket.stage == "dissatisfied"
    return ticket


def _supervised_messages(ticket: Ticket) -> int:
    return Message.objects.filter(ticket=ticket, kind="supervised").values("batch_key").distinct().count()


def test_a_manual_redispatch_before_the_sweep_is_not_followed_by_another_step(handling, users):
    ticket = _dissatisfied(handling("2026-10-12 09:00"), users, "2026-10-13")
    assert run_sweep(local("2026-10-13 11:01")).redispatched == 1  # round 1 → 2 by the sweep
    ticket = _dissatisfied(Ticket.objects.get(pk=ticket.pk), users, "2026-10-14")
    # round 2 dissatisfied: the coordinator redispatches by hand before the sweep runs
    ticket = act(ticket, "redispatch", users["coordinator"], "2026-10-14 11:00", comment="人工再次派单")
    assert (ticket.round, ticket.supervised) == (3, True)
    events, told = ticket.events.count(), _supervised_messages(ticket)
    report = run_sweep(local("2026-10-14 11:01"))
    assert (report.redispatched, report.supervised, report.steps_dropped) == (0, 0, 1)
    ticket.refresh_from_db()
    assert (ticket.round, ticket.stage, ticket.events.count()) == (3, "dispatched", events)
    assert _supervised_messages(ticket) == told
    visit = ReturnVisit.objects.filter(ticket=ticket).order_by("-pk").first()
    assert (visit.round, visit.next_step) == (2, NextStep.NONE)


def test_a_manual_supervise_in_the_last_round_is_not_repeated(handling, users):
    ticket = handling("2026-10-12 09:00")
    for day in ("2026-10-13", "2026-10-14"):
        ticket = _dissatisfied(ticket, users, day)
        run_sweep(local(f"{day} 11:01"))
        ticket.refresh_from_db()
    ticket = _dissatisfied(ticket, users, "2026-10-15")  # round 3, the last
    # enterprise supervises from the second dispatch (001 L32): the leader closes it instead
    assert ticket.supervised
    ticket = act(ticket, "close", users["leader"], "2026-10-15 11:00", result="领导督办后办结")
    told = _supervised_messages(ticket)
    report = run_sweep(local("2026-10-15 11:01"))
    assert (report.supervised, report.steps_dropped) == (0, 1)
    assert TicketEvent.objects.filter(ticket=ticket, action="supervise").count() == 0
    assert _supervised_messages(ticket) == told


def test_untouched_dissatisfied_tickets_are_still_followed(handling, users):
    ticket = _dissatisfied(handling("2026-10-12 09:00"), users, "2026-10-13")
    report = run_sweep(local("2026-10-13 11:01"))
    assert (report.redispatched, report.steps_dropped) == (1, 0)
    ticket.refresh_from_db()
    assert ticket.round == 2


@pytest.fixture
def broken_transition(monkeypatch: pytest.MonkeyPatch) -> set[int]:
    """Ticket ids whose automatic transition fails with an unexpected (non-Hotline) error."""
    broken: set[int] = set()
    real = services.ticket_transition

    def transition(*, ticket: Ticket, **kwargs: Any) -> Any:
        if ticket.pk in broken:
            raise RuntimeError("database hiccup")
        return real(ticket=ticket, **kwargs)

    monkeypatch.setattr(services, "ticket_transition", transition)
    return broken


def test_a_dissatisfied_row_that_raises_does_not_stop_the_others(handling, users, broken_transition):
    first = _dissatisfied(handling("2026-10-12 09:00"), users, "2026-10-13")
    second = _dissatisfied(handling("2026-10-12 09:30"), users, "2026-10-13")
    broken_transition.add(first.pk)
    report = run_sweep(local("2026-10-13 11:01"))
    assert report.redispatched == 1 and len(report.errors) == 1 and "database hiccup" in report.errors[0]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.round, second.round) == (1, 2)
    assert ReturnVisit.objects.get(ticket=first).next_step == NextStep.PENDING  # tried again later
    broken_transition.clear()
    report = run_sweep(local("2026-10-13 11:02"))
    first.refresh_from_db()
    assert (report.redispatched, report.errors, first.round) == (1, [], 2)


def test_an_unreachable_row_that_raises_does_not_stop_the_others(handling, users, broken_transition):
    visits = []
    for start in ("2026-10-12 09:00", "2026-10-12 09:30"):
        ticket = act(handling(start), "reply", users["handler"], "2026-10-13 10:00", result="已处理")
        visit = ReturnVisit.objects.get(ticket=ticket)
        record_attempt(
            visit=visit, user=users["coordinator"], outcome="unreachable", now=local("2026-10-13 11:00")
        )
        visit.refresh_from_db()
        visits.append(visit)
    first, second = visits
    broken_transition.add(first.ticket_id)
    now = local("2026-10-15 17:30")
    assert first.close_at == second.close_at == now
    report = run_sweep(now)
    assert report.visits_closed == 1 and len(report.errors) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.status, first.status) == (VisitStatus.CLOSED_UNREACHABLE, VisitStatus.UNREACHABLE)
    assert first.close_at == now + RETRY_AFTER  # looked at again later, not every minute
    assert run_sweep(now + RETRY_AFTER / 2).errors == []
    broken_transition.clear()
    assert run_sweep(now + RETRY_AFTER).visits_closed == 1
    first.refresh_from_db()
    assert first.status == VisitStatus.CLOSED_UNREACHABLE
