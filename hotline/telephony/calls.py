"""Call events folded into calls: the one path for every source (generic HTTP, AMI).

``apply_event`` keeps the event (``CallEvent``, unique ``dedupe`` key) and folds it into
its ``Call`` in one transaction, so a replayed AMI event or a retried POST changes nothing
and is answered as before (a blocked number's ``newCall`` is rejected again). An event
that does not fit (a hangup for a call already ended, an answer without a ring) is kept
with ``applied=False`` and a note: nothing a PBX sends is lost, and nothing odd raises.

Kinds: ``newCall`` (the call exists: numbers, queue, area; a blocked caller is rejected),
``ringing`` (at an extension or named agents: the screen pop), ``answer`` (talk starts,
the agent is busy), ``hangup`` (the end: outcome, talk time, wrap-up, a callback task for
a missed or abandoned call), ``recording`` (MixMonitor's file name), ``route`` (the
routing answer given over FastAGI: flow, priority, queue; a blocked caller is rejected as
at ``newCall``), ``survey`` (the digit of the keypad satisfaction survey: on the call and,
as a ``keypad_survey`` event, on each of its tickets).
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumbers import geocoder
from phonenumbers import parse as parse_number

from hotline.callers.services import is_blocked
from hotline.core.errors import InvalidInput
from hotline.core.phones import normalise_phone, phone_line
from hotline.telephony import agents as agent_states
from hotline.telephony.models import (
    SURVEY_LEVELS,
    Agent,
    Call,
    CallbackTask,
    CallEvent,
    CallOutcome,
    CallRing,
    CallStatus,
    CallTicket,
    Direction,
    Push,
    TaskKind,
)
from hotline.tickets.models import Satisfaction
from hotline.workflow.kinds import EventKind
from hotline.workflow.locks import lock_ticket
from hotline.workflow.services import ticket_record

logger = logging.getLogger(__name__)

KINDS = frozenset({"newCall", "ringing", "answer", "hangup", "recording", "route", "survey"})
ABANDON_CAUSES = frozenset({"abandon", "cancel", "caller_hangup"})
STALE_ORIGINATE_SECONDS = 120  # a click-to-call the PBX said nothing of for this long did not happen


@dataclass(frozen=True)
class Incoming:
    """One call event, normalised from any source (``TELEPHONY.md``)."""

    source: str
    kind: str
    call_id: str
    at: datetime | None = None
    direction: str = "in"
    from_number: str = ""
    to_number: str = ""
    queue: str = ""
    users: tuple[str, ...] = ()
    extension: str = ""
    cause: str = ""
    recording: str = ""
    channel: str = ""  # the caller's channel (Asterisk), for the team leader's actions
    peer_channel: str = ""  # the answering agent's channel
    flow: str = ""  # route: "working" / "after_hours"
    priority: int | None = None  # route: the queue priority given
    digits: str = ""  # survey: the key pressed
    raw: Mapping[str, Any] = field(default_factory=dict)
    dedupe: str = ""

    def key(self) -> str:
        """The event's identity: the source's own key, else what makes a retry the same."""
        if self.dedupe:
            return f"{self.source}:{self.dedupe}"[:200]
        who = self.extension or ",".join(sorted(self.users))
        what = self.recording or self.cause or self.digits or self.flow
        return f"{self.source}:{self.call_id}:{self.kind}:{who}:{what}"[:200]


@dataclass(frozen=True)
class Applied:
    call: Call | None
    action: str  # "" or "reject"
    duplicate: bool


def caller_number(raw: str) -> str:
    """The caller's number in E.164, or "" for what is not a mainland number (anonymous,
    an international or service number): kept raw on the call, never guessed."""
    try:
        return normalise_phone(raw.strip()[:40])
    except InvalidInput:
        return ""


def number_area(number: str) -> str:
    """号码归属地 from ``phonenumbers``' Chinese geocoding data ("" when unknown)."""
    if not number:
        return ""
    try:
        return str(geocoder.description_for_number(parse_number(phone_line(number)), "zh"))[:64]
    except Exception:
        return ""


def _action(call: Call | None) -> str:
    return "reject" if call is not None and call.outcome == CallOutcome.BLOCKED else ""


