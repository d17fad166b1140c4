"""The outbox in the admin: read-only, with a re-queue action for dead messages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from hotline.notify.models import Message, MessageStatus
from hotline.notify.services import message_requeue


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "channel", "recipient", "ticket", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "kind")
    search_fields = ("ticket__number", "idempotency_key", "address", "user__username")
    date_hierarchy = "created_at"
    list_select_related = ("ticket", "user")
    actions = ("requeue",)

    @admin.display(description="接收人")
    def recipient(self, obj: Message) -> str:
        return str(obj.user or obj.address or "-")

    def get_readonly_fields(self, request: HttpRequest, obj: Message | None = None) -> list[str]:
        return [f.name for f in Message._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # viewing only; the re-queue action checks the view permission
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="重新发送所选的已放弃消息", permissions=["view"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        ids = list(queryset.filter(status=MessageStatus.DEAD).values_list("pk", flat=True))
        count = message_requeue(message_ids=ids)
        self.message_user(request, f"已重新排队 {count} 条消息", messages.SUCCESS)
