"""The messages taken from the provider, read-only.

The sender's number is identity: it is shown masked when the message's ticket is
confidential, and also when the number is a confidential ticket's complainant (an
unsubscribe or a stray reply from a reporter must not name them), through the core's one
identity rule. The admin does not search by number.

The messages grow with the volume: their list is ``LargeTableAdmin`` (no full count, see
``tickets/admin.py``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest

from hotline.core.phones import format_phone
from hotline.smsin.models import InboundSms
from hotline.tickets.admin import LargeTableAdmin
from hotline.tickets.masking import mask_phone
from hotline.tickets.models import Ticket
from hotline.workflow.identity import identity_for


def phone_hidden(sms: InboundSms) -> bool:
    """Whether the admin shows ``sms``'s number masked."""
    if sms.ticket is not None and "phone" in identity_for(sms.ticket, None).hidden:
        return True
    annotated = getattr(sms, "confidential_number", None)  # by the admin's queryset
    if annotated is not None:
        return bool(annotated)
    return bool(sms.phone) and Ticket.objects.filter(complainant_phone=sms.phone, confidential=True).exists()


@admin.register(InboundSms)
class InboundSmsAdmin(LargeTableAdmin):
    list_display = ("taken_at", "shown_phone", "short_content", "outcome", "ticket", "reason")
    # a date range, not ``date_hierarchy`` (a DISTINCT over every message's date)
    list_filter = ("outcome", "provider", ("taken_at", admin.DateFieldListFilter))
    search_fields = ("ticket__number", "sequence_id")
    list_select_related = ("ticket",)
    raw_id_fields = ("ticket", "event")
    fields = (
        "provider",
        "sequence_id",
        "shown_phone",
        "content",
        "sign_name",
        "dest_code",
        "sent_at",
        "taken_at",
        "outcome",
        "reason",
        "ticket",
        "event",
        "satisfaction",
        "digest",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundSms]:
        confidential = Ticket.objects.filter(complainant_phone=OuterRef("phone"), confidential=True)
        rows: QuerySet[InboundSms] = super().get_queryset(request)
        return rows.annotate(confidential_number=Exists(confidential))

    @admin.display(description="手机号码")
    def shown_phone(self, obj: InboundSms) -> str:
        if not obj.phone:
            return obj.phone_raw
        return mask_phone(obj.phone) if phone_hidden(obj) else format_phone(obj.phone)

    @admin.display(description="短信内容")
    def short_content(self, obj: InboundSms) -> str:
        return obj.content if len(obj.content) <= 40 else obj.content[:40] + "…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
