"""Partners are configuration (editable); their tickets and our callbacks are read-only.

The keys are written, never shown: the form's key fields are empty password inputs that
keep the stored key unless something is typed, and the page shows only a fingerprint (the
first 8 hex digits of its SHA-256) to compare with the partner's. A partner's code is in its
push address and in its tickets' source: it cannot change once saved.

Callbacks (上级回传) are the outbox rows on the channel ``partner``: their status, tries and
last error, with the re-queue action for the dead ones (after the partner is fixed).
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from hotline.exchange.callbacks import send
from hotline.exchange.models import KIND_PREFIX, PARTNER_CHANNEL, Callback, Partner, PartnerTicket, http_url
from hotline.notify.models import Message, MessageStatus
from hotline.notify.services import message_requeue

if TYPE_CHECKING:
    _PartnerAdmin = admin.ModelAdmin[Partner]
    _PartnerTicketAdmin = admin.ModelAdmin[PartnerTicket]
    _CallbackAdmin = admin.ModelAdmin[Callback]
    _PartnerForm = forms.ModelForm[Partner]
else:
    _PartnerAdmin = _PartnerTicketAdmin = _CallbackAdmin = admin.ModelAdmin
    _PartnerForm = forms.ModelForm

KEY_FIELDS = ("inbound_key", "outbound_key")


def fingerprint(key: str) -> str:
    """``已设置(指纹 1a2b3c4d)`` or ``未设置``: enough to compare, nothing to sign with."""
    if not key:
        return "未设置"
    return f"已设置(指纹 {hashlib.sha256(key.encode()).hexdigest()[:8]})"


class PartnerForm(_PartnerForm):
    outbound_url = forms.URLField(
        label="回传地址",
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[http_url],
        help_text="受理、进展和结果回传到此地址(HTTP POST)",
    )
    inbound_key = forms.CharField(
        label="推送签名密钥",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="对方签名推送所用的密钥,至少32个字符;留空则保留已保存的密钥",
    )
    outbound_key = forms.CharField(
        label="回传签名密钥",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="我方签名回传所用的密钥,至少32个字符;留空则保留已保存的密钥",
    )

    class Meta:
        model = Partner
        fields = "__all__"

    def _kept(self, name: str) -> str:
        typed = str(self.cleaned_data.get(name) or "")
        if not typed and self.instance.pk:
            return str(getattr(self.instance, name))
        return typed

    def clean_inbound_key(self) -> str:
        key = self._kept("inbound_key")
        if not key:
            raise forms.ValidationError("请设置推送签名密钥")
        return key

    def clean_outbound_key(self) -> str:
        return self._kept("outbound_key")


@admin.register(Partner)
class PartnerAdmin(_PartnerAdmin):
    form = PartnerForm
    list_display = ("code", "name", "enabled", "unit", "outbound_url", "dead_callbacks")
    list_filter = ("enabled",)
    search_fields = ("code", "name")
    actions = ("check_callback",)

    def get_readonly_fields(self, request: HttpRequest, obj: Partner | None = None) -> tuple[str, ...]:
        shown = ("inbound_key_set", "outbound_key_set", "created_at")
        return ("code", *shown) if obj is not None else shown

    @admin.display(description="推送签名密钥")
    def inbound_key_set(self, obj: Partner) -> str:
        return fingerprint(obj.inbound_key)

    @admin.display(description="回传签名密钥")
    def outbound_key_set(self, obj: Partner) -> str:
        return fingerprint(obj.outbound_key)

    @admin.display(description="已放弃的回传")
    def dead_callbacks(self, obj: Partner) -> int:
        return Message.objects.filter(
            channel=PARTNER_CHANNEL, address=obj.code, status=MessageStatus.DEAD
        ).count()

    @admin.action(description="测试回传(立即发送一条签名的 ping)", permissions=["view"])
    def check_callback(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        for partner in queryset:
            stamp = str(int(time.time()))
            ping = Message(
                kind=f"{KIND_PREFIX}ping",
                channel=PARTNER_CHANNEL,
                address=partner.code,
                subject="ping",
                body=json.dumps({"event": "ping", "partner": partner.code, "at": stamp}),
                idempotency_key=f"exchange/ping/{partner.code}/{stamp}",
            )
            try:
                answer = send(ping)
            except Exception as exc:  # the partner's problem, told to the admin
                self.message_user(request, f"{partner.name}:回传失败({exc})", messages.ERROR)
                continue
            self.message_user(request, f"{partner.name}:对方已接收({answer})", messages.SUCCESS)


@admin.register(PartnerTicket)
class PartnerTicketAdmin(_PartnerTicketAdmin):
    list_display = (
        "partner_number",
        "partner",
        "ticket",
        "dispatched_at",
        "answer_due_at",
        "answered_at",
    )
    list_filter = ("partner", "answer_due_source")
    search_fields = ("partner_number", "partner_ticket_id", "ticket__number")
    date_hierarchy = "received_at"
    list_select_related = ("partner", "ticket")
    raw_id_fields = ("ticket",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in PartnerTicket._meta.fields if f.name != "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Callback)
class CallbackAdmin(_CallbackAdmin):
    list_display = ("created_at", "kind", "address", "ticket", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status", "kind", "address")
    search_fields = ("ticket__number", "idempotency_key")
    date_hierarchy = "created_at"
    list_select_related = ("ticket",)
    actions = ("requeue",)
    fields = (
        "ticket",
        "kind",
        "address",
        "subject",
        "body",
        "idempotency_key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "provider_message_id",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Callback]:
        return super().get_queryset(request).filter(channel=PARTNER_CHANNEL)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="重新发送所选的已放弃回传", permissions=["view"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[Callback]) -> None:
        ids = list(queryset.filter(status=MessageStatus.DEAD).values_list("pk", flat=True))
        count = message_requeue(message_ids=ids)
        self.message_user(request, f"已重新排队 {count} 条回传", messages.SUCCESS)
