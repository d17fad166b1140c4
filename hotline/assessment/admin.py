"""Scoring rules in the admin: the organisation's assessment configuration (考核评分规则).

The model checks every save (``ScoringRule.clean``): weights total 100, a severe repeat
costs at least an ordinary one, a rule belongs to a top unit, one active rule per top unit
and one active default — each refused with a Chinese message on the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import ForeignKey
from django.http import HttpRequest

from hotline.assessment.models import ScoringRule
from hotline.org.models import Unit

if TYPE_CHECKING:  # generic only for the type checker (as in knowledge.admin)
    _RuleAdmin = admin.ModelAdmin[ScoringRule]
else:
    _RuleAdmin = admin.ModelAdmin


@admin.register(ScoringRule)
class ScoringRuleAdmin(_RuleAdmin):
    list_display = [
        "name",
        "unit",
        "active",
        "w_on_time",
        "w_response",
        "w_resolution",
        "w_satisfaction",
        "updated_at",
    ]
    list_filter = ["active"]
    search_fields = ["name", "unit__name"]
    fieldsets = [
        (None, {"fields": ["name", "unit", "active", "note"]}),
        (
            "比率权重(合计 100 分)",
            {"fields": ["w_on_time", "w_response", "w_resolution", "w_satisfaction", "empty_rate"]},
        ),
        (
            "扣分",
            {
                "fields": [
                    "d_overdue",
                    "d_dissatisfied",
                    "d_returned",
                    "d_repeat",
                    "d_repeat_severe",
                    "severe_times",
                    "d_rectification_overdue",
                    "deduction_cap",
                    "floor_zero",
                ]
            },
        ),
    ]

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "unit":  # a rule belongs to a top unit (or none: the default)
            kwargs["queryset"] = Unit.objects.filter(parent__isnull=True).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
