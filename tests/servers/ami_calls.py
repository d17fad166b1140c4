"""The AMI event sequences of real calls, for the test server (``tests.servers.ami``).

Fields as documented for Asterisk 18 and 20 (docs.asterisk.org, AMI Events); every event
carries ``_at`` (a Unix time the server sends as ``Timestamp``) and may carry ``_vars``
(channel variables set without an event, read back with Getvar).

``QueueCall`` writes the event sequences a queue call produces, in the order app_queue
raises them as far as its documentation and flow tell (a real capture should confirm): the
caller's channel and QueueCallerJoin; per ring a member channel and AgentCalled (and
AgentRingNoAnswer when nobody picks up); on answer QueueCallerLeave (the caller leaves the
queue when connected), AgentConnect, BridgeEnter for both channels; the recording as
VarSet MIXMONITOR_FILENAME or MixMonitorStart; the end as Hangup of the caller's channel,
AgentComplete (Reason caller) and the member channel's Hangup; or, abandoned,
QueueCallerAbandon and Hangup. ``OutboundCall`` writes a click-to-call (Originate with
``ChannelId``): the agent's channel, DialBegin/DialEnd to the trunk, the bridge, hangups.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


def _state(code: int) -> tuple[str, str]:
    return str(code), {0: "Down", 4: "Ring", 5: "Ringing", 6: "Up"}[code]


@dataclass
class QueueCall:
    """The AMI events of one inbound queue call. Times are offsets in seconds from
    ``start`` (default: ten minutes ago, so every scripted moment is in the past)."""

    linkedid: str = "1714546800.101"
    caller: str = "13800138000"
    caller_name: str = "张先生"
    did: str = "12345"
    queue: str = "hotline"
    trunk: str = "PJSIP/trunk"
    context: str = "from-trunk"
    start: float = field(default_factory=lambda: time.time() - 600)
    _seq: int = 0
    _agent: dict[str, str] = field(default_factory=dict)

    @property
    def channel(self) -> str:
        return f"{self.trunk}-{int(self.linkedid.split('.')[-1]):08x}"

    def _next_uid(self) -> str:
        self._seq += 1
        head, _, tail = self.linkedid.rpartition(".")
        return f"{head}.{int(tail) + self._seq}"

    def _caller(self, state: int = 6, connected: tuple[str, str] = ("", "")) -> dict[str, str]:
        code, desc = _state(state)
        return {
            "Channel": self.channel,
            "ChannelState": code,
            "ChannelStateDesc": desc,
            "CallerIDNum": self.caller,
            "CallerIDName": self.caller_name,
            "ConnectedLineNum": connected[0] or "<unknown>",
            "ConnectedLineName": connected[1] or "<unknown>",
            "Language": "zh",
            "AccountCode": "",
            "Context": self.context,
            "Exten": self.did,
            "Priority": "3",
            "Uniqueid": self.linkedid,
            "Linkedid": self.linkedid,
        }

    def _member(self, agent: dict[str, str], state: int) -> dict[str, str]:
        code, desc = _state(state)
        return {
            "DestChannel": agent["channel"],
            "DestChannelState": code,
            "DestChannelStateDesc": desc,
            "DestCallerIDNum": agent["extension"],
            "DestCallerIDName": agent["member"],
            "DestConnectedLineNum": self.caller,
            "DestConnectedLineName": self.caller_name,
            "DestLanguage": "zh",
            "DestAccountCode": "",
            "DestContext": "from-internal",
            "DestExten": agent["extension"],
            "DestPriority": "1",
            "DestUniqueid": agent["uniqueid"],
            "DestLinkedid": self.linkedid,
        }

    def _agent_channel(self, agent: dict[str, str], state: int) -> dict[str, str]:
        member = self._member(agent, state)
        return {key[4:]: value for key, value in member.items()}

    def arrive(self, at: float = 0) -> list[dict[str, Any]]:
        """The caller's channel appears and joins the queue."""
        t = self.start + at
        return [
            {"Event": "Newchannel", "_at": t, **self._caller(state=4), "Priority": "1"},
            {
                "Event": "QueueCallerJoin",
                "_at": t + 1,
                **self._caller(),
                "Queue": self.queue,
                "Position": "1",
                "Count": "1",
            },
        ]

    def ring(self, extension: str, member: str, at: float) -> list[dict[str, Any]]:
        """The queue rings a member (``PJSIP/<extension>``)."""
        uid = self._next_uid()
        self._agent = {
            "extension": extension,
            "member": member,
            "uniqueid": uid,
            "channel": f"PJSIP/{extension}-{int(uid.split('.')[-1]):08x}",
            "rang_at": str(at),
            "ringing": "1",
        }
        t = self.start + at
        agent = self._agent
        return [
            {"Event": "Newchannel", "_at": t, **self._agent_channel(agent, 0)},
            {
                "Event": "AgentCalled",
                "_at": t,
                **self._caller(),
                **self._member(agent, 5),
                "Queue": self.queue,
                "MemberName": member,
                "Interface": f"PJSIP/{extension}",
            },
        ]

    def no_answer(self, at: float) -> list[dict[str, Any]]:
        """The member rang out (the queue's timeout) and its channel is hung up."""
        agent, t = self._agent, self.start + at
        agent["ringing"] = ""
        return [
            {
                "Event": "AgentRingNoAnswer",
                "_at": t,
                **self._caller(),
                **self._member(agent, 5),
                "Queue": self.queue,
                "MemberName": agent["member"],
                "Interface": f"PJSIP/{agent['extension']}",
                "RingTime": str(int(at - float(agent["rang_at"]))),
            },
            {
                "Event": "Hangup",
                "_at": t,
                **self._agent_channel(agent, 5),
                "Cause": "16",
                "Cause-txt": "Normal Clearing",
            },
        ]

    def connect(self, at: float) -> list[dict[str, Any]]:
        """The member answers: the caller leaves the queue and both are bridged."""
        agent, t = self._agent, self.start + at
        connected = (agent["extension"], agent["member"])
        bridge = f"bridge-{self.linkedid}"
        common = {
            **self._caller(connected=connected),
            **self._member(agent, 6),
            "Queue": self.queue,
            "MemberName": agent["member"],
            "Interface": f"PJSIP/{agent['extension']}",
        }
        self._agent["answered_at"] = str(at)
        self._agent["ringing"] = ""
        return [
            {"Event": "Newstate", "_at": t, **self._agent_channel(agent, 6)},
            {
                "Event": "QueueCallerLeave",
                "_at": t,
                **self._caller(connected=connected),
                "Queue": self.queue,
                "Position": "1",
                "Count": "0",
            },
            {
                "Event": "AgentConnect",
                "_at": t,
                **common,
                "RingTime": str(int(at - float(agent["rang_at"]))),
                "HoldTime": str(int(at)),
            },
            {
                "Event": "BridgeEnter",
                "_at": t,
                "BridgeUniqueid": bridge,
                "BridgeType": "basic",
                **self._caller(connected=connected),
            },
            {
                "Event": "BridgeEnter",
                "_at": t,
                "BridgeUniqueid": bridge,
                "BridgeType": "basic",
                **self._agent_channel(agent, 6),
            },
        ]

    def record(self, path: str, at: float) -> list[dict[str, Any]]:
        """MixMonitor on the caller's channel, seen as VarSet MIXMONITOR_FILENAME."""
        return [
            {
                "Event": "VarSet",
                "_at": self.start + at,
                **self._caller(),
                "Variable": "MIXMONITOR_FILENAME",
                "Value": path,
            }
        ]

    def record_quietly(self, path: str, at: float) -> list[dict[str, Any]]:
        """MixMonitor seen only as MixMonitorStart (VarSet filtered out in manager.conf):
        the file name is a channel variable a client reads with Getvar."""
        return [
            {
                "Event": "MixMonitorStart",
                "_at": self.start + at,
                **self._caller(),
                "_vars": {"MIXMONITOR_FILENAME": path},
            }
        ]

    def caller_hangs_up(self, at: float) -> list[dict[str, Any]]:
        agent, t = self._agent, self.start + at
        connected = (agent["extension"], agent["member"])
        answered = float(agent["answered_at"])
        return [
            {
                "Event": "Hangup",
                "_at": t,
                **self._caller(connected=connected),
                "Cause": "16",
                "Cause-txt": "Normal Clearing",
            },
            {
                "Event": "AgentComplete",
                "_at": t,
                **self._caller(connected=connected),
                **self._member(agent, 6),
                "Queue": self.queue,
                "MemberName": agent["member"],
                "Interface": f"PJSIP/{agent['extension']}",
                "HoldTime": str(int(answered)),
                "TalkTime": str(int(at - answered)),
                "Reason": "caller",
            },
            {
                "Event": "Hangup",
                "_at": t,
                **self._agent_channel(agent, 6),
                "Cause": "16",
                "Cause-txt": "Normal Clearing",
            },
        ]

    def abandon(self, at: float) -> list[dict[str, Any]]:
        """The caller hangs up while waiting in the queue (a member still ringing is
        hung up with it)."""
        t = self.start + at
        events: list[dict[str, Any]] = [
            {
                "Event": "QueueCallerAbandon",
                "_at": t,
                **self._caller(),
                "Queue": self.queue,
                "Position": "1",
                "OriginalPosition": "1",
                "HoldTime": str(int(at)),
            }
        ]
        if self._agent.get("ringing"):
            self._agent["ringing"] = ""
            events.append(
                {
                    "Event": "Hangup",
                    "_at": t,
                    **self._agent_channel(self._agent, 5),
                    "Cause": "16",
                    "Cause-txt": "Normal Clearing",
                }
            )
        events.append(
            {"Event": "Hangup", "_at": t, **self._caller(), "Cause": "16", "Cause-txt": "Normal Clearing"}
        )
        return events


