"""The blocklist in the admin: read-only rows, decisions through the services (logged)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from hotline.callers.models import BlocklistEntry, BlocklistEvent
from hotline.callers.services import blocklist_decide, blocklist_revoke
from hotline.core.errors import HotlineError
from hotline.core.phones import format_phone, phone_line
from hotline.core.types import User

if TYPE_CHECKING:
    # django-stubs makes the admin classes generic in their models; Django's classes cannot
    # be subscripted at run time, so only the type checker sees the parameters.
    _EntryAdmin = admin.ModelAdmin[BlocklistEntry]
    _EventInline = admin.TabularInline[BlocklistEvent, BlocklistEntry]
else:
    _EntryAdmin = admin.ModelAdmin
    _EventInline = admin.TabularInline


class BlocklistEventInline(_EventInline):
    model = BlocklistEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _apply(
    request: HttpRequest, queryset: QuerySet[BlocklistEntry], verb: str, fn: Any, **kwargs: Any
) -> None:
    assert isinstance(request.user, User)
    done = 0
    for entry in queryset:
        try:
            fn(entry=entry, actor=request.user, **kwargs)
            done += 1
        except HotlineError as err:
            messages.error(request, f"{format_phone(entry.phone)}:{err.detail}")
    if done:
        messages.success(request, f"已{verb} {done} 条")


@admin.register(BlocklistEntry)
class BlocklistEntryAdmin(_EntryAdmin):
    list_display = (
        "shown_phone",
        "status",
        "reason",
        "requested_by",
        "requested_at",
        "decided_by",
        "expires_at",
    )
    list_filter = ("status",)
    search_fields = ("phone",)
    readonly_fields = (
        "phone",
        "reason",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "expires_at",
        "note",
    )
    inlines = (BlocklistEventInline,)
    actions = ("approve", "reject", "revoke")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # requests come from the intake screen

    @admin.display(description="号码", ordering="phone")
    def shown_phone(self, obj: BlocklistEntry) -> str:
        return format_phone(obj.phone)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[BlocklistEntry], search_term: str
    ) -> tuple[QuerySet[BlocklistEntry], bool]:
        """A number in any form finds its line's entries; other text searches as usual."""
        line = phone_line(search_term)
        if line:
            return queryset.filter(phone=line), False
        return super().get_search_results(request, queryset, search_term)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="批准所选申请")
    def approve(self, request: HttpRequest, queryset: QuerySet[BlocklistEntry]) -> None:
        _apply(request, queryset, "批准", blocklist_decide, approve=True)

    @admin.action(description="驳回所选申请")
    def reject(self, request: HttpRequest, queryset: QuerySet[BlocklistEntry]) -> None:
        _apply(request, queryset, "驳回", blocklist_decide, approve=False)

    @admin.action(description="撤销所选黑名单")
    def revoke(self, request: HttpRequest, queryset: QuerySet[BlocklistEntry]) -> None:
        _apply(request, queryset, "撤销", blocklist_revoke)
