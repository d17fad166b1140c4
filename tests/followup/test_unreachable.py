"""An unreachable complainant gets the survey link by SMS; unanswered, the ticket closes."""

from __future__ import annotations

import pytest

from hotline.core.errors import Forbidden, InvalidInput, InvalidTransition
from hotline.followup.models import ReturnVisit, VisitStatus
from hotline.followup.services import record_attempt, run_sweep
from hotline.notify.models import Message
from hotline.tickets.models import TicketEvent
from hotline.workflow.services import ticket_transition
from tests.helpers import act, local, snapshot


@pytest.fixture
def replied(handling, users):
    ticket = handling("2026-10-12 09:00")
    ticket = act(ticket, "reply", users["handler"], "2026-10-13 10:00", result="已处理")
    return ticket, ReturnVisit.objects.get(ticket=ticket)


def _sms(ticket):
    return list(Message.objects.filter(ticket=ticket, kind="survey_link").values_list("channel", "address"))


def test_three_unanswered_calls_make_the_complainant_unreachable(replied, users):
    ticket, visit = replied
    for hour in ("11", "14"):
        record_attempt(
            visit=visit, user=users["coordinator"], outcome="no_answer", now=local(f"2026-10-13 {hour}:00")
        )
    visit.refresh_from_db()
    assert (visit.status, _sms(ticket)) == (VisitStatus.OPEN, [])
    record_attempt(visit=visit, user=users["coordinator"], outcome="busy", now=local("2026-10-13 16:00"))
    visit.refresh_from_db()
    assert visit.status == VisitStatus.UNREACHABLE
    assert sorted(_sms(ticket)) == [("email", ticket.complainant_email), ("sms", ticket.complainant_phone)]
    # closes after 2 working days without an answer (Wed 13 → Fri 15 Oct 17:30)
    assert visit.close_at == local("2026-10-15 17:30")
    attempts = TicketEvent.objects.filter(ticket=ticket, action="return_visit_attempt")
    assert [e.actor.username for e in attempts] == ["coordinator"] * 3


def test_unanswered_survey_closes_the_ticket_after_the_pack_time(replied, users):
    ticket, visit = replied
    record_attempt(
        visit=visit,
        user=users["coordinator"],
        outcome="unreachable",
        note="空号",
        now=local("2026-10-13 11:00"),
    )
    assert run_sweep(local("2026-10-15 17:29")).visits_closed == 0
    report = run_sweep(local("2026-10-15 17:30"))
    assert report.visits_closed == 1
    ticket.refresh_from_db()
    visit.refresh_from_db()
    assert (ticket.status, ticket.stage, ticket.closing_code) == ("closed", "closed", "unreachable")
    assert visit.status == VisitStatus.CLOSED_UNREACHABLE
    close = TicketEvent.objects.get(ticket=ticket, action="close")
    assert (close.actor, close.actor_label) == (None, "系统(回访)")
    assert run_sweep(local("2026-10-16 10:00")).visits_closed == 0


def test_a_rating_on_the_portal_finishes_the_visit_before_the_close(replied, users):
    ticket, visit = replied
    record_attempt(
        visit=visit, user=users["coordinator"], outcome="unreachable", now=local("2026-10-13 11:00")
    )
    ticket_transition(
        ticket=ticket,
        action="return_visit",
        actor=None,
        system=True,
        actor_label="公众门户",
        params={"satisfaction": "satisfied"},
        now=local("2026-10-14 20:00"),
    )
    visit.refresh_from_db()
    assert (visit.status, visit.satisfaction, visit.done_by_label) == ("done", "satisfied", "公众门户")
    assert run_sweep(local("2026-10-16 10:00")).visits_closed == 0
    ticket.refresh_from_db()
    assert (ticket.stage, ticket.closing_code) == ("visited", "")


def test_only_who_may_visit_records_an_attempt(replied, users):
    ticket, visit = replied
    before = snapshot(ticket)
    with pytest.raises(Forbidden):
        record_attempt(visit=visit, user=users["handler"], outcome="no_answer")
    with pytest.raises(InvalidInput):
        record_attempt(visit=visit, user=users["coordinator"], outcome="hung_up")
    assert snapshot(ticket) == before
    assert visit.attempts.count() == 0


def test_no_attempt_on_a_finished_visit(replied, users):
    ticket, visit = replied
    act(ticket, "return_visit", users["coordinator"], "2026-10-13 11:00", satisfaction="satisfied")
    with pytest.raises(InvalidTransition):
        record_attempt(visit=visit, user=users["coordinator"], outcome="no_answer")


def test_ticket_moving_on_cancels_the_visit(replied, users):
    ticket, visit = replied
    act(ticket, "close", users["coordinator"], "2026-10-13 11:00", closing_code="handled")
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED
