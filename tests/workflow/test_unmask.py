from __future__ import annotations

from hotline.tickets.models import TicketEvent
from tests.factories import register


def test_confidential_identity_is_masked_for_everyone_until_unmasked(users, api):
    ticket = register(
        users["agent"],
        type="report",
        policy="enterprise",
        complainant__name="张三丰",
        complainant__phone="13812345678",
    )
    for name in ("coordinator", "agent", "leader"):
        body = api(users[name]).get(f"/api/v1/tickets/{ticket.number}/").json()
        assert body["complainant"]["name"] == "张**"
        assert body["complainant"]["phone"] == "138****5678"
        assert body["complainant"]["masked"] is True
    listing = api(users["coordinator"]).get("/api/v1/tickets/").json()["results"]
    assert listing[0]["complainant"]["phone"] == "138****5678"


def test_unmask_with_a_reason_shows_identity_and_is_logged(users, api):
    ticket = register(
        users["agent"],
        type="report",
        policy="enterprise",
        complainant__name="张三丰",
        complainant__phone="13812345678",
    )
    client = api(users["coordinator"])
    assert "unmask" in client.get(f"/api/v1/tickets/{ticket.number}/").json()["allowed_actions"]
    response = client.post(
        f"/api/v1/tickets/{ticket.number}/actions/",
        {"action": "unmask", "reason": "需回访核实举报线索"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["complainant"]["name"] == "张三丰"
    assert response.json()["complainant"]["masked"] is False
    event = TicketEvent.objects.get(ticket=ticket, action="unmask")
    assert (event.actor, event.comment) == (users["coordinator"], "需回访核实举报线索")
    # the next read is masked again
    assert client.get(f"/api/v1/tickets/{ticket.number}/").json()["complainant"]["masked"] is True


def test_unmask_needs_a_reason_and_the_right(users, api):
    ticket = register(users["agent"], type="report", policy="enterprise")
    no_reason = api(users["coordinator"]).post(
        f"/api/v1/tickets/{ticket.number}/actions/", {"action": "unmask"}, format="json"
    )
    assert no_reason.status_code == 400
    # the agent who took the call is not in enterprise's identity_roles
    from hotline.policies.registry import get_pack

    if "agent" not in get_pack("enterprise").identity_roles:
        denied = api(users["agent"]).post(
            f"/api/v1/tickets/{ticket.number}/actions/",
            {"action": "unmask", "reason": "想看看"},
            format="json",
        )
        assert denied.status_code == 403
    assert not TicketEvent.objects.filter(ticket=ticket, action="unmask").exists()


def test_a_plain_complaint_shows_identity_to_staff(users, api):
    ticket = register(users["agent"], type="complaint", policy="enterprise", complainant__name="李四")
    body = api(users["coordinator"]).get(f"/api/v1/tickets/{ticket.number}/").json()
    assert body["complainant"]["name"] == "李四" and body["complainant"]["masked"] is False
