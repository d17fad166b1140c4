"""The AMI listener against the protocol test server: queue calls become calls; a
dropped connection is reconnected with backoff and loses or doubles nothing."""

from __future__ import annotations

import random
from typing import Any

import pytest

from hotline.callers.services import blocklist_decide, blocklist_request
from hotline.telephony import services
from hotline.telephony.ami.listener import Config, backoff_delay
from hotline.telephony.models import (
    Agent,
    Call,
    CallbackTask,
    CallEvent,
    CallOutcome,
    CallStatus,
    Push,
    TaskKind,
)
from tests.conftest import PASSWORD
from tests.servers.ami import AmiServer
from tests.servers.ami_calls import QueueCall
from tests.telephony.conftest import drive, listener_for, off_loop, until

pytestmark = pytest.mark.django_db

MONITOR = "/var/spool/asterisk/monitor"


@pytest.fixture
def agents(users: dict[str, Any]) -> dict[str, Agent]:
    """Two agents signed in at extensions 1001 and 1002 (staff numbers A001, A002)."""
    Agent.objects.create(user=users["agent"], staff_no="A001")
    Agent.objects.create(user=users["teamlead"], staff_no="A002")
    return {
        "1001": services.agent_sign_in(
            user=users["agent"], staff_no="A001", extension="1001", password=PASSWORD
        ),
        "1002": services.agent_sign_in(
            user=users["teamlead"], staff_no="A002", extension="1002", password=PASSWORD
        ),
    }


def _call(call_id: str) -> Call | None:
    return Call.objects.filter(call_id=call_id).first()


def _ended(call_id: str) -> Call | None:
    return Call.objects.filter(call_id=call_id, status=CallStatus.ENDED).first()


def test_a_replayed_queue_call_becomes_one_call_with_times_agent_and_recording(
    ami_server: AmiServer, agents: dict[str, Agent]
) -> None:
    call = QueueCall(linkedid="1714546800.101")
    events = (
        call.arrive(0)
        + call.ring("1001", "A001", 5)
        + call.connect(12)
        + call.record(f"{MONITOR}/2024/05/01/in-1714546800.101.wav", 12)
        + call.caller_hangs_up(95)
    )
    listener = listener_for(ami_server)

    async def scenario() -> None:
        await until(lambda: listener.snapshots >= 1, what="the first snapshot")
        await off_loop(ami_server.play, events)
        await until(lambda: _ended(call.linkedid), what="the call to end")
        # the same events again (a replay): all duplicates, nothing written
        applied = listener.applied
        await off_loop(ami_server.play, events)
        await until(lambda: listener.duplicates >= 5, what="the replay")
        assert listener.applied == applied

    drive(listener, scenario)
    row = Call.objects.get(call_id=call.linkedid)
    assert (row.status, row.outcome, row.direction) == (CallStatus.ENDED, CallOutcome.ANSWERED, "in")
    assert (row.from_raw, row.to_raw, row.caller, row.queue) == (
        "13800138000",
        "12345",
        "+8613800138000",
        "hotline",
    )
    assert row.agent_id == agents["1001"].user_id and row.extension == "1001"
    assert (row.wait_seconds, row.talk_seconds) == (11, 83)  # joined at +1, answered +12, ended +95
    assert row.cause == "Normal Clearing"
    assert row.recording == "2024/05/01/in-1714546800.101.wav"
    kinds = list(
        CallEvent.objects.filter(call=row).order_by("occurred_at", "pk").values_list("kind", flat=True)
    )
    assert kinds == ["newCall", "ringing", "answer", "recording", "hangup"]
    assert all(e.source == "ami" and e.payload["Linkedid"] == call.linkedid for e in row.events.all())
    assert Push.objects.filter(user=agents["1001"].user, kind="pop", payload__call=row.pk).count() == 1
    assert not CallbackTask.objects.filter(call=row).exists()
    assert listener.logins == 1 and listener.disconnects == 1  # the shutdown's Logoff
    assert ami_server.actions_named("Logoff")


