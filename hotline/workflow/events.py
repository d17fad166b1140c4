"""History events (全程跟踪): written in the same transaction as the change they record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Max

from hotline.core.types import AnyUser
from hotline.tickets.models import Ticket, TicketEvent


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
    return TicketEvent.objects.create(
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
