"""Time the hot ticket queries at volume and show how PostgreSQL runs them.

Usage (see bench/README.md)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench python bench/hot_queries.py [--runs 9]

Each query is run once to warm the cache, then ``--runs`` times; the median wall time is
reported (Python + ORM + database, as the app sees it). Then ``EXPLAIN (ANALYZE,
BUFFERS)`` gives the server's execution time and the plan, summarised as one line per
node. The API rows time Django's test ``Client`` in-process (server time, no network)
and break the request down into its SQL statements.

The querysets are built the way the app builds them: ``TicketFilter`` (unit by path
prefix, phone), ``tickets_visible_to`` (list scoping), the model's default ordering.
"""
# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotline.followup.models import SweepSchedule
from hotline.followup.services import BATCH_SIZE as SWEEP_BATCH
from hotline.org.models import Membership, Role, Unit, UnitKind
from hotline.tickets.models import OPEN_STATUSES, Ticket
from hotline.workflow.access import UNIT_ROLES, tickets_visible_to

# the tables whose reads the last column names (row d reads the sweep's schedule)
READ_TABLES = ("tickets_ticket", "followup_sweepschedule")


@dataclass
class Result:
    key: str
    title: str
    median_ms: float
    rows: int
    exec_ms: float | None = None
    plan: list[str] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def explain(sql: str, params: Any) -> tuple[float, list[str], list[str]]:
    """Execution time (ms), one line per plan node, and how ``READ_TABLES`` are read."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        raw = cursor.fetchone()[0]
    doc = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    lines: list[str] = []
    indexes: list[str] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        name = node["Node Type"]
        index = node.get("Index Name", "")
        # the ticket table, or the sweep's schedule that (d) reads instead
        table = node.get("Relation Name")
        on_tickets = table in READ_TABLES or index.startswith(("ticket", "sweep_schedule"))
        if name.endswith("Scan") and name != "Bitmap Heap Scan" and on_tickets:
            indexes.append(f"{'Parallel ' if node.get('Parallel Aware') else ''}{name} {index}".strip())
        if index:
            name += f" using {index}"
        if node.get("Relation Name") and not node.get("Index Name"):
            name += f" on {node['Relation Name']}"
        detail = f"rows={node.get('Actual Rows')} loops={node.get('Actual Loops')}"
        detail += f" time={node.get('Actual Total Time', 0):.2f}ms"
        hit, read = node.get("Shared Hit Blocks", 0), node.get("Shared Read Blocks", 0)
        detail += f" buffers hit={hit} read={read}"
        for key in ("Index Cond", "Filter", "Join Filter", "Hash Cond", "Sort Key", "Group Key"):
            if key in node:
                value = node[key]
                detail += f" {key.lower()}={', '.join(value) if isinstance(value, list) else value}"
        lines.append("  " * depth + f"{name} ({detail})")
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(doc["Plan"], 0)
    return float(doc["Execution Time"]), lines, indexes


def bench_queryset(key: str, title: str, qs: QuerySet[Any], runs: int) -> Result:
    ms, rows = median_ms(lambda: list(qs.all()), runs)  # .all(): a fresh clone, no result cache
    sql, params = qs.query.sql_with_params()
    exec_ms, plan, indexes = explain(sql, params)
    return Result(key, title, ms, len(rows), exec_ms, plan, indexes)


def bench_request(key: str, title: str, client: Client, url: str, runs: int) -> Result:
    def get() -> Any:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:500])
        return response

    ms, response = median_ms(get, runs)
    body = response.json()
    rows = len(body.get("results", [])) if isinstance(body, dict) and "results" in body else 1
    with CaptureQueriesContext(connection) as captured:
        get()
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    result = Result(key, title, ms, rows)
    result.notes.append(f"{len(queries)} SQL statements, {sum(t for t, _ in queries):.1f} ms in SQL:")
    for t, sql in queries:
        result.notes.append(f"  {t:6.1f} ms  {sql[:160]}")
    on_tickets = [(t, sql) for t, sql in queries if sql.startswith("SELECT") and '"tickets_ticket"' in sql]
    if on_tickets:
        _t, slowest = max(on_tickets)
        result.notes.append("plan of the slowest ticket query:")
        result.exec_ms, result.plan, result.indexes = explain(slowest, None)
    return result


def busiest(field_name: str, **filters: Any) -> Any:
    qs = Ticket.objects.filter(**filters).exclude(**{f"{field_name}__isnull": True})
    row = qs.values(field_name).annotate(n=Count("*")).order_by("-n").first()
    if row is None:
        raise SystemExit(f"no ticket with a {field_name}: generate data first (bench/README.md)")
    return row[field_name]


def user_with(role: str, unit_kind: str | None = None) -> Any:
    memberships = Membership.objects.filter(role=role).select_related("user", "unit").order_by("pk")
    if unit_kind:
        memberships = memberships.filter(unit__kind=unit_kind)
    m = memberships.first()
    if m is None:
        raise SystemExit(f"no user with role {role}")
    return m.user, m.unit


def run(runs: int) -> list[Result]:
    results: list[Result] = []
    now = timezone.now()

    def open_in(unit: Unit) -> QuerySet[Ticket]:  # as TicketFilter.filter_unit
        qs = Ticket.objects.filter(unit__path__startswith=unit.path, status__in=OPEN_STATUSES)
        return qs.order_by("due_at")[:50]

    dept = Unit.objects.get(pk=busiest("unit", status__in=OPEN_STATUSES, unit__kind=UnitKind.DEPARTMENT))
    results.append(bench_queryset("a", f"a unit's open tickets by due time, first 50 ({dept.code})",
                                  open_in(dept), runs))
    county = dept.parent or dept
    title = f"same for a unit and all below it ({county.code})"
    results.append(bench_queryset("a2", title, open_in(county), runs))

    handler = busiest("handler", status__in=OPEN_STATUSES)
    qs = Ticket.objects.filter(handler_id=handler, status__in=OPEN_STATUSES).order_by("due_at")[:50]
    results.append(bench_queryset("b", "a handler's open tickets by due time, first 50", qs, runs))

    phones = Counter(
        Ticket.objects.exclude(complainant_phone="").order_by("-received_at")
        .values_list("complainant_phone", flat=True)[:20000]
    )
    phone, calls = phones.most_common(1)[0]
    qs = Ticket.objects.filter(complainant_phone=phone, confidential=False).order_by("-received_at")
    title = f"a caller's history by phone (a frequent caller, {calls}+ calls)"
    results.append(bench_queryset("c", title, qs, runs))

    # what ``followup.services._sweep_tickets`` runs: the tickets whose next point has come,
    # from the sweep's schedule table (ADR 0011), a batch at a time; each is then locked
    # and read by key
    qs = (
        SweepSchedule.objects.filter(next_at__lte=now)
        .order_by("next_at")
        .values_list("ticket_id", flat=True)[:SWEEP_BATCH]
    )
    title = f"tickets due a look by the reminder sweep (its schedule), first {SWEEP_BATCH}"
    results.append(bench_queryset("d", title, qs, runs))

    qs = (
        Ticket.objects.filter(received_at__gte=now - timedelta(days=365), received_at__lt=now)
        .annotate(month=TruncMonth("received_at"))
        .values("month", "type", "category", "unit")
        .annotate(n=Count("*"))
        .order_by()
    )
    results.append(bench_queryset("e", "counts by month × type × category × unit, last 365 days",
                                  qs, runs))

    coordinator, _unit = user_with(Role.COORDINATOR)
    head, head_unit = user_with(Role.DEPT_HEAD)
    as_whom = (("f1", coordinator, "coordinator"), ("f2", head, f"dept head of {head_unit.code}"))
    for key, user, label in as_whom:
        client = Client()
        client.force_login(user)
        title = f"GET /api/v1/tickets/?page_size=50 as {label}"
        results.append(bench_request(key, title, client, "/api/v1/tickets/?page_size=50", runs))

    client = Client()
    client.force_login(coordinator)
    number = Ticket.objects.order_by("-received_at").values_list("number", flat=True)[1000]
    results.append(bench_request("g", "GET /api/v1/tickets/{number}/ as coordinator", client,
                                 f"/api/v1/tickets/{number}/", runs))
    return results


def visible_by_unit_ids(user: Any) -> QuerySet[Ticket]:
    """``tickets_visible_to`` with the covered units resolved to ids first (a proposal):
    ``unit_id IN (…)`` instead of joining ``org_unit`` twice, so PostgreSQL can OR together
    index scans on the foreign-key indexes instead of scanning every ticket."""
    q = Q(handler_id=user.pk) | Q(registered_by_id=user.pk)
    for m in Membership.objects.filter(user=user).select_related("unit"):
        below = list(Unit.objects.filter(path__startswith=m.unit.path).values_list("pk", flat=True))
        q |= Q(unit_id__in=below)
        if m.role not in UNIT_ROLES:
            q |= Q(owner_unit_id__in=below)
    return Ticket.objects.filter(q)


def estimated_count(qs: QuerySet[Any]) -> int:
    """The planner's row estimate: what a paginator could show instead of an exact count."""
    return int(json.loads(qs.explain(format="json"))[0]["Plan"]["Plan Rows"])


