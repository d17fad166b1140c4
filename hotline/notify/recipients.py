"""Who a staff notification goes to, by role relative to the ticket.

``handler``: the ticket's handler. ``dept_head``: heads of the ticket's current unit (or a
unit above it). Centre roles (``coordinator``, ``leader``, ``agent``, ``team_leader``,
``admin``): those whose membership unit covers the ticket's unit or its intake unit — the
same reach as :mod:`hotline.workflow.access`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from hotline.core.types import User
from hotline.org.models import Membership, Role, Unit
from hotline.tickets.models import Ticket
from hotline.workflow.roles import UNIT_ROLES


def _ancestor_paths(unit: Unit) -> list[str]:
    parts = [p for p in unit.path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def staff_for_roles(ticket: Ticket, roles: Iterable[str]) -> list[User]:
    """Active users holding any of ``roles`` on ``ticket``, ordered by id, without repeats."""
    wanted = set(roles)
    found: dict[int, User] = {}
    if Role.HANDLER in wanted and ticket.handler_id is not None and ticket.handler is not None:
        if ticket.handler.is_active:
            found[ticket.handler.pk] = ticket.handler
    unit_roles = wanted & UNIT_ROLES - {Role.HANDLER.value}
    centre_roles = wanted - UNIT_ROLES
    match = Q(pk__in=[])
    if unit_roles:
        match |= Q(role__in=unit_roles, unit__path__in=_ancestor_paths(ticket.unit))
    if centre_roles:
        paths = set(_ancestor_paths(ticket.unit)) | set(_ancestor_paths(ticket.owner_unit))
        match |= Q(role__in=centre_roles, unit__path__in=paths)
    if unit_roles or centre_roles:
        for m in Membership.objects.filter(match, user__is_active=True).select_related("user"):
            found.setdefault(m.user.pk, m.user)
    return [found[pk] for pk in sorted(found)]
