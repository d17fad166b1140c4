"""Each workbench list is served by a partial index on open tickets (PostgreSQL plans).

As in ``tests/perf/test_indexes.py``: a few thousand generated tickets, plans taken with
``enable_seqscan = off`` to prove the index *matches* the query the page builds.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count, Index, Q, QuerySet
from django.utils import timezone

from hotline.demo.volume import generate
from hotline.tickets.models import Ticket
from hotline.web import selectors

pytestmark = pytest.mark.postgres_only
GENERATED_AT = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# every partial index on open tickets: which of them the planner takes for a count depends on
# the table's statistics at that moment (it took ``ticket_open_registered`` once in CI)
OPEN_INDEXES = {
    index.name
    for index in Ticket._meta.indexes
    if isinstance(index, Index) and index.condition == Q(status__in=["open", "suspended"])
}


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans need PostgreSQL; set DATABASE_URL=postgres://…")


@pytest.fixture
def volume(org: Any) -> None:
    # a fixed "now" (a Wednesday morning): with the clock's, the few tickets left open on such
    # sparse data depend on the hour and weekday — an evening run had three, and the planner
    # rightly walked another index (tests/perf/test_indexes.py does the same)
    generate(tickets=3000, seed=7, batch=3000, years=4.0, history="none", now=GENERATED_AT)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")


def index_scans(qs: QuerySet[Any]) -> set[str]:
    plan = json.loads(qs.explain(format="json"))[0]["Plan"]
    found, stack = set(), [plan]
    while stack:
        node = stack.pop()
        if "Index Name" in node:
            found.add(node["Index Name"])
        stack.extend(node.get("Plans", []))
    return found


def test_a_heads_worklist_uses_the_open_unit_index(volume, users):
    qs = selectors.open_tickets(users["head"]).filter(selectors.my_tickets_q(users["head"]))[:51]
    assert "ticket_open_unit_due" in index_scans(qs)


def test_the_board_counts_read_open_tickets_by_index(volume, users):
    assert {"ticket_open_unit_due", "ticket_open_due", "ticket_open_registered"} <= OPEN_INDEXES
    coordinator = users["coordinator"]
    grouped = selectors.open_tickets(coordinator).order_by().values("stage").annotate(n=Count("pk"))
    assert index_scans(grouped) & OPEN_INDEXES
    urgent = selectors.open_tickets(coordinator).filter(due_at__lt=timezone.now())[:51]
    assert index_scans(urgent) & OPEN_INDEXES