def bench_count(key: str, title: str, qs: QuerySet[Any], runs: int) -> Result:
    ms, n = median_ms(qs.count, runs)
    with CaptureQueriesContext(connection) as captured:
        qs.count()
    exec_ms, plan, indexes = explain(captured.captured_queries[-1]["sql"], None)
    return Result(key, title, ms, n, exec_ms, plan, indexes)


def alternatives(runs: int) -> list[Result]:
    """Measured alternatives for the slow rows (not what the app does today)."""
    results: list[Result] = []
    coordinator, _unit = user_with(Role.COORDINATOR)
    head, head_unit = user_with(Role.DEPT_HEAD)
    as_whom = (("p1", coordinator, "coordinator"), ("p2", head, f"dept head of {head_unit.code}"))
    for key, user, label in as_whom:
        current = tickets_visible_to(user)
        page = current.order_by("-received_at")[:50]
        results.append(bench_queryset(f"{key}a", f"list page only, no COUNT ({label})", page, runs))
        results.append(bench_count(f"{key}b", f"exact COUNT as today ({label})", current, runs))
        proposed = visible_by_unit_ids(user)
        title = f"exact COUNT, unit ids resolved first ({label})"
        results.append(bench_count(f"{key}c", title, proposed, runs))
        ms, n = median_ms(lambda q=current: estimated_count(q), runs)
        results.append(Result(f"{key}d", f"planner's estimate instead of COUNT ({label})", ms, n))
    now = timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    this_month = (
        Ticket.objects.filter(received_at__gte=month_start, received_at__lt=now)
        .annotate(month=TruncMonth("received_at"))
        .values("month", "type", "category", "unit")
        .annotate(n=Count("*"))
        .order_by()
    )
    results.append(bench_queryset("p3", "(e) for the current month only (the live part of a rollup)",
                                  this_month, runs))
    return results