def test_an_abandoned_call_is_abandoned_with_one_callback_task(
    ami_server: AmiServer, agents: dict[str, Agent]
) -> None:
    call = QueueCall(linkedid="1714546900.7", caller="13912345678")
    listener = listener_for(ami_server)

    async def scenario() -> None:
        await until(lambda: listener.snapshots >= 1, what="the first snapshot")
        await off_loop(ami_server.play, call.arrive(0) + call.ring("1001", "A001", 3) + call.abandon(40))
        await until(lambda: _ended(call.linkedid), what="the call to end")
        await until(lambda: listener.applied >= 4, what="the last Hangup")

    drive(listener, scenario)
    row = Call.objects.get(call_id=call.linkedid)
    assert (row.outcome, row.cause, row.wait_seconds, row.talk_seconds) == (
        CallOutcome.ABANDONED,
        "abandon",
        39,
        None,
    )
    task = CallbackTask.objects.get(call=row)
    assert (task.kind, task.phone) == (TaskKind.MISSED, "+8613912345678")
    # the caller channel's Hangup after QueueCallerAbandon is kept, not applied
    last = row.events.order_by("-pk").first()
    assert last is not None and (last.kind, last.applied) == ("hangup", False)


def test_a_ring_not_answered_then_answered_by_the_next_agent(
    ami_server: AmiServer, agents: dict[str, Agent]
) -> None:
    call = QueueCall(linkedid="1714547000.20")
    events = call.arrive(0) + call.ring("1001", "A001", 2) + call.no_answer(17)
    events += call.ring("1002", "A002", 18) + call.connect(21) + call.caller_hangs_up(60)
    listener = listener_for(ami_server)

    async def scenario() -> None:
        await until(lambda: listener.snapshots >= 1, what="the first snapshot")
        await off_loop(ami_server.play, events)
        await until(lambda: _ended(call.linkedid), what="the call to end")

    drive(listener, scenario)
    row = Call.objects.get(call_id=call.linkedid)
    assert row.agent_id == agents["1002"].user_id and row.outcome == CallOutcome.ANSWERED
    assert row.talk_seconds == 39
    popped = set(Push.objects.filter(kind="pop", payload__call=row.pk).values_list("user_id", flat=True))
    assert popped == {agents["1001"].user_id, agents["1002"].user_id}


def test_mixmonitor_start_without_varset_is_read_with_getvar(
    ami_server: AmiServer, agents: dict[str, Agent]
) -> None:
    call = QueueCall(linkedid="1714547100.3")
    listener = listener_for(ami_server)

    async def scenario() -> None:
        await until(lambda: listener.snapshots >= 1, what="the first snapshot")
        events = call.arrive(0) + call.ring("1001", "A001", 2) + call.connect(5)
        events += call.record_quietly(f"{MONITOR}/q/{call.linkedid}.wav", 5)
        await off_loop(ami_server.play, events)
        await until(lambda: (_call(call.linkedid) or Call()).recording, what="the recording")

    drive(listener, scenario)
    getvar = ami_server.actions_named("Getvar")[-1]
    assert (getvar["Channel"], getvar["Variable"]) == (call.channel, "MIXMONITOR_FILENAME")
    assert Call.objects.get(call_id=call.linkedid).recording == f"q/{call.linkedid}.wav"


