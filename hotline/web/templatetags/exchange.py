"""The upper level (上级转办) on the ticket page, a page that is not ``hotline.exchange``'s:
the partner's number, its limit for our answer back and our last callback."""

from __future__ import annotations

from typing import Any

from django import template

from hotline.exchange.selectors import upper_level_of
from hotline.tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("web/exchange/_upper_level.html")
def upper_level_rows(ticket: Ticket) -> dict[str, Any]:
    """Rows of the ticket's field list, or nothing when no partner sent it (no query then)."""
    return {"upper": upper_level_of(ticket)}
