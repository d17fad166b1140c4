"""A partner's signed push becomes one ticket on the channel ``transfer``, with the partner's
number and the upper level's limit; a repeated push of the same id is the same ticket."""

from __future__ import annotations

import json
from datetime import timedelta

from django.utils import timezone

from hotline.calendar.services import get_calendar
from hotline.exchange.models import DueSource, PartnerTicket
from hotline.exchange.services import Push, push_receive
from hotline.tickets.models import Ticket, TicketEvent
from tests.exchange.conftest import push_body
from tests.helpers import local


def test_a_signed_push_registers_a_transfer_ticket_with_the_partners_number(partner, push):
    response = push()
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(number=body["number"])
    assert (ticket.channel, ticket.source, ticket.policy) == ("transfer", "prov:SD-2026-000123", "enterprise")
    assert ticket.owner_unit.code == "JZ-C"
    assert ticket.subject == "零售户反映卷烟货源分配不公"
    register = TicketEvent.objects.get(ticket=ticket)
    assert (register.action, register.actor_label, register.actor_id) == ("register", "省客户投诉中心", None)
    link = PartnerTicket.objects.get(ticket=ticket)
    assert (link.partner_ticket_id, link.partner_number) == ("SD-2026-000123", "鲁烟投〔2026〕123号")
    assert body["duplicate"] is False
    assert body["upper_level"]["number"] == "鲁烟投〔2026〕123号"
    assert body["upper_level"]["answer_due_source"] == "pack"


def test_the_answer_back_limit_is_three_working_days_of_the_enterprise_pack(partner):
    # dispatched by the province the day before the National Day holiday (Oct 1–7, 2026):
    # the three working days are Sep 30, Oct 8 and Oct 9
    received = push_receive(
        partner=partner,
        push=Push(ticket_id="SD-1", dispatched_at=local("2026-09-29 09:00"), matter=_matter()),
        now=local("2026-09-29 09:02"),
    )
    link = received.link
    assert link.answer_due_at == local("2026-10-09 17:30")
    assert (link.answer_due_source, link.answer_limit, link.provisional) == ("pack", "3个工作日", False)
    assert link.dispatched_at == link.ticket.received_at == local("2026-09-29 09:00")


def test_over_http_the_limit_counts_working_days_from_dispatch(partner, push):
    dispatched = timezone.now() - timedelta(days=2)
    response = push(push_body(dispatched_at=dispatched.isoformat()))
    link = PartnerTicket.objects.get(ticket__number=response.json()["number"])
    assert link.dispatched_at == dispatched.replace(microsecond=dispatched.microsecond)
    cal = get_calendar()
    start, due = timezone.localdate(dispatched), timezone.localdate(link.answer_due_at)
    between = [start + timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert sum(cal.is_working_day(d) for d in between) == 3
    assert cal.is_working_day(due)
    assert timezone.localtime(link.answer_due_at).strftime("%H:%M") == "17:30"


def test_a_due_time_the_partner_sends_is_kept_as_its_limit(partner, push):
    due = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    response = push(push_body(due_at=due.isoformat()))
    assert response.status_code == 201, response.content
    link = PartnerTicket.objects.get(ticket__number=response.json()["number"])
    assert (link.answer_due_at, link.answer_due_source, link.answer_limit) == (due, DueSource.PARTNER, "")


def test_a_pack_without_an_upper_level_limit_leaves_it_unset(partner, push):
    partner.policy = "hotline-12345"
    partner.save()
    response = push()
    link = PartnerTicket.objects.get(ticket__number=response.json()["number"])
    assert (link.answer_due_at, link.answer_due_source) == (None, DueSource.NONE)


def test_the_same_ticket_id_again_is_the_same_ticket_and_writes_nothing(partner, push):
    first = push().json()
    # the partner retries later: a fresh signature, and even a changed body
    again = push(push_body(subject="重发:零售户反映货源分配"))
    assert again.status_code == 200, again.content
    assert again.json()["number"] == first["number"]
    assert again.json()["duplicate"] is True
    assert Ticket.objects.filter(channel="transfer").count() == 1
    assert TicketEvent.objects.filter(ticket__number=first["number"]).count() == 1
    assert Ticket.objects.get(number=first["number"]).subject == "零售户反映卷烟货源分配不公"


def test_an_exact_resend_inside_the_window_registers_nothing_new(partner, push):
    raw = json.dumps(push_body()).encode()
    stamp = str(int(timezone.now().timestamp()))
    first = push(raw=raw, stamp=stamp)
    second = push(raw=raw, stamp=stamp)
    assert (first.status_code, second.status_code) == (201, 200)
    assert Ticket.objects.filter(channel="transfer").count() == 1


def test_another_id_is_another_ticket(partner, push):
    a = push(push_body("SD-2026-000001")).json()["number"]
    b = push(push_body("SD-2026-000002")).json()["number"]
    assert a != b
    assert PartnerTicket.objects.count() == 2


def test_the_ticket_api_and_page_show_the_upper_levels_number_and_limit(partner, push, api, users, client):
    number = push().json()["number"]
    detail = api(users["coordinator"]).get(f"/api/v1/tickets/{number}/")
    assert detail.status_code == 200
    upper = detail.json()["upper_level"]
    assert (upper["partner"], upper["number"], upper["ticket_id"]) == (
        "prov",
        "鲁烟投〔2026〕123号",
        "SD-2026-000123",
    )
    link = PartnerTicket.objects.get(ticket__number=number)
    assert upper["answer_due_at"] == timezone.localtime(link.answer_due_at).isoformat()
    assert upper["overdue"] is False and upper["answered_at"] is None
    client.force_login(users["coordinator"])
    page = client.get(f"/tickets/{number}/").content.decode()
    assert 'id="upper-level-number"' in page and "鲁烟投〔2026〕123号" in page
    assert 'id="upper-level-due"' in page and "(3个工作日)" in page


def test_a_ticket_from_elsewhere_has_no_upper_level(users, api):
    from tests.factories import register

    ticket = register(users["agent"])
    assert api(users["coordinator"]).get(f"/api/v1/tickets/{ticket.number}/").json()["upper_level"] is None


def _matter() -> dict[str, object]:
    body = push_body()
    return {k: v for k, v in body.items() if k not in ("ticket_id", "number")}