def _call(event: Incoming, at: datetime) -> Call:
    """The event's call, created by its first event whatever the kind (events may come out
    of order); locked for the fold."""
    try:
        with transaction.atomic():
            Call.objects.get_or_create(
                call_id=event.call_id,
                defaults={
                    "started_at": at,
                    "direction": event.direction if event.direction in Direction.values else "in",
                },
            )
    except IntegrityError:  # created at the same moment by another event of the call
        pass
    return Call.objects.select_for_update().get(call_id=event.call_id)


def apply_event(event: Incoming) -> Applied:
    if not event.call_id or not event.call_id.strip():
        raise InvalidInput("缺少呼叫标识 callId", code="cti_event_invalid", field="callId")
    if event.kind not in KINDS:
        raise InvalidInput(f"未知的事件“{event.kind}”", code="cti_event_invalid", field="event")
    at = event.at or timezone.now()
    key = event.key()
    if CallEvent.objects.filter(dedupe=key).exists():
        call = Call.objects.filter(call_id=event.call_id).first()
        return Applied(call, _action(call), duplicate=True)
    try:
        with transaction.atomic():
            call = _call(event, at)
            note = _FOLD[event.kind](call, event, at)
            CallEvent.objects.create(
                call=call,
                ref=event.call_id[:128],
                source=event.source[:8],
                kind=event.kind,
                payload=dict(event.raw) if event.raw else _describe(event),
                dedupe=key,
                occurred_at=at,
                received_at=timezone.now(),
                applied=not note,
                note=note[:200],
            )
    except IntegrityError:
        # the same event applied at the same moment by another request: theirs won
        if not CallEvent.objects.filter(dedupe=key).exists():
            raise
        call = Call.objects.filter(call_id=event.call_id).first()
        return Applied(call, _action(call), duplicate=True)
    if note:
        logger.info("call %s: %s kept, not applied (%s)", event.call_id, event.kind, note)
    return Applied(call, _action(call), duplicate=False)


def _describe(event: Incoming) -> dict[str, Any]:
    return {
        k: v
        for k, v in {
            "direction": event.direction,
            "from": event.from_number,
            "to": event.to_number,
            "queue": event.queue,
            "user": list(event.users),
            "extension": event.extension,
            "cause": event.cause,
            "recording": event.recording,
            "channel": event.channel,
            "peer_channel": event.peer_channel,
            "flow": event.flow,
            "priority": event.priority,
            "digits": event.digits,
        }.items()
        if v
    }


def _save(call: Call, *fields: str) -> None:
    call.save(update_fields=list(fields))


def _new_call(call: Call, event: Incoming, at: datetime) -> str:
    fields = []
    if not call.from_raw and event.from_number:
        call.from_raw = event.from_number[:64]
        fields.append("from_raw")
    if not call.to_raw and event.to_number:
        call.to_raw = event.to_number[:64]
        fields.append("to_raw")
    if event.direction in Direction.values and call.direction != event.direction and not call.caller:
        call.direction = event.direction
        fields.append("direction")
    if event.queue and not call.queue:
        call.queue = event.queue[:64]
        fields.append("queue")
    if at < call.started_at:
        call.started_at = at
        fields.append("started_at")
    if event.channel and not call.caller_channel:
        call.caller_channel = event.channel[:128]
        fields.append("caller_channel")
    if not call.caller:
        other = call.from_raw if call.direction == Direction.INBOUND else call.to_raw
        call.caller = caller_number(other)
        call.area = number_area(call.caller)
        fields += ["caller", "area"]
    if fields:
        _save(call, *fields)
    if call.direction == Direction.OUTBOUND:
        for agent in agent_states.agents_named(event.users):
            _set_agent(call, agent)
        return ""
    if call.status == CallStatus.RINGING and call.caller and is_blocked(call.caller, at):
        call.status = CallStatus.ENDED
        call.outcome = CallOutcome.BLOCKED
        call.ended_at = at
        call.cause = "blocked"
        _save(call, "status", "outcome", "ended_at", "cause")
        return ""
    if event.users or event.extension:
        return _ringing(call, event, at)
    return ""


