"""History events (全程跟踪): written in the same transaction as the change they record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Max

from hotline.core.types import AnyUser
from hotline.tickets.models import Ticket, TicketEvent

# Called with every event just written, inside the same transaction (the transactional
# outbox: a notification is committed together with the event that causes it, or not at
# all). Registered by other apps in ``AppConfig.ready``. A listener that raises rolls the
# whole change back, so listeners only write rows; delivery happens in the worker.
event_listeners: list[Callable[[Ticket, TicketEvent], None]] = []


def record_event(
    ticket: Ticket,
    *,
    action: str,
    actor: AnyUser | None,
    now: datetime,
    from_stage: str,
    from_status: str,
    actor_label: str = "",
    comment: str = "",
    payload: dict[str, Any] | None = None,
    public: bool = False,
) -> TicketEvent:
    """Append one event. The caller holds the ticket's row lock, so ``seq`` cannot race."""
    last = TicketEvent.objects.filter(ticket=ticket).aggregate(m=Max("seq"))["m"] or 0
    user = actor if actor is not None and actor.is_authenticated else None
    event = TicketEvent.objects.create(
        ticket=ticket,
        seq=last + 1,
        actor=user,
        actor_label=actor_label or ("" if user else "系统"),
        action=action,
        from_stage=from_stage,
        to_stage=ticket.stage,
        from_status=from_status,
        to_status=ticket.status,
        comment=comment,
        payload=payload or {},
        public=public,
        created_at=now,
    )
    for listener in event_listeners:
        listener(ticket, event)
    return event
