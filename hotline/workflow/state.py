"""Stage entry and deadline bookkeeping, shared by registration and transitions.

Every time limit of a pack counts from an *anchor* (``Limit.start`` / ``TotalLimit.start``):
``received`` (收到), ``registered`` (登记), ``accepted`` (受理), ``dispatched`` (this round's
dispatch) or ``entered`` (entering the stage). A letter received on 11-10 and registered on
11-30 is therefore due as if it had been registered on 11-10 (SAMR Order 20 art. 14:
自收到投诉之日起). After a reopen, the ticket is a matter received anew: anchors older than
the reopen count from the reopen.

``due_at`` is the *binding* deadline, the earlier of the stage clock's and the whole
ticket's, so every "overdue" (API, worklists, board, sweep) is ``due_at < now``.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from hotline.calendar.services import get_calendar
from hotline.policies.schema import TotalLimit, TypePolicy
from hotline.tickets.models import Status, Ticket
from hotline.workflow.clocks import Clock, clock_due, new_clock

ClockName = str  # "stage" | "final"


def _category_code(ticket: Ticket) -> str | None:
    return ticket.category.code if ticket.category_id and ticket.category else None


def anchor_time(ticket: Ticket, anchor: str, *, now: datetime) -> datetime:
    """When a limit anchored at ``anchor`` starts counting for ``ticket``.

    An anchor that has not happened yet (``accepted`` before acceptance) or that lies before
    the last reopen counts from ``now`` (entering the stage).
    """
    moments = {
        "received": ticket.received_at,
        "registered": ticket.registered_at,
        "accepted": ticket.accepted_at,
        "dispatched": ticket.round_dispatched_at,
    }
    moment = moments.get(anchor)
    if moment is None:
        return now
    if ticket.reopened_at is not None and moment < ticket.reopened_at:
        return ticket.reopened_at if anchor in ("received", "registered") else now
    return moment


def total_limit(ticket: Ticket, type_policy: TypePolicy) -> TotalLimit | None:
    """The whole-ticket limit of this ticket: by category, severity, channel, then type."""
    return type_policy.total_limit(
        severity=ticket.severity, category_code=_category_code(ticket), channel=ticket.channel
    )


def stage_due_at(ticket: Ticket) -> datetime | None:
    """The stage clock's own due time (``due_at`` may be the earlier whole-ticket one)."""
    if not ticket.stage_clock or ticket.status == Status.CLOSED:
        return None
    return clock_due(cast(Clock, ticket.stage_clock)).at


def binding_clock(ticket: Ticket) -> tuple[ClockName, Clock] | None:
    """The clock whose due time is ``due_at``: the stage's unless the whole ticket's is earlier."""
    stage = cast(Clock | None, ticket.stage_clock)
    final = cast(Clock | None, ticket.final_clock)
    if stage and final and ticket.final_due_at is not None and ticket.due_at == ticket.final_due_at:
        if clock_due(stage).at > ticket.final_due_at:
            return "final", final
    if stage:
        return "stage", stage
    if final:
        return "final", final
    return None


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
        binding = due.at if final_due is None else min(due.at, final_due)
        ticket.due_at, provisional = binding, provisional or due.provisional
    else:
        # A stage without its own limit is still bound by the whole-ticket limit.
        ticket.due_at = final_due
    ticket.deadline_provisional = provisional


def enter_stage(ticket: Ticket, *, type_policy: TypePolicy, stage: str, now: datetime) -> None:
    """Put the ticket in ``stage``: status, entry time, and a fresh stage clock from its anchor."""
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
        limit = type_policy.stage_limit(
            stage, severity=ticket.severity, category_code=_category_code(ticket), channel=ticket.channel
        )
        ticket.stage_clock = (
            dict(
                new_clock(
                    start=anchor_time(ticket, limit.start, now=now), amount=limit.amount, unit=limit.unit
                )
            )
            if limit is not None
            else None
        )
    refresh_dues(ticket)


def start_final_clock(ticket: Ticket, *, type_policy: TypePolicy, anchor: str, now: datetime) -> None:
    """Start the whole-ticket clock if this ticket's total counts from ``anchor``."""
    total = total_limit(ticket, type_policy)
    if total is None or total.start != anchor:
        return
    start = anchor_time(ticket, anchor, now=now)
    ticket.final_clock = dict(new_clock(start=start, amount=total.amount, unit=total.unit))
    refresh_dues(ticket)
