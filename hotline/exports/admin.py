"""The exports log in the admin: read-only (rows are written by the service only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from hotline.exports.models import ExportJob

if TYPE_CHECKING:
    # django-stubs makes ModelAdmin generic in its model; Django's cannot be subscripted at run time
    _JobAdmin = admin.ModelAdmin[ExportJob]
else:
    _JobAdmin = admin.ModelAdmin


@admin.register(ExportJob)
class ExportJobAdmin(_JobAdmin):
    list_display = ("pk", "created_at", "owner", "source", "format", "status", "rows_done", "direct")
    list_filter = ("status", "source", "format", "direct")
    search_fields = ("owner__username", "source")
    date_hierarchy = "created_at"
    list_select_related = ("owner",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
