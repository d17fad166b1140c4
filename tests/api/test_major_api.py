"""重大投诉 and 越级 in the API: the claimed amount and the upgrade source are taken at
registration and shown; upgraded and major tickets are filtered; ``POST …/major/`` raises a
running ticket by hand, for the pack's roles only, as problem details otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.notify.models import Message
from hotline.tickets.models import Ticket, TicketEvent
from tests.factories import register
from tests.helpers import act

NEW: dict[str, Any] = {
    "type": "complaint",
    "channel": "phone",
    "policy": "enterprise",
    "subject": "热水器漏电",
    "description": "热水器漏电,家人洗澡时受伤。",
    "demand": "赔偿医药费",
    "complainant": {"name": "张三", "phone": "13812345678"},
    "respondent": {"name": "某电器店"},
}


def test_a_complaint_with_media_exposure_and_a_large_claim_becomes_major_and_the_leader_is_told(users, api):
    body = {
        **NEW,
        "description": "再不赔偿就向媒体曝光",
        "claimed_amount": "50000.00",
        "upgraded_via": "media",
    }
    response = api(users["agent"]).post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["severity"], data["claimed_amount"], data["upgraded_via"]) == ("major", "50000.00", "media")
    history = api(users["coordinator"]).get(f"/api/v1/tickets/{data['number']}/history/").json()
    assert [e["action"] for e in history] == ["register", "mark_major"]
    mark = history[1]
    assert mark["actor"] == "系统"
    assert {r["rule"] for r in mark["payload"]["reasons"]} == {"upgraded_via", "amount", "word"}
    assert "索赔金额50000元,超过10000元" in mark["comment"] and "诉求内容含“媒体曝光”" in mark["comment"]
    assert Message.objects.filter(ticket__number=data["number"], kind="major", user=users["leader"]).exists()


def test_an_ordinary_complaint_is_registered_as_it_was_sent(users, api):
    body = {**NEW, "description": "热水器不出热水", "claimed_amount": 800}
    data = api(users["agent"]).post("/api/v1/tickets/", body, format="json").json()
    assert (data["severity"], data["claimed_amount"], data["upgraded_via"]) == ("normal", "800.00", "")
    assert not Message.objects.filter(kind="major").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("claimed_amount", "-1"),
        ("claimed_amount", "一万"),
        ("claimed_amount", "1.005"),
        ("claimed_amount", "1e20"),
        ("upgraded_via", "newspaper"),
    ],
)
def test_a_bad_amount_or_upgrade_is_a_problem_and_writes_nothing(users, api, field, value):
    response = api(users["agent"]).post("/api/v1/tickets/", {**NEW, field: value}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "invalid" and field in problem["errors"]
    assert not Ticket.objects.exists()


def test_upgraded_and_major_tickets_are_filtered(users, api):
    upgraded = register(users["agent"], upgraded_via="hotline_12345")
    by_letter = register(users["agent"], upgraded_via="leader")
    plain = register(users["agent"])
    client = api(users["coordinator"])

    def numbers(query: str) -> set[str]:
        response = client.get(f"/api/v1/tickets/?{query}")
        assert response.status_code == 200, response.json()
        return {t["number"] for t in response.json()["results"]}

    assert numbers("upgraded=true") == {upgraded.number, by_letter.number}
    assert numbers("upgraded=false") == {plain.number}
    assert numbers("upgraded_via=hotline_12345") == {upgraded.number}
    assert numbers("severity=major") == {upgraded.number, by_letter.number}  # enterprise: upgraded is major
    assert numbers("severity=normal") == {plain.number}
    listed = client.get("/api/v1/tickets/?upgraded=true").json()
    assert listed["count"] == 2 and {t["upgraded_via"] for t in listed["results"]} == {
        "hotline_12345",
        "leader",
    }
    bad = client.get("/api/v1/tickets/?upgraded_via=tv")
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")


def test_a_coordinator_raises_a_ticket_through_the_api(users, api):
    ticket = act(register(users["agent"]), "accept", users["agent"])
    response = api(users["coordinator"]).post(
        f"/api/v1/tickets/{ticket.number}/major/",
        {"reason": "诉求人已向12345反映", "upgraded_via": "hotline_12345", "version": ticket.version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["severity"], data["upgraded_via"]) == ("major", "hotline_12345")
    assert data["version"] == ticket.version + 1
    event = TicketEvent.objects.filter(ticket=ticket).order_by("-seq").first()
    assert event is not None and event.action == "mark_major" and event.actor == users["coordinator"]
    assert Message.objects.filter(ticket=ticket, kind="major", user=users["leader"]).count() == 1


def test_raising_by_hand_is_refused_as_problem_details(users, api):
    ticket = act(register(users["agent"]), "accept", users["agent"])
    url = f"/api/v1/tickets/{ticket.number}/major/"
    denied = api(users["agent"]).post(url, {"reason": "重大"}, format="json")
    assert denied.status_code == 403 and denied.json()["code"] == "role_not_allowed"
    unseen = api(users["head2"]).post(url, {"reason": "重大"}, format="json")
    assert unseen.status_code == 404
    no_reason = api(users["coordinator"]).post(url, {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    unknown = api(users["coordinator"]).post(url, {"reason": "重大", "level": "high"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_field"
    stale = api(users["coordinator"]).post(
        url, {"reason": "重大", "version": ticket.version - 1}, format="json"
    )
    assert stale.status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).severity == "normal"
    assert api(users["coordinator"]).post(url, {"reason": "重大"}, format="json").status_code == 200
    again = api(users["coordinator"]).post(url, {"reason": "重大"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "no_change"
    assert TicketEvent.objects.filter(ticket=ticket, action="mark_major").count() == 1
