"""AMI events → Incoming: which events count, with which fields and dedupe keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotline.telephony.ami.client import Message, format_block, parse_block
from hotline.telephony.ami.mapping import (
    Options,
    event_time,
    extension_of,
    map_event,
    needs_recording_lookup,
    recording_event,
    recording_name,
)
from tests.servers.ami_calls import OutboundCall, QueueCall

START = 1714546800.0  # 2024-05-01 07:00:00 UTC


def _stamped(events: list[dict[str, object]]) -> list[Message]:
    """As the server sends them: ``_at`` becomes the Timestamp header."""
    out = []
    for event in events:
        fields = {k: str(v) for k, v in event.items() if not k.startswith("_")}
        fields["Timestamp"] = f"{float(event['_at']):.6f}"  # type: ignore[arg-type]
        out.append(Message(fields))
    return out


@pytest.mark.parametrize(
    ("interface", "extension"),
    [
        ("PJSIP/1001", "1001"),
        ("PJSIP/1001-0000002a", "1001"),
        ("SIP/8001", "8001"),
        ("Local/1001@from-queue/n", "1001"),
        ("PJSIP/agent-a", "agent-a"),
        ("", ""),
    ],
)
def test_extension_of_a_member_interface_or_a_channel(interface: str, extension: str) -> None:
    assert extension_of(interface) == extension


def test_recording_names_are_made_relative_to_the_monitor_folder() -> None:
    assert recording_name("/var/spool/asterisk/monitor/2024/05/a.wav") == "2024/05/a.wav"
    assert recording_name("/rec/x/a.wav", "/rec") == "x/a.wav"
    assert recording_name("a.wav") == "a.wav"
    assert recording_name("/elsewhere/a.wav") == "/elsewhere/a.wav"  # the fold decides


def test_a_queue_call_maps_to_new_call_ringing_answer_recording_hangup() -> None:
    call = QueueCall(linkedid="1714546800.101", start=START)
    events = call.arrive(0) + call.ring("1001", "A001", 5) + call.connect(12)
    events += call.record("/var/spool/asterisk/monitor/r.wav", 12) + call.caller_hangs_up(95)
    mapped = [m for m in (map_event(e) for e in _stamped(events)) if m is not None]
    assert [m.kind for m in mapped] == ["newCall", "ringing", "answer", "recording", "hangup"]
    assert {m.call_id for m in mapped} == {"1714546800.101"} and {m.source for m in mapped} == {"ami"}
    new, ring, answer, recording, hangup = mapped
    assert (new.from_number, new.to_number, new.queue, new.direction) == (
        "13800138000",
        "12345",
        "hotline",
        "in",
    )
    assert new.at == datetime(2024, 5, 1, 7, 0, 1, tzinfo=UTC)
    assert (ring.extension, ring.users, ring.queue) == ("1001", ("A001",), "hotline")
    assert (answer.extension, answer.users) == ("1001", ("A001",))
    assert answer.at == datetime(2024, 5, 1, 7, 0, 12, tzinfo=UTC)
    assert recording.recording == "r.wav"
    assert (hangup.cause, hangup.at) == ("Normal Clearing", datetime(2024, 5, 1, 7, 1, 35, tzinfo=UTC))
    assert hangup.raw["Cause"] == "16" and hangup.raw["Uniqueid"] == "1714546800.101"
    assert len({m.dedupe for m in mapped}) == 5


def test_the_same_event_has_the_same_key_and_two_rings_have_two() -> None:
    call = QueueCall(linkedid="1714546800.7", start=START)
    first = call.ring("1001", "A001", 2)[1]
    call.no_answer(17)
    second = call.ring("1002", "A002", 18)[1]
    a, b, again = map_event(first), map_event(second), map_event(dict(first))
    assert a is not None and b is not None and again is not None
    assert a.dedupe == again.dedupe and a.dedupe != b.dedupe
    assert (b.extension, b.users) == ("1002", ("A002",))


def test_events_the_fold_does_not_need_map_to_nothing() -> None:
    call = QueueCall(linkedid="1714546800.8", start=START)
    events = call.arrive(0) + call.ring("1001", "A001", 2) + call.no_answer(17)
    events += call.ring("1001", "A001", 20) + call.connect(22) + call.caller_hangs_up(30)
    ignored = [e["Event"] for e in events if map_event({k: str(v) for k, v in e.items()}) is None]
    # the caller's Newchannel (no inbound context named), member channels and their Hangup
    assert set(ignored) == {
        "Newchannel",
        "AgentRingNoAnswer",
        "Hangup",
        "Newstate",
        "QueueCallerLeave",
        "BridgeEnter",
        "AgentComplete",
    }
    assert ignored.count("Hangup") == 2  # the two member channels; the caller's is the call's end


def test_an_abandoned_call_hangs_up_with_cause_abandon() -> None:
    call = QueueCall(linkedid="1714546800.9", start=START)
    abandon, hangup = (map_event({k: str(v) for k, v in e.items()}) for e in call.abandon(40))
    assert abandon is not None and (abandon.kind, abandon.cause) == ("hangup", "abandon")
    assert hangup is not None and hangup.kind == "hangup" and hangup.dedupe != abandon.dedupe


def test_newchannel_is_a_new_call_only_in_a_named_inbound_context() -> None:
    call = QueueCall(linkedid="1714546800.10", start=START, context="from-pstn")
    newchannel = {k: str(v) for k, v in call.arrive(0)[0].items()}
    assert map_event(newchannel) is None
    mapped = map_event(newchannel, Options(inbound_contexts=frozenset({"from-pstn"})))
    assert mapped is not None and (mapped.kind, mapped.from_number, mapped.to_number) == (
        "newCall",
        "13800138000",
        "12345",
    )
    member = {k: str(v) for k, v in call.ring("1001", "A001", 3)[0].items()}
    assert map_event(member, Options(inbound_contexts=frozenset({"from-internal"}))) is None  # not the first


def test_a_click_to_call_is_outbound_and_answered_when_the_number_answers() -> None:
    out = OutboundCall(call_id="hotline-abc", extension="1001", number="13800138000", start=START)
    events = out.agent_answers(0) + out.dial(4) + out.answered(9) + out.hang_up(70)
    mapped = [m for m in (map_event(e) for e in _stamped(events)) if m is not None]
    assert [(m.kind, m.direction, m.call_id) for m in mapped] == [
        ("answer", "out", "hotline-abc"),
        ("hangup", "out", "hotline-abc"),
    ]
    assert mapped[0].extension == "1001"
    busy = OutboundCall(call_id="hotline-def", extension="1001", number="13800138000", start=START)
    kinds = [m.kind for m in (map_event(e) for e in _stamped(busy.dial(2) + busy.busy(5))) if m]
    assert kinds == []  # the trunk's busy Hangup is not the call's end; the agent's channel is


def test_mixmonitor_start_asks_for_the_file_name() -> None:
    call = QueueCall(linkedid="1714546800.11", start=START)
    start = {k: str(v) for k, v in call.record_quietly("/var/spool/asterisk/monitor/q.wav", 5)[0].items()}
    assert map_event(start) is None and needs_recording_lookup(start)
    recording = recording_event(start, "/var/spool/asterisk/monitor/q.wav")
    varset = map_event({k: str(v) for k, v in call.record("/var/spool/asterisk/monitor/q.wav", 5)[0].items()})
    assert recording is not None and varset is not None
    assert recording.recording == "q.wav" and recording.dedupe == varset.dedupe  # one recording, however seen


def test_an_event_without_linkedid_or_timestamp() -> None:
    assert map_event({"Event": "Hangup", "Uniqueid": "1.1"}) is None
    assert event_time({"Event": "Hangup"}) is None and event_time({"Timestamp": "nonsense"}) is None


def test_blocks_parse_case_insensitively_and_keep_chinese() -> None:
    message = parse_block("Event: QueueCallerJoin\r\nCallerIDName: 张先生\r\nUniqueID: 1.2\r\n\r\n".encode())
    assert message["uniqueid"] == "1.2" and message.get("CallerIDName") == "张先生"
    assert message.get("Missing") == "" and "event" in message
    assert format_block({"Action": "Originate", "Variable": ["A=1", "B=2"], "CallerID": "x\r\ny"}) == (
        b"Action: Originate\r\nVariable: A=1\r\nVariable: B=2\r\nCallerID: x  y\r\n\r\n"
    )


def test_the_callers_and_the_agents_channels_are_named_for_the_team_leader() -> None:
    """QueueCallerJoin and AgentConnect name the caller's channel (Channel); AgentConnect
    names the agent's (DestChannel); a ring names no agent channel (nobody answered yet)."""
    call = QueueCall(linkedid="1714546800.12", start=START)
    events = call.arrive(0) + call.ring("1001", "A001", 5) + call.connect(12)
    new, ring, answer = [m for m in (map_event(e) for e in _stamped(events)) if m is not None]
    assert call.channel == "PJSIP/trunk-0000000c"
    assert (new.channel, new.peer_channel) == (call.channel, "")
    assert (ring.channel, ring.peer_channel) == (call.channel, "")
    assert (answer.channel, answer.peer_channel) == (call.channel, "PJSIP/1001-0000000d")


