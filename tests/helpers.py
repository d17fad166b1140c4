"""Small helpers shared by tests (times in Asia/Shanghai)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotline.tickets.models import Ticket
from hotline.workflow.services import ticket_transition

SH = ZoneInfo("Asia/Shanghai")


def local(text: str) -> datetime:
    """``local("2026-09-30 10:00")`` → an aware datetime in Asia/Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def act(ticket: Ticket, action: str, actor: Any, at: str | datetime | None = None, **params: Any) -> Ticket:
    when = local(at) if isinstance(at, str) else at
    return ticket_transition(ticket=ticket, action=action, actor=actor, params=params, now=when).ticket


def snapshot(ticket: Ticket) -> dict[str, Any]:
    """Everything a denied action must leave as it was."""
    fresh = Ticket.objects.get(pk=ticket.pk)
    fields = {f.attname: getattr(fresh, f.attname) for f in Ticket._meta.concrete_fields}
    fields["events"] = fresh.events.count()
    fields["extensions"] = fresh.extensions.count()
    return fields
