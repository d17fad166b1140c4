"""Reads about rectification notices: the filtered list and the scorecards' counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from hotline.core.types import AnyUser
from hotline.org.models import Unit
from hotline.rectification.access import notices_visible_to
from hotline.rectification.models import AWAITING_REPORT, Notice, NoticeStatus
from hotline.workflow.access import units_under


def overdue_q(now: datetime) -> Q:
    """Notices owing a report whose deadline has passed (超期未报)."""
    return Q(status__in=AWAITING_REPORT, due_at__lt=now)


def notices_for(
    user: AnyUser,
    *,
    status: str = "",
    unit: Unit | None = None,
    overdue: bool = False,
    ticket: str = "",
    now: datetime | None = None,
) -> QuerySet[Notice]:
    """The notices ``user`` may see, narrowed: ``status``, ``unit`` (its subtree too),
    ``overdue`` (owing a report past the deadline), ``ticket`` (its number), newest first."""
    qs = notices_visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if unit is not None:
        qs = qs.filter(unit_id__in=units_under([unit]))
    if overdue:
        qs = qs.filter(overdue_q(now or timezone.now()))
    if ticket:
        qs = qs.filter(ticket__number=ticket)
    return qs.select_related("unit", "ticket", "issued_by").order_by("-issued_at", "-pk")


@dataclass(frozen=True)
class UnitCounts:
    """One unit's rectification figures for a period (cohort: the notices issued in it)."""

    unit_id: int
    issued: int  # notices issued to the unit in the period (withdrawn ones excluded)
    verified: int  # of those, verified by ``as_of``
    verified_on_time: int  # of those, verified, the verified report in by its deadline
    overdue: int  # of those, late: owing a report past the deadline at ``as_of``, or reported late


def counts_per_unit(
    *, start: datetime, end: datetime, units: Iterable[Unit] | None = None, as_of: datetime | None = None
) -> dict[int, UnitCounts]:
    """Rectification counts per unit for the scorecards (考核).

    The cohort is the notices issued in ``[start, end)`` to each unit itself (not its
    subtree: add the units below to ``units`` and sum for a roll-up); withdrawn notices do
    not count. ``as_of`` (default now) is when "verified" and "overdue" are judged: a notice
    is *overdue* when it still owes a report and its deadline has passed by then, or when its
    latest report came after the deadline in force (``on_time`` false) — so a unit that
    reported late stays counted late even once verified. *verified on time* is verified with
    ``on_time`` true. ``units`` limits the result to those units (all units with notices
    when None); a unit without notices in the period is absent. One grouped query.
    """
    moment = as_of or timezone.now()
    qs = Notice.objects.filter(issued_at__gte=start, issued_at__lt=end).exclude(status=NoticeStatus.WITHDRAWN)
    if units is not None:
        qs = qs.filter(unit_id__in=[u.pk for u in units])
    verified = Q(status=NoticeStatus.VERIFIED, verified_at__lte=moment)
    late = Q(status__in=AWAITING_REPORT, due_at__lt=moment) | Q(on_time=False, reported_at__lte=moment)
    rows = (
        qs.values("unit_id")
        .annotate(
            issued=Count("pk"),
            verified=Count("pk", filter=verified),
            verified_on_time=Count("pk", filter=verified & Q(on_time=True)),
            overdue=Count("pk", filter=late),
        )
        .order_by("unit_id")
    )
    return {
        row["unit_id"]: UnitCounts(
            unit_id=row["unit_id"],
            issued=row["issued"],
            verified=row["verified"],
            verified_on_time=row["verified_on_time"],
            overdue=row["overdue"],
        )
        for row in rows
    }
