"""The agent's call control in the API (``/api/v1/calls/{id}/transfer|invite|hold|resume|
pickup/``, ``calls/ringing/``, ``callbacks/autodial/``): what each answers, problem details
with stable codes, the same 404 for another agent's call, and the schema."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.telephony import services
from hotline.telephony.models import Agent, CallbackAttempt, TaskKind
from tests.servers.ami import AmiServer
from tests.telephony.control_setup import (
    another_user,
    commands,
    live_call,
    ringing_call,
    running_pbx,
    sent,
    signed_in,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pbx(settings: Any) -> Iterator[AmiServer]:
    with running_pbx(settings) as server:
        yield server


@pytest.fixture
def seats(users: dict[str, Any]) -> dict[str, Agent]:
    return {
        "a": signed_in(users["agent"], "1001", "8001", "hotline"),
        "b": signed_in(another_user(), "1002", "8002", "hotline"),
    }


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def _post(api: Any, user: Any, capture: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    with capture(execute=True):
        return api(user).post(url, data or {}, format="json")


def test_transfer_answers_what_was_done_and_the_pbx_gets_the_redirect(
    pbx: AmiServer,
    api: Any,
    users: dict[str, Any],
    seats: dict[str, Agent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    call = live_call(pbx)
    response = _post(
        api,
        users["agent"],
        django_capture_on_commit_callbacks,
        f"/api/v1/calls/{call.pk}/transfer/",
        {"to": "agent", "agent": "1002"},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "call": call.pk,
        "action": "transfer",
        "state": "handed_on",
        "target": "agent:1002",
    }
    redirect = sent(pbx, "Redirect")[0]
    assert (redirect["Channel"], redirect["Exten"], redirect["Context"]) == (
        call.caller_channel,
        "8002",
        "from-internal",
    )


def test_hold_resume_and_invite_answer_the_calls_state(
    pbx: AmiServer,
    api: Any,
    users: dict[str, Any],
    seats: dict[str, Agent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    call = live_call(pbx)
    url = f"/api/v1/calls/{call.pk}/"
    held = _post(api, users["agent"], django_capture_on_commit_callbacks, url + "hold/")
    assert held.json()["state"] == "held"
    _problem(_post(api, users["agent"], django_capture_on_commit_callbacks, url + "hold/"), 409, "no_change")
    _problem(
        _post(api, users["agent"], django_capture_on_commit_callbacks, url + "invite/", {"agent": "1002"}),
        409,
        "call_held",
    )
    assert (
        _post(api, users["agent"], django_capture_on_commit_callbacks, url + "resume/").json()["state"]
        == "talking"
    )
    invited = _post(
        api, users["agent"], django_capture_on_commit_callbacks, url + "invite/", {"agent": "1002"}
    )
    assert (invited.json()["state"], invited.json()["target"]) == ("conference", "agent:1002")
    assert commands(pbx) == ["Park", "Redirect", "Redirect", "Originate"]


def test_refusals_are_problems_with_stable_codes_and_send_nothing(
    pbx: AmiServer,
    api: Any,
    users: dict[str, Any],
    seats: dict[str, Agent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    call = live_call(pbx)
    url = f"/api/v1/calls/{call.pk}/transfer/"
    agent = users["agent"]
    capture = django_capture_on_commit_callbacks
    _problem(
        _post(api, agent, capture, url, {"to": "queue", "queue": "consult", "x": 1}), 400, "unknown_field"
    )
    _problem(_post(api, agent, capture, url, {"to": "fax"}), 400, "invalid")
    _problem(_post(api, agent, capture, url, {"to": "queue", "queue": "nope"}), 400, "transfer_queue_invalid")
    _problem(
        _post(api, agent, capture, url, {"to": "agent", "agent": "1001"}), 400, "transfer_target_invalid"
    )
    body = _problem(
        _post(api, agent, capture, url, {"to": "external", "number": "13912345678"}),
        403,
        "external_calls_forbidden",
    )
    assert body["detail"] == "您没有转接或邀请外线的权限,请联系管理员开通"
    Agent.objects.filter(pk=seats["a"].pk).update(external_calls=True)
    _problem(
        _post(api, agent, capture, url, {"to": "external", "number": "not a number"}), 400, "invalid_phone"
    )
    _problem(
        _post(api, users["teamlead"], capture, url, {"to": "queue", "queue": "consult"}),
        409,
        "call_not_yours",
    )
    assert commands(pbx) == []


def test_another_agents_call_is_the_same_404_as_a_missing_one(
    pbx: AmiServer,
    api: Any,
    users: dict[str, Any],
    seats: dict[str, Agent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    call = live_call(pbx)
    other = seats["b"].user
    theirs = _problem(
        _post(api, other, django_capture_on_commit_callbacks, f"/api/v1/calls/{call.pk}/hold/"),
        404,
        "call_not_found",
    )
    missing = _problem(
        _post(api, other, django_capture_on_commit_callbacks, f"/api/v1/calls/{call.pk + 999}/hold/"),
        404,
        "call_not_found",
    )
    assert theirs == {**missing, "detail": missing["detail"]}
    assert api().post(f"/api/v1/calls/{call.pk}/hold/").status_code in (401, 403)
    assert commands(pbx) == []


def test_ringing_calls_are_listed_and_picked_up_once(
    pbx: AmiServer,
    api: Any,
    users: dict[str, Any],
    seats: dict[str, Agent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    call = ringing_call(pbx, extension="8001", member="1001")
    picker = seats["b"].user
    listed = api(picker).get("/api/v1/calls/ringing/").json()
    assert [(c["id"], c["queue"], c["caller"]) for c in listed] == [(call.pk, "hotline", "+8613800138000")]
    picked = _post(api, picker, django_capture_on_commit_callbacks, f"/api/v1/calls/{call.pk}/pickup/")
    assert (picked.status_code, picked.json()["target"]) == (200, "8002")
    _problem(
        _post(api, users["agent"], django_capture_on_commit_callbacks, f"/api/v1/calls/{call.pk}/pickup/"),
        409,
        "call_not_ringing",
    )
    assert api(picker).get("/api/v1/calls/ringing/").json() == []
    assert commands(pbx) == ["Redirect"]


def test_autodial_for_team_leaders(
    settings: Any,
    pbx: AmiServer,
    api: Any,
    users: dict[str, Any],
    seats: dict[str, Agent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    due = timezone.now() + timedelta(hours=1)
    tasks = [
        services.callback_create(kind=TaskKind.OUTBOUND, phone=f"1391234567{i}", due_at=due) for i in range(2)
    ]
    url = "/api/v1/callbacks/autodial/"
    capture = django_capture_on_commit_callbacks
    _problem(_post(api, users["agent"], capture, url, {"queue": "hotline"}), 404, "callback_task_not_found")
    settings.HOTLINE_AUTODIAL_MAX = 1
    _problem(
        _post(api, users["teamlead"], capture, url, {"queue": "hotline", "tasks": [t.pk for t in tasks]}),
        400,
        "autodial_too_many",
    )
    _problem(
        _post(api, users["teamlead"], capture, url, {"queue": "hotline", "tasks": [999999]}),
        404,
        "callback_task_not_found",
    )
    done = _post(api, users["teamlead"], capture, url, {"queue": "hotline", "tasks": [tasks[1].pk]})
    assert done.status_code == 201, done.content
    row = done.json()["dialled"][0]
    assert (row["task"], done.json()["skipped"]) == (tasks[1].pk, [])
    assert sent(pbx, "Originate")[0]["ChannelId"] == row["call_id"]
    assert CallbackAttempt.objects.filter(task=tasks[1]).count() == 1
    _problem(
        _post(api, users["teamlead"], capture, url, {"queue": "hotline", "tasks": [tasks[1].pk]}),
        409,
        "no_change",
    )


def test_the_schema_describes_the_call_control_operations(api: Any, users: dict[str, Any]) -> None:
    schema = api(users["agent"]).get("/api/schema/", {"format": "json"}).json()
    operations = {
        op["operationId"] for path in schema["paths"].values() for op in path.values() if isinstance(op, dict)
    }
    assert {
        "call_transfer",
        "call_invite",
        "call_hold",
        "call_resume",
        "call_pickup",
        "calls_ringing",
        "callbacks_autodial",
    } <= operations
    components = schema["components"]["schemas"]
    transfer = components["TransferInRequest"]
    ref = transfer["properties"]["to"]["allOf"][0]["$ref"]  # the choices as an enum component
    choices = components[ref.rsplit("/", 1)[-1]]["enum"]
    assert transfer["additionalProperties"] is False and choices == ["agent", "external", "queue"]
