"""The FastAGI server over TCP, against a client that speaks AGI as Asterisk does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from hotline.callers.services import blocklist_decide, blocklist_request
from hotline.ops.ivr import progress_status
from hotline.telephony import services
from hotline.telephony.agi.server import AgiServer, Config
from hotline.telephony.models import (
    Agent,
    Call,
    CallbackTask,
    CallOutcome,
    CallStatus,
    CallTicket,
    HotlineNumber,
    IvrAction,
    IvrMenu,
    IvrOption,
    IvrPrompt,
    SkillGroup,
    TaskKind,
)
from hotline.tickets.models import TicketEvent
from tests.conftest import PASSWORD
from tests.factories import register
from tests.helpers import local
from tests.servers.agi import HANGUP, AgiCall

pytestmark = pytest.mark.django_db


def converse(*calls: AgiCall, clock: Callable[[], datetime] = timezone.now) -> AgiServer:
    """Run the server on a free loopback port and the calls one after another. The
    server's database work runs in this thread (inside the test's transaction)."""
    server = AgiServer(Config(port=0, env_timeout=2), progress=progress_status, clock=clock)

    async def main() -> None:
        await server.start()
        try:
            for call in calls:
                await call.run(server.config.host, server.port)
        finally:
            await server.stop()

    async_to_sync(main)()
    return server


@pytest.fixture
def groups() -> dict[str, SkillGroup]:
    return {
        "hotline": SkillGroup.objects.create(code="a-hotline", name="热线", queue="hotline"),
        "consult": SkillGroup.objects.create(code="b-consult", name="咨询", queue="consult"),
    }


@pytest.fixture
def number(groups: dict[str, SkillGroup]) -> HotlineNumber:
    prompt = IvrPrompt.objects.create(name="welcome", title="欢迎", audio=b"RIFF", uploaded_at=timezone.now())
    main = IvrMenu.objects.create(name="主菜单", prompt=prompt, retries=1)
    sub = IvrMenu.objects.create(name="咨询菜单")
    IvrOption.objects.create(menu=main, digit="2", label="咨询", action=IvrAction.MENU, submenu=sub)
    IvrOption.objects.create(menu=main, digit="3", label="进度", action=IvrAction.PROGRESS)
    IvrOption.objects.create(
        menu=sub, digit="1", label="政策咨询", action=IvrAction.QUEUE, group=groups["consult"]
    )
    IvrOption.objects.create(menu=sub, digit="5", label="值班室", action=IvrAction.TRANSFER, target="6001")
    return HotlineNumber.objects.create(
        number="12345",
        name="市民热线",
        priority=7,
        group=groups["hotline"],
        opens=time(8, 30),
        closes=time(17, 30),
        working_menu=main,
        after_hours_menu=IvrMenu.objects.create(name="下班"),
    )


def test_a_make_up_saturday_routes_to_the_working_flow_and_the_spring_festival_after_hours(
    number: HotlineNumber,
) -> None:
    saturday = AgiCall("route", args=["1771034400.101"], uniqueid="1771034400.101")
    festival = AgiCall("route", args=["1771293600.7"], uniqueid="1771293600.7")
    clock = iter([local("2026-02-14 10:00"), local("2026-02-17 10:00")])
    converse(saturday, festival, clock=lambda: next(clock))

    assert saturday.variables == {
        "HOTLINE_FLOW": "working",
        "HOTLINE_QUEUE": "hotline",
        "HOTLINE_PRIORITY": "7",
        "HOTLINE_AGENT": "",
        "HOTLINE_MENU": str(number.working_menu_id),
    }
    assert festival.variables["HOTLINE_FLOW"] == "after_hours"
    assert festival.variables["HOTLINE_MENU"] == str(number.after_hours_menu_id)
    call = Call.objects.get(call_id="1771034400.101")
    assert (call.flow, call.priority, call.queue, call.caller, call.to_raw) == (
        "working",
        7,
        "hotline",
        "+8613812345678",
        "12345",
    )
    assert call.caller_channel == "PJSIP/trunk-00000001"
    assert Call.objects.get(call_id="1771293600.7").flow == "after_hours"


def test_a_caller_reaches_their_own_agent_first_and_the_answer_is_recorded(
    users: dict[str, Any], number: HotlineNumber
) -> None:
    Agent.objects.create(user=users["agent"], staff_no="A001")
    agent = services.agent_sign_in(user=users["agent"], staff_no="A001", extension="8001", password=PASSWORD)
    earlier = timezone.now() - timedelta(days=2)
    for kind, offset in (("newCall", 0), ("answer", 5), ("hangup", 65)):
        services.apply_event(
            services.Incoming(
                source="http",
                kind=kind,
                call_id="earlier",
                at=earlier + timedelta(seconds=offset),
                from_number="13812345678",
                extension="8001",
            )
        )
    services.agent_set_state(agent=agent, state="ready", actor=users["agent"])

    route = AgiCall("route", args=["c2"], uniqueid="c2")
    answered = AgiCall("answered", args=["c2"], uniqueid="c2.1", channel="PJSIP/8001-0000002a")
    converse(route, answered)

    assert route.variables["HOTLINE_AGENT"] == "PJSIP/8001"
    call = Call.objects.get(call_id="c2")
    assert (call.status, call.agent_id, call.extension, call.agent_channel) == (
        CallStatus.ANSWERED,
        users["agent"].pk,
        "8001",
        "PJSIP/8001-0000002a",
    )


def test_a_blocked_caller_is_hung_up_and_the_call_is_blocked(
    users: dict[str, Any], number: HotlineNumber
) -> None:
    entry = blocklist_request(phone="13912345678", reason="骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"], note="")
    call = AgiCall("route", args=["b1"], callerid="13912345678")
    converse(call)
    assert call.commands == ["HANGUP"] and call.variables == {}
    assert Call.objects.get(call_id="b1").outcome == CallOutcome.BLOCKED


def test_menu_keys_follow_submenus_and_zero_reaches_a_person(number: HotlineNumber) -> None:
    menu = str(number.working_menu_id)
    consult = AgiCall("menu", args=["m1", menu], keys=["", "2", "1"])  # no key, then 2 → submenu → 1
    person = AgiCall("menu", args=["m2", menu], keys=["9", "0"])  # an unknown key, then 0
    transfer = AgiCall("menu", args=["m3", menu], keys=["2", "5"])
    silent = AgiCall("menu", args=["m4", menu], keys=["", ""])  # nothing: the default, a person
    converse(consult, person, transfer, silent)

    assert consult.variables == {"HOTLINE_QUEUE": "consult", "HOTLINE_AGENT": "", "HOTLINE_NEXT": "queue"}
    assert consult.played == ["hotline/welcome", "hotline/welcome", "silence/1"]
    assert consult.commands[0] == "GET DATA hotline/welcome 5000 1"
    assert person.variables == {"HOTLINE_NEXT": "queue"}
    assert person.played == ["hotline/welcome", "hotline/invalid", "hotline/welcome"]
    assert transfer.variables == {"HOTLINE_TARGET": "6001", "HOTLINE_NEXT": "transfer"}
    assert silent.variables == {"HOTLINE_NEXT": "queue"}


def test_progress_by_number_and_query_code(users: dict[str, Any]) -> None:
    ticket = register(users["agent"])
    right = AgiCall("progress", args=["p1"], keys=[f"{ticket.number}#", f"{ticket.query_code}"])
    wrong_code = "000000" if ticket.query_code != "000000" else "111111"
    wrong = AgiCall("progress", args=["p2"], keys=[f"{ticket.number}#", wrong_code] * 3)
    missing = AgiCall("progress", args=["p3"], keys=["20990101000001#", ticket.query_code, HANGUP])
    converse(right, wrong, missing)

    assert right.variables == {"HOTLINE_PROGRESS": "open"}
    assert right.played[-1] == "hotline/progress-open"
    assert wrong.variables == {"HOTLINE_PROGRESS": "not_found"}
    assert wrong.played.count("hotline/progress-not-found") == 3 and len(wrong.commands) == 12
    # a missing ticket is answered as a wrong code; hanging up ends the query
    assert missing.played[:3] == [
        "hotline/progress-number",
        "hotline/progress-code",
        "hotline/progress-not-found",
    ]
    assert missing.dead


def test_a_message_after_hours_becomes_a_callback_task(settings: Any) -> None:
    call = AgiCall("message", args=["1771293600.7"], record_seconds=14, hangup_in_record=True)
    converse(call)

    folder = f"messages/{timezone.localdate():%Y/%m/%d}"
    assert call.recorded == [f"/var/spool/asterisk/monitor/{folder}/msg-1771293600.7.wav"]
    assert call.commands[1].endswith(" wav # 120000 0 BEEP s=5")
    task = CallbackTask.objects.get()
    assert (task.kind, task.channel, task.phone, task.call.call_id) == (  # type: ignore[union-attr]
        TaskKind.MESSAGE,
        "voice",
        "+8613812345678",
        "1771293600.7",
    )
    assert f"{folder}/msg-1771293600.7.wav" in task.note and "14 秒" in task.note
    expected_due = timezone.now() + timedelta(hours=settings.HOTLINE_CALLBACK_HOURS)
    assert abs((task.due_at - expected_due).total_seconds()) < 60
    assert Call.objects.get(call_id="1771293600.7").recording == f"{folder}/msg-1771293600.7.wav"

    converse(AgiCall("message", args=["1771293600.7"], record_seconds=20))  # again: nothing new
    assert CallbackTask.objects.count() == 1
    # the caller hangs up unanswered after the message: no second, "missed" task
    services.apply_event(
        services.Incoming(source="ami", kind="hangup", call_id="1771293600.7", cause="normal")
    )
    assert Call.objects.get(call_id="1771293600.7").outcome == CallOutcome.MISSED
    assert CallbackTask.objects.count() == 1


def test_a_survey_key_lands_on_the_call_and_its_ticket(users: dict[str, Any]) -> None:
    services.apply_event(
        services.Incoming(source="http", kind="newCall", call_id="s1", from_number="13812345678")
    )
    call = Call.objects.get(call_id="s1")
    ticket = register(users["agent"])
    services.link_ticket(call=call, ticket=ticket, relation=CallTicket.Relation.REGISTERED, by=users["agent"])

    survey = AgiCall("survey", args=["s1"], context="hotline-survey", extension="s", keys=["7", "2"])
    unknown = AgiCall("survey", args=["nobody"], context="hotline-survey", extension="s", keys=["1"])
    converse(survey, unknown)

    assert survey.played == ["hotline/survey", "hotline/invalid", "hotline/survey", "hotline/survey-thanks"]
    assert survey.variables == {"HOTLINE_SURVEY": "2"}
    call.refresh_from_db()
    assert call.survey_score == 2 and call.survey_at is not None
    event = TicketEvent.objects.get(ticket=ticket, action="keypad_survey")
    assert event.payload["digit"] == 2 and event.payload["call_id"] == "s1"
    assert not Call.objects.filter(call_id="nobody").exists()  # a survey makes no call


def test_malformed_requests_unknown_scripts_and_hang_ups_never_stop_the_server(number: HotlineNumber) -> None:
    garbage = AgiCall("route", raw=b"GET / HTTP/1.1\nHost: x\n\n")
    unknown = AgiCall("reboot", args=["u1"])
    gone = AgiCall("menu", args=["h1", str(number.working_menu_id)], keys=[HANGUP])
    fine = AgiCall("route", args=["ok1"], uniqueid="ok1")
    server = converse(garbage, unknown, gone, fine, clock=lambda: local("2026-02-14 10:00"))

    assert garbage.commands == ["HANGUP"] and unknown.commands == ["HANGUP"]
    assert gone.dead and gone.variables == {}
    assert fine.variables["HOTLINE_FLOW"] == "working"
    assert (server.sessions, server.rejected, server.failures) == (4, 2, 0)
