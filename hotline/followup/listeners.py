"""The event listener: keeps the sweep schedule and the return-visit tasks in step with
every ticket event, inside the transaction that wrote the event (it only writes rows)."""

from __future__ import annotations

from datetime import datetime

from hotline.calendar.services import compute_deadline
from hotline.followup.models import (
    ACTIVE_VISIT_STATUSES,
    NextStep,
    ReturnVisit,
    SweepSchedule,
    VisitStatus,
)
from hotline.notify.events import under_review
from hotline.notify.services import local_text, notify_staff
from hotline.policies.registry import get_pack
from hotline.policies.schema import Pack
from hotline.tickets.models import Satisfaction, Status, Ticket, TicketEvent

VISIT_ACTION = "return_visit"
UNREACHABLE_CLOSING_CODE = "unreachable"
# Events that give the complainant their answer, after which the return visit is due: a
# reply (unless it went into a review stage, 审核) or the head's approval of it.
ANSWER_ACTIONS = ("reply", "approve_reply")
REGISTER = "register"  # hotline.workflow.kinds.EventKind.REGISTER


def on_ticket_event(ticket: Ticket, event: TicketEvent) -> None:
    """Registered in ``FollowupConfig.ready`` on ``hotline.workflow.events.event_listeners``."""
    _schedule(ticket, event)
    _follow_visit(ticket, event)


def _schedule(ticket: Ticket, event: TicketEvent) -> None:
    """Any change may move the ticket's points: the next sweep looks again."""
    if ticket.status == Status.CLOSED:
        SweepSchedule.objects.filter(ticket=ticket).delete()
    else:
        # one upsert (a read, two savepoints and a write with update_or_create)
        SweepSchedule.objects.bulk_create(
            [SweepSchedule(ticket=ticket, next_at=event.created_at)],
            update_conflicts=True,
            unique_fields=["ticket"],
            update_fields=["next_at"],
        )


def visit_roles(pack: Pack, ticket: Ticket) -> frozenset[str]:
    """Who calls back: the ``return_visit`` action's roles in the ticket's stage, else the pack's."""
    rule = pack.type(ticket.type).stage(ticket.stage).actions.get(VISIT_ACTION)
    if rule is not None:
        return rule.roles
    return pack.return_visit.roles or frozenset({"coordinator"})


def visit_create(*, ticket: Ticket, pack: Pack, now: datetime) -> ReturnVisit:
    """Open a visit task for the ticket's current round, due ``return_visit.within`` from now."""
    within = pack.return_visit.within
    due = compute_deadline(start=now, amount=within.amount, unit=within.unit).due_at if within else None
    visit = ReturnVisit.objects.create(ticket=ticket, round=ticket.round, created_at=now, due_at=due)
    notify_staff(
        ticket=ticket,
        kind="visit_due",
        roles=visit_roles(pack, ticket),
        context={"due": local_text(due)},
        key=f"followup:visit:{visit.pk}:created",
        now=now,
    )
    return visit


def _follow_visit(ticket: Ticket, event: TicketEvent) -> None:
    if event.action == REGISTER:
        return  # a ticket just registered has no visit, and registering answers nothing
    pack = get_pack(ticket.policy)
    stage = pack.type(ticket.type).stage(ticket.stage)
    active = ReturnVisit.objects.filter(ticket=ticket, status__in=ACTIVE_VISIT_STATUSES).first()
    if event.action == VISIT_ACTION:
        # Recorded by staff or by the public portal; without a task (12345 visits at the
        # limit even without a reply) the visit is kept as done all the same.
        visit = active or ReturnVisit(ticket=ticket, round=ticket.round, created_at=event.created_at)
        satisfaction = str(event.payload.get("satisfaction", ""))
        visit.status = VisitStatus.DONE
        visit.satisfaction = satisfaction
        visit.done_at = event.created_at
        visit.done_by = event.actor
        visit.done_by_label = event.actor_label
        visit.next_step = NextStep.PENDING if satisfaction == Satisfaction.DISSATISFIED else NextStep.NONE
        visit.save()
        return
    if active is None:
        if _is_the_answer(ticket, event) and VISIT_ACTION in stage.actions:
            visit_create(ticket=ticket, pack=pack, now=event.created_at)
        return
    if VISIT_ACTION not in stage.actions:
        # The ticket moved on (closed, redispatched …) without a recorded visit.
        closed_unreachable = (
            active.status == VisitStatus.UNREACHABLE
            and ticket.status == Status.CLOSED
            and ticket.closing_code == UNREACHABLE_CLOSING_CODE
        )
        active.status = VisitStatus.CLOSED_UNREACHABLE if closed_unreachable else VisitStatus.CANCELLED
        active.done_at = event.created_at
        active.save(update_fields=["status", "done_at"])


def _is_the_answer(ticket: Ticket, event: TicketEvent) -> bool:
    return event.action in ANSWER_ACTIONS and not under_review(ticket, event)
