"""Admin for the working-day calendar.

Every save or delete here marks the calendar changed (``services.calendar_changed``) in
the admin's transaction, so every process picks it up; a day saved here gets
``source=admin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from hotline.calendar import services
from hotline.calendar.models import CalendarYear, Day, WorkingPeriod

if TYPE_CHECKING:
    # django-stubs makes ModelAdmin generic in its model; Django's class cannot be
    # subscripted at run time, so only the type checker sees the parameter.
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin


class _MarksCalendarChanged(_ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.calendar_changed()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        services.calendar_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        services.calendar_changed()


@admin.register(Day)
class DayAdmin(_MarksCalendarChanged):
    list_display = ["date", "is_working", "note", "source"]
    list_filter = ["is_working", "source"]
    search_fields = ["note"]
    date_hierarchy = "date"
    readonly_fields = ["source"]
    list_per_page = 100

    def get_readonly_fields(self, request: HttpRequest, obj: Day | None = None) -> list[str]:
        # The date is the primary key: changing it would create another day.
        return ["date", "source"] if obj is not None else ["source"]

    def save_model(self, request: HttpRequest, obj: Day, form: ModelForm[Day], change: bool) -> None:
        obj.source = Day.Source.ADMIN
        super().save_model(request, obj, form, change)


@admin.register(CalendarYear)
class CalendarYearAdmin(_MarksCalendarChanged):
    list_display = ["year", "official", "source", "imported_at"]
    list_filter = ["official"]


@admin.register(WorkingPeriod)
class WorkingPeriodAdmin(_MarksCalendarChanged):
    list_display = ["start", "end"]