def _agents(event: Incoming) -> list[Agent]:
    found = agent_states.agents_named(event.users)
    extension_agent = agent_states.agent_for_extension(event.extension)
    if extension_agent is not None and all(a.pk != extension_agent.pk for a in found):
        found.append(extension_agent)
    return found


def _pop(call: Call, agent: Agent, at: datetime) -> None:
    """The screen pop: once per call and agent (a ring again after no answer pops again
    only if the first pop was for another call)."""
    if Push.objects.filter(user_id=agent.user_id, kind="pop", payload__call=call.pk).exists():
        return
    Push.objects.create(
        user_id=agent.user_id,
        kind="pop",
        payload={"call": call.pk, "call_id": call.call_id, "caller": call.caller, "area": call.area},
        created_at=at,
    )


def _ringing(call: Call, event: Incoming, at: datetime) -> str:
    if call.status == CallStatus.ENDED:
        return "call already ended"
    if call.direction == Direction.OUTBOUND:
        return ""
    agents = _agents(event)
    if not agents:
        return "no agent at that extension"
    for agent in agents:
        CallRing.objects.get_or_create(call=call, user_id=agent.user_id, defaults={"at": at})
        _pop(call, agent, at)
    return ""


def _set_agent(call: Call, agent: Agent) -> None:
    if call.agent_id != agent.user_id or call.extension != agent.extension:
        call.agent_id = agent.user_id
        call.extension = agent.extension
        _save(call, "agent", "extension")


def _answer(call: Call, event: Incoming, at: datetime) -> str:
    if call.status == CallStatus.ENDED:
        return "call already ended"
    agents = _agents(event)
    agent = agents[0] if agents else None
    if agent is None and call.agent_id is not None:
        agent = Agent.objects.filter(user_id=call.agent_id).first()
    channels = []
    if event.channel and not call.caller_channel:
        call.caller_channel = event.channel[:128]
        channels.append("caller_channel")
    if event.peer_channel and call.agent_channel != event.peer_channel:
        call.agent_channel = event.peer_channel[:128]
        channels.append("agent_channel")
    if channels:
        _save(call, *channels)
    if agent is not None:
        _set_agent(call, agent)
        if call.direction == Direction.INBOUND:
            _pop(call, agent, at)
        agent_states.call_started(agent, now=at)
    if call.status == CallStatus.ANSWERED:
        return "" if agent is not None else "already answered"
    call.status = CallStatus.ANSWERED
    call.answered_at = at
    call.wait_seconds = max(0, int((at - call.started_at).total_seconds()))
    _save(call, "status", "answered_at", "wait_seconds")
    return ""


def _hangup(call: Call, event: Incoming, at: datetime) -> str:
    if call.status == CallStatus.ENDED:
        return "call already ended"
    call.status = CallStatus.ENDED
    call.ended_at = at
    call.cause = event.cause[:64]
    if call.answered_at is not None:
        call.outcome = CallOutcome.ANSWERED
        call.talk_seconds = max(0, int((at - call.answered_at).total_seconds()))
    elif call.direction == Direction.OUTBOUND:
        call.outcome = CallOutcome.FAILED
    else:
        call.outcome = CallOutcome.ABANDONED if event.cause in ABANDON_CAUSES else CallOutcome.MISSED
        call.wait_seconds = max(0, int((at - call.started_at).total_seconds()))
    _save(call, "status", "ended_at", "cause", "outcome", "talk_seconds", "wait_seconds")
    if call.answered_at is not None and call.agent_id is not None:
        agent = Agent.objects.filter(user_id=call.agent_id).first()
        if agent is not None:
            agent_states.call_ended(agent, now=at)
            call.wrapup_seconds = settings.HOTLINE_WRAPUP_SECONDS
            _save(call, "wrapup_seconds")
            Push.objects.create(
                user_id=agent.user_id,
                kind="call",
                payload={"call": call.pk, "status": "ended"},
                created_at=at,
            )
    left_message = CallbackTask.objects.filter(call=call, kind=TaskKind.MESSAGE).exists()
    if call.outcome in (CallOutcome.MISSED, CallOutcome.ABANDONED) and call.caller and not left_message:
        # (a caller who left a message after hours has its message task: not a second one)
        CallbackTask.objects.get_or_create(
            call=call,
            kind=TaskKind.MISSED,
            defaults={
                "phone": call.caller,
                "due_at": at + timedelta(hours=settings.HOTLINE_CALLBACK_HOURS),
                "created_at": at,
                "note": call.get_outcome_display(),
            },
        )
    return ""


