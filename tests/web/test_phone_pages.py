"""座席 (issue 12): sign-in with staff number, extension and password, the state bar, skill
groups, the server-sent event stream and the screen pop, and intake linked to the call."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hotline.callers.models import BlocklistEntry, BlocklistStatus
from hotline.telephony import services
from hotline.telephony.models import Agent, AgentState, Call, CallTicket, Push, SkillGroup
from hotline.tickets.models import Ticket
from hotline.web.views import phone
from hotline.workflow.drafts import Person
from tests.conftest import PASSWORD
from tests.factories import register
from tests.web.test_intake_readback import form

CALLER = "13912345678"


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent_row(users: dict[str, Any]) -> Agent:
    return Agent.objects.create(user=users["agent"], staff_no="1001")


@pytest.fixture
def agent(users: dict[str, Any], agent_row: Agent) -> Client:
    return logged_in(users["agent"])


def sign_in(client: Client, extension: str = "8001", staff_no: str = "1001") -> Any:
    return client.post("/agent/", {"staff_no": staff_no, "extension": extension, "password": PASSWORD})


def ring(call_id: str = "c-1", *, to: str = "8001", caller: str = CALLER) -> Call:
    services.apply_event(
        services.Incoming(source="http", kind="newCall", call_id=call_id, from_number=caller)
    )
    applied = services.apply_event(
        services.Incoming(source="http", kind="ringing", call_id=call_id, extension=to)
    )
    assert applied.call is not None
    return applied.call


def stream(client: Client, monkeypatch: pytest.MonkeyPatch, seconds: float = 0.3, **headers: str) -> str:
    monkeypatch.setattr(phone, "STREAM_SECONDS", seconds)
    monkeypatch.setattr(phone, "POLL_SECONDS", 0.05)
    response = client.get("/agent/events/", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    return b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]


# --- sign-in and the menu --------------------------------------------------------------------


def test_only_users_with_a_staff_number_see_the_agent_page(users: dict[str, Any], agent_row: Agent) -> None:
    handler = logged_in(users["handler"])
    refused = handler.get("/agent/")
    assert refused.status_code == 403 and "您的角色不能使用座席" in refused.content.decode()
    assert 'id="nav-agent"' not in handler.get("/kb/").content.decode()
    page = logged_in(users["agent"]).get("/agent/").content.decode()
    assert 'id="nav-agent"' in page and 'id="nav-calls"' in page and 'id="nav-call-tasks"' in page
    assert 'id="nav-agent"' not in logged_in(users["coordinator"]).get("/kb/").content.decode()
    lead = logged_in(users["teamlead"]).get("/kb/").content.decode()
    assert 'id="nav-calls"' in lead and 'id="nav-agent"' not in lead


def test_an_agent_without_a_staff_number_is_told_to_ask(users: dict[str, Any]) -> None:
    client = logged_in(users["agent"])  # no Agent row
    page = client.get("/agent/")
    assert page.status_code == 200 and "您还没有座席工号" in page.content.decode()
    assert 'id="agent-sign-in"' not in page.content.decode()
    assert client.get("/calls/").status_code == 200 and client.get("/calls/tasks/").status_code == 200
    assert 'id="task-new-form"' not in client.get("/calls/tasks/").content.decode()
    assert client.post("/agent/state/", {"state": "ready"}).status_code == 403


def test_only_the_browser_signed_in_from_gets_the_bar_and_the_stream(
    agent: Client, agent_row: Agent, users: dict[str, Any]
) -> None:
    sign_in(agent)
    elsewhere = logged_in(users["agent"])  # the same user in another browser
    assert 'id="agent-bar"' not in elsewhere.get("/agent/").content.decode()
    assert elsewhere.get("/agent/events/").status_code == 204
    # signed out by the server (the browser gone): the bar says so, and the next page has none
    services.sign_out_stale(now=timezone.now() + timedelta(seconds=120))
    assert 'data-state="offline"' in agent.get("/agent/bar/").content.decode()
    assert 'id="agent-bar"' not in agent.get("/agent/").content.decode()


def test_sign_in_needs_the_own_staff_number_and_password(agent: Client, agent_row: Agent) -> None:
    wrong = agent.post("/agent/", {"staff_no": "1001", "extension": "8001", "password": "nope"})
    assert wrong.status_code == 400 and "工号或密码不正确" in wrong.content.decode()
    bad_ext = sign_in(agent, extension="8x")
    assert bad_ext.status_code == 400 and "分机号" in bad_ext.content.decode()
    agent_row.refresh_from_db()
    assert agent_row.state == AgentState.OFFLINE and agent_row.extension == ""
    assert 'id="agent-bar"' not in agent.get("/agent/").content.decode()

    response = sign_in(agent)
    assert response.status_code == 302 and response["Location"] == "/agent/"
    agent_row.refresh_from_db()
    assert (agent_row.state, agent_row.extension) == (AgentState.READY, "8001")
    page = agent.get("/agent/").content.decode()
    assert 'data-events="/agent/events/"' in page and "hotline/phone" in page  # the bar and phone.js
    assert 'id="agent-extension">8001' in page


def test_an_extension_taken_by_another_agent_is_refused(agent: Client, users: dict[str, Any]) -> None:
    other = Agent.objects.create(user=users["teamlead"], staff_no="2001")
    assert sign_in(logged_in(users["teamlead"]), staff_no="2001").status_code == 302
    other.refresh_from_db()
    response = sign_in(agent)
    assert response.status_code == 400 and "已由工号 2001 签入" in response.content.decode()


def test_the_state_bar_changes_state_and_refuses_in_chinese(agent: Client, agent_row: Agent) -> None:
    sign_in(agent)
    bar = agent.get("/agent/bar/").content.decode()
    assert "空闲" in bar and 'id="agent-set-break"' in bar and 'id="agent-set-mute"' not in bar
    response = agent.post("/agent/state/", {"state": "break"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-state="break"' in response.content.decode()
    refused = agent.post("/agent/state/", {"state": "mute"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="agent-bar-error"' in refused and "不能切换" in refused
    nonsense = agent.post("/agent/state/", {"state": "<x>"}, HTTP_HX_REQUEST="true")
    assert nonsense.status_code == 200 and "无效的座席状态" in nonsense.content.decode()
    plain = agent.post("/agent/state/", {"state": "ready", "next": "/calls/"})
    assert plain.status_code == 302 and plain["Location"] == "/calls/"
    assert agent.post("/agent/state/", {"state": "ready", "next": "//evil.example/"})["Location"] == "/agent/"
    agent_row.refresh_from_db()
    assert agent_row.state == AgentState.READY
    assert [r.state for r in agent_row.state_log.order_by("pk")] == ["ready", "break", "ready"]


def test_skill_groups_are_joined_and_left_from_the_bar(agent: Client, agent_row: Agent) -> None:
    group = SkillGroup.objects.create(code="complaints", name="投诉组", queue="q-complaints")
    sign_in(agent)
    assert 'id="agent-join-complaints"' in agent.get("/agent/bar/").content.decode()
    joined = agent.post(f"/agent/groups/{group.pk}/join/", HTTP_HX_REQUEST="true").content.decode()
    assert "技能组:投诉组" in joined and 'id="agent-leave-complaints"' in joined
    assert list(agent_row.groups.all()) == [group]
    agent.post(f"/agent/groups/{group.pk}/leave/")
    assert list(agent_row.groups.all()) == []
    assert agent.post(f"/agent/groups/{group.pk}/explode/").status_code == 404
    assert agent.post("/agent/groups/999999/join/").status_code == 404


def test_sign_out_ends_the_session_and_the_stream(agent: Client, agent_row: Agent) -> None:
    sign_in(agent)
    assert agent.post("/agent/sign-out/").status_code == 302
    agent_row.refresh_from_db()
    assert (agent_row.state, agent_row.extension) == (AgentState.OFFLINE, "")
    assert agent.get("/agent/events/").status_code == 204  # EventSource stops reconnecting
    assert 'id="agent-bar"' not in agent.get("/agent/").content.decode()


def test_a_browser_gone_for_90_seconds_is_signed_out(agent: Client, agent_row: Agent) -> None:
    sign_in(agent)
    assert services.sign_out_stale(now=timezone.now() + timedelta(seconds=60)) == 0
    assert services.sign_out_stale(now=timezone.now() + timedelta(seconds=91)) == 1
    agent_row.refresh_from_db()
    assert agent_row.state == AgentState.OFFLINE


# --- the event stream ----------------------------------------------------------------------


def test_the_stream_sends_the_pop_and_resumes_after_the_last_event_id(
    agent: Client, agent_row: Agent, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(agent)
    call = ring()
    pop = Push.objects.get(user=agent_row.user, kind="pop")
    body = stream(agent, monkeypatch)
    assert body.startswith("retry: 1000\n")
    assert f"id: {pop.pk}\nevent: pop\ndata: " in body and f'"call":{call.pk}' in body
    # reconnecting after it: nothing twice; what came since comes
    assert "event: pop" not in stream(agent, monkeypatch, HTTP_LAST_EVENT_ID=str(pop.pk))
    second = ring("c-2")
    again = stream(agent, monkeypatch, HTTP_LAST_EVENT_ID=str(pop.pk))
    assert again.count("event: pop") == 1 and f'"call":{second.pk}' in again
    assert f'"call":{second.pk}' in stream(agent, monkeypatch, QUERY_STRING=f"after={pop.pk}")


def test_a_new_tab_replays_only_the_recent_pushes(
    agent: Client, agent_row: Agent, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(agent)
    old = ring("old")
    Push.objects.filter(payload__call=old.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    new = ring("new")
    body = stream(agent, monkeypatch)
    assert f'"call":{new.pk}' in body and f'"call":{old.pk}' not in body


def test_the_stream_heartbeat_marks_the_agent_present(
    agent: Client, agent_row: Agent, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(agent)
    Agent.objects.filter(pk=agent_row.pk).update(last_seen=timezone.now() - timedelta(minutes=10))
    monkeypatch.setattr(phone, "HEARTBEAT_SECONDS", 0.1)
    assert ": heartbeat" in stream(agent, monkeypatch, seconds=0.4)
    agent_row.refresh_from_db()
    assert agent_row.last_seen is not None and agent_row.last_seen > timezone.now() - timedelta(seconds=5)
    assert phone.open_streams() == 0


def test_only_signed_in_agents_get_a_stream(users: dict[str, Any]) -> None:
    assert logged_in(users["handler"]).get("/agent/events/").status_code == 204
    anonymous = Client().get("/agent/events/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


# --- the screen pop ------------------------------------------------------------------------


def test_the_pop_shows_the_caller_history_area_and_class(
    agent: Client, agent_row: Agent, users: dict[str, Any]
) -> None:
    sign_in(agent)
    earlier = register(users["agent"], complainant=Person(name="李四", phone=CALLER, customer_class="VIP"))
    secret = register(users["agent"], complainant=Person(name="王五", phone=CALLER), confidential=True)
    call = ring()
    html = agent.get(f"/calls/{call.pk}/pop/").content.decode()
    assert "139 1234 5678" in html and call.area and call.area in html
    assert earlier.number in html and secret.number not in html
    assert 'id="pop-customer-class">客户等级:VIP' in html  # of the latest ticket the agent may see
    assert f'href="/intake/?call={call.pk}"' in html and "Alt+N" in html


def test_the_pop_says_a_number_is_blocklisted(agent: Client, agent_row: Agent, users: dict[str, Any]) -> None:
    sign_in(agent)
    call = ring()
    BlocklistEntry.objects.create(
        phone="+86" + CALLER,
        reason="骚扰电话",
        status=BlocklistStatus.ACTIVE,
        requested_by=users["agent"],
        requested_at=timezone.now(),
    )
    html = agent.get(f"/calls/{call.pk}/pop/").content.decode()
    assert 'id="pop-blocked"' in html and "骚扰电话" in html


def test_a_pop_is_only_for_the_agent_it_rang_at(
    agent: Client, agent_row: Agent, users: dict[str, Any]
) -> None:
    sign_in(agent)
    call = ring()
    Agent.objects.create(user=users["handler"], staff_no="3001")
    assert logged_in(users["handler"]).get(f"/calls/{call.pk}/pop/").status_code == 404
    assert agent.get("/calls/999999/pop/").status_code == 404


# --- intake from the pop ---------------------------------------------------------------------


def test_intake_from_the_pop_prefills_the_number_and_links_the_ticket(
    agent: Client, agent_row: Agent, users: dict[str, Any]
) -> None:
    sign_in(agent)
    call = ring()
    page = agent.get(f"/intake/?call={call.pk}").content.decode()
    assert 'value="139 1234 5678"' in page  # the caller's number, as people read it
    assert f'name="call" value="{call.pk}"' in page
    data = form(**{"complainant.phone": CALLER, "call": str(call.pk)})
    readback = agent.post("/intake/", data).content.decode()
    assert f'name="call" value="{call.pk}"' in readback  # carried through the read-back
    assert not CallTicket.objects.exists()
    done = agent.post("/intake/", {**data, "confirm": "1"})
    assert done.status_code == 302
    ticket = Ticket.objects.get()
    link = CallTicket.objects.get()
    assert (link.call_id, link.ticket_id, link.relation, link.by_id) == (
        call.pk,
        ticket.pk,
        "registered",
        users["agent"].pk,
    )


def test_intake_refuses_a_call_the_user_may_not_see(
    agent: Client, agent_row: Agent, users: dict[str, Any]
) -> None:
    call = ring(to="9999")  # rang at nobody signed in
    assert agent.get(f"/intake/?call={call.pk}").status_code == 404
    assert agent.get("/intake/?call=abc").status_code == 404
    response = agent.post("/intake/", {**form(call=str(call.pk)), "confirm": "1"})
    assert response.status_code == 404 and not Ticket.objects.exists()


def test_a_refused_registration_links_nothing(agent: Client, agent_row: Agent) -> None:
    sign_in(agent)
    call = ring()
    response = agent.post("/intake/", {**form(call=str(call.pk), subject=""), "confirm": "1"})
    assert response.status_code == 400 and f'name="call" value="{call.pk}"' in response.content.decode()
    assert not CallTicket.objects.exists() and not Ticket.objects.exists()
