"""The identity of a ticket as a viewer may see it (``workflow.identity``, ADR 0006): the one
rule the API, the workbench and (next) exports and reports read through."""

from __future__ import annotations

from hotline.tickets.models import Ticket
from hotline.workflow.identity import identity_for, identity_searchable
from hotline.workflow.services import ticket_unmask
from tests.factories import register

PERSON = {
    "complainant__name": "张三丰",
    "complainant__phone": "13812345678",
    "complainant__email": "zsf@example.com",
    "complainant__id_number": "110101199001011234",
    "complainant__address": "江州市东湖区东湖路1号",
    "complainant__customer_class": "VIP",
}


def _report(users):
    return register(users["agent"], type="report", policy="enterprise", **PERSON)


def test_a_plain_complaint_shows_identity_to_staff(users):
    ticket = register(users["agent"], type="complaint", policy="enterprise", **PERSON)
    identity = identity_for(ticket, users["coordinator"])
    assert identity.as_dict() == {
        "name": "张三丰",
        "phone": "+8613812345678",  # as stored; screens format it
        "email": "zsf@example.com",
        "id_number": "110101199001011234",
        "address": "江州市东湖区东湖路1号",
        "anonymous": False,
        "customer_class": "VIP",
        "masked": False,
    }
    assert identity.contact("+8613812345678") == "+8613812345678"


def test_a_confidential_ticket_is_masked_for_everyone_and_for_jobs(users):
    ticket = _report(users)
    for viewer in (users["agent"], users["coordinator"], users["leader"], None):
        identity = identity_for(ticket, viewer)
        assert identity.masked is True
        assert identity.fields() == {
            "name": "张**",
            "phone": "138****5678",
            "email": "z***@example.com",
            "id_number": "110***********1234",
            "address": "江州市****",
        }
        assert identity.customer_class == "VIP"  # not an identity field
        assert identity.contact("+8613812345678") == "138****5678"
        assert identity.contact("zsf@example.com") == "z***@example.com"
        assert identity.contact("") == ""


def test_only_the_viewers_own_unmask_of_this_ticket_shows_it(users):
    ticket = _report(users)
    other = _report(users)
    coordinator, leader = users["coordinator"], users["leader"]
    result = ticket_unmask(ticket=ticket, actor=coordinator, reason="核实举报线索")
    shown = identity_for(result.ticket, coordinator, unmask=result)
    assert shown.masked is False and shown.name == "张三丰" and shown.phone == "+8613812345678"
    # someone else's unmask, another ticket, no viewer: still masked
    assert identity_for(result.ticket, leader, unmask=result).masked is True
    assert identity_for(other, coordinator, unmask=result).masked is True
    assert identity_for(result.ticket, None, unmask=result).masked is True
    # and the next read, without the unmask, is masked again
    assert identity_for(Ticket.objects.get(pk=ticket.pk), coordinator).masked is True


def test_an_unmask_of_some_fields_shows_those_only(users):
    ticket = _report(users)
    coordinator = users["coordinator"]
    result = ticket_unmask(
        ticket=ticket, actor=coordinator, reason="按号码查找消息", via="admin", fields=["phone"]
    )
    identity = identity_for(result.ticket, coordinator, unmask=result)
    assert identity.hidden == {"name", "email", "id_number", "address"} and identity.masked is True
    assert identity.phone == "+8613812345678" and identity.name == "张**"
    assert identity.contact("+8613812345678") == "+8613812345678"
    assert identity.contact("zsf@example.com") == "z***@example.com"


def test_a_search_on_identity_never_finds_a_confidential_ticket(users):
    report = _report(users)
    complaint = register(users["agent"], type="complaint", policy="enterprise", **PERSON)
    found = Ticket.objects.filter(identity_searchable(), complainant_phone="+8613812345678")
    assert list(found) == [complaint]
    assert report.complainant_phone == complaint.complainant_phone
