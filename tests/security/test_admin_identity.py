"""Issue 16, defect 1: the admin's outbox showed confidential reporters' phone and e-mail.

In the list, on the detail page (whose body also held the query code) and through the
admin's search, to an administrator the pack does not allow to unmask. Now the admin masks
as every other screen does; a search by phone or e-mail finds a confidential ticket's
messages only for a role allowed to unmask it, and each such find is an ``unmask`` event
in that ticket's history (``{"via": "admin"}``).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from hotline.demo.seed import seed_org
from hotline.notify.models import Message
from hotline.tickets.models import TicketEvent
from tests.conftest import PASSWORD
from tests.factories import PersonFactory, register

PHONE, PHONE_NATIONAL, EMAIL = "+8613912345678", "13912345678", "whistle.blower@example.com"
NAME = "钱多多"


def _report(agent, *, confidential: bool = True, phone: str = PHONE_NATIONAL, email: str = EMAIL):
    person = PersonFactory(name=NAME, phone=phone, email=email)
    # a report (举报) is confidential by the pack; a complaint only when asked
    kind = "report" if confidential else "complaint"
    return register(agent, type=kind, complainant=person, confidential=confidential)


def _admin(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(client: Client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _leaks(html: str, ticket) -> list[str]:
    found = [v for v in (PHONE, PHONE_NATIONAL, EMAIL, NAME, "whistle.blower") if v in html]
    if re.search(rf"(?<!\d){ticket.query_code}(?!\d)", html):
        found.append("query code")
    return found


@pytest.fixture
def org_12345(db):
    """The 12345 pack: only the coordinator and the leader may unmask — not the administrator."""
    return seed_org(password=PASSWORD, policy="hotline-12345")


def test_the_outbox_list_and_detail_mask_a_confidential_reporter(org_12345):
    users = org_12345.users
    ticket = _report(users["agent"])
    rows = list(Message.objects.filter(ticket=ticket))
    assert {m.channel for m in rows} == {"sms", "email"}  # the receipt, by SMS and e-mail
    client = _admin(users["admin"])

    listing = _page(client, reverse("admin:notify_message_changelist"))
    assert _leaks(listing, ticket) == []
    assert "139****5678" in listing and "w***@example.com" in listing
    for row in rows:
        detail = _page(client, reverse("admin:notify_message_change", args=[row.pk]))
        assert _leaks(detail, ticket) == [], row.channel
        assert ticket.number in detail  # what staff need is still there


@pytest.mark.parametrize("term", [PHONE_NATIONAL, PHONE, "139 1234 5678", EMAIL, "whistle.blower", "5678"])
def test_an_administrator_who_may_not_unmask_finds_nothing_by_identity(org_12345, term):
    users = org_12345.users
    ticket = _report(users["agent"])
    client = _admin(users["admin"])

    response = client.get(reverse("admin:notify_message_changelist"), {"q": term})

    assert list(response.context["cl"].result_list) == []
    assert not TicketEvent.objects.filter(ticket=ticket, action="unmask").exists()


def test_a_search_by_number_still_works_and_stays_masked(org_12345):
    users = org_12345.users
    ticket = _report(users["agent"])
    client = _admin(users["admin"])

    response = client.get(reverse("admin:notify_message_changelist"), {"q": ticket.number})

    assert len(response.context["cl"].result_list) == 2
    assert _leaks(response.content.decode(), ticket) == []


def test_a_role_allowed_to_unmask_finds_by_identity_and_it_is_logged(org):
    """The enterprise pack lets the administrator unmask (identity_roles: …, admin)."""
    users = org.users
    ticket = _report(users["agent"])
    client = _admin(users["admin"])

    response = client.get(reverse("admin:notify_message_changelist"), {"q": "139-1234-5678"})

    found = list(response.context["cl"].result_list)
    assert [m.channel for m in found] == ["sms"]
    assert _leaks(response.content.decode(), ticket) == []  # found, and still shown masked
    event = TicketEvent.objects.get(ticket=ticket, action="unmask")
    assert event.actor == users["admin"] and event.payload["via"] == "admin"
    assert event.payload["fields"] == ["phone"] and event.comment


def test_messages_of_an_open_ticket_are_found_by_address_without_an_unmask(org_12345):
    users = org_12345.users
    ticket = _report(users["agent"], confidential=False, phone="13800001111", email="open@example.com")
    ticket.refresh_from_db()
    assert not ticket.confidential
    client = _admin(users["admin"])

    response = client.get(reverse("admin:notify_message_changelist"), {"q": "open@example.com"})

    assert [m.channel for m in response.context["cl"].result_list] == ["email"]
    assert not TicketEvent.objects.filter(ticket=ticket, action="unmask").exists()


def test_the_ticket_admin_shows_no_identity_and_no_query_code(org_12345):
    users = org_12345.users
    ticket = _report(users["agent"])
    client = _admin(users["admin"])

    listing = _page(client, reverse("admin:tickets_ticket_changelist"))
    detail = _page(client, reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    searched = client.get(reverse("admin:tickets_ticket_changelist"), {"q": PHONE_NATIONAL})

    assert _leaks(listing, ticket) == [] and _leaks(detail, ticket) == []
    assert ticket.number in detail
    assert list(searched.context["cl"].result_list) == []
