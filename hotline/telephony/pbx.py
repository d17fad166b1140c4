"""PBX commands: what Hotline asks of Asterisk, sent over AMI by a Huey task.

``send(action, **fields)`` never blocks the caller (a web request, a state change): it
enqueues ``tasks.ami_action``, which connects, logs in, sends the one action, logs off,
and is retried a few times when the PBX cannot be reached. The core calls it inside
``transaction.on_commit``, so a rolled-back change sends nothing. With
``HOTLINE_AMI_HOST`` empty nothing is enqueued: the change is kept and logged as not sent.

The builders name the actions the telephony core uses and return the fields they sent
(``{}`` when the PBX is not configured, so a caller can tell). A ``*_fields`` function gives
the fields of an action without sending it: what the team leader's log (``SupervisorAction
.sent``) records in the transaction, before the command goes out on commit.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings

logger = logging.getLogger("hotline.telephony.pbx")

NOT_CONFIGURED = "未配置交换机 (HOTLINE_AMI_HOST)"
TECH = "PJSIP"  # queue members and agent phones are PJSIP/<extension> (docs/guide/telephony-asterisk.md)
Fields = dict[str, str | list[str]]
SPY_PREFIX = "hotline-spy-"  # a ChanSpy channel's ChannelId: the AMI listener ignores its events
# ChanSpy's options (docs.asterisk.org, Dialplan Applications → ChanSpy): q no beep and no
# channel name spoken; w whisper (the spied-on channel, the agent, hears the spy); B barge
# (both sides of the bridged call hear the spy)
SPY_OPTIONS = {"monitor": "q", "whisper": "qw", "barge": "qB"}
SURVEY_CONTEXT = "hotline-survey"  # the keypad survey's dialplan context (asterisk-config)
SURVEY_EXTEN = "s"


def configured() -> bool:
    return bool(settings.HOTLINE_AMI_HOST)


def interface(extension: str) -> str:
    return f"{TECH}/{extension}"


def send(action: str, **fields: str | list[str]) -> Fields:
    """Queue one AMI action for the PBX; returns the fields (``{}``: not configured)."""
    if not configured():
        logger.info("%s:%s 未发送", NOT_CONFIGURED, action)
        return {}
    from hotline.telephony.tasks import ami_action

    ami_action(action, dict(fields))
    return dict(fields)


def context() -> str:
    """The dialplan context of the agents' phones (``HOTLINE_AMI_CONTEXT``)."""
    return str(getattr(settings, "HOTLINE_AMI_CONTEXT", "") or "from-internal")


def queue_pause_fields(extension: str, paused: bool, reason: str = "") -> Fields:
    return {"Interface": interface(extension), "Paused": "true" if paused else "false", "Reason": reason}


def queue_pause(extension: str, paused: bool, reason: str = "") -> Fields:
    """示忙/示闲: pause or unpause the extension in every queue it is a member of."""
    return send("QueuePause", **queue_pause_fields(extension, paused, reason))


def queue_add(extension: str, queue: str, member_name: str = "") -> Fields:
    """Join a queue (the member name is the agent's staff number: AgentCalled names it)."""
    fields: dict[str, str | list[str]] = {"Interface": interface(extension), "Queue": queue}
    if member_name:
        fields["MemberName"] = member_name
    return send("QueueAdd", **fields)


def queue_remove_fields(extension: str, queue: str) -> Fields:
    return {"Interface": interface(extension), "Queue": queue}


def queue_remove(extension: str, queue: str) -> Fields:
    return send("QueueRemove", **queue_remove_fields(extension, queue))


def originate(extension: str, number: str, call_id: str, caller_id: str = "") -> Fields:
    """点击外呼: ring the agent's phone, then dial ``number`` from the outbound context.
    ``ChannelId`` makes Hotline's call id the Uniqueid of the agent's channel, hence the
    Linkedid of every event of the call (the AMI listener maps them to this call)."""
    fields: dict[str, str | list[str]] = {
        "Channel": interface(extension),
        "Exten": number,
        "Context": context(),
        "Priority": "1",
        "Async": "true",
        "Timeout": "30000",
        "ChannelId": call_id,
        "Variable": f"HOTLINE_CALL_ID={call_id}",
    }
    if caller_id:
        fields["CallerID"] = caller_id
    return send("Originate", **fields)


def redirect_fields(channel: str, extension: str, context: str) -> Fields:
    return {"Channel": channel, "Exten": extension, "Context": context, "Priority": "1"}


def redirect(channel: str, extension: str, context: str) -> Fields:
    """转接 (blind): send a channel to ``extension`` in ``context`` (拦截: the caller to the
    team leader's extension; 转满意度评价: to the survey's context, ``SURVEY_CONTEXT``)."""
    return send("Redirect", **redirect_fields(channel, extension, context))


