"""The call log in the API (``/api/v1/calls/``): scoped, filtered, numbers masked where a
linked ticket is confidential, recordings as a flag and the web view's path."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.telephony import services
from hotline.telephony.models import Agent, Call, CallTicket
from hotline.telephony.services import Incoming
from tests.conftest import PASSWORD
from tests.factories import register

URL = "/api/v1/calls/"


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def _results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content[:500]
    found: list[dict[str, Any]] = response.json()["results"]
    return found


def _ids(response: Any) -> list[str]:
    return [c["call_id"] for c in _results(response)]


@pytest.fixture
def agents(users: dict[str, Any]) -> dict[str, Agent]:
    """Two agents signed in: ``agent`` at 8001, ``teamlead`` (also a supervisor) at 8002."""
    signed = {}
    for name, staff_no, extension in (("agent", "1001", "8001"), ("teamlead", "1002", "8002")):
        Agent.objects.create(user=users[name], staff_no=staff_no)
        signed[name] = services.agent_sign_in(
            user=users[name], staff_no=staff_no, extension=extension, password=PASSWORD
        )
    return signed


def call(
    call_id: str,
    *,
    extension: str = "8001",
    caller: str = "13812345678",
    answered: bool = True,
    direction: str = "in",
    queue: str = "hotline",
    at: Any = None,
) -> Call:
    """A whole call through the one core (``apply_event``), as a PBX would send it."""
    t0 = at or timezone.now() - timedelta(minutes=10)
    numbers = {"from_number": caller, "to_number": "12345"}
    if direction == "out":
        numbers = {"from_number": extension, "to_number": caller}

    def ev(kind: str, seconds: int, **kw: Any) -> None:
        services.apply_event(
            Incoming(
                source="http",
                kind=kind,
                call_id=call_id,
                at=t0 + timedelta(seconds=seconds),
                direction=direction,
                queue=queue,
                **numbers,
                **kw,
            )
        )

    ev("newCall", 0, extension=extension)
    if answered:
        ev("answer", 8, extension=extension)
    ev("hangup", 68, cause="normalClearing" if answered else "noAnswer")
    return Call.objects.get(call_id=call_id)


# ---------------------------------------------------------------------------------------
# scope


def test_an_agent_sees_their_own_calls_a_team_leader_all(users, api, agents):
    mine = call("mine", extension="8001")
    call("theirs", extension="8002")
    assert _ids(api(users["agent"]).get(URL)) == ["mine"]
    assert sorted(_ids(api(users["teamlead"]).get(URL))) == ["mine", "theirs"]
    assert _ids(api(users["handler"]).get(URL)) == []  # not an agent, not a supervisor
    got = api(users["agent"]).get(f"{URL}{mine.pk}/")
    assert got.status_code == 200 and got.json()["call_id"] == "mine"
    assert api(users["teamlead"]).get(f"{URL}{mine.pk}/").status_code == 200


def test_another_agents_call_is_the_same_404_as_a_missing_one(users, api, agents):
    theirs = call("theirs", extension="8002")
    forbidden = _problem(api(users["agent"]).get(f"{URL}{theirs.pk}/"), 404, "call_not_found")
    missing = _problem(api(users["agent"]).get(f"{URL}{theirs.pk + 1000}/"), 404, "call_not_found")
    assert forbidden == missing


def test_the_log_needs_a_login(api, agents):
    call("mine")
    _problem(api().get(URL), 401, "not_authenticated")


# ---------------------------------------------------------------------------------------
# what a call shows


def test_a_call_shows_its_times_agent_outcome_and_linked_tickets(users, api, agents):
    answered = call("a1")
    ticket = register(users["agent"])
    services.link_ticket(
        call=answered, ticket=ticket, relation=CallTicket.Relation.REGISTERED, by=users["agent"]
    )
    got = api(users["agent"]).get(f"{URL}{answered.pk}/").json()
    assert (got["direction"], got["from"], got["to"], got["caller"], got["masked"]) == (
        "in",
        "13812345678",
        "12345",
        "+8613812345678",
        False,
    )
    assert (got["agent"], got["agent_name"], got["extension"], got["queue"]) == (
        "agent",
        "王晓敏",
        "8001",
        "hotline",
    )
    assert (got["status"], got["outcome"], got["outcome_label"]) == ("ended", "answered", "已接听")
    assert (got["wait_seconds"], got["talk_seconds"]) == (8, 60)
    assert got["answered_at"] and got["ended_at"] and got["area"]
    assert got["tickets"] == [{"number": ticket.number, "relation": "registered"}]
    assert (got["recording"], got["recording_url"], got["can_play"]) == (False, None, False)


def test_a_recording_is_a_flag_and_the_web_views_path(users, api, agents):
    answered = call("r1")
    services.apply_event(Incoming(source="ami", kind="recording", call_id="r1", recording="2026/05/r1.wav"))
    listed = _results(api(users["agent"]).get(URL))[0]
    assert (listed["recording"], listed["recording_url"]) == (True, f"/calls/{answered.pk}/recording/")
    assert "can_play" not in listed
    assert api(users["agent"]).get(f"{URL}{answered.pk}/").json()["can_play"] is True
    assert "2026/05/r1.wav" not in str(listed)  # the file's name stays on the server


def test_a_confidential_linked_ticket_masks_the_number_for_everyone(users, api, agents):
    secret = call("s1", caller="13912345678")
    ticket = register(users["agent"], confidential=True)
    services.link_ticket(
        call=secret, ticket=ticket, relation=CallTicket.Relation.REGISTERED, by=users["agent"]
    )
    services.apply_event(Incoming(source="ami", kind="recording", call_id="s1", recording="s1.wav"))
    for user in ("agent", "teamlead"):
        got = api(users[user]).get(f"{URL}{secret.pk}/").json()
        assert (got["from"], got["caller"], got["masked"]) == ("139****5678", "139****5678", True)
        assert got["can_play"] is False  # a recording is identity
        assert "13912345678" not in str(got)
    listed = _results(api(users["teamlead"]).get(URL))[0]
    assert (listed["caller"], listed["masked"]) == ("139****5678", True)
    # and a search by the number does not find it
    assert _ids(api(users["teamlead"]).get(URL, {"phone": "13912345678"})) == []


def test_an_outbound_calls_number_is_its_to(users, api, agents):
    out = call("o1", direction="out", caller="13912345678")
    ticket = register(users["agent"], confidential=True)
    services.link_ticket(call=out, ticket=ticket, relation=CallTicket.Relation.TOUCHED, by=users["agent"])
    got = api(users["agent"]).get(f"{URL}{out.pk}/").json()
    assert (got["direction"], got["from"], got["to"], got["masked"]) == ("out", "8001", "139****5678", True)


# ---------------------------------------------------------------------------------------
# filters and pages


def test_filters_direction_outcome_agent_queue_and_time(users, api, agents):
    now = timezone.now()
    call("early", at=now - timedelta(days=2), queue="complaints")
    call("missed", answered=False)
    call("lead", extension="8002")
    call("out", direction="out", caller="13912345678")
    lead = api(users["teamlead"])
    assert _ids(lead.get(URL, {"outcome": "missed"})) == ["missed"]
    assert _ids(lead.get(URL, {"direction": "out"})) == ["out"]
    assert sorted(_ids(lead.get(URL, {"agent": "teamlead"}))) == ["lead"]
    assert _ids(lead.get(URL, {"queue": "complaints"})) == ["early"]
    after = (now - timedelta(days=1)).isoformat()
    assert "early" not in _ids(lead.get(URL, {"started_after": after}))
    assert _ids(lead.get(URL, {"started_before": after})) == ["early"]
    _problem(lead.get(URL, {"outcome": "lost"}), 400, "invalid")


@pytest.mark.parametrize("typed", ["13812345678", "138 1234 5678", "+86 138-1234-5678", "008613812345678"])
def test_a_phone_in_any_format_finds_the_callers_calls(users, api, agents, typed):
    call("c1", caller="13812345678")
    call("c2", caller="13912345678")
    assert _ids(api(users["agent"]).get(URL, {"phone": typed})) == ["c1"]


def test_an_invalid_phone_is_a_400(users, api, agents):
    _problem(api(users["agent"]).get(URL, {"phone": "12345"}), 400, "invalid_phone")


def test_the_log_is_paged_like_other_lists(users, api, agents):
    t0 = timezone.now() - timedelta(hours=1)
    for n in range(3):
        call(f"p{n}", at=t0 + timedelta(minutes=n))
    page = api(users["agent"]).get(URL, {"page_size": 2}).json()
    assert (page["count"], page["count_capped"]) == (3, False)
    assert [c["call_id"] for c in page["results"]] == ["p2", "p1"]  # newest first
    assert page["next"] and page["previous"] is None
    assert [c["call_id"] for c in api(users["agent"]).get(page["next"]).json()["results"]] == ["p0"]
