"""Bad input found by probing a running instance (issue 16.5): each is a 400 problem, never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from hotline.tickets.models import Ticket, TicketLink
from tests.factories import register

NEW = {
    "type": "complaint",
    "channel": "phone",
    "policy": "enterprise",
    "subject": "超市标价与结算价格不一致",
    "description": "货架标价59.9元,结账按69.9元收取。",
    "complainant": {"name": "张三", "phone": "13812345678"},
}


def _deep_json(depth: int) -> str:
    return '{"subject": ' + "[" * depth + "]" * depth + "}"


def _post_raw(client: APIClient, path: str, body: str):
    return client.generic("POST", path, body, content_type="application/json")


def _assert_problem(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["code"]
    return body


@pytest.mark.parametrize(
    "path",
    ["/api/v1/auth/token/", "/api/v1/public/submissions/"],
    ids=["token", "public-submission"],
)
def test_json_nested_a_thousand_deep_is_a_400_without_login(db, path):
    body = _assert_problem(_post_raw(APIClient(), path, _deep_json(1000)))
    assert body["code"] == "malformed"


def test_json_nested_a_thousand_deep_is_a_400_on_staff_endpoints(users, api):
    ticket = register(users["agent"], policy="enterprise")
    client = api(users["coordinator"])
    for path in (
        "/api/v1/tickets/",
        f"/api/v1/tickets/{ticket.number}/actions/",
        "/api/v1/calendar/deadline/",
    ):
        assert _assert_problem(_post_raw(client, path, _deep_json(1000)))["code"] == "malformed", path


def test_moderately_deep_json_is_refused_before_it_reaches_the_serializers(users, api):
    body = _assert_problem(_post_raw(api(users["agent"]), "/api/v1/tickets/", _deep_json(100)))
    assert body["code"] == "malformed" and "嵌套" in body["detail"]
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:00:00+08:00",
        "0001-01-01T00:00:00",
        "0001-01-01T07:59:00+00:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-08:00",
        "9999-12-31T23:59:59",
        "9999-12-31T20:00:00+00:00",
        "9999-12-31",
    ],
)
def test_a_received_time_in_year_1_or_9999_is_a_400(users, api, when):
    response = api(users["agent"]).post("/api/v1/tickets/", {**NEW, "received_at": when}, format="json")
    body = _assert_problem(response)
    assert "received_at" in body["errors"]
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59-08:00"]
)
def test_a_deadline_start_in_year_1_or_9999_is_a_400(users, api, when):
    response = api(users["agent"]).post(
        "/api/v1/calendar/deadline/", {"start": when, "amount": 1, "unit": "working_days"}, format="json"
    )
    _assert_problem(response)


def test_two_identical_links_on_create_are_stored_once(users, api):
    earlier = register(users["agent"], policy="enterprise")
    link = {"kind": "repeat_of", "number": earlier.number}
    response = api(users["agent"]).post(
        "/api/v1/tickets/", {**NEW, "links": [link, dict(link)]}, format="json"
    )
    assert response.status_code == 201, response.json()
    stored = TicketLink.objects.get(target=earlier)  # once
    assert response.json()["links"] == [{"id": stored.pk, **link, "confirmed": True}]  # a person's: confirmed
