"""The ticket list in the admin: read-only, usable at a million tickets (issue 17 item 4).

It lives here rather than in ``tickets/admin.py`` because its search by phone must ask the
core's identity rule (``identity.identity_searchable``), which is this layer's.

What each part of the list costs at one million tickets, and why it is built so:

* **Counting**: ``LargeTableAdmin`` (``tickets/admin.py``): PostgreSQL's estimate when
  unfiltered, a count capped at 10,000 otherwise; no total, no facet counts.
* **Dates**: a range filter on ``received_at`` (today … this year; the ``ticket_stats``
  index leads with it) instead of ``date_hierarchy``, whose year links are a
  ``SELECT DISTINCT`` over every ticket's date.
* **Policy**: the choices are the loaded packs (``policies.registry``), not Django's
  ``SELECT DISTINCT policy`` over the table.
* **Sorting** only by ``received_at`` (the default, newest first) and ``number``: both
  indexed; a click on any other column would sort the whole table.
* **Search** by what has an index, matched as the index can: a ticket number, whole or its
  first digits (``number LIKE '2026113%'``: the ``_like`` btree index), and a complainant's
  phone, normalised as it is stored (``+8613912345678``) and matched exactly
  (``ticket_phone_received``). Only tickets whose identity is not hidden are found by
  phone (``identity_searchable``, ADR 0006): a search must not tell who filed a
  confidential report; the logged unmask on the ticket page is the way to that. The
  subject is not searched here: it has no index of its own, and ``icontains`` on it read
  every ticket (2 s); the workbench's 检索 (``hotline.search``) searches subjects and
  texts through its own indexes, scoped to what the user may see.
"""

from __future__ import annotations

import re

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from hotline.core.errors import InvalidInput
from hotline.core.phones import normalise_phone
from hotline.policies.registry import pack_choices
from hotline.tickets.admin import EventInline, ReadOnlyAdmin, choices_filter
from hotline.tickets.models import Ticket
from hotline.workflow.identity import identity_searchable

NUMBER_LENGTH = 14  # ``YYYYMMDD`` + six digits (``tickets.numbering``)
_DIGITS = re.compile(r"[0-9]{1,20}")
SEARCH_HELP = "按工单编号(完整或开头几位,如 20261130)或诉求人电话(完整号码)查找;标题和内容请用工作台的“检索”"
NOT_SEARCHABLE = "这里只能按工单编号或完整的电话号码查找;标题和内容请用工作台的“检索”"


# the loaded packs, not a ``SELECT DISTINCT policy`` over the tickets
PolicyFilter = choices_filter("policy", "政策包", pack_choices)


def ticket_search(term: str) -> Q | None:
    """What the admin's search box finds for ``term``; None when it is neither a number
    (or its first digits) nor a phone number."""
    term = term.strip()
    found: Q | None = None
    compact = term.replace(" ", "")
    if _DIGITS.fullmatch(compact):
        found = Q(number=compact) if len(compact) == NUMBER_LENGTH else Q(number__startswith=compact)
    try:
        phone = normalise_phone(term, field="q")
    except InvalidInput:
        phone = ""
    if phone:
        by_phone = Q(complainant_phone=phone) & identity_searchable()
        found = by_phone if found is None else found | by_phone
    return found


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["number", "type", "subject", "unit", "stage", "status", "due_at", "received_at"]
    list_select_related = ["unit"]
    list_filter = [
        "status",
        "type",
        "channel",
        "severity",
        PolicyFilter,
        ("received_at", admin.DateFieldListFilter),
    ]
    sortable_by = ["number", "received_at"]
    # what the box shows; the search itself is ``get_search_results`` (number and phone)
    search_fields = ["number__startswith"]
    search_help_text = SEARCH_HELP
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

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Ticket], search_term: str
    ) -> tuple[QuerySet[Ticket], bool]:
        """A number (or its first digits) or a phone; never duplicates, so Django adds no
        ``EXISTS``/``DISTINCT`` over the table."""
        if not search_term.strip():
            return queryset, False
        found = ticket_search(search_term)
        if found is None:
            self.message_user(request, NOT_SEARCHABLE, messages.WARNING)
            return queryset.none(), False
        return queryset.filter(found), False
