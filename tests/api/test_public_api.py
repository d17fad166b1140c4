from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from hotline.tickets.models import Ticket
from tests.helpers import act

SUBMISSION = {
    "type": "report",
    "subject": "举报餐馆使用过期食材",
    "description": "后厨存放大量过期食材。",
    "anonymous": True,
}


def test_anonymous_report_gets_number_and_query_code_and_can_follow_progress(org):
    client = APIClient()
    created = client.post("/api/v1/public/submissions/", SUBMISSION, format="json")
    assert created.status_code == 201, created.json()
    number, code = created.json()["number"], created.json()["query_code"]
    assert set(created.json()) == {"number", "query_code"}
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == "web" and ticket.anonymous and ticket.confidential

    status = client.get(f"/api/v1/public/submissions/{number}/", {"code": code})
    assert status.status_code == 200
    body = status.json()
    assert body["number"] == number and body["closed"] is False
    assert [r["action"] for r in body["replies"]] == ["register"]
    for secret in ("complainant", "query_code", "handler", "unit", "description"):
        assert secret not in body


def test_only_public_replies_are_shown(org):
    client = APIClient()
    created = client.post(
        "/api/v1/public/submissions/",
        {**SUBMISSION, "type": "complaint", "anonymous": False, "phone": "13812345678"},
        format="json",
    ).json()
    ticket = Ticket.objects.get(number=created["number"])
    users = org.users
    ticket = (
        act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
        if _can(ticket, users["coordinator"], "dispatch")
        else _accept_then_dispatch(ticket, users)
    )
    act(ticket, "return", users["head"], reason="内部:不属于我单位,请转西山县")
    body = client.get(
        f"/api/v1/public/submissions/{created['number']}/", {"code": created["query_code"]}
    ).json()
    texts = " ".join(r["text"] for r in body["replies"])
    assert "内部" not in texts


def _can(ticket, user, action):
    from hotline.workflow.services import allowed_actions

    return action in allowed_actions(ticket, user)


def _accept_then_dispatch(ticket, users):
    ticket = act(ticket, "accept", users["coordinator"])
    return act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")


@pytest.mark.parametrize("code", ["000000x", "", "123456"])
def test_wrong_code_is_indistinguishable_from_a_missing_ticket(org, code):
    client = APIClient()
    created = client.post("/api/v1/public/submissions/", SUBMISSION, format="json").json()
    if code == created["query_code"]:
        code = "999999" if code != "999999" else "111111"
    wrong = client.get(f"/api/v1/public/submissions/{created['number']}/", {"code": code})
    missing = client.get("/api/v1/public/submissions/20990101000001/", {"code": created["query_code"]})
    assert wrong.status_code == missing.status_code == 404
    assert wrong.json()["detail"] == missing.json()["detail"]


def test_real_name_submission_needs_a_way_to_reach_the_person(org):
    response = APIClient().post(
        "/api/v1/public/submissions/", {**SUBMISSION, "anonymous": False}, format="json"
    )
    assert response.status_code == 400
    assert Ticket.objects.count() == 0


def test_public_submissions_are_rate_limited(org, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "public_submit": "2/hour",
        },
    }
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    try:
        client = APIClient()
        codes = [
            client.post("/api/v1/public/submissions/", SUBMISSION, format="json").status_code
            for _ in range(3)
        ]
        assert codes == [201, 201, 429]
        assert Ticket.objects.count() == 2
    finally:
        from rest_framework.settings import api_settings

        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