def _recording(call: Call, event: Incoming, at: datetime) -> str:
    name = safe_recording_name(event.recording)
    if not name:
        return "no usable recording file name"
    if call.recording == name:
        return ""
    call.recording = name
    _save(call, "recording")
    return ""


def _route(call: Call, event: Incoming, at: datetime) -> str:
    """The routing answer (``hotline.telephony.routing``), then what ``newCall`` does."""
    fields = []
    if event.flow and call.flow != event.flow:
        call.flow = event.flow[:12]
        fields.append("flow")
    if event.priority is not None and call.priority != event.priority:
        call.priority = max(0, event.priority)
        fields.append("priority")
    if event.queue and call.queue != event.queue:
        call.queue = event.queue[:64]
        fields.append("queue")
    if fields:
        _save(call, *fields)
    return _new_call(call, event, at)


def survey_level(digits: str) -> Satisfaction | None:
    """The satisfaction a keypad answer stands for (``None``: not one of the survey's keys)."""
    text = digits.strip()
    return SURVEY_LEVELS.get(int(text)) if text.isdigit() and len(text) == 1 else None


def _survey(call: Call, event: Incoming, at: datetime) -> str:
    level = survey_level(event.digits)
    if level is None:
        return "not a survey key"
    if call.survey_score is not None:
        return "survey already answered"
    call.survey_score = int(event.digits.strip())
    call.survey_at = at
    _save(call, "survey_score", "survey_at")
    for ticket_id in CallTicket.objects.filter(call=call).order_by("pk").values_list("ticket_id", flat=True):
        ticket_record(
            locked=lock_ticket(ticket_id),
            kind=EventKind.KEYPAD_SURVEY,
            actor=None,
            actor_label=str(_("按键评价")),
            now=at,
            comment=str(level.label),
            payload={
                "call": call.pk,
                "call_id": call.call_id,
                "digit": call.survey_score,
                "satisfaction": level.value,
            },
        )
    return ""


def safe_recording_name(name: str) -> str:
    """A file name under the recordings folder: relative, normalised, never ``..``."""
    name = (name or "").strip().replace("\\", "/")
    recordings = str(settings.HOTLINE_RECORDINGS_DIR).rstrip("/") + "/"
    if name.startswith(recordings):
        name = name[len(recordings) :]
    name = posixpath.normpath(name.lstrip("/")) if name else ""
    if not name or name == "." or name.startswith("..") or len(name) > 255:
        return ""
    return name


_FOLD = {
    "route": _route,
    "survey": _survey,
    "newCall": _new_call,
    "ringing": _ringing,
    "answer": _answer,
    "hangup": _hangup,
    "recording": _recording,
}


def reconcile(active_call_ids: Iterable[str], source: str, now: datetime | None = None) -> int:
    """After a reconnect: the calls we hold live that the PBX no longer has ended while we
    were away; each is ended through the same fold (a ``hangup`` event, cause
    ``reconciled``) so the outcome, wrap-up and callback task follow as usual."""
    now = now or timezone.now()
    live = set(active_call_ids)
    ended = 0
    held = set(
        Call.objects.exclude(status=CallStatus.ENDED)
        .filter(events__source=source)
        .values_list("call_id", flat=True)
    )
    # click-to-call rows the PBX never reported on (Originate failed before any event)
    held |= set(
        Call.objects.filter(
            status=CallStatus.RINGING,
            direction=Direction.OUTBOUND,
            call_id__startswith="hotline-",
            events__isnull=True,
            started_at__lt=now - timedelta(seconds=STALE_ORIGINATE_SECONDS),
        ).values_list("call_id", flat=True)
    )
    for call_id in sorted(held):
        if call_id in live:
            continue
        result = apply_event(
            Incoming(
                source=source,
                kind="hangup",
                call_id=call_id,
                at=now,
                cause="reconciled",
                dedupe=f"reconcile:{call_id}",
            )
        )
        if not result.duplicate:
            ended += 1
    return ended
