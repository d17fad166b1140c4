"""Mailboxes are configuration (editable); the mails taken from them are read-only.

The password is written, never shown: the form has an empty password field that keeps the
stored one unless something is typed. A sender is identity: on a confidential ticket, and
on a mailbox that registers reports (举报, confidential by default), the admin shows the
address and name masked, through the core's one identity rule.

The mails grow with the volume: their list is ``LargeTableAdmin`` (no full count, see
``tickets/admin.py``), newest first by id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from hotline.core.errors import HotlineError
from hotline.mailin import imap
from hotline.mailin.models import InboundMail, Mailbox, Outcome
from hotline.mailin.services import mail_retry
from hotline.mailin.tasks import fetch_mailbox
from hotline.tickets.admin import LargeTableAdmin
from hotline.tickets.masking import mask_email, mask_name
from hotline.tickets.models import TicketType
from hotline.workflow.identity import identity_for

if TYPE_CHECKING:
    _MailboxAdmin = admin.ModelAdmin[Mailbox]
    _MailboxForm = forms.ModelForm[Mailbox]
else:
    _MailboxAdmin = admin.ModelAdmin
    _MailboxForm = forms.ModelForm


class MailboxForm(_MailboxForm):
    password = forms.CharField(
        label="密码",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="留空则保留已保存的密码",
    )

    class Meta:
        model = Mailbox
        fields = "__all__"

    def clean_password(self) -> str:
        typed = str(self.cleaned_data.get("password") or "")
        if not typed and self.instance.pk:
            return self.instance.password
        return typed


@admin.register(Mailbox)
class MailboxAdmin(_MailboxAdmin):
    form = MailboxForm
    list_display = (
        "name",
        "username",
        "host",
        "folder",
        "active",
        "ticket_type",
        "last_polled_at",
        "last_error",
    )
    list_filter = ("active",)
    search_fields = ("name", "username", "host")
    readonly_fields = ("uid_validity", "last_uid", "last_polled_at", "last_error")
    actions = ("fetch_now", "check_connection")

    @admin.action(description="立即收取所选邮箱(交给后台任务)", permissions=["view"])
    def fetch_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset:
            fetch_mailbox(mailbox.pk)
        self.message_user(
            request, f"已安排收取 {queryset.count()} 个邮箱,结果见“收到的邮件”", messages.SUCCESS
        )

    @admin.action(description="测试连接(登录并打开文件夹)", permissions=["view"])
    def check_connection(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset:
            try:
                with imap.connect(mailbox) as client:
                    folder = imap.open_folder(client, mailbox.folder)
            except imap.CONNECTION_ERRORS as exc:
                self.message_user(
                    request, f"{mailbox.name}:连接失败({type(exc).__name__}: {exc})", messages.ERROR
                )
                continue
            self.message_user(
                request, f"{mailbox.name}:连接成功,UIDVALIDITY {folder.uid_validity}", messages.SUCCESS
            )


def _masked(mail: InboundMail) -> bool:
    if mail.ticket is not None:
        return "email" in identity_for(mail.ticket, None).hidden
    return mail.mailbox.ticket_type == TicketType.REPORT


@admin.register(InboundMail)
class InboundMailAdmin(LargeTableAdmin):
    list_display = ("taken_at", "mailbox", "shown_sender", "subject", "outcome", "ticket", "reason")
    # a date range, not ``date_hierarchy`` (a DISTINCT over every mail's date)
    list_filter = ("outcome", "mailbox", ("taken_at", admin.DateFieldListFilter))
    search_fields = ("ticket__number", "message_id", "subject")
    list_select_related = ("mailbox", "ticket")
    ordering = ("-pk",)  # newest first through the primary key: ``taken_at`` has no index
    raw_id_fields = ("ticket", "event")
    actions = ("retry",)
    fields = (
        "mailbox",
        "uid_validity",
        "uid",
        "message_id",
        "shown_sender",
        "subject",
        "sent_at",
        "size",
        "outcome",
        "reason",
        "ticket",
        "event",
        "files",
        "kept_bytes",
        "taken_at",
    )
    readonly_fields = fields

    @admin.display(description="发件人")
    def shown_sender(self, obj: InboundMail) -> str:
        name, address = obj.sender_name, obj.sender
        if _masked(obj):
            name, address = mask_name(name), mask_email(address)
        return f"{name} <{address}>" if name else address

    @admin.display(description="原始邮件")
    def kept_bytes(self, obj: InboundMail) -> str:
        return f"已保留 {len(obj.raw)} 字节,可重新处理" if obj.raw is not None else "未保留"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="重新处理所选的出错邮件", permissions=["view"])
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        done = failed = 0
        for mail in queryset.filter(outcome=Outcome.ERROR, raw__isnull=False):
            try:
                row = mail_retry(mail=mail)
            except HotlineError:
                failed += 1
                continue
            if row.outcome == Outcome.ERROR:
                failed += 1
            else:
                done += 1
        self.message_user(request, f"重新处理成功 {done} 封,仍然出错 {failed} 封", messages.INFO)
