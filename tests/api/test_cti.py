"""The PBX's generic call events (``POST /api/v1/cti/<token>``, Zammad-compatible): real
requests through the DRF test client into ``services.apply_event``."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error

from hotline.callers.services import blocklist_decide, blocklist_request
from hotline.telephony import services
from hotline.telephony.models import (
    Agent,
    AgentState,
    Call,
    CallbackTask,
    CallEvent,
    CallOutcome,
    CallStatus,
    Push,
    TaskKind,
)
from hotline.wsgi import application
from tests.conftest import PASSWORD

TOKEN = "pbx-7f3a9c2e41d8b6"
URL = f"/api/v1/cti/{TOKEN}"
CALLER = "13812345678"


@pytest.fixture(autouse=True)
def _token(settings: Any) -> None:
    settings.HOTLINE_CTI_TOKEN = TOKEN


@pytest.fixture
def pbx() -> APIClient:
    """What a PBX is: no session, no token header, CSRF checked as a browser's would be."""
    return APIClient(enforce_csrf_checks=True)


@pytest.fixture
def agent(users: dict[str, Any]) -> Agent:
    Agent.objects.create(user=users["agent"], staff_no="1001")
    return services.agent_sign_in(user=users["agent"], staff_no="1001", extension="8001", password=PASSWORD)


def _event(event: str, call_id: str = "c1", **extra: Any) -> dict[str, Any]:
    return {"event": event, "from": CALLER, "to": "12345", "direction": "in", "callId": call_id, **extra}