def test_a_dropped_connection_is_reconnected_and_the_call_ends_from_later_events(
    ami_server: AmiServer, agents: dict[str, Agent]
) -> None:
    call = QueueCall(linkedid="1714547200.40")
    listener = listener_for(ami_server)

    async def scenario() -> None:
        await until(lambda: listener.snapshots >= 1, what="the first snapshot")
        await off_loop(ami_server.play, call.arrive(0) + call.ring("1001", "A001", 2) + call.connect(6))
        await until(lambda: (_call(call.linkedid) or Call()).status == CallStatus.ANSWERED, what="the answer")
        await off_loop(ami_server.drop)
        # reconnected: logged in again, and the snapshot (the call still live) changed nothing
        await until(lambda: listener.logins >= 2 and listener.snapshots >= 2, what="the reconnect")
        assert listener.reconciled == 0
        await off_loop(ami_server.play, call.caller_hangs_up(50))
        await until(lambda: _ended(call.linkedid), what="the call to end")

    drive(listener, scenario)
    row = Call.objects.get(call_id=call.linkedid)
    assert (row.outcome, row.cause, row.talk_seconds) == (CallOutcome.ANSWERED, "Normal Clearing", 44)
    assert listener.disconnects >= 2
    kinds = list(row.events.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["newCall", "ringing", "answer", "hangup"]  # nothing lost, nothing twice
    assert len(ami_server.actions_named("CoreShowChannels")) >= 2


def test_a_call_that_ended_while_the_pbx_was_unreachable_is_reconciled(
    ami_server: AmiServer, agents: dict[str, Agent]
) -> None:
    gone = QueueCall(linkedid="1714547300.50")
    stays = QueueCall(linkedid="1714547301.60", caller="13700137000", trunk="PJSIP/trunk2")
    listener = listener_for(ami_server)

    async def scenario() -> None:
        await until(lambda: listener.snapshots >= 1, what="the first snapshot")
        both = gone.arrive(0) + gone.ring("1001", "A001", 2) + gone.connect(6)
        both += stays.arrive(1) + stays.ring("1002", "A002", 3) + stays.connect(7)
        await off_loop(ami_server.play, both)
        await until(
            lambda: Call.objects.filter(status=CallStatus.ANSWERED).count() == 2, what="both calls answered"
        )
        await off_loop(ami_server.refuse)  # the PBX is gone: connections refused
        failures = listener.failures
        await until(lambda: listener.failures >= failures + 2, what="reconnect attempts while refused")
        await off_loop(ami_server.play, gone.caller_hangs_up(60))  # nobody hears it
        await off_loop(ami_server.accept)
        await until(lambda: listener.logins >= 2 and listener.snapshots >= 2, what="the reconnect")
        await until(lambda: _ended(gone.linkedid), what="the reconcile")

    drive(listener, scenario)
    ended = Call.objects.get(call_id=gone.linkedid)
    assert (ended.status, ended.outcome, ended.cause) == (
        CallStatus.ENDED,
        CallOutcome.ANSWERED,
        "reconciled",
    )
    assert Call.objects.get(call_id=stays.linkedid).status == CallStatus.ANSWERED  # still live at the PBX
    assert listener.reconciled == 1
    assert ended.events.filter(kind="hangup").count() == 1


def test_a_blocked_number_is_hung_up_at_the_pbx(
    ami_server: AmiServer, agents: dict[str, Agent], users: dict[str, Any]
) -> None:
    entry = blocklist_request(phone="13912345678", reason="骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"], note="")
    call = QueueCall(linkedid="1714547400.9", caller="13912345678")
    listener = listener_for(ami_server)

    async def scenario() -> None:
        await until(lambda: listener.snapshots >= 1, what="the first snapshot")
        await off_loop(ami_server.play, call.arrive(0))
        await until(lambda: ami_server.actions_named("Hangup"), what="the Hangup action")
        await until(lambda: listener.applied >= 2, what="the channel's Hangup event")

    drive(listener, scenario)
    hangup = ami_server.actions_named("Hangup")[-1]
    assert (hangup["Channel"], hangup["Cause"]) == (call.channel, "21")
    row = Call.objects.get(call_id=call.linkedid)
    assert (row.outcome, row.status) == (CallOutcome.BLOCKED, CallStatus.ENDED)
    assert not CallbackTask.objects.filter(call=row).exists()
    assert listener.rejected == 1


def test_a_refused_login_is_retried_with_backoff_and_logged(
    ami_server: AmiServer, caplog: pytest.LogCaptureFixture
) -> None:
    listener = listener_for(ami_server, secret="wrong")

    async def scenario() -> None:
        await until(lambda: listener.failures >= 3, what="three refused logins")

    drive(listener, scenario)
    assert listener.logins == 0 and ami_server.failed_logins >= 3
    assert "登录被拒绝" in caplog.text


def test_backoff_doubles_from_one_second_to_thirty_with_jitter() -> None:
    config = Config(host="h", port=1, username="u", secret="s", jitter=0.0)
    assert [backoff_delay(n, config, random.Random(1)) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    jittery = Config(host="h", port=1, username="u", secret="s")
    rng = random.Random(7)
    for n, base in enumerate([1, 2, 4, 8, 16]):
        delays = {backoff_delay(n, jittery, rng) for _ in range(50)}
        assert all(base * 0.8 <= d <= base * 1.2 for d in delays) and len(delays) > 1
    assert all(backoff_delay(9, jittery, rng) <= 30 for _ in range(50))


def test_a_connection_that_stops_answering_ping_is_replaced(ami_server: AmiServer) -> None:
    listener = listener_for(ami_server, ping_interval=0.1, timeout=0.5)

    async def scenario() -> None:
        await until(lambda: listener.snapshots >= 1, what="the first snapshot")
        ami_server.silent = True  # the TCP connection stays open, nothing answers
        await until(lambda: listener.disconnects >= 1 and listener.failures >= 1, what="the dead connection")
        ami_server.silent = False
        await until(lambda: listener.logins >= 2 and listener.snapshots >= 2, what="the new connection")

    drive(listener, scenario)
    assert len(ami_server.actions_named("Ping")) >= 1
