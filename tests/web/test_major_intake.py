"""重大投诉 at the intake screen: the claimed amount and the upgrade source are typed with the
rest, the read-back already says the complaint will be major and why, and the saved ticket
shows both on its page."""

from __future__ import annotations

import re

import pytest

from hotline.notify.models import Message
from hotline.tickets.models import Ticket
from tests.web.test_intake_readback import block, form


@pytest.fixture
def agent(client, users):
    client.force_login(users["agent"])
    return client


def test_the_read_back_says_it_is_major_and_why_and_confirming_saves_it(agent, users):
    read = agent.post("/intake/", form(claimed_amount="30000", upgraded_via="regulator"))
    assert read.status_code == 200
    shown = block(read.content.decode())
    assert 'id="readback-claimed-amount">30000.00<' in shown
    assert 'id="readback-upgraded-via">监管部门/消协<' in shown
    assert "越级投诉(监管部门/消协);索赔金额30000元,超过10000元" in shown
    assert "重大" in shown
    assert not Ticket.objects.exists() and not Message.objects.exists()  # nothing saved yet
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', read.content.decode()))
    hidden.pop("csrfmiddlewaretoken", None)
    saved = agent.post("/intake/", {**hidden, "confirm": "1"})
    assert saved.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.severity, ticket.upgraded_via, str(ticket.claimed_amount)) == (
        "major",
        "regulator",
        "30000.00",
    )
    assert Message.objects.filter(ticket=ticket, kind="major", user=users["leader"]).exists()
    page = agent.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="ticket-upgraded-via"' in page and "越级投诉" in page and "监管部门/消协" in page
    assert 'id="ticket-claimed-amount">30000.00<' in page


def test_a_bad_amount_is_shown_next_to_the_field(agent):
    for value, message in (("一万", "索赔金额应为数字"), ("-5", "")):
        response = agent.post("/intake/", form(claimed_amount=value))
        assert response.status_code == 400
        html = response.content.decode()
        assert re.search(rf'data-error-for="claimed_amount">[^<]*{message}', html)
        assert 'id="readback"' not in html
    assert not Ticket.objects.exists()


def test_an_ordinary_complaint_reads_back_without_a_major_line(agent):
    shown = block(agent.post("/intake/", form()).content.decode())
    assert 'id="readback-major"' not in shown and 'id="readback-upgraded-via"' not in shown
