"""Reads of the outbox: a ticket's delivery status, a user's in-app inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from hotline.core.types import AnyUser
from hotline.notify.models import Message, MessageChannel
from hotline.tickets.models import Ticket


def messages_for_ticket(ticket: Ticket | int | OuterRef) -> QuerySet[Message]:
    """Every message about ``ticket`` (oldest first) with its status, for the ticket page.

    In-app rows are left out (they are each staff member's own inbox); the complainant's
    and staff email/SMS show with recipient, channel, status, attempts and last error.
    ``ticket`` may be the ticket's id, or an outer query's (``Exists``).
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


def unread_of(user_id: Any) -> QuerySet[Message]:
    """The user's in-app messages not yet read; ``user_id`` may be a value an outer query
    or a prepared read puts in (the ticket page counts them in its own statement)."""
    return Message.objects.filter(user_id=user_id, channel=MessageChannel.INAPP, read_at__isnull=True)


def unread_count(user: AnyUser) -> int:
    if not user.is_authenticated:
        return 0
    return unread_of(user.pk).count()


def _own_inapp(user: AnyUser) -> QuerySet[Message]:
    if not user.is_authenticated:
        return Message.objects.none()
    return Message.objects.filter(user_id=user.pk, channel=MessageChannel.INAPP)


@dataclass(frozen=True)
class InboxGroup:
    """The user's in-app messages about one ticket (``ticket`` None: those about none)."""

    ticket: Ticket | None
    latest: Message  # the newest, whose subject stands for the group
    count: int
    unread: int

    @property
    def latest_at(self) -> datetime:
        return self.latest.created_at


def inbox_by_ticket(user: AnyUser, *, offset: int = 0, limit: int = 20) -> tuple[list[InboxGroup], bool]:
    """The user's inbox grouped by ticket, the ticket with the newest message first: each
    group's newest message, how many there are and how many unread. Messages about no
    ticket make one group. Returns one page (``offset``, ``limit``) and whether more follow;
    two queries whatever the page holds."""
    if offset < 0 or limit < 1:
        raise ValueError("offset >= 0 and limit >= 1")
    own = _own_inapp(user)
    newest = own.filter(ticket_id=OuterRef("ticket_id")).order_by("-created_at", "-pk").values("pk")[:1]
    newest_without = own.filter(ticket__isnull=True).order_by("-created_at", "-pk").values("pk")[:1]
    groups = list(
        own.order_by()
        .values("ticket_id")
        .annotate(
            latest_at=Max("created_at"),
            count=Count("pk"),
            unread=Count("pk", filter=Q(read_at__isnull=True)),
            latest_pk=Subquery(newest),
            latest_without=Subquery(newest_without),
        )
        .order_by("-latest_at", "-ticket_id")[offset : offset + limit + 1]
    )
    has_more = len(groups) > limit
    groups = groups[:limit]
    pks = [g["latest_pk"] if g["ticket_id"] is not None else g["latest_without"] for g in groups]
    latest = Message.objects.select_related("ticket", "ticket__unit").in_bulk(pks)
    return [
        InboxGroup(ticket=latest[pk].ticket, latest=latest[pk], count=g["count"], unread=g["unread"])
        for g, pk in zip(groups, pks, strict=True)
    ], has_more


def ticket_inbox(user: AnyUser, ticket: Ticket) -> QuerySet[Message]:
    """The user's in-app messages about one ticket, newest first (a group opened)."""
    return _own_inapp(user).filter(ticket=ticket).order_by("-created_at", "-pk")
