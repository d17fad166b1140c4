"""Tickets in the admin are read-only: they change only through the workflow service.

Categories are configuration and editable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from hotline.tickets.models import Category, ExtensionRequest, Ticket, TicketEvent

if TYPE_CHECKING:
    # django-stubs makes the admin classes generic in their models; Django's classes cannot
    # be subscripted at run time, so only the type checker sees the parameters.
    _CategoryAdmin = admin.ModelAdmin[Category]
    _ModelAdmin = admin.ModelAdmin[Any]
    _EventInline = admin.TabularInline[TicketEvent, Ticket]
else:
    _CategoryAdmin = _ModelAdmin = admin.ModelAdmin
    _EventInline = admin.TabularInline


@admin.register(Category)
class CategoryAdmin(_CategoryAdmin):
    list_display = ["name", "code", "parent", "sort", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["name", "code"]


class ReadOnlyAdmin(_ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(_EventInline):
    model = TicketEvent
    fields = ["seq", "created_at", "action", "actor", "actor_label", "from_stage", "to_stage", "comment"]
    readonly_fields = (
        "seq",
        "created_at",
        "action",
        "actor",
        "actor_label",
        "from_stage",
        "to_stage",
        "comment",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["number", "type", "subject", "unit", "stage", "status", "due_at", "received_at"]
    list_filter = ["status", "type", "channel", "severity", "policy"]
    search_fields = ["number", "subject"]
    date_hierarchy = "received_at"
    inlines = [EventInline]
    # identity fields are not shown here: the admin has no unmask log
    exclude = (
        "complainant_name",
        "complainant_phone",
        "complainant_email",
        "complainant_id_number",
        "complainant_address",
        "query_code",
    )


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "amount", "unit", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = ["status"]
