"""Hooks of repeats and batches in pages that are not theirs: the board's batches panel and
the ticket page's confirm/dismiss of a suggested link (``hotline.similar``)."""

from __future__ import annotations

from typing import Any

from django import template

from hotline.similar.selectors import board_batches
from hotline.similar.services import may_decide_links
from hotline.tickets.models import TicketLink

register = template.Library()


@register.inclusion_tag("web/similar/_board.html", takes_context=True)
def similar_board(context: dict[str, Any]) -> dict[str, Any]:
    """批量投诉 on the coordinator's board: suggested batches and confirmed ones."""
    return {"batches": board_batches(context["request"].user)}


@register.inclusion_tag("web/similar/_link_actions.html", takes_context=True)
def link_actions(context: dict[str, Any], link: TicketLink) -> dict[str, Any]:
    """待确认 and, for intake and coordinator roles, 确认 / 排除 beside a suggested link."""
    if link.confirmed:
        return {"link": link}
    ticket = context["ticket"]  # the ticket page's
    return {
        "link": link,
        "number": ticket.number,
        "may_decide": may_decide_links(context["request"].user, ticket),
        "csrf_token": context.get("csrf_token"),
    }
