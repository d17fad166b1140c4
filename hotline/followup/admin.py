"""Return visits and reminder records in the admin: read-only (they change through services).

Both grow with the tickets (a visit per closed ticket, several marks per open one): newest
first by id (the primary key; the models' orders by ticket or due time would sort every row
for a page), found by the ticket's number or its first digits through the number's index
(``ticket__number__startswith``; ``icontains`` read every ticket), counted as
``LargeTableAdmin`` counts (``tickets/admin.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from hotline.followup.models import ReturnVisit, ReturnVisitAttempt, SweepMark
from hotline.tickets.admin import ReadOnlyAdmin

if TYPE_CHECKING:
    # django-stubs makes TabularInline generic in its models; Django's class cannot be
    # subscripted at run time, so only the type checker sees the parameters.
    _AttemptInline = admin.TabularInline[ReturnVisitAttempt, ReturnVisit]
else:
    _AttemptInline = admin.TabularInline


class AttemptInline(_AttemptInline):
    model = ReturnVisitAttempt
    fields = ["at", "by", "outcome", "note"]
    readonly_fields = ("at", "by", "outcome", "note")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReturnVisit)
class ReturnVisitAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "round", "status", "due_at", "satisfaction", "close_at", "next_step", "done_at"]
    list_filter = ["status", "satisfaction", "next_step"]
    search_fields = ["ticket__number__startswith"]
    ordering = ["-pk"]
    raw_id_fields = ["ticket"]
    inlines = [AttemptInline]


@admin.register(SweepMark)
class SweepMarkAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "point", "due_at", "done_at", "sent", "messages"]
    list_filter = ["kind", "sent"]
    search_fields = ["ticket__number__startswith"]
    ordering = ["-pk"]
    raw_id_fields = ["ticket"]
