"""While the agent types, the intake screen shows the caller's earlier ticket alike the
draft (重复投诉提示); 关联 keeps it in the form, and the registration links it (confirmed,
as a person chose it), so detection does not flag it again."""

from __future__ import annotations

from django.test import Client

from hotline.tickets.models import LinkKind, Ticket, TicketLink
from tests.similar.conftest import SHOP, milk

DRAFT = {
    "complainant.phone": "138 1111 5555",
    "subject": "再次投诉华联超市",
    "description": "华联超市卖过期牛奶的事情还没有处理,超市还在卖过期食品。",
    "respondent.name": SHOP,
    "unit": "JZ-C",
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_typing_shows_the_earlier_ticket_and_linking_registers_a_confirmed_repeat(
    users, registered, django_capture_on_commit_callbacks
):
    first = registered(users["agent"], **milk(phone="13811115555"))
    agent = _client(users["agent"])
    page = agent.get("/intake/")
    assert 'id="similar-panel"' in page.content.decode()
    panel = agent.post("/intake/similar/", DRAFT, HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    html = panel.content.decode()
    assert first.number in html and 'accesskey="l"' in html
    chosen = agent.post("/intake/similar/", {**DRAFT, "choose": first.number}, HTTP_HX_REQUEST="true")
    assert f'name="repeat_of" value="{first.number}" form="intake-form"' in chosen.content.decode()
    form = {
        **DRAFT,
        "type": "complaint",
        "severity": "normal",
        "channel": "phone",
        "complainant.name": "张三",
        "repeat_of": first.number,
    }
    readback = agent.post("/intake/", form)
    assert readback.status_code == 200 and 'id="readback-repeat-of"' in readback.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        saved = agent.post("/intake/", {**form, "confirm": "1"})
    assert saved.status_code == 302
    ticket = Ticket.objects.exclude(pk=first.pk).get()
    link = TicketLink.objects.get(ticket=ticket, kind=LinkKind.REPEAT_OF)
    assert link.target_id == first.pk and link.confirmed
    assert not ticket.events.filter(action="flag_repeat").exists()


def test_nothing_for_another_caller_and_no_panel_for_other_roles(users, registered):
    registered(users["agent"], **milk(phone="13811116666"))
    other = _client(users["agent"]).post("/intake/similar/", {**DRAFT, "complainant.phone": "13911116666"})
    assert other.status_code == 200 and 'id="similar-none"' in other.content.decode()
    denied = _client(users["handler"]).post("/intake/similar/", DRAFT)
    assert denied.status_code == 403
    bad = _client(users["agent"]).post("/intake/similar/", {**DRAFT, "complainant.phone": "12x"})
    assert bad.status_code == 200  # an unreadable number is no caller yet, not an error
