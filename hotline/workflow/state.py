"""Stage entry and deadline bookkeeping, shared by registration and transitions."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from hotline.calendar.services import get_calendar
from hotline.policies.schema import TypePolicy
from hotline.tickets.models import Status, Ticket
from hotline.workflow.clocks import Clock, clock_due, new_clock


def _category_code(ticket: Ticket) -> str | None:
    return ticket.category.code if ticket.category_id and ticket.category else None


def refresh_dues(ticket: Ticket) -> None:
    """Recompute ``due_at``/``final_due_at``/``deadline_provisional`` from the clocks."""
    calendar = get_calendar()
    provisional = False
    final_due = None
    if ticket.final_clock:
        due = clock_due(cast(Clock, ticket.final_clock), calendar=calendar)
        final_due, provisional = due.at, due.provisional
    ticket.final_due_at = final_due
    if ticket.status == Status.CLOSED:
        ticket.due_at = None
    elif ticket.stage_clock:
        due = clock_due(cast(Clock, ticket.stage_clock), calendar=calendar)
        ticket.due_at, provisional = due.at, provisional or due.provisional
    else:
        # A stage without its own limit is still bound by the whole-ticket limit.
        ticket.due_at = final_due
    ticket.deadline_provisional = provisional


def enter_stage(ticket: Ticket, *, type_policy: TypePolicy, stage: str, now: datetime) -> None:
    """Put the ticket in ``stage``: status, entry time, and a fresh stage clock."""
    target = type_policy.stage(stage)
    ticket.stage = stage
    ticket.stage_entered_at = now
    if target.final:
        ticket.status = Status.CLOSED
        ticket.closed_at = now
        ticket.stage_clock = None
    else:
        ticket.status = Status.OPEN
        ticket.closed_at = None
        limit = type_policy.stage_limit(stage, severity=ticket.severity, category_code=_category_code(ticket))
        ticket.stage_clock = (
            dict(new_clock(start=now, amount=limit.amount, unit=limit.unit)) if limit is not None else None
        )
    refresh_dues(ticket)


def start_final_clock(ticket: Ticket, *, type_policy: TypePolicy, start: datetime) -> None:
    total = type_policy.total
    if total is None:
        return
    ticket.final_clock = dict(new_clock(start=start, amount=total.amount, unit=total.unit))
    refresh_dues(ticket)
