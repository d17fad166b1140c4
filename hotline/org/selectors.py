"""Reads about units and roles."""

from __future__ import annotations

from django.db import connection

from hotline.core.prepared import execute
from hotline.core.types import AnyUser
from hotline.org.models import Membership, Unit

_UNIT_FIELDS = [f.attname for f in Unit._meta.concrete_fields]
_MEMBERSHIP_FIELDS = ["id", "user_id", "unit_id", "role"]
# a unit's columns are text, numbers and a flag: ``to_python`` is all the conversion a
# raw row needs (SQLite gives the flag as 0/1)
_UNIT_CONVERT = [f.to_python for f in Unit._meta.concrete_fields]


def memberships_of(user: AnyUser) -> list[Membership]:
    """The user's memberships with their units, cached on the user object for the request.

    The same statement reads which units each membership's unit reaches (itself and every
    unit below it, :func:`units_below_memberships`): every request that scopes tickets
    needs both, and one statement instead of two is a measurable part of a detail page
    (issue 17). So does each unit's policy (``Unit.effective_policy`` without walking up
    its parents: registration needs it), and the policies set on any unit
    (:func:`policies_in_use`: every workbench page's menu needs them).
    """
    if not user.is_authenticated:
        return []
    cached: list[Membership] | None = getattr(user, "_hotline_memberships", None)
    if cached is None:
        cached, below, policies = _read(user.pk)
        user._hotline_memberships = cached  # type: ignore[attr-defined]  # a per-request cache on the user
        user._hotline_below = below  # type: ignore[attr-defined]
        user._hotline_policies = policies  # type: ignore[attr-defined]
    return cached


def units_below_memberships(user: AnyUser) -> dict[str, list[int]]:
    """For each unit the user holds a role in, by its path: the ids of that unit and of
    every unit below it (active or not), read with the memberships."""
    memberships_of(user)
    return getattr(user, "_hotline_below", {})


def policies_in_use(user: AnyUser) -> set[str]:
    """The policy codes set on any unit (active or not), read with the user's memberships
    when they hold any; else read now."""
    memberships_of(user)
    known: set[str] | None = getattr(user, "_hotline_policies", None)
    if known is not None:
        return set(known)
    return set(Unit.objects.exclude(policy="").order_by().values_list("policy", flat=True).distinct())


def _read(user_id: int) -> tuple[list[Membership], dict[str, list[int]], set[str] | None]:
    # the units below by path prefix, as ``Q(path__startswith=…)`` (paths are digits and
    # slashes: nothing for LIKE to escape), gathered per membership into one column
    gather = (
        "string_agg(CAST(s.id AS TEXT), ',')" if connection.vendor == "postgresql" else "group_concat(s.id)"
    )
    columns = ", ".join(f"u.{connection.ops.quote_name(f)}" for f in _UNIT_FIELDS)
    # the policy the unit works under: its own, else its nearest ancestor's (effective_policy)
    policy = (
        "(SELECT a.policy FROM org_unit a WHERE u.path LIKE a.path || '%%' AND a.policy <> ''"
        " ORDER BY a.depth DESC LIMIT 1)"
    )
    # and the policies set on any unit (the menu shows what the packs in use offer)
    distinct = (
        "string_agg(DISTINCT p.policy, ',')"
        if connection.vendor == "postgresql"
        else "group_concat(DISTINCT p.policy)"
    )
    in_use = f"(SELECT {distinct} FROM org_unit p WHERE p.policy <> '')"
    sql = (
        # names from the model
        f"SELECT m.id, m.role, {in_use}, {policy}, {columns}, {gather} FROM org_membership m"
        " JOIN org_unit u ON u.id = m.unit_id"
        " LEFT JOIN org_unit s ON s.path LIKE u.path || '%%'"
        " WHERE m.user_id = %s GROUP BY m.id, m.role, " + columns + " ORDER BY m.id"
    )
    memberships: list[Membership] = []
    below: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        # every request's: prepared on the server once a session (ADR 0029)
        execute(connection, cursor, "hotline_memberships", sql, [user_id])
        rows = cursor.fetchall()
    db = connection.alias
    for row in rows:
        unit = Unit.from_db(db, _UNIT_FIELDS, [c(v) for c, v in zip(_UNIT_CONVERT, row[4:-1], strict=True)])
        unit.known_policy = row[3] or ""  # type: ignore[attr-defined]  # read by Unit.effective_policy
        membership = Membership.from_db(db, _MEMBERSHIP_FIELDS, (row[0], user_id, unit.pk, row[1]))
        Membership._meta.get_field("unit").set_cached_value(membership, unit)
        memberships.append(membership)
        below[unit.path] = sorted(int(i) for i in str(row[-1]).split(",")) if row[-1] else []
    policies = {code for code in str(rows[0][2] or "").split(",") if code} if rows else None
    return memberships, below, policies
