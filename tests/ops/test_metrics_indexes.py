"""Every query a ``/metrics`` scrape runs reads a partial index (open tickets, open or dead
messages, due sweep points): never the whole table, however many closed tickets it holds.

The exact statements of a scrape are captured and explained with ``enable_seqscan = off``
(on a few rows the planner rightly prefers a sequential scan; switched off, it still takes
one when no index matches — which is what this test catches).
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import register

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]

PARTIAL = {
    "tickets_ticket": {
        "ticket_open_due",
        "ticket_open_unit_due",
        "ticket_open_handler_due",
        "ticket_open_stage",
        "ticket_open_registered",
    },
    "notify_message": {"message_due", "message_dead"},
    "followup_sweepschedule": {"sweep_schedule_next"},
}


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"EXPLAIN plans need PostgreSQL (this run uses {connection.vendor})")


def scans(sql: str) -> list[tuple[str, str, str]]:
    """(node type, table, index) of every scan in the plan of ``sql``."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found, stack = [], [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        if "Relation Name" in node or "Index Name" in node:
            found.append((node["Node Type"], node.get("Relation Name", ""), node.get("Index Name", "")))
        stack.extend(node.get("Plans", []))
    return found


def test_every_scrape_query_reads_a_partial_index(client, users):
    for _ in range(3):
        register(users["agent"])  # open tickets, their messages and sweep points
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SET LOCAL enable_seqscan = off")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/metrics").status_code == 200
    statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) == 6
    tables_read = set()
    for sql in statements:
        for node, table, index in scans(sql):
            assert node != "Seq Scan", f"{table} read in full by: {sql}"
            if index:
                table = table or next(t for t, names in PARTIAL.items() if index in names)
                assert index in PARTIAL[table], f"{index} is not a partial index of {table}: {sql}"
                tables_read.add(table)
    assert tables_read == set(PARTIAL)
