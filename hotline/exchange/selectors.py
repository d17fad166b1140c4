"""Reads: a ticket's upper level (上级转办信息) for the ticket page and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from hotline.exchange.models import PARTNER_CHANNEL, Callback, PartnerTicket
from hotline.tickets.models import Channel, Ticket


@dataclass(frozen=True)
class UpperLevel:
    link: PartnerTicket
    overdue: bool  # its limit has passed and no answer went back
    last_callback: Callback | None

    def as_dict(self) -> dict[str, Any]:
        link, last = self.link, self.last_callback
        return {
            "partner": link.partner.code,
            "partner_name": link.partner.name,
            "ticket_id": link.partner_ticket_id,
            "number": link.partner_number,
            "dispatched_at": link.dispatched_at,
            "answer_due_at": link.answer_due_at,
            "answer_due_source": link.answer_due_source,
            "answer_limit": link.answer_limit,
            "provisional": link.provisional,
            "answered_at": link.answered_at,
            "overdue": self.overdue,
            "last_callback": (
                {
                    "event": last.kind.removeprefix("exchange."),
                    "status": last.status,
                    "attempts": last.attempts,
                    "created_at": last.created_at,
                    "sent_at": last.sent_at,
                }
                if last is not None
                else None
            ),
        }


def upper_level_of(ticket: Ticket, *, now: datetime | None = None) -> UpperLevel | None:
    """The partner's record of ``ticket`` and our last callback, or None (not a partner's
    ticket; no query unless the ticket came in on the channel ``transfer``)."""
    if ticket.channel != Channel.TRANSFER:
        return None
    link = PartnerTicket.objects.filter(ticket=ticket).select_related("partner").first()
    if link is None:
        return None
    now = now or timezone.now()
    overdue = link.answered_at is None and link.answer_due_at is not None and link.answer_due_at < now
    last = (
        Callback.objects.filter(ticket=ticket, channel=PARTNER_CHANNEL).order_by("-created_at", "-pk").first()
    )
    return UpperLevel(link=link, overdue=overdue, last_callback=last)
