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

from hotline.notify.services import notify_complainant, notify_staff
from hotline.policies.registry import get_pack
from hotline.tickets.models import Ticket, TicketEvent

COMPLAINANT = "complainant"
APPROVERS = "approvers"  # whoever the pack lets take ``approve_extension`` in the stage


@dataclass(frozen=True)
class Notice:
    kind: str
    to: tuple[str, ...]  # ("complainant",), ("approvers",) or staff roles
    when: Callable[[TicketEvent], bool] = lambda event: True


EVENT_NOTIFICATIONS: dict[str, tuple[Notice, ...]] = {
    "register": (Notice("receipt", (COMPLAINANT,)),),
    "accept": (Notice("accepted", (COMPLAINANT,)),),
    "reject": (Notice("rejected", (COMPLAINANT,)),),
    "dispatch": (Notice("dispatched", ("dept_head",)),),
    "redispatch": (
        Notice("dispatched", ("dept_head",)),
        Notice("supervised", ("dept_head", "leader"), when=lambda e: bool(e.payload.get("supervised"))),
    ),
    "assign": (Notice("dispatched", ("handler",)),),
    "return": (Notice("returned", ("coordinator",)),),
    "request_extension": (Notice("approval_needed", (APPROVERS,)),),
    "approve_extension": (Notice("extension", (COMPLAINANT,)),),
    "reply": (Notice("result", (COMPLAINANT,)),),
    "close": (Notice("result", (COMPLAINANT,), when=lambda e: bool(e.payload.get("result"))),),
    "supervise": (Notice("supervised", ("dept_head", "handler")),),
}


def _context(ticket: Ticket, event: TicketEvent) -> dict[str, Any]:
    payload = event.payload or {}
    context: dict[str, Any] = {"comment": event.comment}
    if event.action == "reject":
        context["reason"] = payload.get("reason_label", "")
    if event.action in ("reply", "close"):
        context["result"] = payload.get("result") or event.comment
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
        from django.utils import timezone

        due = ticket.final_due_at or ticket.due_at
        context["due"] = timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else ""
    return context


def _approver_roles(ticket: Ticket) -> tuple[str, ...]:
    stage = get_pack(ticket.policy).type(ticket.type).stage(ticket.stage)
    rule = stage.actions.get("approve_extension")
    return tuple(sorted(rule.roles)) if rule else ()


def on_ticket_event(ticket: Ticket, event: TicketEvent) -> None:
    """Write the messages ``event`` causes (in the event's transaction)."""
    for notice in EVENT_NOTIFICATIONS.get(event.action, ()):
        if not notice.when(event):
            continue
        key = f"event/{event.pk}/{notice.kind}"
        context = _context(ticket, event)
        if notice.to == (COMPLAINANT,):
            notify_complainant(ticket=ticket, kind=notice.kind, context=context, key=key)
            continue
        roles = _approver_roles(ticket) if notice.to == (APPROVERS,) else notice.to
        notify_staff(ticket=ticket, kind=notice.kind, roles=roles, context=context, key=key)
