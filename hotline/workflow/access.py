"""Who may do what to a ticket. Policies decide; services and views ask.

A role is held in a unit and reaches every unit below it. Centre roles (agent,
coordinator, leader, team leader, admin) act on tickets of the units they cover, either
where the ticket was taken in (``owner_unit``) or where it is now (``unit``). Unit roles
(department head, handler) act only where the ticket is now. A handler acts only on the
tickets assigned to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from hotline.core.errors import NotFound
from hotline.core.prepared import Prepared
from hotline.core.types import AnyUser
from hotline.org.models import Role, Unit
from hotline.org.selectors import memberships_of, units_below_memberships
from hotline.tickets.models import Ticket
from hotline.workflow.roles import INTAKE_ROLES, UNIT_ROLES

# ``assign`` names a handler or a head (``actions.assign``)
ASSIGNABLE_ROLES = frozenset({Role.HANDLER.value, Role.DEPT_HEAD.value})


def ticket_roles(user: AnyUser, ticket: Ticket) -> set[str]:
    """The roles ``user`` can bring to bear on ``ticket`` right now."""
    roles: set[str] = set()
    for m in memberships_of(user):
        if m.unit.covers(ticket.unit):
            roles.add(m.role)
        elif m.role not in UNIT_ROLES and m.unit.covers(ticket.owner_unit):
            roles.add(m.role)
    if Role.HANDLER in roles and ticket.handler_id != user.pk:
        roles.discard(Role.HANDLER)
    if getattr(user, "is_superuser", False):
        roles.add(Role.ADMIN)
    return roles


@dataclass(frozen=True)
class Scope:
    """Which tickets a user sees, as data: the tickets assigned to them (``handler``), those
    they took in (``registrant``), those now at one of ``units`` or taken in at one of
    ``owner_units``. :func:`visible_q` writes it as a condition for lists;
    :meth:`admits` checks one ticket in hand (``access_ticket``) — one rule, two forms."""

    user_id: int | None
    handler: bool = False
    registrant: bool = False
    units: frozenset[int] = frozenset()
    owner_units: frozenset[int] = frozenset()

    def q(self) -> Q:
        q = Q(pk__in=[])
        if self.handler:
            q |= Q(handler_id=self.user_id)
        if self.registrant:
            q |= Q(registered_by_id=self.user_id)  # 首问负责: who took it in follows it
        if self.units:
            q |= Q(unit_id__in=sorted(self.units))
        if self.owner_units:
            q |= Q(owner_unit_id__in=sorted(self.owner_units))
        return q

    def admits(self, ticket: Ticket) -> bool:
        return (
            (self.handler and ticket.handler_id == self.user_id)
            or (self.registrant and ticket.registered_by_id == self.user_id)
            or ticket.unit_id in self.units
            or ticket.owner_unit_id in self.owner_units
        )


NOTHING = Scope(user_id=None)


def scope_of(user: AnyUser) -> Scope | None:
    """The user's :class:`Scope`; ``None`` for a superuser (everything). Computed once per
    request (cached on the user object, like ``memberships_of``)."""
    if not user.is_authenticated:
        return NOTHING
    if getattr(user, "is_superuser", False):
        return None
    cached: Scope | None = getattr(user, "_hotline_scope", None)
    if cached is not None:
        return cached
    memberships = memberships_of(user)
    roles = {m.role for m in memberships}
    # a handler sees the tickets assigned to them, not the whole unit's
    any_paths = {m.unit.path for m in memberships if m.role != Role.HANDLER}
    centre_paths = {m.unit.path for m in memberships if m.role not in UNIT_ROLES}
    scope = Scope(
        user_id=user.pk,
        handler=bool(roles & ASSIGNABLE_ROLES),
        registrant=bool(roles & INTAKE_ROLES),
        units=frozenset(_covered(user, any_paths)),
        owner_units=frozenset(_covered(user, centre_paths)),
    )
    user._hotline_scope = scope  # type: ignore[attr-defined]  # a per-request cache
    return scope


def visible_q(user: AnyUser) -> Q | None:
    """The condition of :func:`tickets_visible_to`, on the columns a ticket shares with the
    rows that copy its scope (``reports.Fact``): ``handler_id``, ``registered_by_id``,
    ``unit_id``, ``owner_unit_id``; ``None`` for a superuser (see also ``sees_every_unit``).

    The units a user covers are resolved to ids first, so the ticket query is plain
    ``unit_id IN (…) OR owner_unit_id IN (…)`` on indexed foreign keys rather than path
    prefixes across two joins (measured at 1M tickets: 650 → 106 ms for a department's
    count; bench/README.md). Only the predicates the user's roles can need: each one is
    another index scan, and a handler's list should walk the handler index alone.
    """
    scope = scope_of(user)
    return None if scope is None else scope.q()


def units_q(user: AnyUser) -> Q | None:
    """The unit part of :func:`visible_q` alone — tickets now at a unit the user's roles
    (other than handler) cover, or taken in at one their centre roles cover — for lists
    of "the unit's tickets" (the worklist's 本单位). A subset of ``visible_q``; without its
    ``handler_id``/``registered_by_id`` terms the list walks the units' index alone
    (issue 17). A user without such units gets ``visible_q`` itself; ``None`` for a
    superuser (everything)."""
    scope = scope_of(user)
    if scope is None:
        return None
    if not scope.units and not scope.owner_units:
        return scope.q()
    return Scope(user_id=scope.user_id, units=scope.units, owner_units=scope.owner_units).q()


def sees_every_unit(user: AnyUser) -> bool:
    """Whether a role of ``user`` (other than handler) covers every unit — then the scope of
    :func:`visible_q` holds for every ticket, and a large scan may drop it (one query)."""
    if getattr(user, "is_superuser", False):
        return True
    if not user.is_authenticated:
        return False
    cached: bool | None = getattr(user, "_hotline_sees_every_unit", None)
    if cached is None:
        scope = scope_of(user)
        covered = scope.units if scope is not None else frozenset()  # what its roles but handler reach
        cached = bool(covered) and covered >= set(Unit.objects.values_list("pk", flat=True))
        user._hotline_sees_every_unit = cached  # type: ignore[attr-defined]  # per request
    return cached


def tickets_visible_to(user: AnyUser) -> QuerySet[Ticket]:
    """Every list of tickets starts here: a user sees only what their roles reach."""
    q = visible_q(user)
    return Ticket.objects.all() if q is None else Ticket.objects.filter(q)


def units_under(units: Iterable[Unit]) -> list[int]:
    """Ids of ``units`` and every unit below them: lists then filter on the indexed
    ``unit_id IN (…)`` instead of a path prefix across a join (one plan for every door)."""
    return _units_under({unit.path for unit in units})


def covered_units(user: AnyUser, units: Iterable[Unit]) -> list[int]:
    """``units_under(units)``, remembered on the user for the request."""
    return _covered(user, {unit.path for unit in units})


def _covered(user: AnyUser, paths: set[str]) -> list[int]:
    """``_units_under(paths)``, remembered on the user for the request (the scope and
    ``sees_every_unit`` ask for the same paths)."""
    memo: dict[frozenset[str], list[int]] | None = getattr(user, "_hotline_covered", None)
    if memo is None:
        memo = {}
        user._hotline_covered = memo  # type: ignore[union-attr]  # a per-request cache
    key = frozenset(paths)
    if key not in memo:
        below = units_below_memberships(user) if user.is_authenticated else {}
        if all(path in below for path in paths):  # the units of the user's own roles: read already
            memo[key] = sorted({pk for path in paths for pk in below[path]})
        else:
            memo[key] = _units_under(paths)
    return memo[key]


def _units_under(paths: set[str]) -> list[int]:
    if not paths:
        return []
    match = Q(pk__in=[])
    for path in paths:
        match |= Q(path__startswith=path)
    return list(Unit.objects.filter(match).values_list("pk", flat=True))


# a ticket by its number with what its pages show — units, category (and its parent: a
# category shows as "parent / name"), handler, registrant — compiled once (core.prepared)
_BY_NUMBER: Prepared[Ticket] = Prepared(
    lambda number: (
        Ticket.objects.select_related("unit", "owner_unit", "category__parent", "handler", "registered_by")
        .filter(number=number)
        .order_by()
    ),
    name="ticket_by_number",  # prepared on the server (ADR 0029): its plan is most of its time
)


def access_ticket(user: AnyUser, number: str) -> Ticket:
    """The ticket if the user may see it; one answer (not found) for missing and forbidden.

    Read by its (unique) number alone and then checked against the user's scope in hand
    (:meth:`Scope.admits`, the same rule as the lists' condition): the read's SQL is then
    the same for everyone and compiled once."""
    ticket = _BY_NUMBER.first(number)
    scope = scope_of(user) if ticket is not None else NOTHING
    if ticket is None or (scope is not None and not scope.admits(ticket)):
        raise NotFound(f"工单“{number}”不存在或您无权查看", code="ticket_not_found")
    return ticket


def identity_hidden(ticket: Ticket) -> bool:
    """Confidential tickets show identity masked to everyone until an unmask (logged)."""
    return ticket.confidential
