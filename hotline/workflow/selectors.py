"""Reads of tickets every door shares: what is overdue or due soon, what a search matches,
and the user's open tickets. The API, the workbench, the portal, exports and reports build
their lists from these, on top of ``access.tickets_visible_to`` (the scope).

Overdue has one meaning: a running ticket (not suspended: its clock is stopped) whose
binding deadline ``due_at`` — the earlier of the stage's and the whole ticket's — has
passed (ADR 0013). One indexed range on ``due_at`` answers it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final, Literal, TypedDict, cast

from django.db.models import Count, Q, QuerySet

from hotline.core.errors import InvalidInput
from hotline.core.phones import EXTENSION_MARK, normalise_phone
from hotline.core.types import AnyUser
from hotline.tickets.models import OPEN_STATUSES, Status, Ticket
from hotline.workflow.access import tickets_visible_to
from hotline.workflow.identity import identity_searchable

# "Due soon": within this much clock time. Clock hours, not working hours: a mark must be
# cheap for every row and for the board's counts (one range on the indexed ``due_at``);
# four hours is half a working day.
DUE_SOON: Final = timedelta(hours=4)
TICKET_COLUMNS: Final = ("unit", "owner_unit", "category", "handler")

DueMark = Literal["overdue", "due_soon", ""]


def overdue_q(now: datetime) -> Q:
    """Running tickets past their binding deadline."""
    return Q(status=Status.OPEN, due_at__lt=now)


def due_soon_q(now: datetime) -> Q:
    """Running tickets due within ``DUE_SOON``, not yet overdue."""
    return Q(status=Status.OPEN, due_at__gte=now, due_at__lt=now + DUE_SOON)


def mark_for(due_at: datetime | None, now: datetime) -> DueMark:
    """``overdue``, ``due_soon`` or ``""`` for a running deadline (anything with a due time:
    a ticket, a return-visit task)."""
    if due_at is None:
        return ""
    if due_at < now:
        return "overdue"
    if due_at < now + DUE_SOON:
        return "due_soon"
    return ""


def due_mark(ticket: Ticket, now: datetime) -> DueMark:
    """The mark of one ticket (as ``overdue_q``/``due_soon_q``): none while suspended."""
    return mark_for(ticket.due_at, now) if ticket.status == Status.OPEN else ""


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    return due_mark(ticket, now) == "overdue"


def phone_q(value: str, *, field: str = "phone", strict: bool = True) -> Q | None:
    """Tickets of the caller with this number, typed any way (``hotline.core.phones``); a
    fixed line also matches with any extension. Confidential tickets are never found by
    phone (ADR 0006). ``None`` for an empty value; an invalid one raises ``InvalidInput``
    unless ``strict`` is off (then ``None``)."""
    try:
        number = normalise_phone(value, field=field)
    except InvalidInput:
        if strict:
            raise
        return None
    if not number:
        return None
    by_phone = Q(complainant_phone=number)
    if EXTENSION_MARK not in number:
        by_phone |= Q(complainant_phone__startswith=number + EXTENSION_MARK)
    return by_phone & identity_searchable()


def search_q(text: str) -> Q:
    """A search box: a number (its start), words of the subject, or the caller's phone."""
    q = Q(number__startswith=text) | Q(subject__icontains=text)
    by_phone = phone_q(text, field="q", strict=False)
    return q | by_phone if by_phone is not None else q


def open_tickets(user: AnyUser) -> QuerySet[Ticket]:
    """The user's open tickets (running or suspended), soonest due first, with what a row shows."""
    return (
        tickets_visible_to(user)
        .filter(status__in=OPEN_STATUSES)
        .select_related(*TICKET_COLUMNS)
        .order_by("due_at", "pk")
    )


class StageCounts(TypedDict):
    policy: str
    type: str
    stage: str
    total: int
    overdue: int
    due_soon: int
    suspended: int


def stage_counts(tickets: QuerySet[Ticket], *, now: datetime) -> list[StageCounts]:
    """Counts of ``tickets`` (open ones, already scoped) by pack, type and stage: in all,
    overdue, due soon and suspended — one grouped query over the tickets.

    The board reads the same numbers from the counts the triggers keep
    (``workflow.counts.open_counts``, ADR 0026), which do not grow with the backlog; this
    direct count is what they fall back to and what the tests hold them to."""
    rows = (
        tickets.order_by()
        .values("policy", "type", "stage")
        .annotate(
            total=Count("pk"),
            overdue=Count("pk", filter=overdue_q(now)),
            due_soon=Count("pk", filter=due_soon_q(now)),
            suspended=Count("pk", filter=Q(status=Status.SUSPENDED)),
        )
    )
    return [cast(StageCounts, row) for row in rows]
