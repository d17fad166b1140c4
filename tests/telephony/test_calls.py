"""Call events folded into calls (issue 12 items 1–3, 6): one path for every source."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.callers.models import BlocklistStatus
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
from hotline.telephony.services import Incoming
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(users: dict[str, Any]) -> Agent:
    Agent.objects.create(user=users["agent"], staff_no="1001")
    return services.agent_sign_in(user=users["agent"], staff_no="1001", extension="8001", password=PASSWORD)


def ev(kind: str, call_id: str = "c1", at: Any = None, **kw: Any) -> Incoming:
    return Incoming(source="http", kind=kind, call_id=call_id, at=at, **kw)


def test_a_queue_call_rings_is_answered_and_ends_with_its_times(agent: Agent) -> None:
    t0 = timezone.now()
    new = services.apply_event(
        ev("newCall", at=t0, from_number="13812345678", to_number="12345", queue="hotline")
    )
    assert new.action == "" and not new.duplicate
    call = new.call
    assert call is not None and call.caller == "+8613812345678" and call.area == "江苏省连云港市"
    assert call.status == CallStatus.RINGING and call.queue == "hotline"

    services.apply_event(ev("ringing", at=t0 + timedelta(seconds=5), extension="8001"))
    pop = Push.objects.get(user=agent.user, kind="pop")
    assert pop.payload["call"] == call.pk and pop.payload["caller"] == "+8613812345678"

    services.apply_event(ev("answer", at=t0 + timedelta(seconds=9), extension="8001"))
    agent.refresh_from_db()
    assert agent.state == AgentState.BUSY
    services.apply_event(ev("hangup", at=t0 + timedelta(seconds=129), cause="normalClearing"))
    call.refresh_from_db()
    assert (call.status, call.outcome, call.agent_id, call.extension) == (
        CallStatus.ENDED,
        CallOutcome.ANSWERED,
        agent.user_id,
        "8001",
    )
    assert (call.wait_seconds, call.talk_seconds) == (9, 120)
    agent.refresh_from_db()
    assert agent.state == AgentState.WRAPUP
    assert agent.wrapup_until == t0 + timedelta(seconds=129 + 30)
    assert CallEvent.objects.filter(call=call).count() == 4
    assert not CallbackTask.objects.exists()  # an answered call needs no callback


def test_a_retried_event_is_recorded_once_and_changes_nothing(agent: Agent) -> None:
    t0 = timezone.now()
    services.apply_event(ev("newCall", at=t0, from_number="13812345678", to_number="12345"))
    services.apply_event(ev("answer", at=t0, extension="8001"))
    first = services.apply_event(ev("hangup", at=t0 + timedelta(seconds=60)))
    again = services.apply_event(ev("hangup", at=t0 + timedelta(seconds=90)))
    assert not first.duplicate and again.duplicate
    call = Call.objects.get()
    assert call.talk_seconds == 60 and CallEvent.objects.count() == 3


def test_a_blocked_number_is_rejected_at_new_call_and_again_on_retry(users: dict[str, Any]) -> None:
    entry = blocklist_request(phone="13912345678", reason="骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"], note="")
    entry.refresh_from_db()
    assert entry.status == BlocklistStatus.ACTIVE
    result = services.apply_event(ev("newCall", from_number="139 1234 5678", to_number="12345"))
    assert result.action == "reject"
    assert result.call is not None and result.call.outcome == CallOutcome.BLOCKED
    assert result.call.status == CallStatus.ENDED
    assert (
        services.apply_event(ev("newCall", from_number="13912345678", to_number="12345")).action == "reject"
    )
    assert not CallbackTask.objects.exists()  # a blocked call is not returned


def test_a_missed_call_becomes_one_callback_task_with_a_deadline() -> None:
    t0 = timezone.now()
    services.apply_event(ev("newCall", at=t0, from_number="010-12345678", to_number="12345"))
    services.apply_event(ev("hangup", at=t0 + timedelta(seconds=40), cause="noAnswer"))
    services.apply_event(ev("hangup", at=t0 + timedelta(seconds=41), cause="noAnswer"))  # retried
    task = CallbackTask.objects.get()
    assert (task.kind, task.phone, task.due_at) == (
        TaskKind.MISSED,
        "+861012345678",
        t0 + timedelta(seconds=40, hours=2),
    )
    assert Call.objects.get().outcome == CallOutcome.MISSED


def test_a_caller_who_hangs_up_in_the_queue_abandoned() -> None:
    services.apply_event(ev("newCall", from_number="13812345678", to_number="12345"))
    services.apply_event(ev("hangup", cause="cancel"))
    call = Call.objects.get()
    assert call.outcome == CallOutcome.ABANDONED and CallbackTask.objects.get().call == call


def test_an_anonymous_caller_is_kept_raw_and_no_task_is_made() -> None:
    services.apply_event(ev("newCall", from_number="anonymous", to_number="12345"))
    services.apply_event(ev("hangup", cause="cancel"))
    call = Call.objects.get()
    assert (call.from_raw, call.caller, call.area) == ("anonymous", "", "")
    assert not CallbackTask.objects.exists()


def test_events_out_of_order_still_make_one_call_and_odd_ones_are_kept_not_applied(agent: Agent) -> None:
    t0 = timezone.now()
    services.apply_event(ev("answer", at=t0 + timedelta(seconds=3), extension="8001"))
    services.apply_event(ev("newCall", at=t0, from_number="13812345678", to_number="12345"))
    services.apply_event(ev("hangup", at=t0 + timedelta(seconds=10)))
    late = services.apply_event(ev("answer", at=t0 + timedelta(seconds=11), extension="8002"))
    call = Call.objects.get()
    assert call.started_at == t0 and call.caller == "+8613812345678" and call.outcome == CallOutcome.ANSWERED
    kept = CallEvent.objects.get(dedupe="http:c1:answer:8002:")
    assert late.call == call and not kept.applied and kept.note == "call already ended"


def test_the_recording_name_stays_inside_the_recordings_folder(agent: Agent) -> None:
    services.apply_event(ev("newCall", from_number="13812345678"))
    services.apply_event(ev("recording", recording="../../etc/passwd"))
    assert Call.objects.get().recording == ""
    services.apply_event(ev("recording", recording="2026/11/30/c1.wav"))
    assert Call.objects.get().recording == "2026/11/30/c1.wav"


def test_bad_events_are_refused_with_a_code() -> None:
    from hotline.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as missing:
        services.apply_event(ev("newCall", call_id=" "))
    with pytest.raises(InvalidInput) as unknown:
        services.apply_event(ev("transfer"))
    assert missing.value.code == unknown.value.code == "cti_event_invalid"
    assert not CallEvent.objects.exists()


def test_reconcile_ends_the_calls_the_pbx_no_longer_has(agent: Agent) -> None:
    t0 = timezone.now()
    for cid in ("live", "gone"):
        services.apply_event(
            Incoming(source="ami", kind="newCall", call_id=cid, at=t0, from_number="13812345678")
        )
    services.apply_event(Incoming(source="ami", kind="answer", call_id="gone", at=t0, extension="8001"))
    assert services.reconcile(["live"], "ami") == 1
    assert services.reconcile(["live"], "ami") == 0  # again: nothing more
    gone, live = Call.objects.get(call_id="gone"), Call.objects.get(call_id="live")
    assert (
        gone.status == CallStatus.ENDED
        and gone.cause == "reconciled"
        and gone.outcome == CallOutcome.ANSWERED
    )
    assert live.status == CallStatus.RINGING
    agent.refresh_from_db()
    assert agent.state == AgentState.WRAPUP


def test_a_pop_reaches_named_agents_once_per_call(users: dict[str, Any], agent: Agent) -> None:
    Agent.objects.create(user=users["teamlead"], staff_no="1002")
    services.apply_event(ev("newCall", from_number="13812345678", users=("1002", "agent")))
    services.apply_event(ev("ringing", extension="8001"))
    assert sorted(Push.objects.filter(kind="pop").values_list("user__username", flat=True)) == [
        "agent",
        "teamlead",
    ]
    assert [p.kind for p in services.pushes_after(users["agent"], 0)] == ["state", "pop"]  # signed in, rung
    assert services.pushes_after(users["agent"], Push.objects.get(user=users["agent"], kind="pop").pk) == []


def test_reconcile_ends_a_click_to_call_the_pbx_never_reported(users: dict[str, Any], agent: Agent) -> None:
    call = services.click_to_call(actor=users["agent"], phone="13812345678")
    assert services.reconcile([], "ami") == 0  # just dialled: the PBX may still report it
    later = timezone.now() + timedelta(minutes=3)
    assert services.reconcile([], "ami", now=later) == 1
    call.refresh_from_db()
    assert (call.status, call.outcome, call.cause) == (CallStatus.ENDED, CallOutcome.FAILED, "reconciled")
