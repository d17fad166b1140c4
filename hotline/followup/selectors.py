"""Reads for the return-visit screens."""

from __future__ import annotations

from django.db.models import F, QuerySet

from hotline.core.types import AnyUser
from hotline.followup.models import ACTIVE_VISIT_STATUSES, ReturnVisit
from hotline.org.models import Role
from hotline.org.selectors import memberships_of
from hotline.workflow.access import tickets_visible_to

# Roles that call back (回访). The pack's stage rule still decides who may record it.
VISIT_ROLES = frozenset({Role.COORDINATOR.value, Role.LEADER.value, Role.ADMIN.value})


def callback_list(user: AnyUser) -> QuerySet[ReturnVisit]:
    """Open return-visit tasks (待回访 and 联系不上) on tickets the user may see, by due time.

    Only users who call back (coordinator, leader, admin) have a list; others get none.
    """
    if not user.is_authenticated:
        return ReturnVisit.objects.none()
    if not getattr(user, "is_superuser", False) and not any(
        m.role in VISIT_ROLES for m in memberships_of(user)
    ):
        return ReturnVisit.objects.none()
    return (
        ReturnVisit.objects.filter(status__in=ACTIVE_VISIT_STATUSES, ticket__in=tickets_visible_to(user))
        .select_related("ticket", "ticket__unit")
        .order_by(F("due_at").asc(nulls_last=True), "created_at", "pk")
    )
