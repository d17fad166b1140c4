"""Asterisk AMI events → ``Incoming`` call events (the one fold in ``telephony.calls``).

A call is its ``Linkedid`` (the Uniqueid of the oldest channel of the call: the caller's
channel for an inbound call; for click-to-call the ``ChannelId`` that ``pbx.originate``
gives the agent's channel, which is Hotline's own ``hotline-<uuid>`` call id).

=====================  =========  ==========================================================
AMI event              kind       notes
=====================  =========  ==========================================================
Newchannel             newCall    only a call's first channel in one of the inbound
                                  contexts named by the listener (off by default)
QueueCallerJoin        newCall    from CallerIDNum, to Exten, Queue; the caller's Channel
AgentCalled            ringing    extension from Interface (``PJSIP/1001`` → 1001), the
                                  member name (the agent's staff number) as the user
AgentConnect           answer     same fields; Channel (the caller's) and DestChannel (the
                                  agent's): the team leader's monitor, intercept, hang-up
DialEnd (ANSWER)       answer     click-to-call: the number dialled answered; the agent's
                                  channel is Channel, the called party's DestChannel. An
                                  inbound call: an agent answered a Dial of the caller's
                                  channel (own agent first, a transfer, a pickup, a resume
                                  from hold): the agent at DestChannel's extension
Hangup                 hangup     only the Linkedid's own channel; cause = Cause-txt
QueueCallerAbandon     hangup     cause ``abandon`` (the caller gave up waiting)
VarSet                 recording  Variable MIXMONITOR_FILENAME; the file name is made
                                  relative to Asterisk's monitor folder
MixMonitorStart        recording  carries no file name: the listener asks ``Getvar
                                  MIXMONITOR_FILENAME`` and calls ``recording_event``
=====================  =========  ==========================================================

A channel Hotline originates for a team leader's monitor, whisper or barge (``ChanSpy``,
``pbx.spy``: its ChannelId starts ``hotline-spy-``) is no call: its events map to ``None``.

Everything else (AgentRingNoAnswer, AgentComplete, QueueCallerLeave, BridgeEnter, the
agent channel's Hangup …) maps to ``None``: the fold needs nothing from it.

Dedupe keys name what makes an event one event: the channel (Uniqueid), the event, and
what tells two of its kind apart on that channel (the agent channel rung or answered, the
queue joined or abandoned, the recording's name). The same event seen twice is one
``CallEvent``; two rings of the same caller at two agents are two.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from hotline.telephony.ami.client import Message
from hotline.telephony.calls import Incoming
from hotline.telephony.pbx import SPY_PREFIX  # a team leader's ChanSpy channel: no call

SOURCE = "ami"
ABANDON = "abandon"
OUTBOUND_PREFIX = "hotline-"  # the ChannelId pbx.originate gives a click-to-call
MONITOR_DIR = "/var/spool/asterisk/monitor"  # Asterisk's default (asterisk.conf astspooldir)
NO_NUMBER = frozenset({"", "<unknown>", "unknown", "anonymous", "s"})


@dataclass(frozen=True)
class Options:
    inbound_contexts: frozenset[str] = frozenset()
    monitor_dir: str = MONITOR_DIR


DEFAULT = Options()


def _message(event: Mapping[str, str]) -> Message:
    return event if isinstance(event, Message) else Message(event)


def _number(value: str) -> str:
    value = (value or "").strip()
    return "" if value.lower() in NO_NUMBER else value


def extension_of(interface: str) -> str:
    """The extension in a queue member interface or a channel name: ``PJSIP/1001``,
    ``PJSIP/1001-0000002a``, ``SIP/1001``, ``Local/1001@from-queue/n`` → ``1001``."""
    rest = (interface or "").partition("/")[2]
    for stop in ("@", "/", ";"):
        rest = rest.partition(stop)[0]
    head, dash, tail = rest.rpartition("-")
    if dash and head and len(tail) == 8 and all(c in "0123456789abcdef" for c in tail.lower()):
        rest = head  # a channel name's sequence suffix
    return rest.strip()


def event_time(event: Mapping[str, str]) -> datetime | None:
    """``Timestamp: 1714546800.123456`` (manager.conf ``timestampevents = yes``) → aware UTC
    datetime; None without it (the fold then takes the time of receipt)."""
    raw = _message(event).get("Timestamp")
    try:
        return datetime.fromtimestamp(float(raw), tz=UTC) if raw else None
    except (ValueError, OverflowError, OSError):
        return None


def recording_name(value: str, monitor_dir: str = MONITOR_DIR) -> str:
    """MIXMONITOR_FILENAME (a path on the Asterisk host) → the name under the recordings
    folder: relative to Asterisk's monitor folder when it lies there, else as given (the
    fold strips HOTLINE_RECORDINGS_DIR when both hosts mount the folder at one path)."""
    value = (value or "").strip()
    root = monitor_dir.rstrip("/") + "/"
    if value.startswith(root):
        return posixpath.normpath(value[len(root) :])
    return value


def _users(event: Message) -> tuple[str, ...]:
    name = str(event.get("MemberName")).strip()
    interface = str(event.get("Interface")).strip()
    return (name,) if name and name != interface and "/" not in name else ()


def _base(
    event: Message,
    kind: str,
    dedupe: str,
    *,
    from_number: str = "",
    to_number: str = "",
    queue: str = "",
    users: tuple[str, ...] = (),
    extension: str = "",
    cause: str = "",
    recording: str = "",
    channel: str = "",
    peer_channel: str = "",
) -> Incoming:
    linkedid = str(event.get("Linkedid"))
    return Incoming(
        source=SOURCE,
        kind=kind,
        call_id=linkedid,
        at=event_time(event),
        direction="out" if linkedid.startswith(OUTBOUND_PREFIX) else "in",
        from_number=from_number,
        to_number=to_number,
        queue=queue,
        users=users,
        extension=extension,
        cause=cause,
        recording=recording,
        channel=channel,
        peer_channel=peer_channel,
        raw=event.as_dict(),
        dedupe=dedupe[:190],
    )


def _agent_event(event: Message, kind: str) -> Incoming:
    """AgentCalled / AgentConnect: ``Channel`` is the caller's, ``DestChannel`` the member's
    (named as the answering agent's channel only once it answers)."""
    interface = str(event.get("Interface")) or str(event.get("DestChannel"))
    other = str(event.get("DestUniqueid")) or interface
    return _base(
        event,
        kind,
        f"{event.get('Uniqueid')}:{event.event}:{other}",
        from_number=_number(str(event.get("CallerIDNum"))),
        queue=str(event.get("Queue")),
        extension=extension_of(interface),
        users=_users(event),
        channel=str(event.get("Channel")),
        peer_channel=str(event.get("DestChannel")) if kind == "answer" else "",
    )


def map_event(raw: Mapping[str, str], options: Options = DEFAULT) -> Incoming | None:
    """The Incoming an AMI event stands for, or None."""
    event = _message(raw)
    name = event.event
    linkedid = str(event.get("Linkedid"))
    uniqueid = str(event.get("Uniqueid"))
    if not name or not linkedid or linkedid.startswith(SPY_PREFIX):
        return None
    first_channel = uniqueid == linkedid
    if name == "QueueCallerJoin":
        return _base(
            event,
            "newCall",
            f"{uniqueid}:{name}:{event.get('Queue')}",
            from_number=_number(str(event.get("CallerIDNum"))),
            to_number=_number(str(event.get("Exten"))),
            queue=str(event.get("Queue")),
            channel=str(event.get("Channel")),
        )
    if name == "Newchannel":
        if not (first_channel and event.get("Context") in options.inbound_contexts):
            return None
        if linkedid.startswith(OUTBOUND_PREFIX):
            return None
        return _base(
            event,
            "newCall",
            f"{uniqueid}:{name}",
            from_number=_number(str(event.get("CallerIDNum"))),
            to_number=_number(str(event.get("Exten"))),
            channel=str(event.get("Channel")),
        )
    if name == "AgentCalled":
        return _agent_event(event, "ringing")
    if name == "AgentConnect":
        return _agent_event(event, "answer")
    if name == "DialEnd":
        if event.get("DialStatus") != "ANSWER":
            return None
        if not linkedid.startswith(OUTBOUND_PREFIX):
            if not first_channel:  # a leg the call's own channel did not dial
                return None
            destination = str(event.get("DestChannel"))
            return _base(
                event,
                "answer",
                f"{uniqueid}:{name}:{event.get('DestUniqueid')}",
                extension=extension_of(destination),
                channel=str(event.get("Channel")),
                peer_channel=destination,
            )
        return _base(
            event,
            "answer",
            f"{uniqueid}:{name}:{event.get('DestUniqueid')}",
            extension=extension_of(str(event.get("Channel"))),
            # the called party is the call's "caller" (its number is the call's), the
            # originated channel the agent's
            channel=str(event.get("DestChannel")),
            peer_channel=str(event.get("Channel")),
        )
    if name == "QueueCallerAbandon":
        return _base(event, "hangup", f"{uniqueid}:{name}:{event.get('Queue')}", cause=ABANDON)
    if name == "Hangup":
        if not first_channel:
            return None
        cause = str(event.get("Cause-txt")) or str(event.get("Cause"))
        return _base(event, "hangup", f"{uniqueid}:{name}", cause=cause)
    if name == "VarSet":
        if str(event.get("Variable")).upper() != "MIXMONITOR_FILENAME" or not event.get("Value"):
            return None
        return recording_event(event, str(event.get("Value")), options)
    return None


def needs_recording_lookup(raw: Mapping[str, str]) -> bool:
    """MixMonitorStart names no file: ask the channel's MIXMONITOR_FILENAME (Getvar)."""
    event = _message(raw)
    return event.event == "MixMonitorStart" and bool(event.get("Linkedid")) and bool(event.get("Channel"))


def recording_event(raw: Mapping[str, str], value: str, options: Options = DEFAULT) -> Incoming | None:
    """A ``recording`` Incoming for the call of ``raw`` (a VarSet or MixMonitorStart)."""
    event = _message(raw)
    name = recording_name(value, options.monitor_dir)
    if not name or not event.get("Linkedid"):
        return None
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:16]
    return _base(event, "recording", f"{event.get('Linkedid')}:recording:{digest}", recording=name)


def live_call_ids(channels: list[Message]) -> set[str]:
    """The Linkedids of a CoreShowChannels answer: the calls the PBX still has."""
    return {str(c.get("Linkedid")) for c in channels if c.get("Linkedid")}
