"""The actions endpoint: conflicts are 409 problems, never 500; answers after losing sight."""

from __future__ import annotations

from rest_framework.test import APIClient

from hotline.tickets.models import Ticket
from tests.factories import register
from tests.helpers import act


def _post(client, number, **data):
    return client.post(f"/api/v1/tickets/{number}/actions/", data, format="json")


def test_an_action_in_the_wrong_stage_is_a_409_problem(users, api):
    ticket = register(users["agent"], policy="enterprise")
    client = api(users["coordinator"])
    assert _post(client, ticket.number, action="accept").status_code == 200
    again = _post(client, ticket.number, action="accept")
    assert again.status_code == 409
    body = again.json()
    assert again["Content-Type"].startswith("application/problem+json")
    assert (body["status"], body["code"], body["ticket_stage"]) == (409, "invalid_transition", "accepted")


def test_a_stale_version_is_a_409_problem(users, api):
    ticket = register(users["agent"], policy="enterprise")
    client = api(users["coordinator"])
    assert _post(client, ticket.number, action="accept", version=1).status_code == 200
    stale = _post(client, ticket.number, action="dispatch", unit="JZ-DH-SJ", version=1)
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")


def test_a_forbidden_role_gets_403_and_a_guard_gets_422(users, api):
    ticket = register(users["agent"], policy="enterprise")
    assert _post(api(users["leader"]), ticket.number, action="accept").status_code == 403
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    too_much = _post(api(users["head"]), ticket.number, action="request_extension", amount=99, reason="x")
    assert (too_much.status_code, too_much.json()["code"]) == (422, "extension_total_exceeded")


def test_return_answers_with_the_ticket_the_head_no_longer_sees(users, api):
    ticket = register(users["agent"], policy="enterprise")
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    client = api(users["head"])
    response = _post(client, ticket.number, action="return", reason="不属于本单位职责")
    assert response.status_code == 200, response.json()
    assert (response.json()["stage"], response.json()["unit"]) == ("returned", "JZ-C")
    assert client.get(f"/api/v1/tickets/{ticket.number}/").status_code == 404


def test_the_public_page_never_shows_internal_comments(users):
    created = (
        APIClient()
        .post(
            "/api/v1/public/submissions/",
            {"type": "complaint", "subject": "s", "description": "d", "phone": "13812345678"},
            format="json",
        )
        .json()
    )
    ticket = Ticket.objects.get(number=created["number"])
    act(ticket, "accept", users["coordinator"], comment="内部备注:此人多次投诉")
    body = (
        APIClient()
        .get(f"/api/v1/public/submissions/{created['number']}/", {"code": created["query_code"]})
        .json()
    )
    texts = [r["text"] for r in body["replies"]]
    assert "已受理" in texts
    assert not any("内部" in t for t in texts)


def test_detail_lists_attachments_and_links_and_only_creation_shows_the_query_code(users, api):
    earlier = register(users["agent"])
    client = api(users["agent"])
    created = client.post(
        "/api/v1/tickets/",
        {
            "type": "complaint",
            "channel": "phone",
            "subject": "再次投诉",
            "description": "同一问题",
            "complainant": {"name": "张三", "phone": "13812345678"},
            "links": [{"kind": "repeat_of", "number": earlier.number}],
        },
        format="json",
    ).json()
    assert len(created["query_code"]) == 6
    detail = client.get(f"/api/v1/tickets/{created['number']}/").json()
    assert [(link["kind"], link["number"], link["confirmed"]) for link in detail["links"]] == [
        ("repeat_of", earlier.number, True)
    ]
    assert detail["attachments"] == []
    assert "query_code" not in detail
