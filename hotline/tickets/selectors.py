"""Reads about tickets shared by the workflow's guards."""

from __future__ import annotations

from hotline.tickets.models import EXTENSION_NOT_COUNTED, ExtensionRequest, Ticket


def counted_extensions(ticket: Ticket) -> list[ExtensionRequest]:
    """The extension requests that count against the pack's caps: this dispatch round's
    pending and approved ones (a redispatch restarts the clock, and the caps with it)."""
    return list(
        ExtensionRequest.objects.filter(ticket=ticket, round=ticket.round).exclude(
            status__in=EXTENSION_NOT_COUNTED
        )
    )
