"""When the winner's action takes the ticket out of the loser's sight, the loser gets a
clear 409 page, not a server error."""

from __future__ import annotations

from hotline.tickets.models import Ticket
from tests.factories import register
from tests.helpers import act


def test_reassigned_away_while_replying(client, users, monkeypatch):
    ticket = register(users["agent"])
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    seen_version = ticket.version

    from hotline.web.views import ticket as view

    real = view.ticket_transition

    def head_wins_first(**kwargs):
        # the race: between the handler's page lookup and their action, the head takes it over
        act(Ticket.objects.get(pk=ticket.pk), "assign", users["head"], handler="head")
        return real(**kwargs)

    monkeypatch.setattr(view, "ticket_transition", head_wins_first)

    client.force_login(users["handler"])
    response = client.post(
        f"/tickets/{ticket.number}/act/reply/",
        {"result": "已处理完毕", "expected_version": seen_version},
    )
    assert response.status_code == 409
    assert "该工单已被他人处理" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).stage == "handling"
