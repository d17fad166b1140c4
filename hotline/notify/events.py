"""Which ticket events cause which notifications (the one table; ADR 0010 repeats it).

:func:`on_ticket_event` is registered in ``hotline.workflow.events.event_listeners``: it
runs inside the transaction that writes the event, so the messages commit with the event
or not at all. Reminders, escalation and return-visit messages (``due_soon``,
``overdue``, ``escalated``, ``visit_due``, ``survey``, ``survey_link``) are not caused by
an event: the follow-up sweep calls :mod:`hotline.notify.services` for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hotline.core.errors import HotlineError
from hotline.notify.services import local_text, notify_complainant, notify_staff
from hotline.policies.registry import get_pack
from hotline.tickets.models import Ticket, TicketEvent

COMPLAINANT = "complainant"
APPROVERS = "approvers"  # whoever the pack lets take ``approve_extension`` in the stage
REVIEWERS = "reviewers"  # whoever the pack lets take ``approve_reply`` in the stage
MAJOR_NOTIFY = "major_notify"  # the pack's ``major.notify`` roles (重大投诉: the leaders, at once)


def under_review(ticket: Ticket, event: TicketEvent) -> bool:
    """A reply that went into a review stage (one offering ``approve_reply``, 审核): it is
    not yet the complainant's answer; ``approve_reply`` makes it so."""
    if (event.payload or {}).get("under_review"):
        return True
    if not event.to_stage:
        return False
    try:
        stage = get_pack(ticket.policy).type(ticket.type).stage(event.to_stage)
    except HotlineError:
        return False
    return "approve_reply" in stage.actions


def _always(ticket: Ticket, event: TicketEvent) -> bool:
    return True


@dataclass(frozen=True)
class Notice:
    kind: str
    to: tuple[str, ...]  # ("complainant",), ("approvers",), ("reviewers",) or staff roles
    when: Callable[[Ticket, TicketEvent], bool] = _always


EVENT_NOTIFICATIONS: dict[str, tuple[Notice, ...]] = {
    "register": (Notice("receipt", (COMPLAINANT,)),),
    "accept": (Notice("accepted", (COMPLAINANT,)),),
    "reject": (Notice("rejected", (COMPLAINANT,)),),
    "instruct": (Notice("instructed", ("coordinator",)),),
    "dispatch": (Notice("dispatched", ("dept_head",)),),
    "redispatch": (
        Notice("dispatched", ("dept_head",)),
        Notice("supervised", ("dept_head", "leader"), when=lambda t, e: bool(e.payload.get("supervised"))),
    ),
    "assign": (Notice("dispatched", ("handler",)),),
    "return": (Notice("returned", ("coordinator",)),),
    "request_extension": (Notice("approval_needed", (APPROVERS,)),),
    "approve_extension": (Notice("extension", (COMPLAINANT,)),),
    "interim_reply": (Notice("interim", (COMPLAINANT,)),),
    # a reply into a review stage goes to the reviewers; their approval is the answer
    "reply": (
        Notice("result", (COMPLAINANT,), when=lambda t, e: not under_review(t, e)),
        Notice("approval_needed", (REVIEWERS,), when=under_review),
    ),
    "approve_reply": (Notice("result", (COMPLAINANT,)),),
    "send_back": (Notice("sent_back", ("handler",)),),
    "close": (Notice("result", (COMPLAINANT,), when=lambda t, e: bool(e.payload.get("result"))),),
    "supervise": (Notice("supervised", ("dept_head", "handler")),),
    # a batch's parent answered or closed: each child's complainant, by their own channel
    "batch_reply": (Notice("result", (COMPLAINANT,)),),
    "close_with_parent": (Notice("result", (COMPLAINANT,), when=lambda t, e: bool(e.payload.get("result"))),),
    # 重大投诉 (workflow.major): at registration or later, the leaders are told at once
    "mark_major": (Notice("major", (MAJOR_NOTIFY,)),),
    # 往来函件 from the complainant (mail in, SMS in): whoever has the ticket in hand now —
    # its handler; else the department it waits at; else the centre's coordinators
    "correspondence": (
        Notice("correspondence", ("handler",), when=lambda t, e: _incoming(e) and t.handler_id is not None),
        Notice("correspondence", ("dept_head",), when=lambda t, e: _incoming(e) and _at_department(t)),
        Notice("correspondence", ("coordinator",), when=lambda t, e: _incoming(e) and _at_centre(t)),
    ),
}