def hangup_fields(channel: str) -> Fields:
    return {"Channel": channel}


def hangup(channel: str) -> Fields:
    return send("Hangup", **hangup_fields(channel))


def spy_id() -> str:
    """A ChanSpy channel's ChannelId (``SPY_PREFIX``: no call of ours)."""
    return f"{SPY_PREFIX}{uuid.uuid4().hex}"


def spy_fields(leader_extension: str, agent_extension: str, options: str, channel_id: str) -> Fields:
    """监听/耳语/强插: ring the team leader's phone; answered, it runs ChanSpy on the agent's
    channels (``PJSIP/<agent extension>-`` as ChanSpy's channel prefix: the agent's own
    channels, not another extension that starts with the same digits) with ``options``."""
    return {
        "Channel": interface(leader_extension),
        "Application": "ChanSpy",
        "Data": f"{interface(agent_extension)}-,{options}",  # "-": extension 1001, not 10010
        "Async": "true",
        "Timeout": "30000",
        "CallerID": f"{agent_extension} <{agent_extension}>",
        "ChannelId": channel_id,
    }


def spy(leader_extension: str, agent_extension: str, options: str, channel_id: str) -> Fields:
    return send("Originate", **spy_fields(leader_extension, agent_extension, options, channel_id))


# --- the agent's call control (hotline.telephony.control) ----------------------------------
# Dialplan contexts the control actions send channels to (docs/guide/telephony-asterisk.md):
QUEUE_CONTEXT = "hotline-queue"  # exten = a queue name: the caller joins that queue (转队列)
CONFERENCE_CONTEXT = "hotline-conference"  # exten = a room: ConfBridge(${EXTEN}) (三方通话)
AUTODIAL_CONTEXT = "hotline-autodial"  # exten = a queue: an answered auto-dialled call joins it
# A leg Hotline adds to a call (the third party of a three-way call) is no call of its own:
# like a ChanSpy channel, its ChannelId starts with SPY_PREFIX, whose events the AMI
# listener ignores (they would otherwise fold into a call row of their own).
LEG_PREFIX = f"{SPY_PREFIX}leg-"


def outside(number: str) -> str:
    """The dial string of an outside number through the agents' context (``Local/<number>@
    <HOTLINE_AMI_CONTEXT>``): the PBX's own outbound route picks the trunk."""
    return f"Local/{number}@{context()}"


def leg_id() -> str:
    return f"{LEG_PREFIX}{uuid.uuid4().hex}"


def conference_room(call_pk: int) -> str:
    """The ConfBridge room of a call's three-way conference (``call<pk>``: letters that are
    no dialplan pattern characters, then digits)."""
    return f"call{call_pk}"


def redirect_both_fields(channel: str, extra_channel: str, extension: str, context: str) -> Fields:
    """Redirect two channels at once (the caller and the agent) to one place."""
    return {
        "Channel": channel,
        "ExtraChannel": extra_channel,
        "Exten": extension,
        "ExtraExten": extension,
        "Context": context,
        "ExtraContext": context,
        "Priority": "1",
        "ExtraPriority": "1",
    }


def park_fields(channel: str, timeout_channel: str) -> Fields:
    """保持: park ``channel`` (the caller); ``timeout_channel`` (the agent's) is treated as the
    parker and is rung again when the parking lot's time runs out."""
    return {"Channel": channel, "TimeoutChannel": timeout_channel}


def join_fields(dial: str, room: str, channel_id: str, caller_id: str = "") -> Fields:
    """邀请三方: ring ``dial`` (``PJSIP/<ext>`` or ``outside(number)``); answered, it enters
    the call's conference room."""
    fields: dict[str, str | list[str]] = {
        "Channel": dial,
        "Exten": room,
        "Context": CONFERENCE_CONTEXT,
        "Priority": "1",
        "Async": "true",
        "Timeout": "30000",
        "ChannelId": channel_id,
    }
    if caller_id:
        fields["CallerID"] = caller_id
    return fields


def autodial_fields(number: str, queue: str, call_id: str, task: int, agent_interface: str) -> Fields:
    """自动外呼: dial ``number`` through the outbound context; answered, the call enters
    ``AUTODIAL_CONTEXT`` at the queue, which rings ``HOTLINE_AGENT`` (the task's own agent)
    first when set. ``ChannelId`` is Hotline's call id, as for click-to-call."""
    return {
        "Channel": outside(number),
        "Exten": queue,
        "Context": AUTODIAL_CONTEXT,
        "Priority": "1",
        "Async": "true",
        "Timeout": "30000",
        "ChannelId": call_id,
        "Variable": [
            f"HOTLINE_CALL_ID={call_id}",
            f"HOTLINE_TASK={task}",
            f"HOTLINE_AGENT={agent_interface}",
        ],
    }
