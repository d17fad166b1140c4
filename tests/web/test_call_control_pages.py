"""通话控制 on the workbench (000 L48 items 8, 9, 13; L46 item 5): the panel under the state
bar with 转坐席 / 转外线 / 转队列 / 三方通话 / 保持 / 恢复 / 抢接, its htmx and plain posts,
who may, and the team leader's 自动外呼 on the tasks page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hotline.telephony import services
from hotline.telephony.models import Agent, CallbackAttempt, Push, TaskKind
from tests.conftest import PASSWORD
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
from tests.web.test_phone_pages import logged_in

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "call-control"}


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


def _act(client: Client, capture: Any, url: str, data: dict[str, str] | None = None, **headers: str) -> Any:
    with capture(execute=True):
        return client.post(url, data or {}, **headers)


def test_the_layout_holds_the_panel_and_the_panel_offers_what_the_agent_may_do(
    pbx: AmiServer, users: dict[str, Any], seats: dict[str, Agent]
) -> None:
    client = Client()
    client.post("/login/", {"username": "agent", "password": PASSWORD})
    client.post("/agent/", {"staff_no": "1001", "extension": "8001", "password": PASSWORD})
    page = client.get("/calls/").content.decode()
    assert 'id="call-control"' in page and 'hx-get="/agent/control/"' in page

    call = live_call(pbx)
    panel = client.get("/agent/control/").content.decode()
    assert f'data-call="{call.pk}"' in panel and "138 0013 8000" in panel
    for button in (
        "call-hold",
        "call-transfer-agent-submit",
        "call-transfer-queue-submit",
        "call-invite-submit",
    ):
        assert f'id="{button}"' in panel
    assert 'value="1002"' in panel  # agent 1002 is free to take it
    assert 'id="call-transfer-external"' not in panel  # 转外线 is a permission, off by default
    Agent.objects.filter(pk=seats["a"].pk).update(external_calls=True)
    assert 'id="call-transfer-external"' in client.get("/agent/control/").content.decode()
    assert 'class="px-3 d-none"' in logged_in(users["coordinator"]).get("/agent/control/").content.decode()


def test_hold_and_resume_from_the_panel_with_htmx(
    pbx: AmiServer, users: dict[str, Any], seats: dict[str, Agent], django_capture_on_commit_callbacks: Any
) -> None:
    call = live_call(pbx)
    client = logged_in(users["agent"])
    held = _act(client, django_capture_on_commit_callbacks, f"/agent/control/{call.pk}/hold/", **HTMX)
    body = held.content.decode()
    assert held.status_code == 200 and 'id="call-control-message"' in body and "通话已保持" in body
    assert 'id="call-resume"' in body and 'id="call-hold"' not in body
    assert sent(pbx, "Park")[0]["Channel"] == call.caller_channel

    again = _act(client, django_capture_on_commit_callbacks, f"/agent/control/{call.pk}/hold/", **HTMX)
    assert "通话已在保持中" in again.content.decode() and commands(pbx) == ["Park"]

    resumed = _act(client, django_capture_on_commit_callbacks, f"/agent/control/{call.pk}/resume/", **HTMX)
    assert "正在恢复通话,请接听分机 8001" in resumed.content.decode()
    assert sent(pbx, "Redirect")[0]["Exten"] == "8001"


def test_a_plain_post_transfers_and_comes_back_with_a_message(
    pbx: AmiServer, users: dict[str, Any], seats: dict[str, Agent], django_capture_on_commit_callbacks: Any
) -> None:
    call = live_call(pbx)
    client = logged_in(users["agent"])
    response = _act(
        client,
        django_capture_on_commit_callbacks,
        f"/agent/control/{call.pk}/transfer/",
        {"to": "queue", "queue": "consult", "next": "/calls/"},
    )
    assert response.status_code == 302 and response["Location"] == "/calls/"
    assert "已转接:consult" in client.get("/calls/").content.decode()
    redirect = sent(pbx, "Redirect")[0]
    assert (redirect["Context"], redirect["Exten"]) == ("hotline-queue", "consult")
    assert 'id="call-control-live"' not in client.get("/agent/control/").content.decode()  # handed on


def test_a_refusal_is_a_readable_message_and_nothing_is_sent(
    pbx: AmiServer, users: dict[str, Any], seats: dict[str, Agent], django_capture_on_commit_callbacks: Any
) -> None:
    call = live_call(pbx)
    client = logged_in(users["agent"])
    refused = _act(
        client,
        django_capture_on_commit_callbacks,
        f"/agent/control/{call.pk}/transfer/",
        {"to": "external", "number": "13912345678"},
        **HTMX,
    )
    assert refused.status_code == 200 and "您没有转接或邀请外线的权限" in refused.content.decode()
    blank = _act(client, django_capture_on_commit_callbacks, f"/agent/control/{call.pk}/invite/", {}, **HTMX)
    assert "请选择一位座席或填写一个外线号码" in blank.content.decode()
    assert commands(pbx) == []


def test_another_agents_call_is_the_same_404_and_only_agents_may_post(
    pbx: AmiServer, users: dict[str, Any], seats: dict[str, Agent], django_capture_on_commit_callbacks: Any
) -> None:
    call = live_call(pbx)
    other = logged_in(seats["b"].user)
    theirs = _act(other, django_capture_on_commit_callbacks, f"/agent/control/{call.pk}/hold/")
    missing = _act(other, django_capture_on_commit_callbacks, f"/agent/control/{call.pk + 999}/hold/")
    assert theirs.status_code == missing.status_code == 404
    assert "通话不存在或您无权查看" in theirs.content.decode()
    assert (
        _act(other, django_capture_on_commit_callbacks, f"/agent/control/{call.pk}/explode/").status_code
        == 404
    )
    assert logged_in(users["agent"]).get(f"/agent/control/{call.pk}/hold/").status_code == 405
    assert logged_in(users["handler"]).post(f"/agent/control/{call.pk}/hold/").status_code == 403
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(users["agent"])
    assert csrf.post(f"/agent/control/{call.pk}/hold/").status_code == 403
    assert commands(pbx) == [] and not Push.objects.filter(payload__has_key="control").exists()


def test_pickup_from_the_panel(
    pbx: AmiServer, users: dict[str, Any], seats: dict[str, Agent], django_capture_on_commit_callbacks: Any
) -> None:
    call = ringing_call(pbx, extension="8001", member="1001")
    client = logged_in(seats["b"].user)
    panel = client.get("/agent/control/").content.decode()
    assert f'id="call-pickup-{call.pk}"' in panel
    picked = _act(client, django_capture_on_commit_callbacks, f"/agent/control/{call.pk}/pickup/", **HTMX)
    body = picked.content.decode()
    assert "已抢接,请接听分机 8002" in body and f'id="call-pickup-{call.pk}"' not in body
    assert sent(pbx, "Redirect")[0]["Exten"] == "8002"
    # the picking agent's screen pop may show the call (its pop push)
    assert client.get(f"/calls/{call.pk}/pop/").status_code == 200


def test_the_team_leader_auto_dials_ticked_tasks_from_the_tasks_page(
    pbx: AmiServer, users: dict[str, Any], seats: dict[str, Agent], django_capture_on_commit_callbacks: Any
) -> None:
    due = timezone.now() + timedelta(hours=2)
    outbound = services.callback_create(kind=TaskKind.OUTBOUND, phone="13912345678", due_at=due)
    visit = services.callback_create(kind=TaskKind.VISIT, phone="13912345679", due_at=due)
    leader = logged_in(users["teamlead"])
    page = leader.get("/calls/tasks/").content.decode()
    assert 'id="autodial-form"' in page and f'id="autodial-task-{outbound.pk}"' in page
    assert f'id="autodial-task-{visit.pk}"' not in page  # a return visit is not auto-dialled
    assert 'id="autodial-form"' not in logged_in(users["agent"]).get("/calls/tasks/").content.decode()

    response = _act(
        leader,
        django_capture_on_commit_callbacks,
        "/calls/tasks/autodial/",
        {"queue": "hotline", "task": [str(outbound.pk)]},
    )
    assert response.status_code == 302
    assert "已自动外呼 1 个任务,接通后进入队列 hotline" in leader.get("/calls/tasks/").content.decode()
    assert [o["Channel"] for o in sent(pbx, "Originate")] == ["Local/13912345678@from-internal"]
    assert CallbackAttempt.objects.filter(task=outbound, by=users["teamlead"]).count() == 1

    refused = _act(
        logged_in(users["agent"]),
        django_capture_on_commit_callbacks,
        "/calls/tasks/autodial/",
        {"queue": "hotline"},
    )
    assert refused.status_code == 404 and len(sent(pbx, "Originate")) == 1


def test_the_outside_line_permission_is_set_in_the_admin(users: dict[str, Any]) -> None:
    row = Agent.objects.create(user=users["agent"], staff_no="1001")
    assert row.external_calls is False  # off by default
    page = logged_in(users["admin"]).get(f"/admin/telephony/agent/{row.pk}/change/").content.decode()
    assert 'name="external_calls"' in page and "允许转接/邀请外线" in page
