"""The Django admin's ticket list at volume: as shipped now, as it was, and the SQL by hand.

Usage (see bench/README.md, "The Django admin at one million")::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench python bench/admin_pages.py [--runs 7]

Each page is requested in-process with Django's test ``Client`` (routing, middleware, the
admin's view, SQL, template) as a superuser, three ways, interleaved (now, before, SQL;
the order turns each round) after one warm-up each, and the medians are printed:

* **now**: ``/admin/tickets/ticket/`` as registered (``hotline.workflow.admin``);
* **before**: the same model under a second admin site with the list as it was before
  issue 17 item 4 (``BeforeTicketAdmin`` below: ``date_hierarchy``, a policy filter over
  the column, ``search_fields = ["number", "subject"]``, Django's paginator and full count);
* **SQL**: the page's rows by hand — the 100 tickets with their unit, in the list's order,
  with the search's condition — and, where the page shows one, the count it needs
  (the catalogue's estimate, or ``COUNT`` up to 10,001).

For "now" it also prints the statements per request and the time spent in them (measured
around each statement: fractional milliseconds).
"""
# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client, override_settings
from django.urls import path
from django.utils import timezone

import hotline.urls
from bench.hot_queries import header
from bench.pages import SqlTimer
from hotline.core.phones import national_number
from hotline.tickets.admin import EventInline
from hotline.tickets.models import Ticket

NOW = "/admin/tickets/ticket/"
BEFORE = "/before-admin/tickets/ticket/"


class BeforeTicketAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The ticket list as it was before issue 17 item 4 (``git show 456ef1f:hotline/tickets/admin.py``)."""

    list_display = ["number", "type", "subject", "unit", "stage", "status", "due_at", "received_at"]
    list_filter = ["status", "type", "channel", "severity", "policy"]
    search_fields = ["number", "subject"]
    date_hierarchy = "received_at"
    inlines = [EventInline]
    exclude = (
        "complainant_name",
        "complainant_phone",
        "complainant_email",
        "complainant_id_number",
        "complainant_address",
        "query_code",
    )

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


before_site = admin.AdminSite(name="before")
# every other model as the real site has it, so the navigation renders the same
before_site._registry = {**admin.site._registry, Ticket: BeforeTicketAdmin(Ticket, before_site)}


class Urls:
    """The project's URLs plus the "before" admin site (a class: ``get_resolver`` caches by it)."""

    urlpatterns = [path("before-admin/", before_site.urls), *hotline.urls.urlpatterns]
    handler404 = hotline.urls.handler404
    handler500 = hotline.urls.handler500


# the list's row, by hand: what the page shows (its columns and the unit's name)
ROWS_SQL = """
    SELECT t.id, t.number, t.type, t.subject, t.stage, t.status, t.due_at, t.received_at, u.id, u.name
    FROM tickets_ticket t JOIN org_unit u ON u.id = t.unit_id
    WHERE {where}
    ORDER BY t.received_at DESC, t.id DESC
    LIMIT 100
"""
COUNT_SQL = "SELECT count(*) FROM (SELECT 1 FROM tickets_ticket t WHERE {where} LIMIT 10001) s"
ESTIMATE_SQL = "SELECT reltuples FROM pg_class WHERE oid = 'tickets_ticket'::regclass"


@dataclass
class Case:
    title: str
    now: dict[str, str]  # query parameters on the list as shipped now
    before: dict[str, str] | None  # the same on the list as it was (None: it had no way)
    where: str  # the hand-written page's condition
    params: list[Any] = field(default_factory=list)
    count: str = "capped"  # the count the page needs: "estimate", "capped"
    rows: dict[str, int] = field(default_factory=dict)  # rows each way gave, checked


def raw(case: Case) -> Callable[[], int]:
    def run() -> int:
        with connection.cursor() as cursor:
            cursor.execute(ROWS_SQL.format(where=case.where), case.params)
            n = len(cursor.fetchall())
            if case.count == "estimate":
                cursor.execute(ESTIMATE_SQL)
            else:
                cursor.execute(COUNT_SQL.format(where=case.where), case.params)
            cursor.fetchone()
        return n

    return run


