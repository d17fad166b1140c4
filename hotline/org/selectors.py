"""Reads about units and roles."""

from __future__ import annotations

from hotline.core.types import AnyUser
from hotline.org.models import Membership


def memberships_of(user: AnyUser) -> list[Membership]:
    """The user's memberships, cached on the user object for the request."""
    if not user.is_authenticated:
        return []
    cached: list[Membership] | None = getattr(user, "_hotline_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user_id=user.pk).select_related("unit"))
        user._hotline_memberships = cached  # type: ignore[attr-defined]  # a per-request cache on the user
    return cached
