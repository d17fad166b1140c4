"""Who may see and act on rectification notices. Services and views ask here.

The issuing side is the centre: a coordinator, leader or admin issues, verifies, sends
back and withdraws notices to the units in their *jurisdiction*. A centre (受理中心) serves
the level it sits in, so a membership in a centre reaches its parent unit and everything
below (the 12345 centre of a city reaches the city's departments and counties); any other
membership reaches its own unit and below. The answering side is the unit: a department
head (``dept_head``) of the notice's unit or a unit above it reports. A team leader sees
the centre's notices without acting on them. Missing and not visible are one answer.
"""

from __future__ import annotations

from typing import Final, Literal

from django.db.models import Q, QuerySet

from hotline.core.errors import NotFound
from hotline.core.types import AnyUser
from hotline.org.models import Membership, Role, Unit, UnitKind
from hotline.org.selectors import memberships_of
from hotline.rectification.models import Notice
from hotline.workflow.access import units_under
from hotline.workflow.roles import CENTRE_ROLES

# Who issues, verifies, sends back and withdraws (the supervision office).
ISSUER_ROLES: Final = frozenset({Role.COORDINATOR, Role.LEADER, Role.ADMIN})
# Who answers for the unit with a rectification report.
HEAD_ROLES: Final = frozenset({Role.DEPT_HEAD})

NoticeRole = Literal["issuer", "head", "viewer"]


def jurisdiction(membership: Membership) -> Unit:
    """The top unit a centre-side membership reaches: a centre's parent, else its own unit."""
    unit = membership.unit
    if unit.kind == UnitKind.CENTRE and unit.parent_id is not None and unit.parent is not None:
        return unit.parent
    return unit


def _is_superuser(user: AnyUser) -> bool:
    return bool(getattr(user, "is_superuser", False))


def issuing_membership(user: AnyUser, unit: Unit) -> Membership | None:
    """The user's issuing membership whose jurisdiction covers ``unit`` (the nearest first)."""
    found = [m for m in memberships_of(user) if m.role in ISSUER_ROLES and jurisdiction(m).covers(unit)]
    return max(found, key=lambda m: m.unit.depth, default=None)


def may_issue(user: AnyUser, unit: Unit | None = None) -> bool:
    """Whether ``user`` may issue notices (to ``unit``, when given)."""
    if not user.is_authenticated:
        return False
    if _is_superuser(user):
        return True
    if unit is None:
        return any(m.role in ISSUER_ROLES for m in memberships_of(user))
    return issuing_membership(user, unit) is not None


def issuable_units(user: AnyUser) -> QuerySet[Unit]:
    """The active units ``user`` may issue a notice to."""
    qs = Unit.objects.filter(is_active=True)
    if _is_superuser(user):
        return qs
    roots = [jurisdiction(m) for m in memberships_of(user) if m.role in ISSUER_ROLES]
    return qs.filter(pk__in=units_under(roots))


def may_view(user: AnyUser) -> bool:
    """Whether ``user`` has any part in rectification (the pages are for them)."""
    if not user.is_authenticated:
        return False
    if _is_superuser(user):
        return True
    return any(m.role in CENTRE_ROLES or m.role in HEAD_ROLES for m in memberships_of(user))


def viewable_units(user: AnyUser) -> QuerySet[Unit]:
    """The units whose notices ``user`` may see (the list's unit filter)."""
    qs = Unit.objects.filter(is_active=True)
    if _is_superuser(user):
        return qs
    memberships = memberships_of(user)
    roots = [jurisdiction(m) for m in memberships if m.role in CENTRE_ROLES]
    roots += [m.unit for m in memberships if m.role in HEAD_ROLES]
    return qs.filter(pk__in=units_under(roots))


def notice_roles(user: AnyUser, notice: Notice) -> set[NoticeRole]:
    """The parts ``user`` plays on ``notice``: issuer, head (of the unit) or viewer."""
    roles: set[NoticeRole] = set()
    if not user.is_authenticated:
        return roles
    if _is_superuser(user):
        roles.add("issuer")
    for m in memberships_of(user):
        if m.role in ISSUER_ROLES and jurisdiction(m).covers(notice.unit):
            roles.add("issuer")
        elif m.role in CENTRE_ROLES and jurisdiction(m).covers(notice.unit):
            roles.add("viewer")
        if m.role in HEAD_ROLES and m.unit.covers(notice.unit):
            roles.add("head")
    if roles:
        roles.add("viewer")
    return roles


def notices_visible_to(user: AnyUser) -> QuerySet[Notice]:
    """Every list of notices starts here: the centre sees its jurisdiction's, a head their
    unit's and its subtree's; nobody else sees any."""
    qs = Notice.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if _is_superuser(user):
        return qs
    memberships = memberships_of(user)
    centre = units_under([jurisdiction(m) for m in memberships if m.role in CENTRE_ROLES])
    heads = units_under([m.unit for m in memberships if m.role in HEAD_ROLES])
    ids = sorted(set(centre) | set(heads))
    if not ids:
        return qs.none()
    return qs.filter(Q(unit_id__in=ids))


def access_notice(user: AnyUser, number: str) -> Notice:
    """The notice if ``user`` may see it; one answer (not found) for missing and forbidden."""
    notice = (
        notices_visible_to(user)
        .select_related("unit", "ticket", "issuing_unit", "issued_by")
        .filter(number=number)
        .first()
    )
    if notice is None:
        raise NotFound(f"整改通知书“{number}”不存在或您无权查看", code="rectification_not_found")
    return notice