def page(client: Client, url: str, params: dict[str, str]) -> Callable[[], int]:
    def run() -> int:
        response = client.get(url, params)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} {params}: HTTP {response.status_code}\n{response.content[:400]!r}")
        return response.content.count(b'class="field-number"')  # one per row shown

    return run


def cases() -> list[Case]:
    now = timezone.localtime()
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    next_month = (month + timedelta(days=32)).replace(day=1)
    newest = Ticket.objects.order_by("-received_at").values_list("number", flat=True)[1000]
    day = newest[:8]
    caller = (
        Ticket.objects.filter(confidential=False, received_at__gte=now - timedelta(days=90))
        .exclude(complainant_phone="")
        .values("complainant_phone")
        .annotate(n=Count("*"))
        .order_by("-n")
        .first()
    )
    assert caller is not None, "no non-confidential caller: generate data first"
    phone = caller["complainant_phone"]
    typed = national_number(phone)  # as an administrator types it: 13912345678
    pack = Ticket.objects.values_list("policy", flat=True).first() or ""
    return [
        Case("list, first page (no filter)", {}, {}, "true", count="estimate"),
        Case(
            "list, this month (date filter)",
            {"received_at__gte": str(month), "received_at__lt": str(next_month)},  # as the filter links
            {"received_at__year": str(month.year), "received_at__month": str(month.month)},
            "t.received_at >= %s AND t.received_at < %s",
            [month, next_month],
        ),
        Case(
            "list, open tickets (status filter)", {"status": "open"}, {"status": "open"}, "t.status = 'open'"
        ),
        Case(f"list, policy {pack}", {"policy": pack}, {"policy": pack}, "t.policy = %s", [pack]),
        Case("search: a whole number", {"q": newest}, {"q": newest}, "t.number = %s", [newest]),
        Case(
            f"search: a day's numbers ({day})",
            {"q": day},
            {"q": day},
            "t.number LIKE %s",
            [day + "%"],
        ),
        Case(
            "search: a caller's phone",
            {"q": typed},
            {"q": typed},  # before: no phone search; the digits went through both icontains
            "(t.number LIKE %s OR (t.complainant_phone = %s AND NOT t.confidential))",
            [typed + "%", phone],
        ),
        Case("search: a subject word (电饭煲)", {"q": "电饭煲"}, {"q": "电饭煲"}, "false"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each way per case (median)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("admin_pages.py needs PostgreSQL: set DATABASE_URL=postgres://… (bench/README.md)")
    superuser = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if superuser is None:
        raise SystemExit("no superuser in this database (hotline generate seeds the demo admin)")
    for line in header():
        print(line)
    print(f"as {superuser.username} (superuser) · {args.runs} interleaved runs per way · medians in ms\n")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(superuser)
    print(
        "| case | now | before | SQL by hand | now ÷ SQL | before ÷ now "
        "| rows now / before / SQL | now: statements, ms in SQL |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---|")
    with override_settings(ROOT_URLCONF=Urls):
        for case in cases():
            ways: dict[str, Callable[[], int]] = {"now": page(client, NOW, case.now), "sql": raw(case)}
            if case.before is not None:
                ways["before"] = page(client, BEFORE, case.before)
            times: dict[str, list[float]] = {name: [] for name in ways}
            for name, run in ways.items():
                case.rows[name] = run()  # warm-up
            order = list(ways)
            for i in range(args.runs):
                for name in order[i % len(order) :] + order[: i % len(order)]:
                    start = time.perf_counter()
                    ways[name]()
                    times[name].append((time.perf_counter() - start) * 1000)
            with SqlTimer() as timer:
                ways["now"]()
            med = {name: statistics.median(values) for name, values in times.items()}
            before = f"{med['before']:.1f}" if "before" in med else "—"
            gain = f"{med['before'] / med['now']:.1f}×" if "before" in med else "—"
            rows = " / ".join(str(case.rows.get(name, "—")) for name in ("now", "before", "sql"))
            print(
                f"| {case.title} | {med['now']:.1f} | {before} | {med['sql']:.2f} | "
                f"{med['now'] / med['sql']:.1f}× | {gain} | {rows} | {timer.count}, {timer.ms:.2f} |"
            )


if __name__ == "__main__":
    main()
