"""The routing answer and the keypad survey as call events (issue 13 items 3–4), and the
call measures of ``telephony.stats`` over a known call log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.callers.services import blocklist_decide, blocklist_request
from hotline.telephony import services, stats
from hotline.telephony.models import Call, CallEvent, CallOutcome
from hotline.telephony.services import Incoming
from hotline.tickets.models import TicketEvent
from hotline.workflow.kinds import EventKind
from tests.factories import register

pytestmark = pytest.mark.django_db


def ev(kind: str, call_id: str = "c1", at: Any = None, **kw: Any) -> Incoming:
    return Incoming(source="agi", kind=kind, call_id=call_id, at=at, **kw)


def test_a_route_event_records_flow_priority_and_queue_and_the_caller() -> None:
    applied = services.apply_event(
        ev("route", from_number="13812345678", to_number="12345", flow="working", priority=5, queue="q1")
    )
    call = applied.call
    assert applied.action == "" and call is not None
    assert (call.flow, call.priority, call.queue, call.caller) == ("working", 5, "q1", "+8613812345678")
    # the same answer again (the PBX retried the AGI) is one event
    again = services.apply_event(
        ev("route", from_number="13812345678", to_number="12345", flow="working", priority=5, queue="q1")
    )
    assert again.duplicate and CallEvent.objects.filter(kind="route").count() == 1


def test_a_blocked_caller_is_rejected_at_the_route(users: dict[str, Any]) -> None:
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])
    applied = services.apply_event(ev("route", from_number="13812345678", to_number="12345", flow="working"))
    assert applied.action == "reject"
    assert applied.call is not None and applied.call.outcome == CallOutcome.BLOCKED


def test_a_keypad_survey_lands_on_the_call_and_on_each_of_its_tickets(users: dict[str, Any]) -> None:
    t0 = timezone.now()
    services.apply_event(ev("newCall", at=t0, from_number="13812345678", to_number="12345"))
    services.apply_event(ev("answer", at=t0 + timedelta(seconds=4)))
    call = Call.objects.get(call_id="c1")
    first, second = register(users["agent"]), register(users["agent"])
    for ticket in (first, second):
        services.link_ticket(call=call, ticket=ticket, relation="registered", by=users["agent"])
    services.apply_event(ev("hangup", at=t0 + timedelta(seconds=60), cause="normal"))

    services.apply_event(ev("survey", at=t0 + timedelta(seconds=70), digits="2"))
    call.refresh_from_db()
    assert call.survey_score == 2 and call.survey_at == t0 + timedelta(seconds=70)
    for ticket in (first, second):
        event = TicketEvent.objects.get(ticket=ticket, action=EventKind.KEYPAD_SURVEY)
        assert event.payload == {"call": call.pk, "call_id": "c1", "digit": 2, "satisfaction": "satisfied"}
        assert event.comment == "满意"

    # a second answer on the same call is kept, not applied; a key outside 1–4 likewise
    services.apply_event(ev("survey", digits="4"))
    services.apply_event(ev("survey", call_id="c1", digits="9", dedupe="other"))
    call.refresh_from_db()
    assert call.survey_score == 2
    kept = CallEvent.objects.filter(ref="c1", kind="survey").order_by("pk")
    assert [(e.applied, e.note) for e in kept] == [
        (True, ""),
        (False, "survey already answered"),
        (False, "not a survey key"),
    ]
    assert TicketEvent.objects.filter(action=EventKind.KEYPAD_SURVEY).count() == 2


def _call(call_id: str, **kw: Any) -> Call:
    base = {"started_at": timezone.now(), "direction": "in"}
    return Call.objects.create(call_id=call_id, **{**base, **kw})


def test_the_measures_over_a_known_call_log() -> None:
    now = timezone.now()
    answered = {"status": "ended", "outcome": "answered", "answered_at": now, "wrapup_seconds": 30}
    _call("a1", **answered, wait_seconds=5, talk_seconds=100)
    _call("a2", **answered, wait_seconds=15, talk_seconds=200)
    _call("a3", **answered, wait_seconds=40, talk_seconds=300, survey_score=4)
    _call("a4", status="answered", answered_at=now, wait_seconds=3)  # still talking
    _call("l1", status="ended", outcome="abandoned", wait_seconds=20)
    _call("l2", status="ended", outcome="missed", wait_seconds=30, survey_score=None)
    _call("w1", status="ringing")
    _call("b1", status="ended", outcome="blocked")
    _call("o1", direction="out", status="ended", outcome="answered", answered_at=now, talk_seconds=50)
    _call("o2", direction="out", status="ended", outcome="failed")
    Call.objects.filter(call_id="a1").update(survey_score=1)

    f = stats.figures(Call.objects.all())
    assert (f.offered, f.answered, f.abandoned, f.missed, f.lost, f.waiting) == (7, 4, 1, 1, 2, 1)
    assert (f.blocked, f.outbound, f.outbound_connected) == (1, 2, 1)
    # within 15 s: a1, a2, a4 of 4 answered + 2 lost
    assert f.within_service == 3 and f.service_level == 0.5 and f.answer_rate == round(4 / 6, 4)
    assert f.wait_avg == round((5 + 15 + 40 + 3) / 4, 1)
    assert f.talk_avg == 200.0 and f.talk_total == 600 and f.handle_avg == 230.0
    assert (f.surveyed, f.survey_1, f.survey_4, f.satisfied_rate) == (2, 1, 1, 0.5)
    grouped = dict(
        (row["direction"], fig.answered) for row, fig in stats.figures_by(Call.objects.all(), "direction")
    )
    assert grouped == {"in": 4, "out": 0}
