"""Tickets in the admin are read-only: they change only through the workflow service.

Categories are configuration and editable. The ticket list itself is registered in
``hotline.workflow.admin``: its search by phone asks the core's identity rule
(``workflow.identity``), which sits above this layer.

**Lists of a million rows** (issue 17 item 4). Django's admin counts a list twice per page
(``COUNT(*)`` with the filters, and again without them for "N total"), and that count
reads every row: 250–550 ms at one million tickets, on every page, every filter click and
every search. :class:`LargeTableAdmin`, the base of every list of records that grows with
the volume, does not:

* no total without the filters (``show_full_result_count = False``) and no facet counts
  (``show_facets = NEVER``: a count per filter choice);
* :class:`LargeTablePaginator`: an unfiltered list larger than ``COUNT_CAP`` shows
  PostgreSQL's own row estimate (``pg_class.reltuples``, kept by autovacuum/ANALYZE; one
  catalogue read) as "约 1,000,000"; anything else is counted only up to ``COUNT_CAP``
  (``COUNT(*)`` over ``LIMIT cap+1``: stops after 10,001 index entries) and shown as
  "10,000 以上" past it. Either way paging stops at the cap, as the API's does
  (``api/pagination.py``): nobody pages through ten thousand rows, and a deep ``OFFSET``
  reads every row before it. Narrow the filter or search to go further.

Lists with a date use a range filter (today, past 7 days, this month, this year) instead
of ``date_hierarchy``, whose year links are a ``SELECT DISTINCT`` over every row's date; a
filter on a column without choices takes them from the code (:func:`choices_filter`)
instead of Django's ``SELECT DISTINCT`` over the column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from math import ceil
from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from hotline.tickets.models import Category, ExtensionRequest, Ticket, TicketEvent

if TYPE_CHECKING:
    # django-stubs makes the admin classes generic in their models; Django's classes cannot
    # be subscripted at run time, so only the type checker sees the parameters.
    _CategoryAdmin = admin.ModelAdmin[Category]
    _ModelAdmin = admin.ModelAdmin[Any]
    _EventInline = admin.TabularInline[TicketEvent, Ticket]
    _Paginator = Paginator[Any]
else:
    _CategoryAdmin = _ModelAdmin = admin.ModelAdmin
    _EventInline = admin.TabularInline
    _Paginator = Paginator

# Rows an admin list counts exactly, and pages through, at most (as the API's list).
COUNT_CAP = 10_000


class RowCount(int):
    """A number of rows that may not be an exact count: it compares and computes as the
    number, and shows as what it is ("约 1,000,000", "10,000 以上") wherever the admin's
    templates print it."""

    label: str

    def __new__(cls, value: int, label: str = "") -> RowCount:
        count = super().__new__(cls, value)
        count.label = label or str(int(value))
        return count

    def __str__(self) -> str:
        return self.label


def estimated_rows(model: type[Model], using: str) -> int | None:
    """PostgreSQL's estimate of the rows in ``model``'s table; None when there is none
    (another database, or a table never analysed: ``reltuples`` is -1 then)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [model._meta.db_table])
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:
        return None
    return int(row[0])


class LargeTablePaginator(_Paginator):
    """A paginator that never counts more than ``cap`` rows (see the module's docstring)."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        rows = cast("QuerySet[Any]", self.object_list)  # the admin pages querysets only
        if not rows.query.where and not rows.query.is_sliced:
            estimate = estimated_rows(rows.model, rows.db)
            if estimate is not None and estimate > self.cap:
                return RowCount(estimate, f"约 {estimate:,}")
        counted = rows.order_by()[: self.cap + 1].count()
        if counted > self.cap:
            return RowCount(counted, f"{self.cap:,} 以上")
        return counted

    @cached_property
    def num_pages(self) -> int:
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        hits = max(1, min(self.count, self.cap) - self.orphans)
        return ceil(hits / self.per_page)


def choices_filter(
    field: str, title: str, choices: Callable[[], Iterable[tuple[str, str]]]
) -> type[admin.SimpleListFilter]:
    """A list filter on ``field`` offering ``choices()`` — what the code knows the column
    holds (the loaded packs, the kinds it writes) — where Django would list the values
    with a ``SELECT DISTINCT`` over the whole table."""

    class ChoicesFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return list(choices())

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            value = self.value()
            return queryset.filter(**{field: value}) if value else queryset

    ChoicesFilter.title = title
    return ChoicesFilter


class LargeTableAdmin(_ModelAdmin):
    """The base of an admin list whose table grows with the volume: no full count, no facet
    counts, a paginator that stops at ``COUNT_CAP`` (see the module's docstring).

    Subclasses keep their filters to choices, small tables and date ranges, and their
    search to indexed lookups (``ticket__number__startswith``, not ``icontains``)."""

    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


@admin.register(Category)
class CategoryAdmin(_CategoryAdmin):
    list_display = ["name", "code", "parent", "sort", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["name", "code"]


class ReadOnlyAdmin(LargeTableAdmin):
    """Records (tickets and the rows they accumulate): viewed, never changed here."""

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


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "amount", "unit", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = ["status"]
