"""Reads about units and roles."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from hotline.core.types import AnyUser
from hotline.org.models import Membership, Unit


def memberships_of(user: AnyUser) -> list[Membership]:
    """The user's memberships, cached on the user object for the request."""
    if not user.is_authenticated:
        return []
    cached: list[Membership] | None = getattr(user, "_hotline_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user_id=user.pk).select_related("unit"))
        user._hotline_memberships = cached  # type: ignore[attr-defined]
    return cached


def roles_for_units(user: AnyUser, units: Iterable[Unit | None]) -> set[str]:
    """Roles the user holds in a unit that covers (is or is above) any of ``units``."""
    targets = [u for u in units if u is not None]
    return {m.role for m in memberships_of(user) if any(m.unit.covers(t) for t in targets)}


def has_role_anywhere(user: AnyUser, *roles: str) -> bool:
    return any(m.role in roles for m in memberships_of(user))


def units_below(unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=unit.path)


def unit_scope_q(user: AnyUser, *, field: str) -> Q:
    """A filter for rows whose unit ``field`` lies in a unit where the user holds any role."""
    q = Q(pk__in=[])
    for path in {m.unit.path for m in memberships_of(user)}:
        q |= Q(**{f"{field}__path__startswith": path})
    return q


def users_with_role(*, unit: Unit, role: str) -> QuerySet[Membership]:
    return Membership.objects.filter(role=role, unit__path__startswith=unit.path).select_related(
        "user", "unit"
    )
