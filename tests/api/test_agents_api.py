"""The signed-in agent's own state in the API (``/api/v1/agents/me/…``): sign in with staff
number, extension and password; ready, break, mute; sign out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from hotline.telephony import services
from hotline.telephony.models import Agent, AgentState, AgentStateLog, SkillGroup
from hotline.telephony.services import Incoming
from tests.conftest import PASSWORD

STATE = "/api/v1/agents/me/state/"
SIGN_IN = "/api/v1/agents/me/sign-in/"
SIGN_OUT = "/api/v1/agents/me/sign-out/"
CREDENTIALS = {"staff_no": "1001", "extension": "8001", "password": PASSWORD}


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content[:500]
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def row(users: dict[str, Any]) -> Agent:
    """``agent`` is an agent (工号 1001) in the 综合 skill group, not signed in."""
    agent = Agent.objects.create(user=users["agent"], staff_no="1001")
    agent.groups.add(SkillGroup.objects.create(code="hotline", name="综合", queue="hotline"))
    return agent


@pytest.fixture
def me(users: dict[str, Any], api: Any, row: Agent) -> APIClient:
    client: APIClient = api(users["agent"])
    return client


def test_sign_in_state_changes_and_sign_out(me, row):
    offline = _ok(me.get(STATE))
    assert (offline["state"], offline["signed_in"], offline["extension"], offline["staff_no"]) == (
        "offline",
        False,
        "",
        "1001",
    )
    ready = _ok(me.post(SIGN_IN, CREDENTIALS, format="json"))
    assert (ready["state"], ready["state_label"], ready["extension"], ready["signed_in"]) == (
        "ready",
        "空闲",
        "8001",
        True,
    )
    assert ready["groups"] == [{"code": "hotline", "name": "综合", "queue": "hotline"}]
    assert ready["since"] and ready["wrapup_until"] is None

    on_break = _ok(me.put(STATE, {"state": "break", "reason": "用餐"}, format="json"))
    assert (on_break["state"], on_break["state_label"]) == ("break", "小休")
    assert _ok(me.get(STATE))["state"] == "break"
    assert _ok(me.put(STATE, {"state": "ready"}, format="json"))["state"] == "ready"

    signed_out = _ok(me.post(SIGN_OUT))
    assert (signed_out["state"], signed_out["extension"], signed_out["signed_in"]) == ("offline", "", False)
    log = list(AgentStateLog.objects.filter(agent=row).order_by("pk").values_list("state", "reason"))
    assert log == [("ready", "sign_in"), ("break", "用餐"), ("ready", "agent"), ("offline", "api")]
    assert all(
        r.seconds is not None for r in AgentStateLog.objects.filter(agent=row).exclude(state="offline")
    )


def test_the_same_state_again_writes_nothing(me, row):
    me.post(SIGN_IN, CREDENTIALS, format="json")
    _ok(me.put(STATE, {"state": "break"}, format="json"))
    rows = AgentStateLog.objects.count()
    assert _ok(me.put(STATE, {"state": "break"}, format="json"))["state"] == "break"
    assert AgentStateLog.objects.count() == rows


@pytest.mark.parametrize("state", ["busy", "wrapup", "offline", "nonsense", ""])
def test_a_state_the_agent_may_not_choose_is_a_400(me, row, state):
    me.post(SIGN_IN, CREDENTIALS, format="json")
    rows = AgentStateLog.objects.count()
    body = _problem(me.put(STATE, {"state": state}, format="json"), 400, "agent_state_invalid")
    assert body["field"] == "state"
    row.refresh_from_db()
    assert row.state == AgentState.READY and AgentStateLog.objects.count() == rows


def test_mute_only_on_a_call_and_back(me, row):
    me.post(SIGN_IN, CREDENTIALS, format="json")
    _problem(me.put(STATE, {"state": "mute"}, format="json"), 400, "agent_state_invalid")
    services.apply_event(Incoming(source="http", kind="newCall", call_id="c1", from_number="13812345678"))
    services.apply_event(Incoming(source="http", kind="answer", call_id="c1", extension="8001"))
    assert _ok(me.get(STATE))["state"] == "busy"
    assert _ok(me.put(STATE, {"state": "mute"}, format="json"))["state"] == "mute"
    assert _ok(me.put(STATE, {"state": "busy"}, format="json"))["state"] == "busy"


def test_wrap_up_ends_by_itself_when_read(me, row, settings):
    settings.HOTLINE_WRAPUP_SECONDS = 30
    me.post(SIGN_IN, CREDENTIALS, format="json")
    t0 = timezone.now() - timedelta(seconds=100)
    services.apply_event(
        Incoming(source="http", kind="newCall", call_id="c1", at=t0, from_number="13812345678")
    )
    services.apply_event(Incoming(source="http", kind="answer", call_id="c1", at=t0, extension="8001"))
    services.apply_event(Incoming(source="http", kind="hangup", call_id="c1", at=t0 + timedelta(seconds=60)))
    row.refresh_from_db()
    assert row.state == AgentState.WRAPUP  # until t0 + 90 s, already past
    state = _ok(me.get(STATE))
    assert (state["state"], state["wrapup_until"]) == ("ready", None)


def test_a_wrap_up_still_running_shows_its_end(me, row, settings):
    settings.HOTLINE_WRAPUP_SECONDS = 600
    me.post(SIGN_IN, CREDENTIALS, format="json")
    services.apply_event(Incoming(source="http", kind="newCall", call_id="c1", from_number="13812345678"))
    services.apply_event(Incoming(source="http", kind="answer", call_id="c1", extension="8001"))
    services.apply_event(Incoming(source="http", kind="hangup", call_id="c1"))
    state = _ok(me.get(STATE))
    assert state["state"] == "wrapup" and state["wrapup_until"]
    assert _ok(me.put(STATE, {"state": "ready"}, format="json"))["state"] == "ready"  # done early


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"password": "wrong"}, "agent_sign_in_failed"),
        ({"staff_no": "9999"}, "agent_sign_in_failed"),
        ({"extension": "8a"}, "agent_extension_invalid"),
    ],
)
def test_a_refused_sign_in_is_a_400_and_changes_nothing(me, row, changes, code):
    _problem(me.post(SIGN_IN, {**CREDENTIALS, **changes}, format="json"), 400, code)
    row.refresh_from_db()
    assert (row.state, row.extension) == (AgentState.OFFLINE, "")
    assert not AgentStateLog.objects.exists()


def test_an_extension_another_agent_holds_is_refused(users, api, me, row):
    Agent.objects.create(user=users["teamlead"], staff_no="1002")
    _ok(api(users["teamlead"]).post(SIGN_IN, {**CREDENTIALS, "staff_no": "1002"}, format="json"))
    _problem(me.post(SIGN_IN, CREDENTIALS, format="json"), 400, "agent_extension_taken")


def test_sign_in_from_a_browser_keeps_its_session(users, row):
    browser = APIClient()
    browser.force_login(users["agent"])
    _ok(browser.post(SIGN_IN, CREDENTIALS, format="json"))
    row.refresh_from_db()
    assert row.session_key and row.session_key == browser.session.session_key


def test_shapes_refuse_unknown_fields(me, row):
    me.post(SIGN_IN, CREDENTIALS, format="json")
    _problem(me.put(STATE, {"state": "break", "until": "12:00"}, format="json"), 400, "unknown_field")
    _problem(me.post(SIGN_IN, {**CREDENTIALS, "remember": True}, format="json"), 400, "unknown_field")
    _problem(me.put(STATE, {}, format="json"), 400, "invalid")


def test_a_user_who_is_not_an_agent_gets_404(users, api, row):
    other = api(users["coordinator"])
    _problem(other.get(STATE), 404, "agent_not_found")
    _problem(other.put(STATE, {"state": "ready"}, format="json"), 404, "agent_not_found")
    _problem(other.post(SIGN_OUT), 404, "agent_not_found")
    # signing in with someone else's staff number is not a way in either
    _problem(other.post(SIGN_IN, CREDENTIALS, format="json"), 400, "agent_sign_in_failed")
    assert not AgentStateLog.objects.exists()


def test_anonymous_is_401(api, row):
    _problem(api().get(STATE), 401, "not_authenticated")
    _problem(api().post(SIGN_IN, CREDENTIALS, format="json"), 401, "not_authenticated")
