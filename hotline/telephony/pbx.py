"""PBX commands: what Hotline asks of Asterisk, sent over AMI by a Huey task.

``send(action, **fields)`` never blocks the caller (a web request, a state change): it
enqueues ``tasks.ami_action``, which connects, logs in, sends the one action, logs off,
and is retried a few times when the PBX cannot be reached. The core calls it inside
``transaction.on_commit``, so a rolled-back change sends nothing. With
``HOTLINE_AMI_HOST`` empty nothing is enqueued: the change is kept and logged as not sent.

The builders name the actions the telephony core uses and return the fields they sent
(``{}`` when the PBX is not configured, so a caller can tell).
"""

from __future__ import annotations

import logging

from django.conf import settings

logger = logging.getLogger("hotline.telephony.pbx")

NOT_CONFIGURED = "未配置交换机 (HOTLINE_AMI_HOST)"
TECH = "PJSIP"  # queue members and agent phones are PJSIP/<extension> (docs/guide/telephony-asterisk.md)
Fields = dict[str, str | list[str]]


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


def queue_pause(extension: str, paused: bool, reason: str = "") -> Fields:
    """示忙/示闲: pause or unpause the extension in every queue it is a member of."""
    return send(
        "QueuePause", Interface=interface(extension), Paused="true" if paused else "false", Reason=reason
    )


def queue_add(extension: str, queue: str, member_name: str = "") -> Fields:
    """Join a queue (the member name is the agent's staff number: AgentCalled names it)."""
    fields: dict[str, str | list[str]] = {"Interface": interface(extension), "Queue": queue}
    if member_name:
        fields["MemberName"] = member_name
    return send("QueueAdd", **fields)


def queue_remove(extension: str, queue: str) -> Fields:
    return send("QueueRemove", Interface=interface(extension), Queue=queue)


def originate(extension: str, number: str, call_id: str, caller_id: str = "") -> Fields:
    """点击外呼: ring the agent's phone, then dial ``number`` from the outbound context.
    ``ChannelId`` makes Hotline's call id the Uniqueid of the agent's channel, hence the
    Linkedid of every event of the call (the AMI listener maps them to this call)."""
    fields: dict[str, str | list[str]] = {
        "Channel": interface(extension),
        "Exten": number,
        "Context": str(getattr(settings, "HOTLINE_AMI_CONTEXT", "") or "from-internal"),
        "Priority": "1",
        "Async": "true",
        "Timeout": "30000",
        "ChannelId": call_id,
        "Variable": f"HOTLINE_CALL_ID={call_id}",
    }
    if caller_id:
        fields["CallerID"] = caller_id
    return send("Originate", **fields)


def redirect(channel: str, extension: str, context: str) -> Fields:
    """转接 (blind): send a channel to ``extension`` in ``context``."""
    return send("Redirect", Channel=channel, Exten=extension, Context=context, Priority="1")


def hangup(channel: str) -> Fields:
    return send("Hangup", Channel=channel)
