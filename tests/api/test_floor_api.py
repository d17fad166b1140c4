"""The floor in the API (issue 13): the wallboard's snapshot for team leaders, a team
leader's actions as problem details with stable codes, the agent's 转满意度评价."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.telephony import agents
from hotline.telephony.calls import Incoming, apply_event
from hotline.telephony.models import Agent, AgentState, Call, SupervisorAction
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(users: dict[str, Any], settings: Any) -> Agent:
    # a PBX named (the commands go out on commit, which a test's transaction never reaches)
    settings.HOTLINE_AMI_HOST = "127.0.0.1"
    Agent.objects.create(user=users["agent"], staff_no="1001")
    return agents.agent_sign_in(user=users["agent"], staff_no="1001", extension="8001", password=PASSWORD)


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:400]
    assert response["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


def live_call(call_id: str = "api-1") -> Call:
    apply_event(
        Incoming(
            source="ami",
            kind="newCall",
            call_id=call_id,
            from_number="13812345678",
            channel="PJSIP/trunk-00000001",
        )
    )
    apply_event(
        Incoming(
            source="ami", kind="answer", call_id=call_id, extension="8001", peer_channel="PJSIP/8001-00000002"
        )
    )
    return Call.objects.get(call_id=call_id)


def test_the_wallboard_is_for_team_leaders(api: Any, users: dict[str, Any], agent: Agent) -> None:
    live_call()
    body = api(users["teamlead"]).get("/api/v1/floor/wallboard/").json()
    assert body["today"]["offered"] == 1 and body["today"]["answered"] == 1
    assert body["states"]["busy"] == 1 and body["waiting"] == 0
    assert [a["staff_no"] for a in body["agents"]] == ["1001"] and body["agents"][0]["call"] is not None
    assert {"service_level", "answer_rate", "wait_avg", "handle_avg"} <= set(body["hour"])
    problem(api(users["agent"]).get("/api/v1/floor/wallboard/"), 403, "floor_forbidden")


def test_a_team_leader_forces_an_agent_busy(api: Any, users: dict[str, Any], agent: Agent) -> None:
    response = api(users["teamlead"]).post(
        f"/api/v1/floor/agents/{agent.pk}/actions/", {"kind": "busy", "note": "培训"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["kind_label"], body["staff_no"], body["leader"], body["note"]) == (
        "busy",
        "强制示忙",
        "1001",
        "teamlead",
        "培训",
    )
    assert body["sent"] == {
        "actions": [
            {"Action": "QueuePause", "Interface": "PJSIP/8001", "Paused": "true", "Reason": "班长强制"}
        ]
    }
    agent.refresh_from_db()
    assert agent.state == AgentState.BREAK
    again = api(users["teamlead"]).post(
        f"/api/v1/floor/agents/{agent.pk}/actions/", {"kind": "busy"}, format="json"
    )
    problem(again, 409, "no_change")
    assert SupervisorAction.objects.count() == 1


def test_refusals_are_problems_with_stable_codes(api: Any, users: dict[str, Any], agent: Agent) -> None:
    lead = api(users["teamlead"])
    url = f"/api/v1/floor/agents/{agent.pk}/actions/"
    missing = problem(
        lead.post("/api/v1/floor/agents/999999/actions/", {"kind": "busy"}, format="json"),
        404,
        "agent_not_found",
    )
    forbidden = problem(
        api(users["agent"]).post(url, {"kind": "busy"}, format="json"), 404, "agent_not_found"
    )
    assert missing["detail"] == forbidden["detail"]  # one answer for missing and not allowed
    problem(lead.post(url, {"kind": "barge"}, format="json"), 409, "agent_no_live_call")
    problem(lead.post(url, {"kind": "explode"}, format="json"), 400, "invalid")
    problem(lead.post(url, {"kind": "busy", "reason": "x"}, format="json"), 400, "unknown_field")
    problem(lead.post(url, {"kind": "busy", "note": "长" * 201}, format="json"), 400, "invalid")
    live_call()
    problem(lead.post(url, {"kind": "busy"}, format="json"), 409, "agent_on_call")
    problem(lead.post(url, {"kind": "monitor"}, format="json"), 409, "leader_not_signed_in")
    assert not SupervisorAction.objects.exists()
    Agent.objects.create(user=users["teamlead"], staff_no="9001")
    agents.agent_sign_in(user=users["teamlead"], staff_no="9001", extension="8101", password=PASSWORD)
    own = Agent.objects.get(user=users["teamlead"]).pk
    problem(
        lead.post(f"/api/v1/floor/agents/{own}/actions/", {"kind": "busy"}, format="json"),
        400,
        "supervisor_self",
    )
    barge = lead.post(url, {"kind": "barge"}, format="json")
    assert barge.status_code == 201 and barge.json()["sent"]["actions"][0]["Data"] == "PJSIP/8001-,qB"


def test_the_agent_offers_the_survey_once(api: Any, users: dict[str, Any], agent: Agent) -> None:
    call = live_call()
    url = f"/api/v1/calls/{call.pk}/survey/"
    problem(api(users["teamlead"]).post(url), 404, "call_not_found")  # not the team leader's call
    problem(api(users["agent"]).post("/api/v1/calls/999999/survey/"), 404, "call_not_found")
    response = api(users["agent"]).post(url)
    assert response.status_code == 200 and response.json()["call"] == call.pk
    assert response.json()["survey_offered_at"]
    problem(api(users["agent"]).post(url), 409, "survey_already_offered")