def _form(client: APIClient, data: dict[str, Any], url: str = URL) -> Any:
    """A form post as Zammad's documentation sends it (``user[]`` repeated)."""
    return client.post(url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded")


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content[:500]
    body: dict[str, Any] = response.json()
    return body


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def _block(users: dict[str, Any], phone: str = CALLER) -> None:
    entry = blocklist_request(phone=phone, reason="恶意骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])


# ---------------------------------------------------------------------------------------
# a whole call


def test_a_generic_call_newcall_answer_hangup_gives_one_call_with_times_and_the_agent(pbx, agent):
    assert _ok(pbx.post(URL, _event("newCall", user=["1001"], queue="hotline"), format="json")) == {}
    pop = Push.objects.get(user=agent.user, kind="pop")  # rang at the agent: the screen pop
    assert _ok(pbx.post(URL, _event("answer", answeringNumber="8001"), format="json")) == {}
    agent.refresh_from_db()
    assert agent.state == AgentState.BUSY
    assert _ok(pbx.post(URL, _event("hangup", cause="normalClearing"), format="json")) == {}

    call = Call.objects.get()
    assert pop.payload["call"] == call.pk
    assert (call.call_id, call.direction, call.from_raw, call.to_raw, call.queue) == (
        "c1",
        "in",
        CALLER,
        "12345",
        "hotline",
    )
    assert (call.status, call.outcome, call.cause) == (
        CallStatus.ENDED,
        CallOutcome.ANSWERED,
        "normalClearing",
    )
    assert (call.agent, call.extension) == (agent.user, "8001")
    assert call.caller == "+8613812345678" and call.area
    assert call.started_at <= call.answered_at <= call.ended_at
    assert call.wait_seconds is not None and call.talk_seconds is not None
    events = list(CallEvent.objects.filter(call=call).values_list("source", "kind", "applied"))
    assert events == [("http", "newCall", True), ("http", "answer", True), ("http", "hangup", True)]
    agent.refresh_from_db()
    assert agent.state == AgentState.WRAPUP
    assert not CallbackTask.objects.exists()


def test_the_same_call_form_encoded_with_repeated_user_fields(pbx, agent, users):
    other = Agent.objects.create(user=users["teamlead"], staff_no="1002")
    services.agent_sign_in(user=users["teamlead"], staff_no="1002", extension="8002", password=PASSWORD)
    ring = {**_event("newCall"), "user[]": ["1001", "teamlead"]}
    assert _ok(_form(pbx, ring)) == {}
    assert set(Push.objects.filter(kind="pop").values_list("user_id", flat=True)) == {
        agent.user_id,
        other.user_id,
    }
    assert _ok(_form(pbx, _event("answer", answeringNumber="8002"))) == {}
    assert _ok(_form(pbx, _event("hangup", cause="normalClearing"))) == {}
    call = Call.objects.get()
    assert (call.outcome, call.agent, call.extension) == (CallOutcome.ANSWERED, users["teamlead"], "8002")
    assert CallEvent.objects.get(kind="newCall").payload["user[]"] == ["1001", "teamlead"]


def test_answering_number_may_name_the_agent_rather_than_the_extension(pbx, agent, users):
    _ok(pbx.post(URL, _event("newCall", user="agent"), format="json"))  # ``user`` as one string
    assert Push.objects.filter(user=users["agent"], kind="pop").count() == 1
    _ok(pbx.post(URL, _event("answer", answeringNumber="agent"), format="json"))
    call = Call.objects.get()
    assert (call.status, call.agent, call.extension) == (CallStatus.ANSWERED, users["agent"], "8001")


def test_an_inbound_call_to_an_extension_rings_there(pbx, agent):
    _ok(pbx.post(URL, {**_event("newCall"), "to": "8001"}, format="json"))
    assert Push.objects.filter(user=agent.user, kind="pop").count() == 1
    _ok(pbx.post(URL, {**_event("answer"), "to": "8001"}, format="json"))  # no answeringNumber
    assert Call.objects.get().agent == agent.user


def test_an_outbound_call_is_the_agents_from_their_extension(pbx, agent):
    out = {"from": "8001", "to": CALLER, "direction": "out", "callId": "o1", "user[]": ["1001"]}
    _ok(pbx.post(URL, {"event": "newCall", **out}, format="json"))
    _ok(pbx.post(URL, {"event": "answer", **out}, format="json"))
    _ok(pbx.post(URL, {"event": "hangup", "cause": "normalClearing", **out}, format="json"))
    call = Call.objects.get()
    assert (call.direction, call.caller, call.agent, call.outcome) == (
        "out",
        "+8613812345678",
        agent.user,
        CallOutcome.ANSWERED,
    )


# ---------------------------------------------------------------------------------------
# blocked numbers, missed calls, retries


def test_a_blocked_number_is_rejected_as_zammad_answers_and_logged(pbx, agent, users):
    _block(users)
    body = _ok(pbx.post(URL, _event("newCall", user=["1001"]), format="json"))
    assert body == {"action": "reject", "reason": "busy"}
    call = Call.objects.get()
    assert (call.status, call.outcome) == (CallStatus.ENDED, CallOutcome.BLOCKED)
    assert not Push.objects.filter(kind="pop").exists()  # nobody's screen pops for a blocked caller
    # the PBX retries: rejected again, nothing new written
    assert _ok(_form(pbx, _event("newCall", user=["1001"]))) == {"action": "reject", "reason": "busy"}
    assert CallEvent.objects.count() == 1
    # another number is not
    assert _ok(pbx.post(URL, _event("newCall", "c2", **{"from": "13912345678"}), format="json")) == {}


def test_a_duplicate_post_is_accepted_and_writes_nothing(pbx, agent):
    for kind, extra in (("newCall", {"user": ["1001"]}), ("hangup", {"cause": "cancel"})):
        first = pbx.post(URL, _event(kind, **extra), format="json")
        rows = (CallEvent.objects.count(), Push.objects.count(), CallbackTask.objects.count())
        snapshot = list(Call.objects.values())
        again = pbx.post(URL, _event(kind, **extra), format="json")
        assert _ok(first) == _ok(again) == {}
        assert (CallEvent.objects.count(), Push.objects.count(), CallbackTask.objects.count()) == rows
        assert list(Call.objects.values()) == snapshot
    call = Call.objects.get()
    assert call.outcome == CallOutcome.ABANDONED
    task = CallbackTask.objects.get()  # the abandoned call is to be returned, once
    assert (task.kind, task.call, task.phone) == (TaskKind.MISSED, call, "+8613812345678")


def test_the_pbx_event_id_recognises_a_retry(pbx, agent):
    _ok(pbx.post(URL, _event("newCall", eventId="e1"), format="json"))
    _ok(pbx.post(URL, _event("newCall", eventId="e1"), format="json"))
    _ok(pbx.post(URL, _event("answer", eventId="e2", answeringNumber="8001"), format="json"))
    assert list(CallEvent.objects.values_list("kind", "dedupe")) == [
        ("newCall", "http:c1:e1"),
        ("answer", "http:c1:e2"),
    ]


def test_an_odd_event_is_kept_and_answered_ok(pbx, agent):
    """Zammad answers an answer after the hangup with 200; so do we, and keep it unapplied."""
    _ok(pbx.post(URL, _event("newCall"), format="json"))
    _ok(pbx.post(URL, _event("hangup", cause="noAnswer"), format="json"))
    _ok(pbx.post(URL, _event("answer", answeringNumber="8001"), format="json"))
    late = CallEvent.objects.get(kind="answer")
    assert not late.applied and late.note
    assert Call.objects.get().outcome == CallOutcome.MISSED


def test_fields_a_pbx_adds_are_kept_not_refused(pbx, agent):
    _ok(pbx.post(URL, _event("newCall", channel="PJSIP/trunk-0001", uniqueid="1714.1"), format="json"))
    assert CallEvent.objects.get().payload["channel"] == "PJSIP/trunk-0001"


def test_odd_extra_fields_are_kept_in_a_form_every_database_stores(pbx, agent):
    """NUL characters and infinite numbers are refused by PostgreSQL's jsonb: never a 500."""
    odd = {"note": "a\x00b", "deep": {"a": {"b": {"c": {"d": {"e": 1}}}}}, "long": "x" * 5000}
    body = json.dumps(_event("newCall", **odd))[:-1] + ', "huge": 1e999}'  # parses to inf
    _ok(pbx.post(URL, body, content_type="application/json"))
    payload = CallEvent.objects.get().payload
    assert (payload["note"], payload["huge"], len(payload["long"])) == ("ab", "inf", 1000)
    assert payload["event"] == "newCall"


def test_a_multipart_post_with_a_file_is_kept_without_the_file(pbx, agent):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {**_event("newCall"), "attachment": SimpleUploadedFile("x.wav", b"RIFF")}
    _ok(pbx.post(URL, data, format="multipart"))
    assert CallEvent.objects.get().payload["attachment"] == "<InMemoryUploadedFile>"


def test_a_keypad_survey_from_the_pbx_lands_on_the_call_once(pbx, agent):
    _ok(pbx.post(URL, _event("newCall"), format="json"))
    _ok(pbx.post(URL, _event("answer", answeringNumber="8001"), format="json"))
    _ok(pbx.post(URL, _event("hangup", cause="normalClearing"), format="json"))
    assert _ok(pbx.post(URL, _event("survey", digits="1", eventId="s-1"), format="json")) == {}
    assert _ok(pbx.post(URL, _event("survey", digits="1", eventId="s-1"), format="json")) == {}  # a retry
    call = Call.objects.get()
    assert call.survey_score == 1 and call.survey_at is not None
    assert CallEvent.objects.filter(kind="survey").count() == 1


# ---------------------------------------------------------------------------------------
# the token, the door, bad input


@pytest.mark.parametrize("token", ["wrong", TOKEN + "x", TOKEN[:-1]])
def test_a_wrong_token_is_a_plain_404_and_writes_nothing(pbx, agent, token):
    for method in ("post", "get", "put"):
        body = _problem(
            getattr(pbx, method)(f"/api/v1/cti/{token}", _event("newCall"), format="json"), 404, "not_found"
        )
        assert body["detail"] == "未找到"
    assert not CallEvent.objects.exists() and not Call.objects.exists()


def test_the_endpoint_is_off_without_a_token_setting(pbx, agent, settings):
    settings.HOTLINE_CTI_TOKEN = ""
    _problem(pbx.post(URL, _event("newCall"), format="json"), 404, "not_found")
    _problem(pbx.post("/api/v1/cti/ ", _event("newCall"), format="json"), 404, "not_found")
    assert not CallEvent.objects.exists()


def test_a_trailing_slash_is_the_same_endpoint_and_get_is_not_allowed(pbx, agent):
    assert _ok(pbx.post(URL + "/", _event("newCall"), format="json")) == {}
    _problem(pbx.get(URL), 405, "method_not_allowed")


def test_a_signed_in_browser_session_is_not_needed_nor_used(users, agent):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(users["agent"])  # a session cookie, no CSRF token
    assert _ok(browser.post(URL, _event("newCall"), format="json")) == {}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"event": "", "callId": "c1", "direction": "in"}, "event"),
        ({"callId": "c1", "direction": "in"}, "event"),
        ({"event": "ringing", "callId": "c1", "direction": "in"}, "event"),
        ({"event": "transfer", "callId": "c1", "direction": "in"}, "event"),
        ({"event": "newCall", "direction": "in"}, "callId"),
        ({"event": "newCall", "callId": "   ", "direction": "in"}, "callId"),
        ({"event": "newCall", "callId": "c" * 129, "direction": "in"}, "callId"),
        ({"event": "newCall", "callId": {"id": 1}, "direction": "in"}, "callId"),
        ({"event": "newCall", "callId": "c1"}, "direction"),
        ({"event": "newCall", "callId": "c1", "direction": "sideways"}, "direction"),
        ({"event": "newCall", "callId": "c1", "direction": "in", "from": "1" * 65}, "from"),
        ({"event": "newCall", "callId": "c1", "direction": "in", "from": ["1", "2"], "to": True}, "to"),
        ({"event": "newCall", "callId": "c1", "direction": "in", "user": [{"name": "x"}]}, "user"),
        ({"event": "newCall", "callId": "c1\x00", "direction": "in"}, "callId"),
        ({"event": "survey", "callId": "c1", "direction": "in"}, "digits"),
        ({"event": "survey", "callId": "c1", "direction": "in", "digits": "123456789"}, "digits"),
    ],
)
def test_bad_input_is_a_400_problem_and_writes_nothing(pbx, agent, data, field):
    body = _problem(pbx.post(URL, data, format="json"), 400, "cti_event_invalid")
    assert body["field"] == field
    assert not CallEvent.objects.exists() and not Call.objects.exists()


