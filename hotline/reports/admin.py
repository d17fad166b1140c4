"""Statistics documents in the admin: the subscriptions are edited here (who receives which
kind for which unit); the documents themselves are read-only (kept as generated)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from hotline.reports.models import ReportDocument, ReportSubscription
from hotline.tickets.admin import ReadOnlyAdmin

if TYPE_CHECKING:  # the stubs' admin is generic; Django's cannot be subscripted at run time
    _SubscriptionAdmin = admin.ModelAdmin[ReportSubscription]
else:
    _SubscriptionAdmin = admin.ModelAdmin


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(_SubscriptionAdmin):
    list_display = ["kind", "unit", "role", "user", "active"]
    list_filter = ["kind", "role", "active"]
    search_fields = ["unit__name", "unit__code", "user__username", "user__first_name"]
    raw_id_fields = ["unit", "user"]


@admin.register(ReportDocument)
class ReportDocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "period", "unit", "version", "trigger", "generated_at", "generated_by"]
    list_filter = ["kind", "trigger"]
    search_fields = ["title", "period", "unit__name"]
    raw_id_fields = ["unit", "generated_by"]
    exclude = ["figures"]
