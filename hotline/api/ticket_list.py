"""The ticket list's rows (``GET /api/v1/tickets/``), built without DRF's per-field walk.

``TicketListOut`` declares the fields as any serializer does (the schema, the docs); its
``to_representation`` writes the same dict directly, from a tuple of the columns a row
needs (``list_rows``) rather than a Ticket with four related objects. At 50 rows a page,
model objects and DRF's generic walk (a field object, ``get_attribute`` and
``to_representation`` per field per row) were most of the request (issue 17: 41 ms
against 3 ms of SQL). ``tests/api/test_ticket_list_rows.py``
holds the two equal: the generic walk of ``TicketOut``'s fields and this one, on tickets
of every kind, masked and not.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone

from hotline.api.serializers import TicketOut, complainant_data
from hotline.policies.registry import get_pack
from hotline.tickets.models import Ticket
from hotline.workflow.selectors import is_overdue

LIST_FIELDS = [
    "number",
    "type",
    "channel",
    "policy",
    "received_at",
    "subject",
    "complainant",
    "category",
    "severity",
    "upgraded_via",
    "unit",
    "unit_name",
    "status",
    "stage",
    "stage_label",
    "round",
    "handler",
    "supervised",
    "due_at",
    "final_due_at",
    "deadline_provisional",
    "overdue",
    "version",
]
# what a row reads, as one tuple a row (no model objects): the list's columns, the
# identity (masked per viewer), the names of the unit, category and handler
LIST_COLUMNS = (
    "pk", "number", "type", "channel", "policy", "received_at", "subject", "severity",
    "upgraded_via", "status", "stage", "round", "supervised", "due_at", "final_due_at",
    "deadline_provisional", "version", "confidential", "anonymous", "customer_class",
    "complainant_name", "complainant_phone", "complainant_email", "complainant_id_number",
    "complainant_address", "unit__code", "unit__name", "category__code", "handler__username",
)  # fmt: skip


class ListRow:
    """One row of ``LIST_COLUMNS`` by name; reads as a ``Ticket`` for ``identity_for`` and
    ``is_overdue`` (the identity's and the deadline's columns)."""

    __slots__ = LIST_COLUMNS

    def __init__(self, values: tuple[Any, ...]) -> None:
        for name, value in zip(LIST_COLUMNS, values, strict=True):
            setattr(self, name, value)


class PageOfRows:
    """What the list pages: slices read as tuples (``list_rows``); the page's capped count
    (``api.pagination``: ``count_source``) runs on the tickets alone, without the joins
    the rows read (measured: 10 ms of 50 for a coordinator, issue 17)."""

    def __init__(self, tickets: QuerySet[Ticket]) -> None:
        self.count_source = tickets
        self.ordered = tickets.ordered

    def __getitem__(self, key: slice) -> list[Any]:
        return list(list_rows(self.count_source)[key])


def list_rows(tickets: QuerySet[Ticket]) -> QuerySet[Any]:
    """The list's queryset as tuples of ``LIST_COLUMNS``: filters, ordering and paging
    apply to it as to any queryset."""
    return tickets.select_related(None).values_list(*LIST_COLUMNS)


class TicketListOut(TicketOut):
    class Meta(TicketOut.Meta):
        fields = LIST_FIELDS
        read_only_fields = fields

    def to_representation(self, instance: Any) -> dict[str, Any]:
        t: Any = instance if isinstance(instance, Ticket) else ListRow(instance)
        now, labels, zone = self._now(), self._labels(), self._zone()
        key = (t.policy, t.type, t.stage)
        label = labels.get(key)
        if label is None:
            label = labels[key] = get_pack(t.policy).type(t.type).stage(t.stage).label
        return {
            "number": t.number,
            "type": t.type,
            "channel": t.channel,
            "policy": t.policy,
            "received_at": _when(t.received_at, zone),
            "subject": t.subject,
            "complainant": complainant_data(cast(Ticket, t), self._user(), unmask=self.context.get("unmask")),
            "category": _code(t, "category"),
            "severity": t.severity,
            "upgraded_via": t.upgraded_via,
            "unit": _code(t, "unit"),
            "unit_name": getattr(t, "unit__name") if isinstance(t, ListRow) else t.unit.name,  # noqa: B009
            "status": t.status,
            "stage": t.stage,
            "stage_label": label,
            "round": t.round,
            "handler": _code(t, "handler"),
            "supervised": t.supervised,
            "due_at": _when(t.due_at, zone),
            "final_due_at": _when(t.final_due_at, zone),
            "deadline_provisional": t.deadline_provisional,
            "overdue": is_overdue(cast(Ticket, t), now),
            "version": t.version,
        }

    # one clock and one label table per page: the serializer (the list's child) is made
    # per request and reused for each row
    _page_now: Any = None
    _page_labels: dict[tuple[str, str, str], str] | None = None

    def _now(self) -> Any:
        if self._page_now is None:
            self._page_now = timezone.now()
        return self._page_now

    _page_zone: Any = None

    def _zone(self) -> Any:
        if self._page_zone is None:
            self._page_zone = timezone.get_current_timezone()
        return self._page_zone

    def _labels(self) -> dict[tuple[str, str, str], str]:
        if self._page_labels is None:
            self._page_labels = {}
        return self._page_labels


def _when(value: Any, zone: Any) -> Any:
    """As DRF's ``DateTimeField`` writes an aware time in ISO 8601 (REST_FRAMEWORK's
    default format) — in the current time zone, ``Z`` for UTC — without its per-call
    settings and time-zone lookups."""
    if not value:
        return None
    text: str = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _code(t: Any, relation: str) -> str | None:
    """The slug the list shows for a relation: a unit's or category's code, a handler's
    user name; ``None`` when there is none."""
    slug = "username" if relation == "handler" else "code"
    if isinstance(t, ListRow):
        return cast(str | None, getattr(t, f"{relation}__{slug}"))
    related = getattr(t, relation)
    return None if related is None else cast(str, getattr(related, slug))
