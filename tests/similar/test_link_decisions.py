"""A suggested repeat is confirmed or dismissed on the ticket page (or the API) by intake
and coordinator roles, in the history; a confirmed repeat counts in the repeat rate; a
handler's refusal and a missing link change nothing."""

from __future__ import annotations

from django.test import Client

from hotline.reports.models import Fact
from hotline.tickets.models import LinkKind, Ticket, TicketLink
from tests.similar.conftest import milk

AGAIN = {
    "subject": "再次投诉华联超市",
    "description": "华联超市卖过期牛奶的事情还没有处理,超市还在卖过期食品。",
}


def _pair(users, registered, phone="13811112222") -> tuple[Ticket, Ticket, TicketLink]:
    first = registered(users["agent"], **milk(phone=phone))
    second = registered(users["agent"], **milk(phone=phone, **AGAIN))
    return first, second, TicketLink.objects.get(ticket=second, kind=LinkKind.REPEAT_OF)


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _repeat_fact(ticket: Ticket) -> bool:
    return Fact.objects.filter(ticket_id=ticket.pk, kind="repeat").exists()


def test_the_ticket_page_offers_confirm_and_a_confirmed_repeat_counts(users, registered):
    _first, second, link = _pair(users, registered)
    page = _page(users["agent"]).get(f"/tickets/{second.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "待确认" in html and f'id="link-{link.pk}-confirm"' in html
    assert not _repeat_fact(second)  # a suggestion is not a repeat yet
    response = _page(users["agent"]).post(f"/tickets/{second.number}/links/{link.pk}/confirm/")
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.confirmed
    event = second.events.get(action="confirm_link")
    assert event.actor == users["agent"] and event.payload["link"] == link.pk
    assert _repeat_fact(second)  # the rollup counts it (reports.facts), on its receipt day
    again = _page(users["agent"]).post(f"/tickets/{second.number}/links/{link.pk}/confirm/")
    assert again.status_code == 302 and second.events.filter(action="confirm_link").count() == 1


def test_dismiss_removes_the_link_and_keeps_the_history(users, registered, api):
    first, second, link = _pair(users, registered, phone="13811113333")
    response = api(users["coordinator"]).post(f"/api/v1/tickets/{second.number}/links/{link.pk}/dismiss/")
    assert response.status_code == 200, response.json()
    assert response.json() == {"number": second.number, "link": link.pk, "decision": "dismiss"}
    assert not TicketLink.objects.filter(pk=link.pk).exists()
    event = second.events.get(action="dismiss_link")
    assert event.payload == {"link": link.pk, "kind": "repeat_of", "number": first.number}
    assert not _repeat_fact(second)


def test_a_handler_may_not_decide_and_nothing_changes(users, registered, api):
    _first, second, link = _pair(users, registered, phone="13811114444")
    events = second.events.count()
    # the handler does not see the ticket at all: the same 404 as for a missing one
    denied = api(users["handler"]).post(f"/api/v1/tickets/{second.number}/links/{link.pk}/confirm/")
    missing = api(users["handler"]).post(f"/api/v1/tickets/99999999999999/links/{link.pk}/confirm/")
    assert denied.status_code == missing.status_code == 404
    assert denied.json()["code"] == missing.json()["code"] == "ticket_not_found"
    # the leader sees it but holds no intake role: 403, as the page says
    leader = api(users["leader"]).post(f"/api/v1/tickets/{second.number}/links/{link.pk}/confirm/")
    assert leader.status_code == 403 and leader.json()["code"] == "link_forbidden"
    assert leader.headers["Content-Type"] == "application/problem+json"
    nope = api(users["agent"]).post(f"/api/v1/tickets/{second.number}/links/{link.pk + 999}/confirm/")
    assert nope.status_code == 404 and nope.json()["code"] == "link_not_found"
    page = _page(users["handler"]).post(f"/tickets/{second.number}/links/{link.pk}/dismiss/")
    assert page.status_code == 404
    link.refresh_from_db()
    assert not link.confirmed and second.events.count() == events
