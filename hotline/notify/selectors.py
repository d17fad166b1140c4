"""Reads of the outbox: a ticket's delivery status, a user's in-app inbox."""

from __future__ import annotations

from django.db.models import QuerySet

from hotline.core.types import AnyUser
from hotline.notify.models import Message, MessageChannel
from hotline.tickets.models import Ticket


def messages_for_ticket(ticket: Ticket) -> QuerySet[Message]:
    """Every message about ``ticket`` (oldest first) with its status, for the ticket page.

    In-app rows are left out (they are each staff member's own inbox); the complainant's
    and staff email/SMS show with recipient, channel, status, attempts and last error.
    """
    return (
        Message.objects.filter(ticket=ticket)
        .exclude(channel=MessageChannel.INAPP)
        .select_related("user")
        .order_by("created_at", "pk")
    )


def inbox(user: AnyUser) -> QuerySet[Message]:
    """The user's in-app notifications, newest first."""
    if not user.is_authenticated:
        return Message.objects.none()
    return (
        Message.objects.filter(user_id=user.pk, channel=MessageChannel.INAPP)
        .select_related("ticket")
        .order_by("-created_at", "-pk")
    )


def unread_count(user: AnyUser) -> int:
    if not user.is_authenticated:
        return 0
    return Message.objects.filter(user_id=user.pk, channel=MessageChannel.INAPP, read_at__isnull=True).count()