def test_a_click_to_calls_agent_channel_is_the_originated_one() -> None:
    out = OutboundCall(call_id="hotline-chan", extension="1001", number="13800138000", start=START)
    (answer,) = [m for m in (map_event(e) for e in _stamped(out.dial(4) + out.answered(9))) if m is not None]
    assert (answer.kind, answer.channel, answer.peer_channel) == (
        "answer",
        "PJSIP/trunk-0000001b",  # the number called: the other party, the call's "caller"
        "PJSIP/1001-0000001a",
    )


def test_a_team_leaders_chanspy_channel_is_no_call() -> None:
    """pbx.spy originates with ChannelId hotline-spy-…: its own Linkedid; nothing maps."""
    spy = {
        "Channel": "PJSIP/8001-00000042",
        "Uniqueid": "hotline-spy-0f",
        "Linkedid": "hotline-spy-0f",
        "Context": "from-internal",
        "Timestamp": f"{START:.6f}",
    }
    for name in ("Newchannel", "Hangup", "DialEnd", "VarSet"):
        assert map_event({"Event": name, "DialStatus": "ANSWER", **spy}) is None


@pytest.mark.django_db
def test_the_fold_keeps_both_channels_on_the_call(users: dict[str, object]) -> None:
    from hotline.telephony.calls import apply_event
    from hotline.telephony.models import Agent, Call

    Agent.objects.create(user=users["agent"], staff_no="A001", extension="1001")
    call = QueueCall(linkedid="1714546800.13", start=START)
    for event in _stamped(call.arrive(0) + call.ring("1001", "A001", 5) + call.connect(12)):
        mapped = map_event(event)
        if mapped is not None:
            apply_event(mapped)
    row = Call.objects.get(call_id="1714546800.13")
    assert (row.status, row.caller_channel, row.agent_channel) == (
        "answered",
        "PJSIP/trunk-0000000d",
        "PJSIP/1001-0000000e",
    )


