"""The outbox in the admin: read-only, with a re-queue action for dead messages.

A complainant's phone and e-mail are identity. On a confidential ticket the admin shows
them masked (138****5678, z***@example.com), as every other screen does, to everyone: the
one way to see them is the logged unmask on the ticket page. The query code and the signed
link a complainant's message carries open the ticket's public page, so the admin never
shows them.

Searching by a phone or an e-mail reaches a confidential ticket's messages only for a role
its pack allows to unmask (``identity_roles``), and each ticket so found gets an ``unmask``
event through the workflow service (payload ``{"via": "admin", "fields": [...]}``). That
is where every unmask of a ticket is audited, beside the ticket page's; Django's
``LogEntry`` records changes to admin rows, is read only here, and would split the audit.

The outbox grows with the tickets (a receipt or two each, then reminders): its list is
``LargeTableAdmin`` (no full count, see ``tickets/admin.py``), newest first by id.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from hotline.core.errors import HotlineError, InvalidInput
from hotline.core.phones import national_number, normalise_phone
from hotline.notify.models import Message, MessageChannel, MessageStatus
from hotline.notify.services import message_requeue
from hotline.notify.templating import COMPLAINANT_KINDS, KIND_LABELS, STAFF_KINDS
from hotline.tickets.admin import LargeTableAdmin, choices_filter
from hotline.workflow.identity import identity_for
from hotline.workflow.services import ticket_unmask

HIDDEN = "******"
ADMIN_SEARCH_REASON = "管理后台按联系方式搜索消息"
# the signed token of a survey link (``?t=…``), in a body or in the SMS parameters
_TOKEN = re.compile(r"(\bt=)[A-Za-z0-9_\-:.]+")
# fields shown through a masking method instead of as stored
_SHOWN_BY_METHOD = {
    "address": "shown_address",
    "subject": "shown_subject",
    "body": "shown_body",
    "params": "shown_params",
    "last_error": "shown_last_error",
}


def _hidden(message: Message) -> bool:
    return message.ticket is not None and bool(identity_for(message.ticket, None).hidden)


def masked_address(message: Message) -> str:
    """The recipient's address as the admin shows it: masked on a confidential ticket, through
    the core's one identity rule (``workflow.identity``); an unmask is the ticket page's."""
    if not message.address or message.ticket is None:
        return message.address
    return identity_for(message.ticket, None).contact(message.address)


def redact(text: str, message: Message) -> str:
    """``text`` of ``message`` without the ticket's query code and signed links, and on a
    confidential ticket without the recipient's address."""
    ticket = message.ticket
    if ticket is None or not text:
        return text
    if ticket.query_code:
        text = re.sub(rf"(?<![0-9]){re.escape(ticket.query_code)}(?![0-9])", HIDDEN, text)
    text = _TOKEN.sub(rf"\g<1>{HIDDEN}", text)
    if _hidden(message) and message.address:
        shown = masked_address(message)
        for value in {message.address, national_number(message.address)} - {""}:
            text = re.sub(re.escape(value), shown, text, flags=re.IGNORECASE)
    return text


def _address_forms(term: str) -> set[str]:
    """The stored forms a searched phone or e-mail may have (exact matches only)."""
    forms: set[str] = set()
    if "@" in term:
        forms.add(term.lower())
    else:
        try:
            phone = normalise_phone(term, field="q")
        except InvalidInput:
            phone = ""
        if phone:
            forms.add(phone)
    return forms


# the kinds the outbox writes (``templating``), not a ``SELECT DISTINCT kind`` over the outbox
KindFilter = choices_filter(
    "kind", "消息类型", lambda: [(k, KIND_LABELS.get(k, k)) for k in (*COMPLAINANT_KINDS, *STAFF_KINDS)]
)


@admin.register(Message)
class MessageAdmin(LargeTableAdmin):
    list_display = ("created_at", "kind", "channel", "recipient", "ticket", "status", "attempts", "sent_at")
    # a date range, not ``date_hierarchy`` (a DISTINCT over every message's date)
    list_filter = ("status", "channel", KindFilter, ("created_at", admin.DateFieldListFilter))
    # identity (the address) is searched in get_search_results, under its own rules
    search_fields = ("ticket__number", "idempotency_key", "user__username")
    list_select_related = ("ticket", "user")
    ordering = ("-pk",)  # newest first through the primary key: ``created_at`` has no index
    actions = ("requeue",)

    @admin.display(description="接收人")
    def recipient(self, obj: Message) -> str:
        return str(obj.user or masked_address(obj) or "-")

    @admin.display(description="地址/号码")
    def shown_address(self, obj: Message) -> str:
        return masked_address(obj)

    @admin.display(description="标题")
    def shown_subject(self, obj: Message) -> str:
        return redact(obj.subject, obj)

    @admin.display(description="内容")
    def shown_body(self, obj: Message) -> str:
        return redact(obj.body, obj)

    @admin.display(description="模板参数")
    def shown_params(self, obj: Message) -> dict[str, Any]:
        return {key: redact(str(value), obj) for key, value in (obj.params or {}).items()}

    @admin.display(description="最近错误")
    def shown_last_error(self, obj: Message) -> str:
        return redact(obj.last_error, obj)

    def get_fields(self, request: HttpRequest, obj: Message | None = None) -> list[str]:  # type: ignore[override]
        return [_SHOWN_BY_METHOD.get(f.name, f.name) for f in Message._meta.fields if f.name != "id"]

    def get_readonly_fields(self, request: HttpRequest, obj: Message | None = None) -> list[str]:
        return self.get_fields(request, obj)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Message], search_term: str
    ) -> tuple[QuerySet[Message], bool]:
        """Number, key and user name as usual; a phone or e-mail finds messages of open
        tickets (and staff's) freely, and a confidential ticket's only where this user may
        unmask it — each such ticket's history records the unmask."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return found, duplicates
        forms = _address_forms(term)
        by_address = Q(address__in=forms) | Q(address__iexact=term)
        open_rows = queryset.filter(by_address).exclude(ticket__confidential=True)
        if "@" not in term and not forms:
            # a fragment of an address (not a whole phone or e-mail): open tickets only
            open_rows = queryset.filter(address__icontains=term).exclude(ticket__confidential=True)
        unmasked = self._unmask_for_search(request, queryset.filter(by_address, ticket__confidential=True))
        result = found | open_rows | queryset.filter(pk__in=unmasked)
        return result, True

    def _unmask_for_search(self, request: HttpRequest, rows: QuerySet[Message]) -> list[int]:
        """The ids among ``rows`` whose ticket this user may unmask, each ticket logged once."""
        allowed: list[int] = []
        by_ticket: dict[int, list[Message]] = {}
        for row in rows.select_related("ticket"):
            by_ticket.setdefault(row.ticket_id or 0, []).append(row)
        for group in by_ticket.values():
            ticket = group[0].ticket
            if ticket is None:
                continue
            fields = sorted({"email" if m.channel == MessageChannel.EMAIL else "phone" for m in group})
            try:
                ticket_unmask(
                    ticket=ticket, actor=request.user, reason=ADMIN_SEARCH_REASON, via="admin", fields=fields
                )
            except HotlineError:
                continue  # not allowed to unmask this ticket: its messages stay out of the result
            allowed.extend(m.pk for m in group)
        return allowed

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
