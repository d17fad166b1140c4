from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField

from hotline.org.models import Unit
from hotline.tickets.models import OPEN_STATUSES, Severity, Status, Ticket, TicketType, UpgradedVia
from hotline.workflow.access import units_under
from hotline.workflow.selectors import overdue_q, phone_q


class UtcIsoDateTimeField(IsoDateTimeField):  # type: ignore[misc]  # django-filter ships no type information
    """An ISO 8601 time, handed to the database in UTC: PostgreSQL refuses offsets beyond
    ±15:59, which ISO allows (e.g. ``+19:20``)."""

    def to_python(self, value: object) -> datetime | None:
        parsed: datetime | None = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError("时间超出范围", code="invalid") from exc


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):  # type: ignore[misc]  # django-filter ships no type information
    field_class = UtcIsoDateTimeField


class TicketFilter(filters.FilterSet):  # type: ignore[misc]  # django-filter ships no type information
    status = filters.ChoiceFilter(choices=Status.choices)
    type = filters.ChoiceFilter(choices=TicketType.choices)
    stage = filters.CharFilter(max_length=32)
    unit = filters.CharFilter(method="filter_unit", max_length=32, help_text="单位编码(含下级单位)")
    handler = filters.CharFilter(field_name="handler__username", max_length=150)
    overdue = filters.BooleanFilter(method="filter_overdue")
    due_before = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    phone = filters.CharFilter(
        method="filter_phone",
        max_length=32,
        help_text="来电号码,查询诉求人历史;任意写法(如 132 5555 0002、+86 13255550002),号码无效时返回 400",
    )
    received_after = UtcIsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = UtcIsoDateTimeFilter(field_name="received_at", lookup_expr="lt")
    severity = filters.ChoiceFilter(choices=Severity.choices, help_text="紧急程度(major:重大投诉)")
    upgraded_via = filters.ChoiceFilter(
        choices=[(v, label) for v, label in UpgradedVia.choices if v], help_text="越级来源"
    )
    upgraded = filters.BooleanFilter(method="filter_upgraded", help_text="越级投诉(true)或非越级(false)")
    ordering = filters.OrderingFilter(fields=(("due_at", "due_at"), ("received_at", "received_at")))

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_unit(self, qs: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        unit = Unit.objects.filter(code=value).first()
        if unit is None:
            return qs.none()
        return qs.filter(unit_id__in=units_under([unit]))

    def filter_overdue(self, qs: QuerySet[Ticket], name: str, value: bool | None) -> QuerySet[Ticket]:
        if value is None:
            return qs
        overdue = overdue_q(timezone.now())
        return qs.filter(overdue) if value else qs.filter(status__in=OPEN_STATUSES).exclude(overdue)

    def filter_upgraded(self, qs: QuerySet[Ticket], name: str, value: bool | None) -> QuerySet[Ticket]:
        if value is None:
            return qs
        return qs.exclude(upgraded_via="") if value else qs.filter(upgraded_via="")

    def filter_phone(self, qs: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        # the same match as the workbench's search (``workflow.selectors.phone_q``): any way
        # of typing the number; an invalid one is refused (400, invalid_phone); confidential
        # reports are never found by number
        by_phone = phone_q(value)
        return qs if by_phone is None else qs.filter(by_phone)


class FilterBackend(filters.DjangoFilterBackend):  # type: ignore[misc]  # django-filter ships no type information
    """django-filter's backend, skipped when the request names none of the view's filters.

    A FilterSet deep-copies its filters and builds and validates a form on every request,
    even when nothing is asked (measured on the ticket list: a fifth of the request). With
    no filter parameter it would return the queryset unchanged, so it is not built; our
    FilterSets apply nothing by default (no ``filter_queryset`` of their own, no initial
    values) — keep it so, or give that view django-filter's own backend.
    """

    def filter_queryset(self, request: Any, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not set(request.query_params) & set(filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)  # type: ignore[no-any-return]
