"""``/api/v1/rectifications/``: the journey, scoping and the problem codes."""

from __future__ import annotations

import pytest

from hotline.rectification.models import Notice, NoticeStep
from tests.factories import register

URL = "/api/v1/rectifications/"
BODY = {
    "unit": "JZ-DH-SJ",
    "subject": "窗口服务态度问题整改",
    "problem": "多次被投诉态度生硬。",
    "requirement": "组织培训并报送整改报告。",
    "days": 3,
}


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    return response.json()


def test_the_journey_through_the_api(org, api):
    users = org.users
    ticket = register(users["agent"], policy="enterprise")
    coordinator, head = api(users["coordinator"]), api(users["head"])

    created = coordinator.post(URL, {**BODY, "ticket": ticket.number}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    number = body["number"]
    assert body["status"] == "issued" and body["ticket"] == ticket.number and body["actions"] == ["withdraw"]
    assert head.get(f"{URL}{number}/").json()["actions"] == ["report"]

    r = head.post(f"{URL}{number}/report/", {"text": "已组织培训。", "version": 1}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "reported"
    r = coordinator.post(f"{URL}{number}/send_back/", {"reason": "缺制度", "version": 2}, format="json")
    assert r.json()["status"] == "sent_back"
    r = head.post(f"{URL}{number}/report/", {"text": "已印发制度。"}, format="json")
    r = coordinator.post(f"{URL}{number}/verify/", {"comment": "到位", "version": 4}, format="json")
    assert r.status_code == 200
    detail = r.json()
    assert detail["status"] == "verified" and detail["version"] == 5
    assert [s["action"] for s in detail["steps"]] == ["issue", "report", "send_back", "report", "verify"]
    assert [rep["seq"] for rep in detail["reports"]] == [1, 2]

    listed = head.get(URL, {"status": "verified"}).json()
    assert [n["number"] for n in listed["results"]] == [number]
    assert api(users["head2"]).get(URL).json()["results"] == []


def test_problem_codes(org, api):
    users = org.users
    coordinator, head = api(users["coordinator"]), api(users["head"])
    number = coordinator.post(URL, BODY, format="json").json()["number"]

    _problem(api(users["head2"]).get(f"{URL}{number}/"), 404, "rectification_not_found")
    _problem(head.get(f"{URL}ZG2025-9999/"), 404, "rectification_not_found")
    _problem(head.post(URL, BODY, format="json"), 403, "rectification_forbidden")
    _problem(head.post(f"{URL}{number}/verify/", {}, format="json"), 403, "rectification_forbidden")
    _problem(head.post(f"{URL}{number}/report/", {"text": " "}, format="json"), 400, "report_required")
    _problem(coordinator.post(URL, {**BODY, "unit": "NOPE"}, format="json"), 400, "invalid_unit")
    _problem(coordinator.post(URL, {**BODY, "subject": ""}, format="json"), 400, "subject_required")
    _problem(coordinator.post(URL, {**BODY, "colour": "red"}, format="json"), 400, "unknown_field")
    _problem(
        coordinator.post(URL, {**BODY, "ticket": "20990101000001"}, format="json"), 404, "ticket_not_found"
    )
    _problem(coordinator.post(f"{URL}{number}/verify/", {}, format="json"), 409, "rectification_wrong_status")
    head.post(f"{URL}{number}/report/", {"text": "已整改。"}, format="json")
    _problem(head.post(f"{URL}{number}/report/", {"text": "已整改。"}, format="json"), 409, "no_change")
    stale = _problem(
        coordinator.post(f"{URL}{number}/verify/", {"version": 1}, format="json"), 409, "stale_version"
    )
    assert stale["current_version"] == 2
    _problem(
        coordinator.post(f"{URL}{number}/send_back/", {"reason": ""}, format="json"), 400, "reason_required"
    )
    assert Notice.objects.get(number=number).status == "reported"
    assert NoticeStep.objects.filter(notice__number=number).count() == 2


def test_outside_the_jurisdiction(org, api):
    from hotline.org.models import Membership, Role, Unit
    from tests.factories import UserFactory

    city = Unit.objects.create(code="X", name="外市", kind="city")
    centre = Unit.objects.create(code="X-C", name="外市热线中心", kind="centre", parent=city)
    outsider = UserFactory(username="outsider")
    Membership.objects.create(user=outsider, unit=centre, role=Role.COORDINATOR)
    _problem(api(outsider).post(URL, BODY, format="json"), 400, "unit_out_of_scope")


@pytest.mark.parametrize("query", [{"status": "nope"}, {"overdue": "maybe"}])
def test_bad_filters_are_400(org, api, query):
    _problem(api(org.users["coordinator"]).get(URL, query), 400, "invalid")


def test_anonymous_is_401(db, api):
    _problem(api().get(URL), 401, "not_authenticated")