@pytest.mark.django_db
def test_an_inbound_call_answered_through_dial_moves_to_that_agent(users: dict[str, object]) -> None:
    """A pickup, a transfer or the own agent rung first: the caller's channel dials the agent,
    and DialEnd ANSWER names the agent who has the caller now."""
    from hotline.telephony.calls import apply_event
    from hotline.telephony.models import Agent, Call

    Agent.objects.create(user=users["agent"], staff_no="A001", extension="1001", state="ready")
    Agent.objects.create(user=users["handler"], staff_no="A002", extension="1002", state="ready")
    call = QueueCall(linkedid="1714546800.21", start=START)
    for event in _stamped(call.arrive(0) + call.ring("1001", "A001", 5) + call.connect(12)):
        mapped = map_event(event)
        if mapped is not None:
            apply_event(mapped)
    dial_end = {
        "Event": "DialEnd",
        "DialStatus": "ANSWER",
        "Channel": "PJSIP/trunk-00000021",
        "Uniqueid": "1714546800.21",
        "Linkedid": "1714546800.21",
        "DestChannel": "PJSIP/1002-00000031",
        "DestUniqueid": "1714546800.31",
        "Timestamp": f"{START + 40:.6f}",
    }
    mapped = map_event(dial_end)
    assert mapped is not None and (mapped.kind, mapped.extension, mapped.peer_channel) == (
        "answer",
        "1002",
        "PJSIP/1002-00000031",
    )
    apply_event(mapped)
    row = Call.objects.get(call_id="1714546800.21")
    assert (row.agent_id, row.extension, row.agent_channel) == (
        users["handler"].pk,
        "1002",
        "PJSIP/1002-00000031",
    )
    # a dial that was not answered, or a leg another channel dialled, is nothing
    assert map_event({**dial_end, "DialStatus": "NOANSWER"}) is None
    assert map_event({**dial_end, "Uniqueid": "1714546800.40"}) is None
