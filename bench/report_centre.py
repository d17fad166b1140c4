"""The report centre's first screen at volume: ``GET /reports/`` (last full month, the default
measures by 责任单位, with the previous month and the same month last year) as the server
sees it — middleware, the first screen's reads (``reports.batch.stats_batch``), the
template — plus the hot-topics fragment and a drill-down page that load after it.

Usage::

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench
    python bench/report_centre.py [--runs 7] 2>/dev/null   # stderr: the request log

The facts must be current (``hotline stats_recount`` after ``hotline generate``). Each page is
timed warm (one request first, then the median of ``--runs``) with Django's test client,
which runs the whole request in-process: the time is the server's, without the network.
Bound (issue 11): the first screen ≤ 300 ms. Exit status 1 if over it.
"""
# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from hotline.reports.models import Fact
from hotline.reports.periods import add_months
from hotline.tickets.models import Ticket

MAX_FIRST_SCREEN = 0.300


def median_s(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("needs PostgreSQL (DATABASE_URL)")
        return 2
    tickets = Ticket.objects.count()
    facts = Fact.objects.count()
    latest = Ticket.objects.order_by("-received_at").values_list("received_at", flat=True).first()
    assert latest is not None, "no tickets: run hotline generate"
    end = latest.date().replace(day=1) - timedelta(days=1)  # the last full month
    start = add_months(end.replace(day=1), 0)
    span = f"from={start}&to={end}"
    print(f"# Report centre benchmark — first screen ≤ {MAX_FIRST_SCREEN * 1000:.0f} ms")
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, ", end=""
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(f"PostgreSQL {cursor.fetchone()[0]}; load average {os.getloadavg()[0]:.1f}")
    print(
        f"data: {tickets:,} tickets, {facts:,} facts; month {start} … {end}; "
        f"median of {args.runs} warm runs\n"
    )
    failed = False
    model = get_user_model()
    for name in ("coordinator", "leader", "head"):
        user = model.objects.filter(username=name).first()
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        pages = [
            ("first screen", f"/reports/?{span}", True),
            (
                "first screen, by unit × month, 2 quarters",
                f"/reports/?from={add_months(start, -5)}&to={end}"
                "&by=unit&by=month&measure=received&measure=overdue",
                False,
            ),
            ("hot topics (fragment; words cached 10 min)", f"/reports/hot/?{span}", False),
        ]
        for label, url, bound in pages:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])
            t, response = median_s(lambda u=url, c=client: c.get(u), args.runs)
            ok = not bound or t <= MAX_FIRST_SCREEN
            failed |= not ok
            mark = ("yes" if ok else "NO") if bound else ""
            print(f"  {name:<12} {label:<42} {t * 1000:>8.1f} ms  {mark}")
            if label == "first screen":
                html = response.content.decode()
                link = re.search(r'data-measure="overdue"[^>]*><a href="([^"]+)"', html)
                if link:
                    drill = link.group(1).replace("&amp;", "&")
                    t, response = median_s(lambda u=drill, c=client: c.get(u), args.runs)
                    count = re.search(r'data-count="(\d+)"', response.content.decode())
                    n = count.group(1) if count else "?"
                    print(
                        f"  {name:<12} {'drill: a unit overdue (' + n + ' tickets)':<42} {t * 1000:>8.1f} ms"
                    )
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    print("result:", "FAIL (over the bound)" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