def _incoming(event: TicketEvent) -> bool:
    return bool((event.payload or {}).get("direction", "in") == "in")


def _at_department(ticket: Ticket) -> bool:
    return ticket.handler_id is None and ticket.unit_id != ticket.owner_unit_id


def _at_centre(ticket: Ticket) -> bool:
    return ticket.handler_id is None and ticket.unit_id == ticket.owner_unit_id


def _context(ticket: Ticket, event: TicketEvent) -> dict[str, Any]:
    payload = event.payload or {}
    context: dict[str, Any] = {"comment": event.comment}
    if event.action == "reject":
        context["reason"] = payload.get("reason_label", "")
    if event.action in (
        "reply",
        "approve_reply",
        "interim_reply",
        "close",
        "batch_reply",
        "close_with_parent",
    ):
        context["result"] = payload.get("result") or event.comment
    if event.action == "reply" and under_review(ticket, event):
        context["request_label"] = "答复审核"
    if event.action == "correspondence":
        from hotline.tickets.models import Channel

        channel = str(payload.get("channel") or "")
        context.update(
            channel_label=str(dict(Channel.choices).get(channel, channel)),
            letter_subject=payload.get("subject", ""),
            files=len(payload.get("files") or ()),
        )
    if event.action == "instruct":
        context["instruction"] = payload.get("instruction") or event.comment
    if event.action == "send_back":
        context["reason"] = payload.get("reason") or event.comment
    if event.action == "return":
        context["from_unit_name"] = payload.get("from_unit", "")
        from hotline.org.models import Unit

        unit = Unit.objects.filter(code=payload.get("from_unit", "")).first()
        if unit is not None:
            context["from_unit_name"] = unit.name
    if event.action == "request_extension":
        from hotline.policies.vocab import LIMIT_UNIT_LABELS

        context.update(
            request_label="延期申请",
            amount=payload.get("amount", ""),
            amount_unit=LIMIT_UNIT_LABELS.get(str(payload.get("unit", "")), payload.get("unit", "")),
        )
    if event.action == "approve_extension":
        context["due"] = local_text(ticket.final_due_at or ticket.due_at)
    if event.action == "mark_major":
        from hotline.policies.vocab import UPGRADED_VIA_LABELS

        via = str(payload.get("upgraded_via") or "")
        context.update(
            at_registration=bool(payload.get("at_registration")),
            upgraded_label=UPGRADED_VIA_LABELS.get(via, via),
        )
    return context


def _deciders(ticket: Ticket, action: str) -> tuple[str, ...]:
    """The roles the pack lets take ``action`` in the ticket's (new) stage."""
    stage = get_pack(ticket.policy).type(ticket.type).stage(ticket.stage)
    rule = stage.actions.get(action)
    return tuple(sorted(rule.roles)) if rule else ()


DECIDING_ACTIONS = {APPROVERS: "approve_extension", REVIEWERS: "approve_reply"}


def on_ticket_event(ticket: Ticket, event: TicketEvent) -> None:
    """Write the messages ``event`` causes (in the event's transaction)."""
    for notice in EVENT_NOTIFICATIONS.get(event.action, ()):
        if not notice.when(ticket, event):
            continue
        key = f"event/{event.pk}/{notice.kind}"
        context = _context(ticket, event)
        now = event.created_at
        if notice.to == (COMPLAINANT,):
            notify_complainant(ticket=ticket, kind=notice.kind, context=context, key=key, now=now)
            continue
        decides = DECIDING_ACTIONS.get(notice.to[0]) if len(notice.to) == 1 else None
        roles = _deciders(ticket, decides) if decides else notice.to
        if notice.to == (MAJOR_NOTIFY,):
            roles = tuple(sorted(get_pack(ticket.policy).major.notify))
        notify_staff(ticket=ticket, kind=notice.kind, roles=roles, context=context, key=key, now=now)
