"""An action that changes nothing writes nothing and says so (督办 repeated 50 times)."""

from __future__ import annotations

import pytest

from hotline.core.errors import NoChange
from hotline.notify.models import Message
from hotline.tickets.models import TicketEvent
from tests.factories import register
from tests.helpers import act, snapshot


def _handling(users):
    ticket = register(users["agent"], policy="enterprise")
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"])
    return act(ticket, "assign", users["head"], handler="handler")


def test_supervising_a_supervised_ticket_writes_nothing(users, api):
    ticket = act(_handling(users), "supervise", users["coordinator"])
    events, messages = TicketEvent.objects.count(), Message.objects.count()
    before = snapshot(ticket)
    for _ in range(50):
        with pytest.raises(NoChange) as again:
            act(ticket, "supervise", users["coordinator"])
    assert again.value.code == "no_change"
    assert (TicketEvent.objects.count(), Message.objects.count()) == (events, messages)
    assert snapshot(ticket) == before

    answer = api(users["coordinator"]).post(
        f"/api/v1/tickets/{ticket.number}/actions/", {"action": "supervise"}, format="json"
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "no_change"


def test_assigning_the_handler_the_ticket_has_writes_nothing(users):
    ticket = _handling(users)
    before = snapshot(ticket)
    with pytest.raises(NoChange):
        act(ticket, "assign", users["head"], handler="handler")
    assert snapshot(ticket) == before


def test_a_real_change_of_the_same_action_is_recorded(users):
    ticket = _handling(users)
    ticket = act(ticket, "supervise", users["coordinator"], comment="请加快办理")
    assert ticket.supervised is True
    assert TicketEvent.objects.filter(ticket=ticket, action="supervise").count() == 1
