"""Each hot query is served by the index declared for it in ``Ticket.Meta.indexes``.

A few thousand tickets are loaded with the volume generator (``COPY``), analysed, and each
query — built the way the app builds it (``hotline/api/filters.py``,
``hotline/workflow/access.py``) — is explained with ``EXPLAIN (FORMAT JSON)``; the test
walks the plan tree for an index scan on the expected index.

On so little data the planner may rightly prefer a sequential scan, so every plan is taken
with ``SET LOCAL enable_seqscan = off`` (inside the test's transaction). That proves the
index *matches* the query (right columns, partial-index predicate implied by the
query's ``status IN (...)``); whether the planner *chooses* it at volume is what
``bench/hot_queries.py`` shows on a million tickets (see ``bench/README.md``).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth

from hotline.demo.volume import generate
from hotline.org.models import Unit
from hotline.tickets.models import OPEN_STATUSES, Ticket

pytestmark = pytest.mark.postgres_only

GENERATED_AT = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday morning
INDEX_NODES = frozenset({"Index Scan", "Index Only Scan", "Bitmap Index Scan"})


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            f"EXPLAIN plans need PostgreSQL (this run uses {connection.vendor}); "
            "set DATABASE_URL=postgres://…"
        )


@pytest.fixture
def volume(org: Any) -> None:
    # Over 8 years, so that "one year" selects an eighth of the rows, as it would in a
    # long-running hotline (on 4000 rows a whole-table year looks like a full scan).
    # A fixed "now" (and seed) makes the data the same on every run: with the clock's now,
    # the few tickets still open on such sparse data depended on the hour and weekday.
    generate(tickets=4000, seed=11, batch=2000, years=8.0, now=GENERATED_AT)  # ends with ANALYZE
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # see the module docstring


def index_scans(qs: QuerySet[Any]) -> set[str]:
    """Names of the indexes the plan of ``qs`` scans (anywhere in the tree)."""
    plan = json.loads(qs.explain(format="json"))[0]["Plan"]
    found, stack = set(), [plan]
    while stack:
        node = stack.pop()
        if node["Node Type"] in INDEX_NODES:
            found.add(node["Index Name"])
        stack.extend(node.get("Plans", []))
    return found


def busiest(field: str) -> Any:
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES, **{f"{field}__isnull": False})
    counts = Counter(open_tickets.values_list(field, flat=True))
    assert counts, f"no open ticket with a {field}"
    return counts.most_common(1)[0][0]


def test_a_units_open_tickets_by_due_time_use_ticket_open_unit_due(volume):
    unit = Unit.objects.get(pk=busiest("unit"))
    qs = Ticket.objects.filter(unit__path__startswith=unit.path, status__in=OPEN_STATUSES)  # as filter_unit
    qs = qs.order_by("due_at")[:50]
    assert "ticket_open_unit_due" in index_scans(qs)


def test_a_handlers_open_tickets_by_due_time_use_ticket_open_handler_due(volume):
    handler = busiest("handler")
    qs = Ticket.objects.filter(handler_id=handler, status__in=OPEN_STATUSES).order_by("due_at")[:50]
    assert "ticket_open_handler_due" in index_scans(qs)


def test_a_callers_history_by_phone_uses_ticket_phone_received(volume):
    phone = Counter(Ticket.objects.exclude(complainant_phone="").values_list("complainant_phone", flat=True))
    number = phone.most_common(1)[0][0]
    # as TicketFilter.filter_phone, in the model's default order (newest first)
    qs = Ticket.objects.filter(complainant_phone=number, confidential=False).order_by("-received_at")
    assert "ticket_phone_received" in index_scans(qs)


def test_the_reminder_sweep_uses_ticket_open_due(volume):
    qs = Ticket.objects.filter(status__in=OPEN_STATUSES, due_at__lt=GENERATED_AT).order_by("due_at")[:500]
    assert "ticket_open_due" in index_scans(qs)


def test_monthly_counts_by_type_category_unit_use_ticket_stats(volume):
    end = GENERATED_AT
    qs = (
        Ticket.objects.filter(received_at__gte=end - timedelta(days=365), received_at__lt=end)
        .annotate(month=TruncMonth("received_at"))
        .values("month", "type", "category", "unit")
        .annotate(n=Count("*"))
        .order_by()
    )
    assert "ticket_stats" in index_scans(qs)
