"""班长席 and 大屏 (issue 13): for team leaders and administrators only, the actions' buttons
(htmx and plain forms), the live stream that sends a snapshot only when the floor changed,
the queue's numbers masked as on every screen; and the pop's 转满意度评价."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.telephony import agents, services
from hotline.telephony.calls import Incoming, apply_event
from hotline.telephony.models import Agent, AgentState, Call, CallTicket, SupervisorAction
from hotline.web.views import floor as floor_views
from tests.conftest import PASSWORD
from tests.factories import register

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent(users: dict[str, Any]) -> Agent:
    Agent.objects.create(user=users["agent"], staff_no="1001")
    return agents.agent_sign_in(user=users["agent"], staff_no="1001", extension="8001", password=PASSWORD)


def waiting(call_id: str, number: str = "13812345678") -> Call:
    apply_event(Incoming(source="http", kind="newCall", call_id=call_id, from_number=number))
    return Call.objects.get(call_id=call_id)


def test_the_pages_are_for_team_leaders_and_administrators(users: dict[str, Any], agent: Agent) -> None:
    lead = logged_in(users["teamlead"])
    page = lead.get("/floor/").content.decode()
    assert 'id="nav-floor"' in page and f'id="floor-agent-{agent.pk}"' in page
    assert f'id="floor-busy-{agent.pk}"' in page and f'id="floor-logout-{agent.pk}"' in page
    assert f'id="floor-barge-{agent.pk}"' not in page  # not on a call
    board = logged_in(users["admin"]).get("/floor/wallboard/").content.decode()
    assert 'id="wb-waiting-value"' in board and f'id="wb-agent-{agent.pk}"' in board
    assert "workbench-nav" not in board  # a wall screen: no menu
    assert "/static/hotline/floor.js" in board and "http://" not in board and "https://" not in board
    clerk = logged_in(users["agent"])
    assert 'id="nav-floor"' not in clerk.get("/calls/").content.decode()
    for url in ("/floor/", "/floor/wallboard/", "/floor/live/"):
        response = clerk.get(url)
        assert response.status_code == 403 and "班长" in response.content.decode()
    assert clerk.get("/floor/events/").status_code == 204  # EventSource stops
    assert clerk.post(f"/floor/agents/{agent.pk}/busy/").status_code == 403
    assert not SupervisorAction.objects.exists()


def test_a_button_forces_the_agent_busy_and_says_so(users: dict[str, Any], agent: Agent) -> None:
    lead = logged_in(users["teamlead"])
    answer = lead.post(f"/floor/agents/{agent.pk}/busy/", **HTMX).content.decode()
    assert "已执行“强制示忙”:座席 1001" in answer and 'id="floor-result-message"' in answer
    live = lead.get("/floor/live/").content.decode()  # what the stream sends next
    assert f'id="floor-agent-{agent.pk}" data-state="break"' in live
    assert f'id="floor-ready-{agent.pk}"' in live  # the buttons follow the state
    agent.refresh_from_db()
    assert agent.state == AgentState.BREAK
    again = lead.post(f"/floor/agents/{agent.pk}/busy/", **HTMX).content.decode()
    assert 'data-code="no_change"' in again and "该座席已是“小休”状态" in again
    plain = lead.post(f"/floor/agents/{agent.pk}/ready/")
    assert plain.status_code == 302 and plain["Location"] == "/floor/"
    assert "已执行“强制示闲”" in lead.get("/floor/").content.decode()
    missing = lead.post("/floor/agents/999999/busy/")
    assert missing.status_code == 404 and "座席不存在或您无权操作" in missing.content.decode()
    assert (
        lead.post(f"/floor/agents/{agent.pk}/nonsense/", **HTMX).content.decode().count("无效的班长操作") == 1
    )
    assert list(SupervisorAction.objects.order_by("pk").values_list("kind", flat=True)) == ["busy", "ready"]


def test_the_stream_sends_a_snapshot_then_again_only_when_the_floor_changed(
    users: dict[str, Any], agent: Agent, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(floor_views, "STREAM_SECONDS", 0.6)
    monkeypatch.setattr(floor_views, "POLL_SECONDS", 0.05)
    response = logged_in(users["teamlead"]).get("/floor/events/", {"view": "wallboard"})
    assert response["Content-Type"].startswith("text/event-stream")
    chunks = iter(response.streaming_content)  # type: ignore[attr-defined]
    first = ""
    while "event: snapshot" not in first:
        first = next(chunks).decode()
    assert 'data: <section class="wb-now"' in first and 'data-state="ready"' in first
    services.agent_set_state(agent=agent, state=AgentState.BREAK, actor=users["agent"])  # the floor changes
    rest = b"".join(chunks).decode()
    assert rest.count("event: snapshot") == 1 and 'data-state="break"' in rest
    assert floor_views.open_streams() == 0


def test_the_queue_shows_numbers_as_every_screen_does(users: dict[str, Any], agent: Agent) -> None:
    plain = waiting("q-1", "13812345678")
    secret = waiting("q-2", "13987654321")
    ticket = register(users["agent"], complainant__phone="13987654321")
    services.link_ticket(
        call=secret, ticket=ticket, relation=CallTicket.Relation.REGISTERED, by=users["agent"]
    )
    type(ticket).objects.filter(pk=ticket.pk).update(confidential=True)
    page = logged_in(users["teamlead"]).get("/floor/").content.decode()
    assert f'id="floor-queue-{plain.pk}"' in page and "138 1234 5678" in page
    assert "139****4321" in page and "13987654321" not in page and "139 8765 4321" not in page
    board = logged_in(users["teamlead"]).get("/floor/wallboard/").content.decode()
    assert "138 1234 5678" not in board  # the wall screen shows no numbers


def test_the_pop_sends_the_caller_to_the_survey_once(
    users: dict[str, Any], agent: Agent, settings: Any
) -> None:
    settings.HOTLINE_AMI_HOST = "127.0.0.1"  # named; the command would go out on commit
    apply_event(
        Incoming(source="ami", kind="newCall", call_id="s-1", from_number="13812345678", channel="PJSIP/t-1")
    )
    apply_event(
        Incoming(source="ami", kind="answer", call_id="s-1", extension="8001", peer_channel="PJSIP/8001-1")
    )
    call = Call.objects.get(call_id="s-1")
    clerk = logged_in(users["agent"])
    assert 'id="pop-survey"' in clerk.get(f"/calls/{call.pk}/pop/").content.decode()
    done = clerk.post(f"/calls/{call.pk}/survey/", **HTMX).content.decode()
    assert 'id="pop-survey-done"' in done and 'id="pop-survey"' not in done
    again = clerk.post(f"/calls/{call.pk}/survey/", **HTMX).content.decode()
    assert 'id="pop-survey-error"' in again and "本次通话已转过满意度评价" in again
    assert logged_in(users["teamlead"]).post(f"/calls/{call.pk}/survey/").status_code == 404
    call.refresh_from_db()
    assert call.survey_offered_at is not None
