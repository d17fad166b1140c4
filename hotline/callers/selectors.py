"""Reads about the blocklist."""

from __future__ import annotations

from django.db.models import QuerySet

from hotline.callers.models import BlocklistEntry, BlocklistStatus


def pending_requests() -> QuerySet[BlocklistEntry]:
    """Requests waiting for a team leader, oldest first."""
    return (
        BlocklistEntry.objects.filter(status=BlocklistStatus.REQUESTED)
        .select_related("requested_by")
        .order_by("requested_at")
    )


def active_entries() -> QuerySet[BlocklistEntry]:
    """Entries in force or lapsed but not yet revoked, newest first."""
    return (
        BlocklistEntry.objects.filter(status=BlocklistStatus.ACTIVE)
        .select_related("requested_by", "decided_by")
        .order_by("-decided_at")
    )