@dataclass
class OutboundCall:
    """The AMI events of a click-to-call: Originate rings the agent's phone (its channel's
    Uniqueid is the Originate's ChannelId, Hotline's call id), the agent answers, the
    dialplan dials the number on the trunk."""

    call_id: str
    extension: str
    number: str
    trunk: str = "PJSIP/trunk"
    start: float = field(default_factory=lambda: time.time() - 600)

    def _agent(self, state: int) -> dict[str, str]:
        code, desc = _state(state)
        return {
            "Channel": f"PJSIP/{self.extension}-0000001a",
            "ChannelState": code,
            "ChannelStateDesc": desc,
            "CallerIDNum": self.extension,
            "CallerIDName": "",
            "ConnectedLineNum": self.number,
            "ConnectedLineName": "<unknown>",
            "Language": "zh",
            "AccountCode": "",
            "Context": "from-internal",
            "Exten": self.number,
            "Priority": "1",
            "Uniqueid": self.call_id,
            "Linkedid": self.call_id,
        }

    def _trunk(self, state: int, prefix: str = "") -> dict[str, str]:
        code, desc = _state(state)
        fields = {
            "Channel": f"{self.trunk}-0000001b",
            "ChannelState": code,
            "ChannelStateDesc": desc,
            "CallerIDNum": self.number,
            "CallerIDName": "",
            "ConnectedLineNum": self.extension,
            "ConnectedLineName": "",
            "Language": "zh",
            "AccountCode": "",
            "Context": "from-trunk",
            "Exten": self.number,
            "Priority": "1",
            "Uniqueid": f"{self.call_id}-trunk",
            "Linkedid": self.call_id,
        }
        return {f"{prefix}{k}": v for k, v in fields.items()}

    def agent_answers(self, at: float = 0) -> list[dict[str, Any]]:
        t = self.start + at
        return [
            {"Event": "Newchannel", "_at": t, **self._agent(0)},
            {
                "Event": "VarSet",
                "_at": t,
                **self._agent(0),
                "Variable": "HOTLINE_CALL_ID",
                "Value": self.call_id,
            },
            {"Event": "Newstate", "_at": t + 3, **self._agent(6)},
        ]

    def dial(self, at: float) -> list[dict[str, Any]]:
        t = self.start + at
        return [
            {"Event": "Newchannel", "_at": t, **self._trunk(0)},
            {
                "Event": "DialBegin",
                "_at": t,
                **self._agent(6),
                **self._trunk(0, "Dest"),
                "DialString": f"trunk/{self.number}",
            },
        ]

    def answered(self, at: float) -> list[dict[str, Any]]:
        t = self.start + at
        return [
            {
                "Event": "DialEnd",
                "_at": t,
                **self._agent(6),
                **self._trunk(6, "Dest"),
                "DialStatus": "ANSWER",
            },
            {"Event": "BridgeEnter", "_at": t, "BridgeUniqueid": f"bridge-{self.call_id}", **self._agent(6)},
            {"Event": "BridgeEnter", "_at": t, "BridgeUniqueid": f"bridge-{self.call_id}", **self._trunk(6)},
        ]

    def busy(self, at: float) -> list[dict[str, Any]]:
        t = self.start + at
        return [
            {"Event": "DialEnd", "_at": t, **self._agent(6), **self._trunk(0, "Dest"), "DialStatus": "BUSY"},
            {"Event": "Hangup", "_at": t, **self._trunk(0), "Cause": "17", "Cause-txt": "User busy"},
        ]

    def hang_up(self, at: float) -> list[dict[str, Any]]:
        t = self.start + at
        return [
            {"Event": "Hangup", "_at": t, **self._trunk(6), "Cause": "16", "Cause-txt": "Normal Clearing"},
            {"Event": "Hangup", "_at": t, **self._agent(6), "Cause": "16", "Cause-txt": "Normal Clearing"},
        ]
