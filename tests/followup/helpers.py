"""Reading what the sweep did: outbox rows and history events."""

from __future__ import annotations

from hotline.notify.models import Message
from hotline.tickets.models import Ticket, TicketEvent


def staff_messages(ticket: Ticket, kind: str) -> list[tuple[str, str]]:
    """(username, kind) of the in-app messages of ``kind`` on ``ticket``, by user."""
    rows = Message.objects.filter(ticket=ticket, kind=kind, channel="inapp").order_by("user__username")
    return [(m.user.username, m.kind) for m in rows]


def kinds(ticket: Ticket) -> list[str]:
    """The kinds of the sweep's staff messages on the ticket, in the order written (one per call)."""
    seen: dict[str, None] = {}
    rows = Message.objects.filter(ticket=ticket, channel="inapp", batch_key__startswith="followup:")
    for key, kind in rows.order_by("pk").values_list("batch_key", "kind"):
        seen.setdefault(f"{key}|{kind}", None)
    return [k.split("|")[1] for k in seen]


def system_events(ticket: Ticket) -> list[tuple[str, str]]:
    return list(
        TicketEvent.objects.filter(ticket=ticket, actor__isnull=True)
        .exclude(action="register")
        .order_by("seq")
        .values_list("action", "actor_label")
    )