def header() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SELECT current_setting('shared_buffers'), current_setting('work_mem')")
        shared_buffers, work_mem = cursor.fetchone()
    tickets = Ticket.objects.count()
    users = get_user_model().objects.count()
    return [
        f"database: {connection.vendor} {version} (shared_buffers={shared_buffers}, work_mem={work_mem})",
        f"tickets: {tickets:,} · open: {Ticket.objects.filter(status__in=OPEN_STATUSES).count():,}"
        f" · units: {Unit.objects.count()} · users: {users}",
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
    ]


def print_table(results: list[Result]) -> None:
    print("| | query | median (ms) | server exec (ms) | rows "
          "| how tickets_ticket (d: the sweep's schedule) is read |")
    print("|---|---|---:|---:|---:|---|")
    for r in results:
        exec_ms = f"{r.exec_ms:.2f}" if r.exec_ms is not None else ""
        read = ", ".join(dict.fromkeys(r.indexes))
        read = f"**{read}**" if "Seq Scan" in read else read
        print(f"| {r.key} | {r.title} | {r.median_ms:.2f} | {exec_ms} | {r.rows:,} | {read} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per query (median reported)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("hot_queries.py needs PostgreSQL: set DATABASE_URL=postgres://… (bench/README.md)")
    for line in header():
        print(line)
    results = run(args.runs)
    proposals = alternatives(args.runs)
    print()
    print_table(results)
    print("\nAlternatives for the slow rows (measured here; not what the app does today):\n")
    print_table(proposals)
    for r in results + proposals:
        if not r.plan and not r.notes:
            continue
        print(f"\n### ({r.key}) {r.title}")
        for note in r.notes:
            print(f"  {note}")
        for line in r.plan:
            print(f"  {line}")


if __name__ == "__main__":
    main()