@pytest.mark.parametrize("body", [[], "text", 3])
def test_a_body_that_is_not_an_object_is_a_400(pbx, body):
    _problem(pbx.post(URL, body, format="json"), 400, "cti_event_invalid")


def test_malformed_json_is_a_400(pbx):
    response = pbx.post(URL, "{not json", content_type="application/json")
    _problem(response, 400, "malformed")


def test_the_call_id_may_be_written_as_zammads_older_call_id(pbx, agent):
    data = {"event": "newCall", "call_id": "legacy-1", "direction": "in", "from": CALLER, "to": "12345"}
    assert _ok(_form(pbx, data)) == {}
    assert Call.objects.get().call_id == "legacy-1"


def test_the_schema_describes_the_endpoint(users, api):
    schema = api(users["agent"]).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/cti/{token}"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[1]
    fields = schema["components"]["schemas"][name]["properties"]
    assert {"event", "from", "to", "direction", "callId", "user", "queue", "cause", "answeringNumber"} <= set(
        fields
    )
    assert "application/x-www-form-urlencoded" in operation["requestBody"]["content"]


# ---------------------------------------------------------------------------------------
# generated events (the API-wide fuzz run sees only the 404 of an unset token)

with override_settings(HOTLINE_API_DOCS_PUBLIC=True):
    cti_schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(operation_id="cti_event")


@pytest.fixture
def _keep_test_connection() -> Any:
    """As in test_schema_fuzz: the WSGI app must not close the test transaction's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@cti_schema.parametrize()
@hypothesis_settings(
    max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_no_generated_event_gets_a_server_error(case, agent, _keep_test_connection):
    case.path_parameters = {"token": TOKEN}
    case.call_and_validate(checks=[not_a_server_error])
